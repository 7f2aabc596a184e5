using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ModelDsl.Generators.Model;
using ModelDsl.Generators.Parsing;

namespace ModelDsl.Generators.Analysis;

/// <summary>Shapes, the model's tensors in Keras order, the reverse sweep and the summary of a parsed [Model].</summary>
internal static class ModelAnalysis
{
    public static Result<AnalysedModel> Analyse(Result<ParsedModel> parsed)
    {
        var diagnostics = new List<DiagnosticInfo>(parsed.Diagnostics);
        if (parsed.Value is not { } model) return Result.From<AnalysedModel>(null, diagnostics);
        ModelPlan? plan = model.Declaration is { } declaration ? Plan(declaration, model.Location, diagnostics) : null;
        return Result.From(new AnalysedModel(model, plan), diagnostics);
    }

    private static ModelPlan? Plan(ModelDeclaration model, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        try
        {
            OpGraph? graph = ShapeInference.Infer(model, diagnostics);
            if (graph is null) return null;
            var layers = model.Layers.ToDictionary(l => l.Name);
            var tensors = new List<TensorInfo>();
            var summary = new List<SummaryRow>();
            var roots = new List<int>();
            foreach (OpNode node in graph.Nodes)
            {
                switch (node.Kind)
                {
                    case OpKind.Layer:
                        LayerDeclaration layer = layers[node.Symbol];
                        var own = layer.Definition.Tensors(layer, [.. graph[node.Inputs[0]].Shape])
                            .Select(t => new TensorInfo(layer.Name + t.Suffix, t.Shape.ToEquatableArray(), t.Trainable, layer.Name, t.Role, t.Initializer))
                            .ToList();
                        // Reverse mode starts at the layers that own trainable tensors: what precedes the first is not differentiated.
                        if (own.Any(t => t.Trainable)) roots.Add(node.Id);
                        if (tensors.Any(t => t.Owner == layer.Name))
                        {
                            // A shared layer's later call: its tensors exist, and they must fit this call's input as well.
                            var first = tensors.Where(t => t.Owner == layer.Name).ToList();
                            if (!own.Select(t => t.Shape).SequenceEqual(first.Select(t => t.Shape)))
                            {
                                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.DiagnosticDescriptors.ShapeMismatch, node.Location, node.Source,
                                    $"layer '{layer.Name}' is shared, so this call's input must be shaped as its first one's, but {graph[node.Inputs[0]].Name} has shape " +
                                    $"{ShapeInference.Format(graph[node.Inputs[0]].Shape)}; declare a second layer for it"));
                                return null;
                            }
                            break;
                        }
                        tensors.AddRange(own);
                        summary.Add(new SummaryRow(layer.Name, layer.Definition.KerasType, ShapeInference.Format(node.Shape), own.Sum(t => t.Count)));
                        break;
                    case OpKind.Parameter:
                        ParameterDeclaration parameter = model.Parameters.First(p => p.Name == node.Symbol);
                        TensorInfo tensor = ParameterTensor(parameter);
                        tensors.Add(tensor);
                        roots.Add(node.Id);
                        summary.Add(new SummaryRow(parameter.Name, "Parameter", ShapeInference.Format(parameter.Shape), tensor.Count));
                        break;
                    case OpKind.Flatten or OpKind.Reshape:
                        summary.Add(new SummaryRow(node.Name, node.Kind.ToString(), ShapeInference.Format(node.Shape), 0));
                        break;
                }
            }
            foreach (ParameterDeclaration unused in model.Parameters.Where(p => tensors.All(t => t.Name != p.Name)))
            {
                TensorInfo tensor = ParameterTensor(unused);
                tensors.Add(tensor);
                summary.Add(new SummaryRow(unused.Name, "Parameter", ShapeInference.Format(unused.Shape), tensor.Count));
            }
            if (!NamesAreDistinct(model, tensors, diagnostics)) return null;
            bool indexInput = IndexInput(model, graph, diagnostics, out bool inputProblem);
            LossPlan? loss = model.LossMethod is { } method ? PlanLoss(model, method, graph.Result.Shape, diagnostics) : null;
            if (inputProblem || (model.LossMethod is not null && loss is null)) return null;
            ReversePlan reverse = ReverseMode.Plan(graph, roots);
            var plan = new ModelPlan(model, graph, tensors.ToEquatableArray(), reverse, summary.ToEquatableArray(),
                model.Metrics.Select(m => new MetricPlan(m, Resolve(m, model.Loss, graph.Result.Shape))).ToEquatableArray(), loss, indexInput, Managed: false);
            // The managed backend, unless the model uses what it cannot run: then TorchSharp, and the generator says why.
            string? unsupported = model.Backend == "Torch" ? null
                : !Emit.ManagedEmitter.Enabled ? (model.Backend == "Managed" ? "the managed backend's runtime kernels are not in this release yet" : null)
                : Emit.ManagedEmitter.Unsupported(plan);
            if (unsupported is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(model.Backend == "Managed" ? Diagnostics.DiagnosticDescriptors.ManagedUnavailable : Diagnostics.DiagnosticDescriptors.TorchBackend,
                    model.Location, model.Name, unsupported));
                if (model.Backend == "Managed") return null;
            }
            return plan with { Managed = Emit.ManagedEmitter.Enabled && model.Backend != "Torch" && unsupported is null };
        }
        catch (System.Exception exception)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.DiagnosticDescriptors.InternalError, location, model.Name, exception.Message));
            return null;
        }
    }

    /// <summary>Keras' "accuracy" by the output's shape and the loss (keras/src/trainers/compile_utils.py); other metrics as declared.</summary>
    private static string Resolve(string metric, string loss, EquatableArray<int> output)
        => metric != "Accuracy" ? metric
            : output[output.Count - 1] == 1 ? "BinaryAccuracy"
            : loss == "SparseCategoricalCrossentropy" ? "SparseCategoricalAccuracy"
            : "CategoricalAccuracy";

    /// <summary>
    /// True when the model's input holds integer indices: it feeds an Embedding layer. It may then feed nothing else,
    /// since every other operation computes on floating-point values.
    /// </summary>
    private static bool IndexInput(ModelDeclaration model, OpGraph graph, List<DiagnosticInfo> diagnostics, out bool problem)
    {
        problem = false;
        var layers = model.Layers.ToDictionary(l => l.Name);
        OpNode[] users = graph.Nodes.Where(n => n.Inputs.Any(i => graph[i].Kind == OpKind.Input)).ToArray();
        bool Embeds(OpNode n) => n.Kind == OpKind.Layer && layers[n.Symbol].Definition is Layers.EmbeddingLayer;
        if (!users.Any(Embeds)) return false;
        if (users.FirstOrDefault(n => !Embeds(n)) is { } other)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.DiagnosticDescriptors.ShapeMismatch, other.Location, other.Source,
                "the model's input holds integer indices (it feeds an Embedding layer) and cannot also be computed on; feed it only to Embedding layers"));
            problem = true;
        }
        return true;
    }

    /// <summary>Shapes and the reverse sweep of a [Loss] method whose prediction and target have the model output's shape.</summary>
    private static LossPlan? PlanLoss(ModelDeclaration model, LossDeclaration loss, EquatableArray<int> output, List<DiagnosticInfo> diagnostics)
    {
        OpGraph? graph = ShapeInference.Infer(loss.Graph, _ => [.. output], model, diagnostics);
        if (graph is null) return null;
        EquatableArray<int> result = graph.Result.Shape;
        if (result.Count > 0 && result[0] != ShapeInference.Batch)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.DiagnosticDescriptors.ShapeMismatch, graph.Result.Location, graph.Result.Source,
                $"a [Loss] method returns a scalar or one value per sample, (None, ...), but this has shape {ShapeInference.Format(result)}"));
            return null;
        }
        int prediction = graph.Nodes.First(n => n.Kind == OpKind.Input && n.Symbol == loss.Prediction).Id;
        return new LossPlan(loss, graph, ReverseMode.Plan(graph, [prediction]), Mean: result.Count > 0);
    }

    /// <summary>The members a generated model declares that its user can call, by name.</summary>
    public static IEnumerable<string> GeneratedMembers(ModelDeclaration model)
    {
        string[] always = ["Parameters", "Gradients", "Trace", "InputShape", "ParameterCount", "Weights", "Optimizer", "Forward", "ForwardWithTrace",
            "Backward", "TrainStep", "TestStep", "MetricNames", "TrainableTensors", "Fit", "Evaluate", "Predict", "Summary",
            "NamedTensors", "Architecture", "To", "Save", "Load", "Dispose", "RandomGenerator", "Backend", "ManagedBackward"];
        var adapting = model.Layers.Where(l => l.Definition.Adapts).Select(l => "Adapt" + l.Name).ToList();
        return always
            .Concat(adapting)
            .Concat(adapting.Count == 1 ? ["Adapt"] : []);
    }

    /// <summary>What the nested Parameters and Gradients classes declare besides one property per tensor.</summary>
    private static readonly string[] TensorClassMembers = ["Trainable", "NonTrainable", "Parameters", "Gradients", "Equals", "GetHashCode", "ToString", "GetType", "MemberwiseClone", "Finalize", "ReferenceEquals"];

    /// <summary>
    /// Generated names that would be declared twice (MD0009): a layer's tensor and a parameter, a layer named like a
    /// generated member, a tensor named like a member of the Parameters class, a member of the user's named like a
    /// generated one.
    /// </summary>
    private static bool NamesAreDistinct(ModelDeclaration model, List<TensorInfo> tensors, List<DiagnosticInfo> diagnostics)
    {
        int before = diagnostics.Count;
        var seen = new Dictionary<string, string>(System.StringComparer.Ordinal);
        void Claim(string name, string owner, LocationInfo? location)
        {
            if (seen.TryGetValue(name, out string? first))
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.DiagnosticDescriptors.DuplicateName, location, name, $"by {first} and by {owner}"));
            }
            else seen[name] = owner;
        }
        foreach (LayerDeclaration layer in model.Layers)
        {
            string owner = $"layer '{layer.Name}'";
            Claim(layer.Name, owner, layer.Location);
            foreach (TensorInfo tensor in tensors.Where(t => t.Owner == layer.Name)) Claim(tensor.Name, owner, layer.Location);
        }
        foreach (ParameterDeclaration parameter in model.Parameters) Claim(parameter.Name, $"parameter '{parameter.Name}'", parameter.Location);
        foreach (TensorInfo tensor in tensors.Where(t => TensorClassMembers.Contains(t.Name)))
        {
            LocationInfo? location = model.Layers.FirstOrDefault(l => l.Name == tensor.Owner)?.Location ?? model.Parameters.FirstOrDefault(p => p.Name == tensor.Owner)?.Location;
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.DiagnosticDescriptors.DuplicateName, location, tensor.Name,
                $"by {seen[tensor.Name]} and by the generated member Weights.{tensor.Name}"));
        }
        foreach (string name in GeneratedMembers(model))
        {
            // A member may not share its enclosing type's name (CS0542): a model called Trace or Summary cannot hold ours.
            if (name == model.Name)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.DiagnosticDescriptors.DuplicateName, model.Location, name,
                    $"by your model type '{name}' and by its generated member '{name}', and a member cannot be named like its type"));
            }
            if (seen.TryGetValue(name, out string? owner))
            {
                LocationInfo? location = model.Layers.FirstOrDefault(l => l.Name == name)?.Location ?? model.Parameters.FirstOrDefault(p => p.Name == name)?.Location;
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.DiagnosticDescriptors.DuplicateName, location, name, $"by {owner} and by the generated model member '{name}'"));
            }
            if (model.Members.FirstOrDefault(m => m.Name == name) is { } member)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.DiagnosticDescriptors.DuplicateName, member.Location, name,
                    $"by your member '{name}' and by the generated model member '{name}'"));
            }
        }
        return diagnostics.Count == before;
    }

    private static TensorInfo ParameterTensor(ParameterDeclaration p)
    {
        string arguments = p.Initializer switch
        {
            "RandomNormal" => $"Mean: {Number(p.Mean)}, Stddev: {Number(p.Stddev)}",
            "RandomUniform" => $"Min: {Number(p.Min)}, Max: {Number(p.Max)}",
            "Orthogonal" => $"Gain: {Number(p.Gain)}",
            _ => "",
        };
        return new TensorInfo(p.Name, p.Shape, true, p.Name, "parameter", Create(p.Initializer, [.. p.Shape], arguments));
    }

    private static string Create(string initializer, int[] shape, string arguments = "") => Layers.Initializers.Create(initializer, shape, arguments);

    public static string Number(double value) => Parsing.AttributeReader.Number(value);
}
