using System.Collections.Generic;
using System.Linq;
using ModelDsl.Generators.Diagnostics;
using ModelDsl.Generators.Model;

namespace ModelDsl.Generators.Analysis;

/// <summary>
/// Static shapes of a model's forward graph: -1 is the batch axis (Keras' None). Every rule that cannot hold
/// reports <see cref="DiagnosticDescriptors.ShapeMismatch"/> at the expression, with both shapes.
/// </summary>
internal static class ShapeInference
{
    public const int Batch = -1;

    /// <summary>The shapes of a model's forward graph; its result must keep the batch axis.</summary>
    public static OpGraph? Infer(ModelDeclaration model, List<DiagnosticInfo> diagnostics)
    {
        OpGraph? graph = Infer(model.Graph, _ => [Batch, .. model.InputShape], model, diagnostics);
        if (graph is null) return null;
        int[] output = [.. graph.Result.Shape];
        if (output.Length == 0 || output[0] != Batch)
        {
            OpNode result = graph.Result;
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ShapeMismatch, result.Location, result.Source,
                $"the [Forward] result has shape {Format(output)} but a model returns one row per sample, (None, ...)"));
            return null;
        }
        return graph;
    }

    /// <summary>The shapes of a graph whose inputs have the shapes <paramref name="inputShape"/> gives, or null after MD0004.</summary>
    public static OpGraph? Infer(OpGraph graph, System.Func<OpNode, int[]> inputShape, ModelDeclaration model, List<DiagnosticInfo> diagnostics)
    {
        var layers = model.Layers.ToDictionary(l => l.Name);
        var parameters = model.Parameters.ToDictionary(p => p.Name);
        var shapes = new int[graph.Nodes.Count][];
        // Nodes whose shape is unknown because an input's rule failed: not checked again, so one mistake gives one error.
        var unknown = new bool[graph.Nodes.Count];
        var nodes = new List<OpNode>();
        bool failed = false;
        foreach (OpNode node in graph.Nodes)
        {
            if (node.Inputs.Any(i => unknown[i]))
            {
                unknown[node.Id] = true;
                shapes[node.Id] = [];
                nodes.Add(node);
                continue;
            }
            int[] In(int i) => shapes[node.Inputs[i]];
            string S(int i) => Format(In(i));
            string Name(int i) => graph[node.Inputs[i]].Source;
            int[]? shape = null;
            string? problem = null;
            switch (node.Kind)
            {
                case OpKind.Input:
                    shape = inputShape(node);
                    break;
                case OpKind.Constant:
                    shape = [];
                    break;
                case OpKind.Parameter:
                    shape = [.. parameters[node.Symbol].Shape];
                    break;
                case OpKind.Layer:
                    LayerDeclaration layer = layers[node.Symbol];
                    shape = layer.Definition.OutputShape(layer, new Layers.LayerInput(In(0), Name(0)), out problem);
                    break;
                case OpKind.MatMul:
                    int[] a = In(0), b = In(1);
                    if (a.Length != 2 || b.Length != 2) problem = $"MatMul multiplies matrices but the shapes are {S(0)} and {S(1)}";
                    else if (a[1] != b[0] || a[1] == Batch) problem = $"the inner dimensions differ, {S(0)} × {S(1)}; {Name(1)} needs {a[1]} rows to follow {Name(0)}";
                    else shape = [a[0], b[1]];
                    break;
                case OpKind.Add or OpKind.Subtract or OpKind.Multiply or OpKind.Divide or OpKind.Maximum or OpKind.Minimum:
                    shape = Broadcast(In(0), In(1));
                    if (shape is null) problem = $"cannot broadcast {S(0)} with {S(1)}; give {Name(1)} a shape that is 1 or equal on each axis, aligned from the right";
                    break;
                case OpKind.Negate or OpKind.Elementwise:
                    shape = In(0);
                    break;
                case OpKind.Flatten:
                    long flat = In(0).Skip(1).Aggregate(1L, (p, d) => p * d);
                    if (In(0).Length < 1) problem = $"Flatten needs a batch axis but {Name(0)} has shape {S(0)}";
                    else if (flat > int.MaxValue) problem = $"{Name(0)} of shape {S(0)} has {Count(flat)} values per sample, more than a tensor axis holds ({Count(int.MaxValue)})";
                    else shape = [In(0)[0], (int)flat];
                    break;
                case OpKind.Reshape:
                    long[] target = node.Extra.Select(long.Parse).ToArray();
                    long have = In(0).Skip(1).Aggregate(1L, (p, d) => p * d);
                    long want = target.Skip(1).Aggregate(1L, (p, d) => d > 0 && p <= int.MaxValue ? p * d : long.MaxValue);
                    if (target.Length == 0 || target[0] != -1 || target.Skip(1).Any(d => d < 1 || d > int.MaxValue) || In(0).Length == 0 || In(0)[0] != Batch || have != want)
                        problem = $"cannot turn {S(0)} into ({string.Join(", ", target.Select(d => d == -1 ? "None" : d.ToString()))}); keep -1 first for the batch axis and as many elements";
                    else shape = target.Select(d => (int)d).ToArray();
                    break;
                case OpKind.Concatenate:
                    shape = Concatenated(node, i => In(i), out problem);
                    break;
                case OpKind.Transpose:
                    int[] t = In(0);
                    int first = int.Parse(node.Extra[0]), second = int.Parse(node.Extra[1]);
                    int p1 = first < 0 ? first + t.Length : first, p2 = second < 0 ? second + t.Length : second;
                    if (t.Length < 2 || p1 < 0 || p1 >= t.Length || p2 < 0 || p2 >= t.Length) problem = $"axes {first} and {second} are not both inside shape {S(0)}";
                    else if (t[p1] == Batch || t[p2] == Batch) problem = $"Transpose would move the batch axis of {S(0)}; swap two feature axes";
                    else
                    {
                        shape = (int[])t.Clone();
                        (shape[p1], shape[p2]) = (t[p2], t[p1]);
                    }
                    break;
                case OpKind.Sum or OpKind.Mean or OpKind.Max:
                    if (node.Axis is int axis)
                    {
                        int rank = In(0).Length, k = axis < 0 ? axis + rank : axis;
                        if (k < 0 || k >= rank) problem = $"axis {axis} is outside shape {S(0)}";
                        else if (In(0)[k] == Batch) problem = $"axis {axis} is the batch axis; reduce a feature axis, or the whole tensor";
                        else shape = In(0).Where((_, i) => i != k).ToArray();
                    }
                    else shape = [];
                    break;
                default:
                    problem = $"'{node.Source}' is not a tensor operation";
                    break;
            }
            if (problem is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ShapeMismatch, node.Location, node.Source, problem));
                failed = true;
                unknown[node.Id] = true;
                shape = [];
            }
            shapes[node.Id] = shape!;
            nodes.Add(node with { Shape = shape!.ToEquatableArray() });
        }
        return failed ? null : graph with { Nodes = nodes.ToEquatableArray() };
    }

    /// <summary>Inputs of the same rank joined along the node's axis; every other axis must agree.</summary>
    private static int[]? Concatenated(OpNode node, System.Func<int, int[]> input, out string? problem)
    {
        problem = null;
        int[] first = input(0);
        int rank = first.Length, axis = node.Axis!.Value < 0 ? node.Axis.Value + rank : node.Axis.Value;
        if (axis < 0 || axis >= rank) { problem = $"axis {node.Axis} is outside shape {Format(first)}"; return null; }
        if (first[axis] == Batch) { problem = $"axis {node.Axis} is the batch axis; join along a feature axis"; return null; }
        int[] shape = (int[])first.Clone();
        for (int i = 1; i < node.Inputs.Count; i++)
        {
            int[] other = input(i);
            if (other.Length != rank || Enumerable.Range(0, rank).Any(d => d != axis && other[d] != first[d]))
            {
                problem = $"cannot join {Format(first)} and {Format(other)} along axis {node.Axis}: every other axis must be equal";
                return null;
            }
            shape[axis] += other[axis];
        }
        return shape;
    }

    /// <summary>NumPy broadcasting; the batch axis broadcasts with itself or 1.</summary>
    public static int[]? Broadcast(int[] a, int[] b)
    {
        int rank = System.Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int x = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
            int y = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            if (x == y) result[i] = x;
            else if (x == 1) result[i] = y;
            else if (y == 1) result[i] = x;
            else return null;
        }
        return result;
    }

    /// <summary>A count with thousands separators, the same on every machine: 2,147,483,647.</summary>
    public static string Count(long value) => value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Keras' notation: (None, 25, 5); () for a scalar; (16,) for one axis.</summary>
    public static string Format(IEnumerable<int> shape)
    {
        string[] dims = shape.Select(d => d == Batch ? "None" : d.ToString()).ToArray();
        return dims.Length == 1 ? $"({dims[0]},)" : "(" + string.Join(", ", dims) + ")";
    }
}
