using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ModelDsl.Generators.Analysis;

namespace ModelDsl.Generators.Emit;

/// <summary>
/// The C# of a tensor graph's operations (everything but layers) over the runtime: forward expressions and the
/// reverse sweep's contributions, each preceded by the forward expression it differentiates. Shared by a model's
/// Backward and its [Loss] method's gradient.
/// </summary>
internal static class TensorGraph
{
    private const string Tensor = "global::TorchSharp.torch.Tensor";
    private const string Ops = "global::ModelDsl.Ops";

    /// <summary>The forward expression of a non-layer node, its inputs written by <paramref name="value"/>.</summary>
    public static string Forward(OpNode node, Func<int, string> value)
    {
        string A() => value(node.Inputs[0]);
        return Expressions.Arithmetic(node, value) ?? node.Kind switch
        {
            OpKind.MatMul or OpKind.Maximum or OpKind.Minimum => $"{Ops}.{node.Kind}({A()}, {value(node.Inputs[1])})",
            OpKind.Flatten => $"{Ops}.Flatten({A()})",
            OpKind.Reshape => $"{Ops}.Reshape({A()}, {string.Join(", ", node.Extra)})",
            OpKind.Sum or OpKind.Mean or OpKind.Max => $"{Ops}.{node.Kind}({A()}{(node.Axis is int axis ? ", " + axis : "")})",
            OpKind.Concatenate => $"{Ops}.Concatenate({node.Axis}, {string.Join(", ", node.Inputs.Select(value))})",
            OpKind.Transpose => $"{Ops}.Transpose({A()}, {string.Join(", ", node.Extra)})",
            OpKind.Elementwise => $"{Ops}.{node.Symbol}({A()})",
            _ => node.Source,
        };
    }

    /// <summary>
    /// Writes the contributions of a non-layer node to the adjoints of its inputs, from its adjoint <paramref name="g"/>:
    /// the rule's vector-Jacobian product, summed back to a broadcast input's shape where the static shapes differ.
    /// </summary>
    public static void EmitContributions(CodeWriter w, OpGraph graph, OpNode node, IEnumerable<AdjointStep> steps, string g,
        Func<int, string> forward, Action<AdjointStep, string> contribute)
    {
        string[] rule = DerivativeRules.Tensor[DerivativeRules.Key(node)];
        foreach (AdjointStep step in steps)
        {
            // A rule of one template for a variadic operation (Concatenate) applies to every input.
            string template = rule[Math.Min(step.InputIndex, rule.Length - 1)];
            string? reduceTo = null;
            if (template.StartsWith("{A:", StringComparison.Ordinal) || template.StartsWith("{B:", StringComparison.Ordinal))
            {
                if (!graph[step.Target].Shape.Equals(node.Shape)) reduceTo = forward(step.Target);
                template = template.Substring(3, template.Length - 4);
            }
            string contribution = DerivativeRules.Fill(template, g, forward(node.Id), forward(node.Inputs[0]),
                    node.Inputs.Count > 1 ? forward(node.Inputs[1]) : "", axis: node.Axis?.ToString(CultureInfo.InvariantCulture) ?? "")
                .Replace("{axes}", string.Join(", ", node.Extra))
                .Replace("{offset}", Offset(graph, node, step.InputIndex).ToString(CultureInfo.InvariantCulture))
                .Replace("{size}", node.Kind == OpKind.Concatenate ? Size(graph, node, step.InputIndex).ToString(CultureInfo.InvariantCulture) : "");
            if (reduceTo is not null) contribution = $"{Ops}.SumToShape({contribution}, {reduceTo}.shape)";
            w.WriteLine($"// d/d({graph[step.Target].Name}) of: {graph.Describe(node)}");
            contribute(step, contribution);
        }
    }

    /// <summary>Writes <c>target = contribution</c> for a first contribution, <c>target = target + contribution</c> after.</summary>
    public static void Accumulate(CodeWriter w, AdjointStep step, string target, string contribution)
    {
        if (step.Declares) w.WriteLine($"{Tensor} {target} = {contribution};");
        else if (contribution.StartsWith("-", StringComparison.Ordinal)) w.WriteLine($"{target} = {target} - {contribution.Substring(1)};");
        else w.WriteLine($"{target} = {target} + {contribution};");
    }

    private static int Axis(OpGraph graph, OpNode node)
    {
        int rank = graph[node.Inputs[0]].Shape.Count, axis = node.Axis ?? 0;
        return axis < 0 ? axis + rank : axis;
    }

    private static int Size(OpGraph graph, OpNode node, int input) => graph[node.Inputs[input]].Shape[Axis(graph, node)];

    private static int Offset(OpGraph graph, OpNode node, int input)
        => node.Kind == OpKind.Concatenate ? Enumerable.Range(0, input).Sum(i => Size(graph, node, i)) : 0;
}
