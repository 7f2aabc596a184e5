using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ModelDsl.Generators.Analysis;
using ModelDsl.Generators.Layers;
using ModelDsl.Generators.Model;

namespace ModelDsl.Generators.Emit;

/// <summary>The private members the managed code uses, named fresh by <see cref="ModelEmitter"/> so that none is the user's.</summary>
internal sealed record ManagedNames(string Dtype, string Device, string Workspace, string Runs, string Run, string MultiplyAdds, string Step, string SpanStep);

/// <summary>
/// The managed backend of a model: its forward, loss, backward and optimizer update as plain C# over spans of the
/// weights' memory, written from the same op graph and layer definitions as the TorchSharp code, with every shape a
/// constant and only the batch <c>n</c> known at run time. Each value has its slice of one block of memory, allocated
/// once (<c>ManagedWorkspace</c>); each statement is commented with the forward expression it computes or differentiates.
/// </summary>
internal sealed class ManagedEmitter
{
    private const string Tensor = "global::TorchSharp.torch.Tensor";
    private const string Managed = "global::ModelDsl.Managed";
    private const string Primitives = "global::System.Numerics.Tensors.TensorPrimitives";
    private const string T = "T";

    private readonly ModelPlan _plan;
    private readonly ModelDeclaration _model;
    private readonly OpGraph _graph;
    private readonly CodeWriter _w;
    private readonly IReadOnlyDictionary<int, string> _member;
    private readonly Dictionary<string, LayerDeclaration> _layers;
    private readonly Dictionary<int, ManagedLayer> _managed = new();
    private readonly Dictionary<int, string> _value = new(), _adjoint = new();
    private readonly string _dtype;
    private readonly ManagedNames _names;

    private ManagedEmitter(ModelPlan plan, CodeWriter writer, IReadOnlyDictionary<int, string> member, ManagedNames names)
    {
        _names = names;
        _plan = plan;
        _model = plan.Model;
        _graph = plan.Graph;
        _w = writer;
        _member = member;
        _dtype = names.Dtype;
        _layers = _model.Layers.ToDictionary(l => l.Name);
        foreach (OpNode node in _graph.Nodes.Where(n => n.Kind == OpKind.Layer))
        {
            LayerDeclaration layer = _layers[node.Symbol];
            _managed[node.Id] = layer.Definition.Managed(layer, [.. _graph[node.Inputs[0]].Shape], [.. node.Shape])!;
        }
    }

    /// <summary>Whether models get a managed backend at all: off until every span kernel the emitter calls is in the runtime.</summary>
    public const bool Enabled = true;

    /// <summary>Why the model has no managed backend (a layer or an operation it cannot run), or null when it has one.</summary>
    public static string? Unsupported(ModelPlan plan)
    {
        var layers = plan.Model.Layers.ToDictionary(l => l.Name);
        // Spans are indexed by int: every tensor, all the gradients together and a sample of every value must fit.
        if (plan.Tensors.Where(t => t.Trainable).Sum(t => t.Count) > int.MaxValue || plan.Tensors.Any(t => t.Count > int.MaxValue)
            || plan.Graph.Nodes.Any(n => PerSample(n.Shape) > int.MaxValue))
            return "its tensors or values exceed the 2,147,483,647 elements a span can hold";
        if (plan.Model.LossMethod is not null) return $"its [Loss] method '{plan.Model.LossMethod.Name}' runs on TorchSharp only";
        foreach (OpNode node in plan.Graph.Nodes)
        {
            string? problem = node.Kind switch
            {
                OpKind.Layer when layers[node.Symbol] is var l && l.Definition.Managed(l, [.. plan.Graph[node.Inputs[0]].Shape], [.. node.Shape]) is null
                    => $"layer '{l.Name}' ({l.Definition.KerasType}) has no managed implementation",
                OpKind.Add or OpKind.Subtract or OpKind.Multiply or OpKind.Divide or OpKind.Maximum or OpKind.Minimum
                    when !Constant(plan.Graph, node.Inputs[0]) && !Constant(plan.Graph, node.Inputs[1]) && Broadcast(plan.Graph, node) is null
                    => $"'{node.Source}' broadcasts {ShapeInference.Format(plan.Graph[node.Inputs[0]].Shape)} with {ShapeInference.Format(plan.Graph[node.Inputs[1]].Shape)}, which the managed code does not",
                OpKind.MatMul when plan.Graph[node.Inputs[0]].Shape.Count != 2 || plan.Graph[node.Inputs[1]].Shape.Count != 2
                    => $"'{node.Source}' is not a product of two matrices",
                OpKind.Call or OpKind.Power => $"'{node.Source}' has no managed implementation",
                _ => null,
            };
            if (problem is not null) return problem;
        }
        if (plan.Model.Loss == "SparseCategoricalCrossentropy" && plan.Metrics.Any(m => m.Computed != "SparseCategoricalAccuracy"))
            return "a metric other than accuracy needs the class indices turned into values, which only the TorchSharp code does";
        return null;
    }

    /// <summary>Writes the managed backend's members into the model class.</summary>
    public static void Emit(ModelPlan plan, CodeWriter writer, IReadOnlyDictionary<int, string> member, ManagedNames names)
        => new ManagedEmitter(plan, writer, member, names).Emit();

    /// <summary>Multiply-adds of one sample's forward and backward pass, roughly: what Auto weighs against its threshold.</summary>
    public static long MultiplyAdds(ModelPlan plan)
    {
        long total = 0;
        foreach (OpNode node in plan.Graph.Nodes)
        {
            long values = PerSample(node.Shape);
            if (node.Kind == OpKind.Layer)
            {
                long weights = plan.Tensors.Where(t => t.Owner == node.Symbol && t.Trainable).Sum(t => t.Count);
                // A layer's weights meet every output position once (a dense row, a convolution window, a time step):
                // forward, input gradient and weight gradient, each about weights × positions.
                int[] input = [.. plan.Graph[node.Inputs[0]].Shape];
                long positions = input.Length > 2 ? PerSample(plan.Graph[node.Inputs[0]].Shape) / input[input.Length - 1] : 1;
                total += 3 * System.Math.Max(weights, 1) * positions + 4 * values;
            }
            else if (node.Kind == OpKind.MatMul)
            {
                var a = plan.Graph[node.Inputs[0]].Shape;
                total += 3L * a[a.Count - 1] * PerSample(node.Shape);
            }
            else total += 3 * values;
        }
        return total;
    }

    // ---- shapes and names ----------------------------------------------------------------------------------------

    private static long PerSample(EquatableArray<int> shape)
    {
        // Saturating: shapes near int.MaxValue on several axes would overflow a long.
        long product = 1;
        foreach (int d in shape)
            if (d != ShapeInference.Batch && d > 0) product = product > long.MaxValue / d ? long.MaxValue : product * d;
        return product;
    }

    private static bool Batched(EquatableArray<int> shape) => shape.Count > 0 && shape[0] == ShapeInference.Batch;

    /// <summary>The number of elements of a node's value: "n * 16", or a constant for a value without a batch axis.</summary>
    private static string Length(EquatableArray<int> shape)
    {
        long per = PerSample(shape);
        return Batched(shape) ? (per == 1 ? "n" : $"n * {per}") : per.ToString(CultureInfo.InvariantCulture);
    }

    private static bool Constant(OpGraph graph, int id) => graph[id].Kind == OpKind.Constant;

    /// <summary>Values that are another's memory seen with another shape (Flatten, Reshape).</summary>
    private static bool Alias(OpNode node) => node.Kind is OpKind.Flatten or OpKind.Reshape;

    private OpNode Source(int id)
    {
        OpNode node = _graph[id];
        while (Alias(node)) node = _graph[node.Inputs[0]];
        return node;
    }

    /// <summary>
    /// The (rows, cols) view of an element-wise operation's output under which each operand is whole, a row, a column
    /// or a scalar (NumPy broadcasting of those kinds), or null when there is none.
    /// </summary>
    private static (string Rows, string Cols, string[] OperandRows, string[] OperandCols)? Broadcast(OpGraph graph, OpNode node)
    {
        int[] output = [.. node.Shape];
        int rank = output.Length;
        var operands = node.Inputs.Select(i => Enumerable.Repeat(1, rank - graph[i].Shape.Count).Concat(graph[i].Shape).ToArray()).ToArray();
        for (int split = 0; split <= rank; split++)
        {
            var rows = new string[operands.Length];
            var cols = new string[operands.Length];
            bool fits = true;
            for (int o = 0; o < operands.Length && fits; o++)
            {
                string? r = Part(operands[o], output, 0, split), c = Part(operands[o], output, split, rank);
                fits = r is not null && c is not null;
                rows[o] = r ?? "";
                cols[o] = c ?? "";
            }
            if (fits) return (Extent(output, 0, split), Extent(output, split, rank), rows, cols);
        }
        return null;

        // The operand's extent over [from, to): the output's when equal there, "1" when all ones, else no fit.
        static string? Part(int[] operand, int[] output, int from, int to)
        {
            bool whole = true, ones = true;
            for (int i = from; i < to; i++)
            {
                whole &= operand[i] == output[i];
                ones &= operand[i] == 1;
            }
            return whole ? Extent(output, from, to) : ones ? "1" : null;
        }
    }

    private static string Extent(int[] shape, int from, int to)
    {
        long constant = 1;
        bool batch = false;
        for (int i = from; i < to; i++)
        {
            if (shape[i] == ShapeInference.Batch) batch = true;
            else constant *= shape[i];
        }
        return batch ? (constant == 1 ? "n" : $"n * {constant}") : constant.ToString(CultureInfo.InvariantCulture);
    }

    private string Value(int id)
    {
        OpNode node = _graph[id];
        return node.Kind switch
        {
            OpKind.Constant => $"{T}.CreateTruncating({node.Symbol})",
            OpKind.Input => "input",
            _ when Alias(node) => Value(node.Inputs[0]),
            _ => _value[id],
        };
    }

    private string Adjoint(int id)
    {
        OpNode node = _graph[id];
        return Alias(node) ? Adjoint(node.Inputs[0]) : _adjoint.TryGetValue(id, out string? name) ? name : "default";
    }

    private static string Local(string member) => Names.Identifier(Names.Camel(member));

    /// <summary>
    /// The locals of the managed method: its own (the batch, the memory blocks, the loss, ...) reserved first, then the
    /// values, adjoints and weight spans, each named after its forward variable or tensor and made unique, so that a
    /// variable named "target" or "block" in the user's forward method cannot collide with them.
    /// </summary>
    private readonly UniqueNames _locals = new([
        "x", "y", "mode", "dOutputGiven", "T", "training", "n", "input", "labels", "target", "block", "at", "valuesLength", "adjointsLength",
        "indexBlock", "indexAt", "result", "converted", "loss", "totals", "metrics", "pair", "gradients"]);

    private readonly Dictionary<string, string> _weightNames = new(), _gradientNames = new();

    private string Weight(TensorInfo t) => _weightNames.TryGetValue(t.Name, out string? name) ? name : _weightNames[t.Name] = _locals.Next("w" + t.Name);

    private string Gradient(TensorInfo t) => _gradientNames.TryGetValue(t.Name, out string? name) ? name : _gradientNames[t.Name] = _locals.Next("g" + t.Name);

    // ---- emission ------------------------------------------------------------------------------------------------

    private void Emit()
    {
        string name = _model.Name;
        _w.WriteLine("// ---- the managed backend ----------------------------------------------------------------------------------");
        _w.WriteLine();
        _w.WriteLine("/// <summary>");
        _w.WriteLine($"/// Which code runs TrainStep, TestStep, Forward and Predict: Auto (the declared default unless [Model] says otherwise)");
        _w.WriteLine("/// the managed code below for a batch of fewer multiply-adds than ManagedBackend.AutoThreshold on the CPU (and at most");
        _w.WriteLine("/// ManagedBackend.AutoWeightLimit trainable weights), TorchSharp");
        _w.WriteLine("/// otherwise; Managed or Torch always (Managed needs the CPU and float32 or float64).");
        _w.WriteLine("/// </summary>");
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        _w.WriteLine($"public global::ModelDsl.Backend Backend {{ get; set; }} = global::ModelDsl.Backend.{_model.Backend};");
        _w.WriteLine();
        _w.WriteLine($"/// <summary>Multiply-adds of one sample's forward and backward pass, for Auto's choice.</summary>");
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        _w.WriteLine($"private const long {_names.MultiplyAdds} = {MultiplyAdds(_plan)};");
        _w.WriteLine();
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        _w.WriteLine($"private readonly {Managed}.ManagedWorkspace {_names.Workspace} = new();");
        _w.WriteLine();
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        _w.WriteLine($"private bool {_names.Runs}({Tensor} x) => {Managed}.ManagedBackend.Runs(Backend, {_names.Device}, {_dtype}, x, {_names.MultiplyAdds}, ParameterCount.Trainable);");
        _w.WriteLine();
        _w.WriteLine("/// <summary>One call of the managed code in float32 or float64, as the model's dtype is.</summary>");
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        _w.WriteLine($"private object {_names.Run}({Tensor} x, {Tensor}? y, {Managed}.ManagedMode mode, {Tensor}? dOutput = null)");
        _w.WriteLine($"    => {_dtype} == global::TorchSharp.torch.ScalarType.Float64 ? {_names.Run}<double>(x, y, mode, dOutput) : {_names.Run}<float>(x, y, mode, dOutput);");
        _w.WriteLine();
        _w.WriteLine("/// <summary>");
        _w.WriteLine("/// The gradients <see cref=\"Backward\"/> computes, from the managed code: a training forward pass on");
        _w.WriteLine("/// <paramref name=\"input\"/>, then the reverse sweep from <paramref name=\"dOutput\"/>; nothing is updated.");
        _w.WriteLine("/// </summary>");
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        using (_w.WriteBlock($"public Gradients ManagedBackward({Tensor} input, {Tensor} dOutput)"))
        {
            _w.WriteLine($"global::ModelDsl.Training.InputGuard.Require(\"{name}\", \"input\", input, InputShape, {(_plan.IndexInput ? "global::TorchSharp.torch.ScalarType.Int64" : _dtype)}, {_names.Device});");
            _w.WriteLine($"return (Gradients){_names.Run}(input, null, global::ModelDsl.Managed.ManagedMode.Backward, dOutput);");
        }
        _w.WriteLine();
        EmitRun();
    }

    /// <summary>A buffer of the step: its C# name and length.</summary>
    private sealed record Buffer(string Name, string Length);

    private readonly List<Buffer> _values = new(), _adjoints = new(), _indices = new();
    private readonly Dictionary<int, ManagedCall> _calls = new();
    private readonly SortedSet<string> _weights = new(System.StringComparer.Ordinal);

    /// <summary>Gives every value, adjoint and layer buffer its name and length, and each layer its call's names.</summary>
    private void Plan()
    {
        var tensors = _plan.Tensors.ToDictionary(t => t.Name);
        foreach (OpNode node in _graph.Nodes)
        {
            if (node.Kind is OpKind.Input or OpKind.Constant || Alias(node)) continue;
            if (node.Kind == OpKind.Parameter)
            {
                _value[node.Id] = Weight(tensors[node.Symbol]);
                _weights.Add(node.Symbol);
                if (_plan.Reverse.NeedsAdjoint[node.Id]) _adjoint[node.Id] = Gradient(tensors[node.Symbol]);
                continue;
            }
            string local = _locals.Next(Local(_member[node.Id]));
            _value[node.Id] = local;
            _values.Add(new Buffer(local, Length(node.Shape)));
            bool adjoint = _plan.Reverse.NeedsAdjoint[node.Id];
            if (adjoint)
            {
                _adjoint[node.Id] = _locals.Next("d" + _member[node.Id]);
                _adjoints.Add(new Buffer(_adjoint[node.Id], Length(node.Shape)));
            }
            if (node.Kind != OpKind.Layer) continue;
            LayerDeclaration layer = _layers[node.Symbol];
            ManagedLayer managed = _managed[node.Id];
            bool activated = layer.Activation != "Linear";
            string pre = activated ? _locals.Next(local + "PreActivation") : local;
            string dPre = activated ? _locals.Next("d" + _member[node.Id] + "PreActivation") : "";
            if (activated)
            {
                _values.Add(new Buffer(pre, Length(node.Shape)));
                if (adjoint) _adjoints.Add(new Buffer(dPre, Length(node.Shape)));
            }
            string trace = managed.TraceLength is null ? "" : _locals.Next(local + "Trace");
            string scratch = managed.ScratchLength is null ? "" : _locals.Next(local + "Scratch");
            string index = managed.IndexLength is null ? "" : _locals.Next(local + "Indices");
            if (managed.TraceLength is { } traceLength) _values.Add(new Buffer(trace, traceLength("n")));
            if (managed.ScratchLength is { } scratchLength) _adjoints.Add(new Buffer(scratch, scratchLength("n")));
            if (managed.IndexLength is { } indexLength) _indices.Add(new Buffer(index, indexLength("n")));
            int input = node.Inputs[0];
            _calls[node.Id] = new ManagedCall(
                input: Value(input),
                output: activated ? pre : local,
                trace: managed.TraceLength is null ? "default" : trace,
                scratch: managed.ScratchLength is null ? "default" : scratch,
                indices: managed.IndexLength is null ? "default" : index,
                gradient: activated ? dPre : _adjoint.TryGetValue(node.Id, out string? dOutput) ? dOutput : "default",
                inputGradient: Adjoint(input),
                weight: suffix => { _weights.Add(layer.Name + suffix); return Weight(tensors[layer.Name + suffix]); },
                weightGradient: suffix => Gradient(tensors[layer.Name + suffix]),
                random: "RandomGenerator");
        }
    }

    private void EmitRun()
    {
        Plan();
        var tensors = _plan.Tensors.ToDictionary(t => t.Name);
        OpNode output = _graph.Result;
        int[] outputShape = [.. output.Shape];
        string width = outputShape[outputShape.Length - 1].ToString(CultureInfo.InvariantCulture);
        string rows = ManagedCall.Rows(outputShape);
        bool sparse = _model.Loss == "SparseCategoricalCrossentropy";
        string logits = _model.FromLogits ? "true" : "false";
        string dtype = "typeof(T) == typeof(double) ? global::TorchSharp.torch.ScalarType.Float64 : global::TorchSharp.torch.ScalarType.Float32";
        string mode = $"{Managed}.ManagedMode";

        // Statements first: writing them names the weights they read.
        var forward = new List<string>();
        foreach (OpNode node in _graph.Nodes.Where(n => n.Kind is not (OpKind.Input or OpKind.Constant or OpKind.Parameter) && !Alias(n)))
        {
            forward.Add($"// {_graph.Describe(node)}  [{node.Source}]");
            forward.AddRange(ForwardStatements(node));
        }
        var backward = new List<string>();
        ILookup<int, AdjointStep> steps = _plan.Reverse.Steps.ToLookup(s => s.Node);
        foreach (int id in _plan.Reverse.Order)
        {
            OpNode node = _graph[id];
            if (node.Kind is OpKind.Input or OpKind.Parameter or OpKind.Constant || Alias(node)) continue;
            backward.AddRange(BackwardStatements(node, steps[id].ToList()));
        }
        string outputValue = Value(output.Id), dOutput = Adjoint(output.Id);

        string inputType = _plan.IndexInput ? "long" : T;
        string targetParameter = sparse ? "global::System.ReadOnlySpan<long> labels" : $"global::System.ReadOnlySpan<{T}> target";
        string targetArgument = sparse ? "labels" : "target";
        var trainable = _plan.Tensors.Where(t => t.Trainable).ToList();
        long gradientCount = trainable.Sum(t => t.Count);
        int metricCount = _plan.Metrics.Count;

        // The tensor entry: spans of the tensors, the step, then its result as tensors or a StepResult.
        _w.WriteLine("/// <summary>The managed code on tensors: their memory as spans, then the result as the TorchSharp code gives it.</summary>");
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        _w.WriteLine($"private object {_names.Run}<T>({Tensor} x, {Tensor}? y, {mode} mode, {Tensor}? dOutputGiven)");
        using (_w.WriteBlock("    where T : unmanaged, global::System.Numerics.IFloatingPointIeee754<T>"))
        {
            _w.WriteLine("int n = checked((int)x.size(0));");
            _w.WriteLine(_plan.IndexInput
                ? $"global::System.ReadOnlySpan<long> input = {Managed}.TensorSpans.Labels(x);"
                : $"global::System.ReadOnlySpan<T> input = {Managed}.TensorSpans.Of<T>(x);");
            _w.WriteLine("global::TorchSharp.torch.Tensor? converted = null;");
            using (_w.WriteBlock("try"))
            {
                _w.WriteLine($"bool scored = mode is {mode}.Train or {mode}.Test;");
                _w.WriteLine(sparse
                    ? $"global::System.ReadOnlySpan<long> labels = scored ? {Managed}.ManagedBackend.Labels(y!, {rows}, out converted) : default;"
                    : $"global::System.ReadOnlySpan<T> target = scored ? {Managed}.ManagedBackend.Targets<T>(y!, {Length(output.Shape)}, out converted) : default;");
                _w.WriteLine($"global::System.ReadOnlySpan<T> dOutput = mode == {mode}.Backward ? {Managed}.TensorSpans.Of<T>(dOutputGiven!) : default;");
                _w.WriteLine($"global::System.Span<global::ModelDsl.Kernels.MetricTotals> totals = stackalloc global::ModelDsl.Kernels.MetricTotals[{metricCount}];");
                _w.WriteLine("// The gradients' block (zeroed) only for a step that differentiates: Predict and Test leave it alone.");
                _w.WriteLine($"global::System.Span<T> gradients = mode is {mode}.Train or {mode}.Backward ? {_names.Workspace}.Gradients<T>({gradientCount}) : default;");
                _w.WriteLine($"global::System.ReadOnlySpan<T> output = {_names.Step}<T>(mode, n, input, {targetArgument}, dOutput, totals, gradients, out double loss);");
                _w.WriteLine($"if (mode == {mode}.Predict) return {Managed}.ManagedBackend.ToTensor<T>(output, [n{string.Concat(outputShape.Skip(1).Select(d => ", " + d))}], {dtype});");
                using (_w.WriteBlock($"if (mode == {mode}.Backward)"))
                {
                    using (_w.WriteBlock("return new Gradients", "};"))
                    {
                        long at = 0;
                        foreach (TensorInfo t in trainable)
                        {
                            _w.WriteLine($"{Names.Identifier(t.Name)} = {Managed}.ManagedBackend.ToTensor<T>(gradients.Slice({at}, {t.Count}), [{string.Join(", ", t.Shape)}], {dtype}),");
                            at += t.Count;
                        }
                    }
                }
                _w.WriteLine($"var totalsByName = new global::System.Collections.Generic.Dictionary<string, global::ModelDsl.Kernels.MetricTotals>({metricCount});");
                _w.WriteLine($"var metrics = new global::System.Collections.Generic.Dictionary<string, double>({metricCount});");
                for (int i = 0; i < metricCount; i++)
                {
                    string key = $"global::ModelDsl.Kernels.MetricKernel.KerasName(global::ModelDsl.Kernels.Metric.{_plan.Metrics[i].Declared})";
                    _w.WriteLine($"totalsByName[{key}] = totals[{i}];");
                    _w.WriteLine($"metrics[{key}] = totals[{i}].Result;");
                }
                _w.WriteLine("return new global::ModelDsl.Training.StepResult(loss, metrics) { Totals = totalsByName };");
            }
            using (_w.WriteBlock("finally"))
            {
                _w.WriteLine("converted?.Dispose();");
            }
        }
        _w.WriteLine();

        // The span entry: no tensor touched but the weights', nothing allocated. One overload per element type, or, where
        // both spans hold integers (indices in, class indices out), one that follows the model's dtype.
        {
            string yName = sparse ? "labels" : "y";
            bool integersOnly = _plan.IndexInput && sparse;
            foreach (string type in integersOnly ? new[] { "" } : new[] { "float", "double" })
            {
                string xType = _plan.IndexInput ? "long" : type, yType = sparse ? "long" : type;
                string precision = type switch { "float" => "in float32", "double" => "in float64", _ => "in its dtype" };
                _w.WriteLine("/// <summary>");
                _w.WriteLine("/// One training step on a batch held in spans, by the managed code whatever <see cref=\"Backend\"/> says (the model on");
                _w.WriteLine($"/// the CPU, {precision}): no tensor but the weights' is touched and nothing is allocated. <paramref name=\"x\"/> holds");
                _w.WriteLine($"/// n samples of <see cref=\"InputShape\"/> in row-major order, <paramref name=\"{yName}\"/> their {(sparse ? "class indices" : "targets")}; returns the loss and writes the metrics,");
                _w.WriteLine("/// in the order of MetricNames, to <paramref name=\"metrics\"/> when it is not empty. A non-finite loss leaves the weights as they were.");
                _w.WriteLine("/// </summary>");
                _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
                _w.WriteLine($"public double TrainStep(global::System.ReadOnlySpan<{xType}> x, global::System.ReadOnlySpan<{yType}> {yName}, global::System.Span<double> metrics = default)");
                _w.WriteLine(integersOnly
                    ? $"    => {_dtype} == global::TorchSharp.torch.ScalarType.Float64 ? {_names.SpanStep}<double>(x, {yName}, metrics) : {_names.SpanStep}<float>(x, {yName}, metrics);"
                    : $"    => {_names.SpanStep}<{type}>(x, {yName}, metrics);");
                _w.WriteLine();
            }
            _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
            _w.WriteLine($"private double {_names.SpanStep}<T>(global::System.ReadOnlySpan<{inputType}> x, {targetParameter.Replace(" target", " y")}, global::System.Span<double> metrics)");
            using (_w.WriteBlock("    where T : unmanaged, global::System.Numerics.IFloatingPointIeee754<T>"))
            {
                long perSample = PerSample(_model.InputShape), targetsPerSample = sparse ? PerSample(output.Shape) / outputShape[outputShape.Length - 1] : PerSample(output.Shape);
                _w.WriteLine($"int n = {Managed}.ManagedBackend.SpanBatch<T>(\"{_model.Name}\", {_dtype}, {_names.Device}, x.Length, {perSample}, {(sparse ? "labels" : "y")}.Length, {targetsPerSample}, metrics.Length, {metricCount});");
                _w.WriteLine($"global::System.Span<global::ModelDsl.Kernels.MetricTotals> totals = stackalloc global::ModelDsl.Kernels.MetricTotals[{metricCount}];");
                _w.WriteLine($"{_names.Step}<T>({mode}.Train, n, x, {(sparse ? "labels" : "y")}, default, totals, {_names.Workspace}.Gradients<T>({gradientCount}), out double loss);");
                _w.WriteLine("for (int i = 0; i < metrics.Length; i++) metrics[i] = totals[i].Result;");
                _w.WriteLine("return loss;");
            }
            _w.WriteLine();
        }

        _w.WriteLine("/// <summary>");
        _w.WriteLine("/// The model over spans: every value of the step has its slice of one block of memory sized for the batch, every shape");
        _w.WriteLine("/// but the batch <c>n</c> is a constant, and the weights are read and updated in place in their tensors' memory. Returns");
        _w.WriteLine("/// the output (valid until the next call); the loss and metrics for Train and Test, the gradients for Train and Backward.");
        _w.WriteLine("/// </summary>");
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        _w.WriteLine($"private global::System.ReadOnlySpan<T> {_names.Step}<T>({mode} mode, int n, global::System.ReadOnlySpan<{inputType}> input, {targetParameter}, global::System.ReadOnlySpan<T> dOutputGiven,");
        _w.WriteLine("    global::System.Span<global::ModelDsl.Kernels.MetricTotals> totals, global::System.Span<T> gradients, out double loss)");
        using (_w.WriteBlock("    where T : unmanaged, global::System.Numerics.IFloatingPointIeee754<T>"))
        {
            _w.WriteLine($"bool training = mode is {mode}.Train or {mode}.Backward;");
            _w.WriteLine("loss = double.NaN;");
            _w.WriteLine("// The weights, read and updated in their tensors' memory.");
            int slot = 0;
            foreach (string weight in _weights)
                _w.WriteLine($"global::System.Span<T> {Weight(tensors[weight])} = {_names.Workspace}.Weight<T>({slot++}, this.Weights.{Names.Identifier(weight)}, {tensors[weight].Count});");
            _w.WriteLine("// The step's values, then the adjoints, in one block of memory sized for this batch (allocated once, grown for a larger batch).");
            _w.WriteLine($"int valuesLength = checked({Sum(_values)}), adjointsLength = checked({Sum(_adjoints)});");
            _w.WriteLine($"global::System.Span<T> block = {_names.Workspace}.Values<T>(checked(valuesLength + adjointsLength));");
            _w.WriteLine("int at = 0;");
            foreach (Buffer b in _values.Concat(_adjoints)) _w.WriteLine($"global::System.Span<T> {b.Name} = block.Slice(at, {b.Length}); at += {b.Name}.Length;");
            if (_indices.Count > 0)
            {
                _w.WriteLine($"global::System.Span<int> indexBlock = {_names.Workspace}.Indices(checked({Sum(_indices)}));");
                _w.WriteLine("int indexAt = 0;");
                foreach (Buffer b in _indices) _w.WriteLine($"global::System.Span<int> {b.Name} = indexBlock.Slice(indexAt, {b.Length}); indexAt += {b.Name}.Length;");
            }
            _w.WriteLine();
            _w.WriteLine("// Forward");
            foreach (string line in forward) _w.WriteLine(line);
            _w.WriteLine();
            _w.WriteLine($"if (mode == {mode}.Predict) return {outputValue};");
            _w.WriteLine();
            _w.WriteLine("// The loss and metrics, on the predictions before any update; then d(loss)/d(output), where the reverse sweep starts.");
            using (_w.WriteBlock($"if (mode != {mode}.Backward)"))
            {
                string lossCall = sparse
                    ? $"{Managed}.LossSpans.SparseForward<T>({outputValue}, labels, {rows}, {width}, {logits})"
                    : $"{Managed}.LossSpans.Forward<T>(global::ModelDsl.Kernels.Loss.{_model.Loss}, {outputValue}, target, {rows}, {width}, {AttributeNumber(_model.HuberDelta)}, {logits})";
                _w.WriteLine($"loss = {lossCall};");
                for (int i = 0; i < metricCount; i++)
                {
                    string computed = $"global::ModelDsl.Kernels.Metric.{_plan.Metrics[i].Computed}";
                    _w.WriteLine(sparse
                        ? $"totals[{i}] = {Managed}.MetricSpans.AccumulateSparse<T>({computed}, {outputValue}, labels, {rows}, {width});"
                        : $"totals[{i}] = {Managed}.MetricSpans.Accumulate<T>({computed}, {outputValue}, target, {rows}, {width});");
                }
                _w.WriteLine($"if (mode == {mode}.Test) return {outputValue};");
            }
            _w.WriteLine();
            _w.WriteLine("// Reverse: each adjoint dv holds d(loss)/dv, every contribution added into its buffer; a weight's adjoint is its gradient.");
            long offset = 0;
            foreach (TensorInfo t in trainable)
            {
                _w.WriteLine($"global::System.Span<T> {Gradient(t)} = gradients.Slice({offset}, {t.Count});");
                offset += t.Count;
            }
            _w.WriteLine("block.Slice(valuesLength, adjointsLength).Clear();");
            if (dOutput == "default")
            {
                _w.WriteLine("// Nothing trainable depends on the output: there is nothing to differentiate.");
            }
            else
            {
                _w.WriteLine($"if (mode == {mode}.Backward) dOutputGiven.CopyTo({dOutput});");
                _w.WriteLine(sparse
                    ? $"else {Managed}.LossSpans.SparseBackward<T>({outputValue}, labels, {rows}, {width}, {logits}, {dOutput});"
                    : $"else {Managed}.LossSpans.Backward<T>(global::ModelDsl.Kernels.Loss.{_model.Loss}, {outputValue}, target, {rows}, {width}, {AttributeNumber(_model.HuberDelta)}, {logits}, {dOutput});");
            }
            foreach (string line in backward) _w.WriteLine(line);
            _w.WriteLine();
            _w.WriteLine("// A non-finite loss leaves the weights as they were: the training loop reports it, the last finite weights kept.");
            _w.WriteLine($"if (mode == {mode}.Train && double.IsFinite(loss)) Optimizer.Step<T>(this.Weights.Trainable, gradients);");
            _w.WriteLine($"return {outputValue};");
        }
    }

    private static string Sum(IEnumerable<Buffer> buffers)
        => buffers.Any() ? string.Join(" + ", buffers.Select(b => b.Length.Contains("(") || b.Length.Contains("*") ? $"({b.Length})" : b.Length)) : "0";

    private static string AttributeNumber(double value) => $"{Parsing.AttributeReader.Number(value)}";

    // ---- forward -------------------------------------------------------------------------------------------------

    private IEnumerable<string> ForwardStatements(OpNode node)
    {
        string y = Value(node.Id);
        string A() => Value(node.Inputs[0]);
        switch (node.Kind)
        {
            case OpKind.Layer:
                LayerDeclaration layer = _layers[node.Symbol];
                ManagedCall call = _calls[node.Id];
                foreach (string line in _managed[node.Id].Forward(call).Split('\n')) yield return line;
                if (layer.Activation != "Linear")
                    yield return $"{Managed}.ActivationSpans.Forward<T>(global::ModelDsl.Kernels.Activation.{layer.Activation}, {call.Output}, {y}, {node.Shape[node.Shape.Count - 1]});";
                break;
            case OpKind.Add or OpKind.Subtract or OpKind.Multiply or OpKind.Divide or OpKind.Maximum or OpKind.Minimum:
                string op = $"{Managed}.BinaryOp.{node.Kind}";
                if (Constant(_graph, node.Inputs[0]) || Constant(_graph, node.Inputs[1]))
                {
                    bool first = Constant(_graph, node.Inputs[0]);
                    yield return $"{Managed}.ScalarSpans.Forward<T>({op}, {Value(node.Inputs[first ? 1 : 0])}, {Value(node.Inputs[first ? 0 : 1])}, constantFirst: {(first ? "true" : "false")}, {y});";
                }
                else
                {
                    var (rows, cols, aRows, aCols) = Broadcast(_graph, node)!.Value;
                    yield return $"{Managed}.BinarySpans.Forward<T>({op}, {A()}, {aRows[0]}, {aCols[0]}, {Value(node.Inputs[1])}, {aRows[1]}, {aCols[1]}, {y}, {rows}, {cols});";
                }
                break;
            case OpKind.Negate:
                yield return $"{Primitives}.Negate<T>({A()}, {y});";
                break;
            case OpKind.Elementwise:
                yield return $"{Managed}.UnarySpans.Forward<T>(\"{node.Symbol}\", {A()}, {y}, {node.Shape[node.Shape.Count - 1]});";
                break;
            case OpKind.MatMul:
                var a = _graph[node.Inputs[0]].Shape;
                yield return $"{Managed}.MatMulSpans.Forward<T>({A()}, {Value(node.Inputs[1])}, {y}, {Extent([.. a], 0, 1)}, {a[1]}, {node.Shape[1]});";
                break;
            case OpKind.Sum or OpKind.Mean when node.Axis is null:
                yield return $"{y}[0] = {Primitives}.Sum<T>({A()}){(node.Kind == OpKind.Mean ? $" / T.CreateTruncating({A()}.Length)" : "")};";
                break;
            case OpKind.Sum or OpKind.Mean or OpKind.Max:
                yield return $"{Managed}.ReduceSpans.{node.Kind}Axis<T>({A()}, {y}, {Axis(node)});";
                break;
            case OpKind.Transpose:
                yield return $"{Managed}.TransposeSpans.Swap<T>({A()}, {y}, {TransposeView(node)});";
                break;
            case OpKind.Concatenate:
                foreach (string line in ConcatenateStatements(node, backward: false)) yield return line;
                break;
            default:
                yield return $"// (no managed form for {node.Kind})";
                break;
        }
    }

    /// <summary>"outer, axis, inner" of a reduction's input viewed as three axes around the reduced one.</summary>
    private string Axis(OpNode node)
    {
        int[] x = [.. _graph[node.Inputs[0]].Shape];
        int axis = node.Axis!.Value < 0 ? node.Axis.Value + x.Length : node.Axis.Value;
        return $"{Extent(x, 0, axis)}, {x[axis]}, {Extent(x, axis + 1, x.Length)}";
    }

    /// <summary>"outer, a, middle, b, inner" of a transpose's input around the two swapped axes.</summary>
    private string TransposeView(OpNode node)
    {
        int[] x = [.. _graph[node.Inputs[0]].Shape];
        int p = int.Parse(node.Extra[0], CultureInfo.InvariantCulture), q = int.Parse(node.Extra[1], CultureInfo.InvariantCulture);
        p = p < 0 ? p + x.Length : p;
        q = q < 0 ? q + x.Length : q;
        if (p > q) (p, q) = (q, p);
        return $"{Extent(x, 0, p)}, {x[p]}, {Extent(x, p + 1, q)}, {x[q]}, {Extent(x, q + 1, x.Length)}";
    }

    /// <summary>Concatenate as row copies: the output viewed as (outer, total · inner), each input as (outer, size · inner).</summary>
    private IEnumerable<string> ConcatenateStatements(OpNode node, bool backward)
    {
        int[] shape = [.. node.Shape];
        int axis = node.Axis!.Value < 0 ? node.Axis.Value + shape.Length : node.Axis.Value;
        string outer = Extent(shape, 0, axis);
        long inner = 1;
        for (int i = axis + 1; i < shape.Length; i++) inner *= shape[i];
        long total = shape[axis] * inner, offset = 0;
        string y = backward ? Adjoint(node.Id) : Value(node.Id);
        yield return $"for (int r = 0; r < {outer}; r++)";
        yield return "{";
        foreach (int input in node.Inputs)
        {
            long width = _graph[input].Shape[axis] * inner;
            string source = $"{y}.Slice(r * {total} + {offset}, {width})";
            if (!backward) yield return $"    {Value(input)}.Slice(r * {width}, {width}).CopyTo({source});";
            else if (Adjoint(input) != "default")
            {
                string into = $"{Adjoint(input)}.Slice(r * {width}, {width})";
                yield return $"    {Primitives}.Add<T>({into}, {source}, {into});";
            }
            offset += width;
        }
        yield return "}";
    }

    // ---- backward ------------------------------------------------------------------------------------------------

    private IEnumerable<string> BackwardStatements(OpNode node, List<AdjointStep> steps)
    {
        string g = Adjoint(node.Id), y = Value(node.Id);
        string D(int index) => steps.Any(s => s.InputIndex == index) ? Adjoint(node.Inputs[index]) : "default";
        string A() => Value(node.Inputs[0]);
        if (node.Kind == OpKind.Layer)
        {
            LayerDeclaration layer = _layers[node.Symbol];
            ManagedCall call = _calls[node.Id];
            if (layer.Activation != "Linear")
            {
                yield return $"// d/d({_member[node.Id]}PreActivation) of: {_member[node.Id]} = {layer.Activation}({_member[node.Id]}PreActivation)";
                yield return $"{Managed}.ActivationSpans.Backward<T>(global::ModelDsl.Kernels.Activation.{layer.Activation}, {g}, {call.Output}, {y}, {call.Gradient}, {node.Shape[node.Shape.Count - 1]});";
            }
            string input = _graph[node.Inputs[0]].Name;
            var tensors = _plan.Tensors.Where(t => t.Owner == layer.Name && t.Trainable).Select(t => t.Name)
                .Concat(call.InputGradient == "default" ? [] : [input]);
            yield return $"// d/d({string.Join(", ", tensors)}) of: {layer.Definition.DescribeForBackward(layer, _member[node.Id] + (layer.Activation != "Linear" ? "PreActivation" : ""), input)}";
            foreach (string line in _managed[node.Id].Backward(call).Split('\n')) yield return line;
            yield break;
        }
        if (steps.Count == 0) yield break;
        yield return $"// d/d({string.Join(", ", steps.Select(s => _graph[s.Target].Name).Distinct())}) of: {_graph.Describe(node)}";
        switch (node.Kind)
        {
            case OpKind.Add or OpKind.Subtract or OpKind.Multiply or OpKind.Divide or OpKind.Maximum or OpKind.Minimum:
                string op = $"{Managed}.BinaryOp.{node.Kind}";
                if (Constant(_graph, node.Inputs[0]) || Constant(_graph, node.Inputs[1]))
                {
                    bool first = Constant(_graph, node.Inputs[0]);
                    int tensor = first ? 1 : 0;
                    yield return $"{Managed}.ScalarSpans.Backward<T>({op}, {g}, {Value(node.Inputs[tensor])}, {Value(node.Inputs[1 - tensor])}, constantFirst: {(first ? "true" : "false")}, {y}, {D(tensor)});";
                }
                else
                {
                    var (rows, cols, r, c) = Broadcast(_graph, node)!.Value;
                    yield return $"{Managed}.BinarySpans.Backward<T>({op}, {g}, {A()}, {r[0]}, {c[0]}, {Value(node.Inputs[1])}, {r[1]}, {c[1]}, {y}, {D(0)}, {D(1)}, {rows}, {cols});";
                }
                break;
            case OpKind.Negate:
                yield return $"{Primitives}.Subtract<T>({D(0)}, {g}, {D(0)});";
                break;
            case OpKind.Elementwise:
                yield return $"{Managed}.UnarySpans.Backward<T>(\"{node.Symbol}\", {g}, {A()}, {y}, {D(0)}, {node.Shape[node.Shape.Count - 1]});";
                break;
            case OpKind.MatMul:
                var a = _graph[node.Inputs[0]].Shape;
                yield return $"{Managed}.MatMulSpans.Backward<T>({g}, {A()}, {Value(node.Inputs[1])}, {D(0)}, {D(1)}, {Extent([.. a], 0, 1)}, {a[1]}, {node.Shape[1]});";
                break;
            case OpKind.Sum or OpKind.Mean when node.Axis is null:
                yield return $"{Primitives}.Add<T>({D(0)}, {g}[0]{(node.Kind == OpKind.Mean ? $" / T.CreateTruncating({D(0)}.Length)" : "")}, {D(0)});";
                break;
            case OpKind.Sum or OpKind.Mean:
                yield return $"{Managed}.ReduceSpans.{node.Kind}AxisBackward<T>({g}, {D(0)}, {Axis(node)});";
                break;
            case OpKind.Max:
                yield return $"{Managed}.ReduceSpans.MaxAxisBackward<T>({g}, {A()}, {y}, {D(0)}, {Axis(node)});";
                break;
            case OpKind.Transpose:
                yield return $"{Managed}.TransposeSpans.SwapBackward<T>({g}, {D(0)}, {TransposeView(node)});";
                break;
            case OpKind.Concatenate:
                foreach (string line in ConcatenateStatements(node, backward: true)) yield return line;
                break;
        }
    }
}
