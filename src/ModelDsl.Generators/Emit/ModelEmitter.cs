using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp;
using ModelDsl.Generators.Analysis;
using ModelDsl.Generators.Layers;
using ModelDsl.Generators.Model;

namespace ModelDsl.Generators.Emit;

/// <summary>
/// Writes a [Model] over the TorchSharp runtime: tensors, constructor, layer implementations, Forward,
/// ForwardWithTrace, Backward (the reverse sweep as readable kernel calls), training and the summary.
/// </summary>
internal sealed class ModelEmitter
{
    private const string Tensor = "global::TorchSharp.torch.Tensor";
    private const string Torch = "global::TorchSharp.torch";
    private const string Kernels = "global::ModelDsl.Kernels";
    private const string Training = "global::ModelDsl.Training";
    private const string Data = "global::ModelDsl.Data";
    private const string Ops = "global::ModelDsl.Ops";
    private const string List = "global::System.Collections.Generic.IReadOnlyList";

    private readonly ModelPlan _plan;
    private readonly ModelDeclaration _model;
    private readonly OpGraph _graph;
    private readonly CodeWriter _w = new();
    private readonly Dictionary<int, string> _member = new();
    private readonly Dictionary<string, LayerDeclaration> _layers;

    /// <summary>The private members' names: fresh, so that no name of the user's collides with one of ours.</summary>
    private readonly string _dtype, _device, _stepResultOf, _lossWithGradient, _namedTensors;
    private readonly ManagedNames _managedNames;

    /// <summary>The Parameters and Gradients classes' cached lists: fields named apart from every tensor property.</summary>
    private readonly string _trainableCache, _nonTrainableCache;

    /// <summary>What a positional record declares itself: a trace member may not take these names.</summary>
    private static readonly string[] RecordMembers = ["Trace", "Equals", "GetHashCode", "ToString", "Deconstruct", "EqualityContract", "PrintMembers", "GetType", "MemberwiseClone", "Finalize", "ReferenceEquals"];

    private ModelEmitter(ModelPlan plan)
    {
        _plan = plan;
        _model = plan.Model;
        _graph = plan.Graph;
        _layers = _model.Layers.ToDictionary(l => l.Name);
        var taken = new UniqueNames(_model.Members.Select(m => m.Name).Concat(_model.Layers.Select(l => l.Name)).Concat(_model.Parameters.Select(p => p.Name))
            .Concat(ModelAnalysis.GeneratedMembers(_model)).Append(_model.Name)
            // The forward pass's locals are named after its nodes: a field of ours may not be hidden by one of them.
            .Concat(_graph.Nodes.Select(n => n.Name)));
        _dtype = taken.Next("_dtype");
        _device = taken.Next("_device");
        _namedTensors = taken.Next("_namedTensors");
        _managedNames = new ManagedNames(_dtype, _device, taken.Next("_workspace"), taken.Next("RunsManaged"), taken.Next("RunManaged"), taken.Next("MultiplyAddsPerSample"),
            taken.Next("StepManaged"), taken.Next("TrainManagedSpans"));
        _stepResultOf = taken.Next("StepResultOf");
        var tensorNames = new UniqueNames(_plan.Tensors.Select(t => t.Name));
        _trainableCache = tensorNames.Next("_trainable");
        _nonTrainableCache = tensorNames.Next("_nonTrainable");
        _lossWithGradient = _model.LossMethod is { } loss ? taken.Next(loss.Name + "WithGradient") : "";
        // Trace members: "Output" only for the output, and a layer's PreActivation and State names kept free for it.
        var members = new UniqueNames(RecordMembers);
        foreach (OpNode node in _graph.Nodes)
        {
            if (!HasMember(node)) continue;
            string name = members.Next(node.Kind == OpKind.Input ? "Input" : Names.Pascal(node.Name),
                accept: n => (n != "Output" || node.Id == _graph.Output) && !members.IsTaken(n + "PreActivation") && !members.IsTaken(n + "State"));
            if (node.Kind == OpKind.Layer) { members.Take(name + "PreActivation"); members.Take(name + "State"); }
            _member[node.Id] = name;
        }
    }

    public static string Emit(ModelPlan plan) => new ModelEmitter(plan).Emit();

    private static bool HasMember(OpNode node) => node.Kind is not (OpKind.Constant or OpKind.Parameter);

    private IEnumerable<TensorInfo> Trainable => _plan.Tensors.Where(t => t.Trainable);
    private IEnumerable<TensorInfo> NonTrainable => _plan.Tensors.Where(t => !t.Trainable);

    private string Emit()
    {
        _w.WriteHeader();
        using (Names.OpenType(_w, _model.Type, $" : {Training}.ICheckpointable, global::System.IDisposable{(_plan.Managed ? ", global::ModelDsl.Managed.IManagedModel" : "")}"))
        {
            EmitParameters();
            _w.WriteLine();
            EmitGradients();
            _w.WriteLine();
            EmitTrace();
            _w.WriteLine();
            EmitConstruction();
            _w.WriteLine();
            EmitLayers();
            EmitForward();
            _w.WriteLine();
            EmitForwardWithTrace();
            _w.WriteLine();
            EmitBackward();
            _w.WriteLine();
            EmitTraining();
            _w.WriteLine();
            EmitSummary();
            if (_plan.Managed)
            {
                _w.WriteLine();
                ManagedEmitter.Emit(_plan, _w, _member, _managedNames);
            }
        }
        return _w.ToString();
    }

    // ---- tensors ---------------------------------------------------------------------------------------------

    private void EmitParameters()
    {
        _w.WriteLine($"/// <summary>Every tensor of <see cref=\"{Identifier(_model.Name)}\"/>, in Keras order; the optimizer updates only <see cref=\"Trainable\"/>.</summary>");
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        using (_w.WriteBlock("public sealed class Parameters"))
        {
            _w.WriteLine("// Trainable: updated by the optimizer.");
            foreach (TensorInfo t in Trainable) TensorProperty(t);
            if (NonTrainable.Any())
            {
                _w.WriteLine();
                _w.WriteLine("// Non-trainable: set by Adapt, never updated by the optimizer.");
                foreach (TensorInfo t in NonTrainable) TensorProperty(t);
            }
            _w.WriteLine();
            _w.WriteLine("/// <summary>The trainable tensors; index i of this list is index i of <see cref=\"Gradients.Trainable\"/> and of the optimizer's state.</summary>");
            // Built once: the tensors are init-only, and TrainStep reads these lists on every step.
            _w.WriteLine($"public {List}<{Tensor}> Trainable => {_trainableCache} ??= [{string.Join(", ", Trainable.Select(t => Identifier(t.Name)))}];");
            _w.WriteLine($"private {List}<{Tensor}>? {_trainableCache};");
            _w.WriteLine();
            _w.WriteLine("/// <summary>The non-trainable tensors (Normalization statistics).</summary>");
            _w.WriteLine($"public {List}<{Tensor}> NonTrainable => {_nonTrainableCache} ??= [{string.Join(", ", NonTrainable.Select(t => Identifier(t.Name)))}];");
            _w.WriteLine($"private {List}<{Tensor}>? {_nonTrainableCache};");
        }
    }

    private void TensorProperty(TensorInfo t)
    {
        _w.WriteLine($"/// <summary>{Escape(t.Owner)}: {Escape(t.Role)}, shape {ShapeInference.Format(t.Shape)}.</summary>");
        _w.WriteLine($"public required {Tensor} {Identifier(t.Name)} {{ get; init; }}");
    }

    private void EmitGradients()
    {
        _w.WriteLine($"/// <summary>The gradient of the loss with respect to each trainable tensor of <see cref=\"{Identifier(_model.Name)}\"/>.</summary>");
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        using (_w.WriteBlock("public sealed class Gradients"))
        {
            foreach (TensorInfo t in Trainable)
            {
                _w.WriteLine($"/// <summary>d(loss)/d({t.Name}), shape {ShapeInference.Format(t.Shape)}.</summary>");
                _w.WriteLine($"public required {Tensor} {Identifier(t.Name)} {{ get; init; }}");
            }
            _w.WriteLine();
            _w.WriteLine("/// <summary>The gradients in the order of <see cref=\"Parameters.Trainable\"/>.</summary>");
            _w.WriteLine($"public {List}<{Tensor}> Trainable => {_trainableCache} ??= [{string.Join(", ", Trainable.Select(t => Identifier(t.Name)))}];");
            _w.WriteLine($"private {List}<{Tensor}>? {_trainableCache};");
        }
    }

    private void EmitTrace()
    {
        var members = new List<string>();
        foreach (OpNode node in _graph.Nodes.Where(HasMember))
        {
            if (node.Kind == OpKind.Layer && _layers[node.Symbol] is { Activation: not "Linear" })
                members.Add($"{Tensor} {_member[node.Id]}PreActivation");
            if (node.Kind == OpKind.Layer && TrainingCall(node).StateType is { } state)
                members.Add($"{state} {_member[node.Id]}State");
            members.Add($"{Tensor} {_member[node.Id]}");
        }
        Member("The intermediate values of one forward pass, kept for <see cref=\"Backward\"/>.", "public sealed record Trace(");
        bool named = _member[_graph.Output] == "Output";
        for (int i = 0; i < members.Count; i++) _w.WriteLine("    " + members[i] + (i == members.Count - 1 ? (named ? ");" : ")") : ","));
        if (named) return;
        using (_w.WriteBlock())
        {
            _w.WriteLine("/// <summary>The model's output.</summary>");
            _w.WriteLine($"public {Tensor} Output => {_member[_graph.Output]};");
        }
    }

    private void EmitConstruction()
    {
        long total = _plan.Tensors.Sum(t => t.Count), trainable = Trainable.Sum(t => t.Count);
        Member("The shape of one sample, without the batch axis.", $"public static {List}<long> InputShape {{ get; }} = [{string.Join(", ", _model.InputShape)}];");
        _w.WriteLine();
        Member("Parameter counts as Keras' model.summary() reports them.", $"public static global::ModelDsl.ParameterCount ParameterCount {{ get; }} = new(Total: {total}, Trainable: {trainable}, NonTrainable: {total - trainable});");
        _w.WriteLine();
        Member("Every tensor of the model.", "public Parameters Weights { get; private set; }");
        _w.WriteLine();
        Member("The optimizer <see cref=\"TrainStep\"/> uses; set it to use another optimizer or a learning-rate schedule.", "public global::ModelDsl.Optimizers.Optimizer Optimizer { get; set; }");
        _w.WriteLine();
        if (_plan.UsesRandomness)
        {
            Member("What the layers draw while training (Dropout's masks) comes from here: the initializers' generator, continued.", $"public {Torch}.Generator {RandomGenerator} {{ get; }}");
        }
        else
        {
            _w.WriteLine("// No layer draws random numbers while training: nothing to save or restore for them.");
            _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
            _w.WriteLine($"{Torch}.Generator? {Training}.ICheckpointable.{RandomGenerator} => null;");
        }
        _w.WriteLine();
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        _w.WriteLine($"private readonly {Torch}.ScalarType {_dtype};");
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        _w.WriteLine($"private {Torch}.Device {_device};");
        _w.WriteLine();
        _w.WriteLine("/// <summary>Initialises every tensor from a generator seeded with <paramref name=\"seed\"/>, in Keras order of layers.</summary>");
        _w.WriteLine("/// <param name=\"seed\">The seed of the initializers.</param>");
        _w.WriteLine("/// <param name=\"dtype\">The element type of the tensors; float32 by default.</param>");
        _w.WriteLine("/// <param name=\"device\">Where the tensors live, and the batches must; the CPU by default. The weights are drawn on the CPU, so a seed gives the same weights on every device.</param>");
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        using (_w.WriteBlock($"public {Identifier(_model.Name)}(int seed = 0, {Torch}.ScalarType? dtype = null, {Torch}.Device? device = null)"))
        {
            _w.WriteLine($"{Torch}.ScalarType type = dtype ?? {Torch}.ScalarType.Float32;");
            _w.WriteLine($"{_dtype} = type;");
            _w.WriteLine($"{_device} = device ?? {Torch}.CPU;");
            _w.WriteLine($"var generator = new {Torch}.Generator((ulong)seed);");
            using (_w.WriteBlock("Weights = new Parameters", "};"))
            {
                foreach (TensorInfo t in Trainable.Concat(NonTrainable))
                {
                    _w.WriteLine($"{Identifier(t.Name)} = {Training}.TensorPlacement.On({t.Initializer}, {_device}),");
                }
            }
            _w.WriteLine($"Optimizer = {Parsing.OptimizerCatalogue.Get(_model.Optimizer.Kind).Construct(_model.Optimizer)};");
            if (_plan.UsesRandomness) _w.WriteLine($"{RandomGenerator} = generator;");
            else _w.WriteLine("generator.Dispose();");
        }
        _w.WriteLine();
        EmitLifetime();
    }

    /// <summary>The checkpoint contract (named tensors, architecture), moving to a device, saving, loading and disposing.</summary>
    private void EmitLifetime()
    {
        _w.WriteLine("/// <summary>Every tensor under its generated name, trainable ones first in the optimizer's order (what a checkpoint holds).</summary>");
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        _w.WriteLine($"public {List}<{Training}.NamedTensor> NamedTensors => {_namedTensors} ??=");
        _w.WriteLine("[");
        foreach (TensorInfo t in Trainable.Concat(NonTrainable))
            _w.WriteLine($"    new(\"{t.Name}\", this.Weights.{Identifier(t.Name)}, {(t.Trainable ? "true" : "false")}),");
        _w.WriteLine("];");
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        _w.WriteLine($"private {List}<{Training}.NamedTensor>? {_namedTensors};");
        _w.WriteLine();
        string layers = string.Join("; ", _plan.Summary.Select(r =>
            $"{r.Layer} {(_layers.TryGetValue(r.Layer, out LayerDeclaration? l) ? $"{l.Kind}({string.Join(", ", l.Arguments.Select(a => a.Name + "=" + a.Value))})" : r.Type)} {r.OutputShape} {r.Parameters}"));
        string architecture = $"{_model.Type.FullName} ({{{_dtype}}}): input ({string.Join(", ", _model.InputShape)}); {layers}; total {_plan.Tensors.Sum(t => t.Count)}";
        Member("What a checkpoint must match: the class, dtype, input and every layer with its settings, output shape and parameters.",
            $"public string Architecture => $\"{architecture.Replace("\\", "\\\\").Replace("\"", "\\\"")}\";");
        _w.WriteLine();
        _w.WriteLine("/// <summary>Moves every tensor and the optimizer's state to <paramref name=\"device\"/>; later batches must live there too.</summary>");
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        using (_w.WriteBlock($"public void To({Torch}.Device device)"))
        {
            _w.WriteLine($"{_device} = device;");
            using (_w.WriteBlock("Weights = new Parameters", "};"))
            {
                foreach (TensorInfo t in Trainable.Concat(NonTrainable))
                    _w.WriteLine($"{Identifier(t.Name)} = {Training}.TensorPlacement.On(this.Weights.{Identifier(t.Name)}, device),");
            }
            _w.WriteLine($"{_namedTensors} = null;");
            _w.WriteLine("Optimizer.To(device);");
        }
        _w.WriteLine();
        _w.WriteLine("/// <summary>Saves the weights, the optimizer's state, the epoch and the random state to a safetensors file, atomically.</summary>");
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        _w.WriteLine($"public void Save(string path, int epoch = 0, {List}<{Data}.IDataset?>? datasets = null)");
        _w.WriteLine($"    => global::ModelDsl.Checkpoints.Checkpoint.Save(this, path, epoch, datasets);");
        _w.WriteLine();
        _w.WriteLine("/// <summary>Restores what <see cref=\"Save\"/> wrote; throws, naming both architectures, for a checkpoint of another model.</summary>");
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        _w.WriteLine($"public global::ModelDsl.Checkpoints.CheckpointInfo Load(string path, {List}<{Data}.IDataset?>? datasets = null)");
        _w.WriteLine($"    => global::ModelDsl.Checkpoints.Checkpoint.Load(this, path, datasets);");
        _w.WriteLine();
        _w.WriteLine("/// <summary>Frees the native memory of every tensor and of the optimizer's state.</summary>");
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        using (_w.WriteBlock("public void Dispose()"))
        {
            _w.WriteLine("foreach (var tensor in NamedTensors) tensor.Tensor.Dispose();");
            _w.WriteLine("Optimizer.Dispose();");
            if (_plan.UsesRandomness) _w.WriteLine($"{RandomGenerator}.Dispose();");
        }
    }

    // ---- forward -----------------------------------------------------------------------------------------------

    private void EmitLayers()
    {
        foreach (LayerDeclaration layer in _model.Layers)
        {
            string x = Identifier(layer.Parameter);
            _w.WriteLine($"/// <summary>{layer.Definition.Describe(layer)}.</summary>");
            _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
            _w.WriteLine($"{Prefix(layer.Modifiers)}partial {Tensor} {Identifier(layer.Name)}({Tensor} {x})");
            _w.WriteLine($"    => {InferenceExpression(layer, x)};");
            _w.WriteLine();
        }
        foreach (ParameterDeclaration parameter in _model.Parameters)
        {
            _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
            _w.WriteLine($"{Prefix(parameter.Modifiers)}partial {Tensor} {Identifier(parameter.Name)} => this.Weights.{Identifier(parameter.Name)};");
            _w.WriteLine();
        }
    }

    /// <summary>The layer in inference mode as one expression: the body of its partial method, which Forward calls.</summary>
    private static string InferenceExpression(LayerDeclaration layer, string x)
    {
        KernelCall call = layer.Definition.Forward(layer, Values(layer, x), training: false);
        string output = call.StateType is null ? call.Expression : call.Expression + ".Output";
        return layer.Activation == "Linear" ? output : Activate(layer, output);
    }

    private static string Activate(LayerDeclaration layer, string x) => $"{Kernels}.ActivationKernel.Forward({Kernels}.Activation.{layer.Activation}, {x})";

    private static LayerValues Values(LayerDeclaration layer, string input, string output = "", string state = "", string gradient = "",
        bool inputGradientNeeded = true)
        => new(input, output, state, gradient, layer.Name, RandomGenerator, inputGradientNeeded);

    /// <summary>The model's generator for what its layers draw while training (Dropout's masks), seeded with the initial weights'.</summary>
    private const string RandomGenerator = "RandomGenerator";

    /// <summary>The training-mode kernel call of a layer node, with its input as ForwardWithTrace names it.</summary>
    private KernelCall TrainingCall(OpNode node)
    {
        LayerDeclaration layer = _layers[node.Symbol];
        return layer.Definition.Forward(layer, Values(layer, Value(node.Inputs[0])), training: true);
    }

    private void EmitForward()
    {
        string expected = "(batch, " + string.Join(", ", _model.InputShape) + ")";
        _w.WriteLine($"/// <summary>The model on a batch of shape {expected}: <see cref=\"{Identifier(_model.ForwardName)}\"/> after a check of the input's shape, dtype and device.</summary>");
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        using (_w.WriteBlock($"public {Tensor} Forward({Tensor} input)"))
        {
            _w.WriteLine(Guard("input"));
            if (_plan.Managed) _w.WriteLine($"if ({_managedNames.Runs}(input)) return (global::TorchSharp.torch.Tensor){_managedNames.Run}(input, null, global::ModelDsl.Managed.ManagedMode.Predict);");
            _w.WriteLine($"return {Identifier(_model.ForwardName)}(input);");
        }
    }

    /// <summary>The check every entry point makes before its first libtorch call: shape, dtype and device, or an exception saying so.</summary>
    /// <remarks>The message names the value "input" on both backends, whatever the variable (a step's x).</remarks>
    private string Guard(string input)
        => $"{Training}.InputGuard.Require(\"{_model.Name}\", \"input\", {input}, InputShape, {(_plan.IndexInput ? $"{Torch}.ScalarType.Int64" : _dtype)}, {_device});";

    /// <summary>In a step: the managed code when it runs this batch (after the input's check), else the TorchSharp code that follows.</summary>
    private void EmitManagedDispatch(string mode)
    {
        if (!_plan.Managed) return;
        using (_w.WriteBlock($"if ({_managedNames.Runs}(x))"))
        {
            _w.WriteLine(Guard("x"));
            _w.WriteLine($"return ({Training}.StepResult){_managedNames.Run}(x, y, global::ModelDsl.Managed.ManagedMode.{mode});");
        }
    }

    /// <summary>The targets' check: one row per sample, class indices for the sparse cross-entropy, the model's device.</summary>
    private string TargetGuard(string x, string y)
        => $"{Training}.InputGuard.RequireTargets(\"{_model.Name}\", \"{y}\", {y}, {x}.size(0), classIndices: {(_model.Loss == "SparseCategoricalCrossentropy" && _plan.LossMethod is null ? "true" : "false")}, {_device});";

    private string Value(int id) => _graph[id].Kind switch
    {
        OpKind.Constant => _graph[id].Symbol,
        OpKind.Parameter => "this.Weights." + Identifier(_graph[id].Symbol),
        _ => Local(id),
    };

    private string Local(int id) => Identifier(Names.Camel(_member[id]));

    private static string Identifier(string name) => Names.Identifier(name);

    /// <summary>Declared modifiers followed by a space, or nothing.</summary>
    private static string Prefix(string modifiers) => modifiers.Length == 0 ? "" : modifiers + " ";

    private void EmitForwardWithTrace()
    {
        _w.WriteLine("/// <summary>The forward pass, keeping every intermediate value for <see cref=\"Backward\"/>.</summary>");
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        using (_w.WriteBlock($"public Trace ForwardWithTrace({Tensor} input)"))
        {
            _w.WriteLine(Guard("input"));
            var arguments = new List<string>();
            foreach (OpNode node in _graph.Nodes.Where(HasMember))
            {
                string local = Local(node.Id);
                string member = _member[node.Id];
                if (node.Kind == OpKind.Input)
                {
                    arguments.Add($"{member}: input");
                    continue;
                }
                _w.WriteLine($"// {_graph.Describe(node)}  [{node.Source}]");
                if (node.Kind == OpKind.Layer)
                {
                    LayerDeclaration layer = _layers[node.Symbol];
                    KernelCall call = TrainingCall(node);
                    string output = call.Expression;
                    if (call.StateType is not null)
                    {
                        string state = Names.Camel(member) + "State";
                        _w.WriteLine($"var {state} = {call.Expression};");
                        arguments.Add($"{member}State: {state}");
                        output = state + ".Output";
                    }
                    if (layer.Activation != "Linear")
                    {
                        string pre = Names.Camel(member) + "PreActivation";
                        _w.WriteLine($"var {pre} = {output};");
                        arguments.Add($"{member}PreActivation: {pre}");
                        output = Activate(layer, pre);
                    }
                    _w.WriteLine($"var {local} = {output};");
                }
                else
                {
                    _w.WriteLine($"{Tensor} {local} = {TensorForward(node)};");
                }
                arguments.Add($"{member}: {local}");
            }
            _w.WriteLine($"return new Trace({string.Join(", ", arguments)});");
        }
    }

    private string TensorForward(OpNode node) => TensorGraph.Forward(node, Value);

    // ---- backward ----------------------------------------------------------------------------------------------

    private void EmitBackward()
    {
        var adjoint = new Dictionary<int, string>();
        var used = new UniqueNames(["trace", "dOutput"]);
        string Adjoint(int id)
        {
            if (adjoint.TryGetValue(id, out string? name)) return name;
            if (id == _graph.Output && _member.TryGetValue(id, out string? m) && m == "Output") return adjoint[id] = "dOutput";
            return adjoint[id] = used.Next("d" + (_graph[id].Kind == OpKind.Parameter ? _graph[id].Symbol : _member[id]));
        }
        string Forward(int id) => _graph[id].Kind switch
        {
            OpKind.Constant => _graph[id].Symbol,
            OpKind.Parameter => "this.Weights." + Identifier(_graph[id].Symbol),
            _ => "trace." + _member[id],
        };
        var gradientOf = new Dictionary<string, string>(System.StringComparer.Ordinal);
        ILookup<int, AdjointStep> steps = _plan.Reverse.Steps.ToLookup(s => s.Node);

        _w.WriteLine("/// <summary>");
        _w.WriteLine("/// Reverse-mode differentiation of the forward pass: from d(loss)/d(output) to the gradient of every trainable");
        _w.WriteLine("/// tensor, the chain rule applied from the last operation to the first, reusing the trace's intermediate values.");
        _w.WriteLine("/// </summary>");
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        using (_w.WriteBlock($"public Gradients Backward(Trace trace, {Tensor} dOutput)"))
        {
            string root = Adjoint(_graph.Output);
            if (root != "dOutput")
            {
                _w.WriteLine($"// d(loss)/d({_member[_graph.Output]}): the model's output is {_member[_graph.Output]}");
                _w.WriteLine($"{Tensor} {root} = dOutput;");
            }
            foreach (int id in _plan.Reverse.Order)
            {
                OpNode node = _graph[id];
                string g = Adjoint(id);
                void Contribute(AdjointStep step, string contribution) => TensorGraph.Accumulate(_w, step, Adjoint(step.Target), contribution);
                switch (node.Kind)
                {
                    case OpKind.Parameter:
                        gradientOf[node.Symbol] = g;
                        break;
                    case OpKind.Layer:
                        EmitLayerBackward(node, g, steps[id].FirstOrDefault(), Forward, Contribute, gradientOf);
                        break;
                    default:
                        TensorGraph.EmitContributions(_w, _graph, node, steps[id], g, Forward, Contribute);
                        break;
                }
            }
            using (_w.WriteBlock("return new Gradients", "};"))
            {
                foreach (TensorInfo t in Trainable)
                {
                    string value = gradientOf.TryGetValue(t.Name, out string? gradient) ? gradient : $"{Torch}.zeros_like(this.Weights.{Identifier(t.Name)})";
                    _w.WriteLine($"{Identifier(t.Name)} = {value},");
                }
            }
        }
    }

    /// <summary>
    /// A layer's backward: the activation's derivative (when it has one), then the layer's backward kernel call, its
    /// tensors' gradients kept for the result and its input's gradient contributed to that input's adjoint.
    /// </summary>
    private void EmitLayerBackward(OpNode node, string g, AdjointStep? inputStep, System.Func<int, string> forward,
        System.Action<AdjointStep, string> contribute, Dictionary<string, string> gradientOf)
    {
        LayerDeclaration layer = _layers[node.Symbol];
        string member = _member[node.Id], inputName = _graph[node.Inputs[0]].Name;
        string dy = g, output = member;
        if (layer.Activation != "Linear")
        {
            dy = "d" + member + "PreActivation";
            output = member + "PreActivation";
            _w.WriteLine($"// d/d({output}) of: {member} = {layer.Activation}({output})");
            _w.WriteLine($"{Tensor} {dy} = {Kernels}.ActivationKernel.Backward({Kernels}.Activation.{layer.Activation}, {g}, trace.{output}, trace.{member});");
        }
        LayerBackward backward = layer.Definition.Backward(layer,
            Values(layer, forward(node.Inputs[0]), "trace." + member, "trace." + member + "State", dy, inputGradientNeeded: inputStep is not null));
        bool needsInput = inputStep is not null && backward.Input is not null;
        string of = layer.Definition.DescribeForBackward(layer, output, inputName);
        if (backward.Gradients.Count == 0)
        {
            if (!needsInput) return;
            _w.WriteLine($"// d/d({inputName}) of: {of}");
            contribute(inputStep!, backward.Call);
            return;
        }
        string result = Names.Camel(member) + "Gradients";
        var names = backward.Gradients.Select(t => layer.Name + t.Suffix).Concat(needsInput ? [inputName] : []);
        _w.WriteLine($"// d/d({string.Join(", ", names)}) of: {of}");
        _w.WriteLine($"var {result} = {backward.Call};");
        foreach (TensorGradient gradient in backward.Gradients)
        {
            // A shared layer's tensors receive one gradient per call: the sum.
            string name = layer.Name + gradient.Suffix, value = result + gradient.Access;
            gradientOf[name] = gradientOf.TryGetValue(name, out string? earlier) ? $"{earlier} + {value}" : value;
        }
        if (needsInput) contribute(inputStep!, result + backward.Input);
    }

    // ---- training ----------------------------------------------------------------------------------------------

    /// <summary>
    /// The [Loss] method's value and its gradient with respect to the prediction: its body's forward values, then the
    /// reverse sweep from d(loss)/d(result) (1, or 1/elements when the result is averaged), as for the model.
    /// </summary>
    private void EmitLossGradient(LossPlan plan)
    {
        OpGraph graph = plan.Graph;
        var local = new Dictionary<int, string>();
        var used = new UniqueNames(["loss"]);
        foreach (OpNode node in graph.Nodes)
        {
            if (node.Kind != OpKind.Constant) local[node.Id] = used.Next(node.Kind == OpKind.Input ? node.Symbol : Names.Camel(node.Name));
        }
        var adjoint = new Dictionary<int, string>();
        string Adjoint(int id) => adjoint.TryGetValue(id, out string? known) ? known : adjoint[id] = used.Next("d" + Names.Pascal(local[id]));
        string Value(int id) => graph[id].Kind == OpKind.Constant ? graph[id].Symbol : Identifier(local[id]);
        string name = plan.Declaration.Name, result = Value(graph.Output);
        _w.WriteLine();
        _w.WriteLine($"/// <summary>The [Loss] method <see cref=\"{name}\"/>{(plan.Mean ? ", averaged over every element," : "")} and its gradient with respect to the prediction, by reverse mode.</summary>");
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        using (_w.WriteBlock($"private ({Tensor} Loss, {Tensor} Gradient) {_lossWithGradient}({Tensor} {Identifier(plan.Declaration.Prediction)}, {Tensor} {Identifier(plan.Declaration.Target)})"))
        {
            _w.WriteLine("// Forward");
            foreach (OpNode node in graph.Nodes)
            {
                if (node.Kind is OpKind.Input or OpKind.Constant) continue;
                _w.WriteLine($"{Tensor} {Value(node.Id)} = {TensorGraph.Forward(node, Value)}; // {node.Source}");
            }
            _w.WriteLine($"{Tensor} loss = {(plan.Mean ? $"{Ops}.Mean({result})" : result)};");
            _w.WriteLine();
            _w.WriteLine("// Reverse: the adjoint dv of each value v is d(loss)/dv");
            int prediction = graph.Nodes.First(n => n.Kind == OpKind.Input && n.Symbol == plan.Declaration.Prediction).Id;
            if (!plan.Reverse.NeedsAdjoint[graph.Output])
            {
                _w.WriteLine($"return (loss, {Torch}.zeros_like({Value(prediction)}));");
                return;
            }
            _w.WriteLine($"{Tensor} {Adjoint(graph.Output)} = {(plan.Mean ? $"{Torch}.ones_like({result}) / {result}.numel()" : $"{Torch}.ones_like({result})")};");
            ILookup<int, AdjointStep> steps = plan.Reverse.Steps.ToLookup(s => s.Node);
            foreach (int id in plan.Reverse.Order.Where(id => graph[id].Kind != OpKind.Input))
            {
                TensorGraph.EmitContributions(_w, graph, graph[id], steps[id], Adjoint(id), Value,
                    (step, contribution) => TensorGraph.Accumulate(_w, step, Adjoint(step.Target), contribution));
            }
            _w.WriteLine($"return (loss, {Adjoint(prediction)});");
        }
    }

    private void EmitTraining()
    {
        LossPlan? own = _plan.LossMethod;
        string loss = $"{Kernels}.Loss.{_model.Loss}";
        string options = ModelAnalysis.Number(_model.HuberDelta) + (_model.FromLogits ? ", fromLogits: true" : "");
        string ToDouble(string tensor) => $"global::TorchSharp.TensorExtensionMethods.ToDouble({tensor})";
        _w.WriteLine("/// <summary>One optimisation step on a batch: forward, loss, backward, optimizer update.</summary>");
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        using (_w.WriteBlock($"public {Training}.StepResult TrainStep({Tensor} x, {Tensor} y)"))
        {
            _w.WriteLine(TargetGuard("x", "y"));
            EmitManagedDispatch("Train");
            _w.WriteLine($"{Training}.StepResult result;");
            _w.WriteLine("Gradients gradients;");
            using (_w.WriteBlock($"using (var scope = {Torch}.NewDisposeScope())"))
            {
                _w.WriteLine("Trace trace = ForwardWithTrace(x);");
                if (own is null)
                {
                    _w.WriteLine($"double loss = {ToDouble($"{Kernels}.LossKernel.Forward({loss}, trace.Output, y, {options})")};");
                    _w.WriteLine($"{Tensor} dOutput = {Kernels}.LossKernel.Backward({loss}, trace.Output, y, {options});");
                }
                else
                {
                    _w.WriteLine($"var (lossValue, dOutput) = {_lossWithGradient}(trace.Output, {Ops}.AlignTargets(trace.Output, y));");
                    _w.WriteLine($"double loss = {ToDouble("lossValue")};");
                }
                _w.WriteLine("gradients = Backward(trace, dOutput);");
                _w.WriteLine($"result = {_stepResultOf}(loss, trace.Output, y);");
                _w.WriteLine("scope.MoveToOuter(gradients.Trainable);");
            }
            _w.WriteLine("// A non-finite loss leaves the weights as they were: the training loop reports it, the last finite weights kept.");
            _w.WriteLine("if (double.IsFinite(result.Loss)) Optimizer.Step(this.Weights.Trainable, gradients.Trainable);");
            _w.WriteLine("foreach (var gradient in gradients.Trainable) gradient.Dispose();");
            _w.WriteLine("return result;");
        }
        _w.WriteLine();
        _w.WriteLine("/// <summary>The loss and metrics on a batch, without updating the model.</summary>");
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        using (_w.WriteBlock($"public {Training}.StepResult TestStep({Tensor} x, {Tensor} y)"))
        {
            _w.WriteLine(TargetGuard("x", "y"));
            EmitManagedDispatch("Test");
            _w.WriteLine($"using var scope = {Torch}.NewDisposeScope();");
            _w.WriteLine($"{Tensor} prediction = Forward(x);");
            string value = own is null
                ? $"{Kernels}.LossKernel.Forward({loss}, prediction, y, {options})"
                : (own.Mean ? $"{Ops}.Mean({Identifier(own.Declaration.Name)}(prediction, {Ops}.AlignTargets(prediction, y)))" : $"{Identifier(own.Declaration.Name)}(prediction, {Ops}.AlignTargets(prediction, y))");
            _w.WriteLine($"double loss = {ToDouble(value)};");
            _w.WriteLine($"return {_stepResultOf}(loss, prediction, y);");
        }
        _w.WriteLine();
        _w.WriteLine("/// <summary>A step's result: its loss, and each metric's value and pooling terms (Keras' stateful metrics pool an epoch's batches).</summary>");
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        using (_w.WriteBlock($"private static {Training}.StepResult {_stepResultOf}(double loss, {Tensor} prediction, {Tensor} y)"))
        {
            _w.WriteLine($"var totals = new global::System.Collections.Generic.Dictionary<string, {Kernels}.MetricTotals>({_plan.Metrics.Count});");
            foreach (MetricPlan metric in _plan.Metrics)
            {
                string computed = metric.Computed == metric.Declared ? "" : " // \"accuracy\" for this output and loss, as Keras resolves it";
                _w.WriteLine($"totals[{Kernels}.MetricKernel.KerasName({Kernels}.Metric.{metric.Declared})] = {Kernels}.MetricKernel.Accumulate({Kernels}.Metric.{metric.Computed}, prediction, y);{computed}");
            }
            _w.WriteLine($"var metrics = new global::System.Collections.Generic.Dictionary<string, double>({_plan.Metrics.Count});");
            _w.WriteLine("foreach (var pair in totals) metrics[pair.Key] = pair.Value.Result;");
            _w.WriteLine("return new(loss, metrics) { Totals = totals };");
        }
        if (own is not null) EmitLossGradient(own);
        _w.WriteLine();
        _w.WriteLine("/// <summary>Keras' names of the metrics, in declaration order.</summary>");
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        _w.WriteLine($"public {List}<string> MetricNames {{ get; }} = [{string.Join(", ", _plan.Metrics.Select(m => $"{Kernels}.MetricKernel.KerasName({Kernels}.Metric.{m.Declared})"))}];");
        _w.WriteLine();
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        _w.WriteLine($"public {List}<{Tensor}> TrainableTensors => this.Weights.Trainable;");
        _w.WriteLine();
        _w.WriteLine("/// <summary>Trains for <paramref name=\"epochs\"/> epochs, as Keras' fit, reporting progress by default (<paramref name=\"verbose\"/> 1); returns the per-epoch history.</summary>");
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        _w.WriteLine($"public {Training}.History Fit({Data}.IDataset train, int epochs, {Data}.IDataset? validation = null,");
        _w.WriteLine($"    {List}<{Training}.ICallback>? callbacks = null, global::System.Action<string>? log = null, int verbose = 1,");
        _w.WriteLine("    global::System.IO.TextWriter? output = null, int initialEpoch = 0)");
        _w.WriteLine($"    => {Training}.TrainingLoop.Fit(this, train, epochs, validation, callbacks, log, verbose, output, initialEpoch);");
        _w.WriteLine();
        _w.WriteLine("/// <summary>Keras' fit over tensors: batches of <paramref name=\"batchSize\"/>, the last <paramref name=\"validationSplit\"/> of the samples held out, shuffled per epoch.</summary>");
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        _w.WriteLine($"public {Training}.History Fit({Tensor} x, {Tensor} y, int batchSize = 32, int epochs = 1, double validationSplit = 0, bool shuffle = true,");
        _w.WriteLine($"    ({Tensor} X, {Tensor} Y)? validationData = null, {List}<{Training}.ICallback>? callbacks = null, int verbose = 1,");
        _w.WriteLine("    global::System.IO.TextWriter? output = null, int initialEpoch = 0, int seed = 0)");
        _w.WriteLine($"    => {Training}.TrainingLoop.Fit(this, x, y, batchSize, epochs, validationSplit, shuffle, validationData, callbacks, verbose, output, initialEpoch, seed);");
        _w.WriteLine();
        _w.WriteLine("/// <summary>Keras' fit over .NET arrays (float[,], double[,,], long[] class indices, ...), first axis the sample.</summary>");
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        _w.WriteLine($"public {Training}.History Fit(global::System.Array x, global::System.Array y, int batchSize = 32, int epochs = 1, double validationSplit = 0,");
        _w.WriteLine($"    bool shuffle = true, {List}<{Training}.ICallback>? callbacks = null, int verbose = 1, global::System.IO.TextWriter? output = null,");
        _w.WriteLine("    int initialEpoch = 0, int seed = 0)");
        _w.WriteLine($"    => {Training}.TrainingLoop.Fit(this, x, y, batchSize, epochs, validationSplit, shuffle, callbacks, verbose, output, initialEpoch, seed, {_dtype});");
        _w.WriteLine();
        Member("The loss and metrics over a dataset, pooled over its batches as Keras' evaluate does.",
            $"public {Training}.StepResult Evaluate({Data}.IDataset data, int verbose = 1, global::System.IO.TextWriter? output = null) => {Training}.TrainingLoop.Evaluate(this, data, verbose, output);");
        _w.WriteLine();
        Member("The loss and metrics over tensors, in batches of <paramref name=\"batchSize\"/>.",
            $"public {Training}.StepResult Evaluate({Tensor} x, {Tensor} y, int batchSize = 32, int verbose = 1, global::System.IO.TextWriter? output = null) => {Training}.TrainingLoop.Evaluate(this, x, y, batchSize, verbose, output);");
        _w.WriteLine();
        // Forward's intermediates are freed at once, not left to the finalizer; a forward that returns its input or a
        // parameter unchanged is cloned, so that the caller owns (and may dispose) what Predict returns.
        string forward = _graph[_graph.Output].Kind is OpKind.Input or OpKind.Parameter or OpKind.Constant ? "Forward(x).clone()" : "Forward(x)";
        _w.WriteLine("/// <summary>The model's output on a batch.</summary>");
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        using (_w.WriteBlock($"public {Tensor} Predict({Tensor} x)"))
        {
            _w.WriteLine($"{Training}.InputGuard.RequireFinite(\"{_model.Name}\", \"x\", x);");
            _w.WriteLine($"using var scope = {Torch}.NewDisposeScope();");
            _w.WriteLine($"return scope.MoveToOuter({forward});");
        }
        _w.WriteLine();
        _w.WriteLine("/// <summary>The model's outputs on every batch of a dataset, concatenated along the batch axis.</summary>");
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        _w.WriteLine($"public {Tensor} Predict({Data}.IDataset data) => {Training}.TrainingLoop.Predict(Predict, data);");
        var adapting = _model.Layers.Where(l => l.Definition.Adapts).ToList();
        foreach (LayerDeclaration layer in _model.Layers) layer.Definition.EmitMembers(layer, _model.Name, _plan.Tensors.Where(t => t.Owner == layer.Name).ToList(), _w);
        if (adapting.Count == 1)
        {
            _w.WriteLine();
            _w.WriteLine($"/// <summary>Adapts the model's {adapting[0].Definition.KerasType} layer {adapting[0].Name} to <paramref name=\"data\"/>.</summary>");
            _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
            _w.WriteLine($"public void Adapt({Tensor} data) => Adapt{adapting[0].Name}(data);");
        }
    }

    private void EmitSummary()
    {
        long total = _plan.Tensors.Sum(t => t.Count), trainable = Trainable.Sum(t => t.Count);
        string rule = new string('_', 65), thick = new string('=', 65);
        // Keras' column widths, widened when a layer's name and type or its shape would not fit (so the columns stay aligned).
        int layerWidth = System.Math.Max(27, _plan.Summary.Select(r => r.Layer.Length + r.Type.Length + 4).DefaultIfEmpty(0).Max());
        int shapeWidth = System.Math.Max(25, _plan.Summary.Select(r => r.OutputShape.Length + 1).DefaultIfEmpty(0).Max());
        string Row(string layer, string shape, string parameters) => (" " + Fit(layer, layerWidth) + " " + Fit(shape, shapeWidth) + " " + parameters).TrimEnd();
        rule = new string('_', System.Math.Max(65, layerWidth + shapeWidth + 13));
        thick = new string('=', rule.Length);
        var lines = new List<string> { $"Model: \"{_model.Name}\"", rule, Row("Layer (type)", "Output Shape", "Param #"), thick };
        for (int i = 0; i < _plan.Summary.Count; i++)
        {
            SummaryRow row = _plan.Summary[i];
            lines.Add(Row($"{row.Layer} ({row.Type})", row.OutputShape, Thousands(row.Parameters)));
        }
        lines.Add(thick);
        lines.Add($"Total params: {Thousands(total)}");
        lines.Add($"Trainable params: {Thousands(trainable)}");
        lines.Add($"Non-trainable params: {Thousands(total - trainable)}");
        lines.Add(rule);
        _w.WriteLine("/// <summary>A Keras-like table of the layers, their output shapes and parameter counts.</summary>");
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        using (_w.WriteBlock("public string Summary()"))
        {
            _w.WriteLine("return");
            for (int i = 0; i < lines.Count; i++)
            {
                _w.WriteLine($"    \"{lines[i].TrimEnd().Replace("\\", "\\\\").Replace("\"", "\\\"")}\\n\"{(i == lines.Count - 1 ? ";" : " +")}");
            }
        }
    }

    /// <summary>A documented generated member of one line.</summary>
    private void Member(string summary, string declaration)
    {
        _w.WriteLine($"/// <summary>{summary}</summary>");
        _w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        _w.WriteLine(declaration);
    }


    private static string Fit(string text, int width) => text.Length >= width ? text : text.PadRight(width);

    private static string Thousands(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
