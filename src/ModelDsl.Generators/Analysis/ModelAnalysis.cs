using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ModelDsl.Generators.Model;
using ModelDsl.Generators.Parsing;

namespace ModelDsl.Generators.Analysis;

/// <summary>Shapes, the model's tensors in Keras order, the reverse sweep and the summary of a parsed [Model].</summary>
internal static class ModelAnalysis
{
    private const string Torch = "global::TorchSharp.torch";
    private const string Initializers = "global::ModelDsl.Initializers";

    public static Result<AnalysedModel> Analyse(Result<ParsedModel> parsed)
    {
        var diagnostics = new List<DiagnosticInfo>(parsed.Diagnostics);
        if (parsed.Value is not { } model) return Result.From<AnalysedModel>(null, diagnostics);
        ModelPlan? plan = model.Declaration is { } declaration ? Plan(declaration, diagnostics) : null;
        return Result.From(new AnalysedModel(model, plan), diagnostics);
    }

    private static ModelPlan? Plan(ModelDeclaration model, List<DiagnosticInfo> diagnostics)
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
                        int width = graph[node.Inputs[0]].Shape[graph[node.Inputs[0]].Shape.Count - 1];
                        List<TensorInfo> own = LayerTensors(layer, width);
                        tensors.AddRange(own);
                        if (layer.Kind != LayerKind.Normalization) roots.Add(node.Id);
                        summary.Add(new SummaryRow(layer.Name, layer.Kind == LayerKind.Lstm ? "LSTM" : layer.Kind.ToString(),
                            ShapeInference.Format(node.Shape), own.Sum(t => t.Count)));
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
            ReversePlan reverse = ReverseMode.Plan(graph, roots);
            return new ModelPlan(model, graph, tensors.ToEquatableArray(), reverse, summary.ToEquatableArray());
        }
        catch (System.Exception exception)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.DiagnosticDescriptors.InternalError, null, model.Name, exception.Message));
            return null;
        }
    }

    private static List<TensorInfo> LayerTensors(LayerDeclaration layer, int width)
    {
        string n = layer.Name;
        int u = layer.Units;
        return layer.Kind switch
        {
            LayerKind.Dense => new List<TensorInfo> { new(n + "Kernel", Shape(width, u), true, n, "kernel", Create(layer.KernelInitializer, [width, u])) }
                .Concat(layer.UseBias ? [new TensorInfo(n + "Bias", Shape(u), true, n, "bias", Create(layer.BiasInitializer, [u]))] : [])
                .ToList(),
            LayerKind.Lstm =>
            [
                new(n + "Kernel", Shape(width, 4 * u), true, n, "kernel, gate blocks i, f, c, o", Create("GlorotUniform", [width, 4 * u])),
                new(n + "RecurrentKernel", Shape(u, 4 * u), true, n, "recurrent kernel", Create("Orthogonal", [u, 4 * u])),
                new(n + "Bias", Shape(4 * u), true, n, "bias, forget block set to 1 (unit_forget_bias)",
                    $"{Initializers}.LstmBias.UnitForget({u}, type)"),
            ],
            _ =>
            [
                new(n + "Mean", Shape(width), false, n, "mean, adapted", $"{Torch}.zeros({width}, dtype: type)"),
                new(n + "Variance", Shape(width), false, n, "variance (population), adapted", $"{Torch}.ones({width}, dtype: type)"),
                new(n + "Count", Shape(), false, n, "number of samples adapted on", $"{Torch}.tensor(0L)"),
            ],
        };
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

    private static string Create(string initializer, int[] shape, string arguments = "")
        => $"new {Initializers}.{initializer}({arguments}).Create(new long[] {{ {string.Join(", ", shape)} }}, type, generator)";

    private static EquatableArray<int> Shape(params int[] dims) => dims.ToEquatableArray();

    public static string Number(double value)
    {
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains("E") || text.Contains(".") ? text : text + ".0";
    }
}
