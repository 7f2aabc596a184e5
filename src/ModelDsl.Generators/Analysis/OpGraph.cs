using System.Collections.Generic;
using System.Linq;
using ModelDsl.Generators.Model;

namespace ModelDsl.Generators.Analysis;

/// <summary>What a node of the forward graph computes. Scalar functions and tensor models share the graph.</summary>
internal enum OpKind
{
    /// <summary>A function parameter or the model input.</summary>
    Input,
    /// <summary>A number, a named constant (Math.PI, a const field): <see cref="OpNode.Symbol"/> holds its C# text.</summary>
    Constant,
    /// <summary>A raw [Parameter] tensor of a model (<see cref="OpNode.Symbol"/>: its property name).</summary>
    Parameter,
    Add,
    Subtract,
    Multiply,
    Divide,
    Negate,
    /// <summary>An element-wise function of one argument (Math.Sin, Ops.Relu, ...): <see cref="OpNode.Symbol"/> names it.</summary>
    Elementwise,
    /// <summary>Math.Pow(a, b).</summary>
    Power,
    /// <summary>A call of another [Differentiable] method: Symbol is its qualified name, Extra its parameter names.</summary>
    Call,
    /// <summary>A layer of a model (Symbol: the layer method's name).</summary>
    Layer,
    MatMul,
    Flatten,
    Reshape,
    /// <summary>Sum over every element (Axis = null) or one axis.</summary>
    Sum,
    Mean,
    /// <summary>The maximum over one axis (Axis), which is removed.</summary>
    Max,
    /// <summary>Element-wise maximum and minimum of two tensors, with broadcasting.</summary>
    Maximum,
    Minimum,
    /// <summary>The inputs joined along Axis.</summary>
    Concatenate,
    /// <summary>Two axes swapped (Extra: the two axes).</summary>
    Transpose,
}

/// <summary>
/// One value of the forward computation: its operation, inputs (node ids), static shape ([] for scalars, -1 for the
/// batch axis), a readable name, and the source text it was lowered from.
/// </summary>
internal sealed record OpNode(
    int Id,
    OpKind Kind,
    EquatableArray<int> Inputs,
    EquatableArray<int> Shape,
    string Name,
    string Source,
    string Symbol,
    EquatableArray<string> Extra,
    int? Axis,
    LocationInfo? Location)
{
    public bool IsScalar => Shape.Count == 0;
}

/// <summary>A forward computation in evaluation order (every input precedes its users) and its result node.</summary>
internal sealed record OpGraph(EquatableArray<OpNode> Nodes, int Output)
{
    public OpNode this[int id] => Nodes[id];

    public OpNode Result => Nodes[Output];

    /// <summary>Nodes whose value depends on one of <paramref name="roots"/>: only they need adjoints.</summary>
    public bool[] ActiveFrom(IEnumerable<int> roots)
    {
        var active = new bool[Nodes.Count];
        foreach (int root in roots) active[root] = true;
        foreach (OpNode node in Nodes)
        {
            if (!active[node.Id] && node.Inputs.Any(i => active[i])) active[node.Id] = true;
        }
        return active;
    }

    /// <summary>Nodes the result depends on.</summary>
    public bool[] Reaching()
    {
        var used = new bool[Nodes.Count];
        used[Output] = true;
        for (int i = Nodes.Count - 1; i >= 0; i--)
        {
            if (!used[i]) continue;
            foreach (int input in Nodes[i].Inputs) used[input] = true;
        }
        return used;
    }

    /// <summary>The forward expression of a node in terms of its inputs' names, e.g. <c>v2 = v1 + B</c>.</summary>
    public string Describe(OpNode node)
    {
        string Arg(int i) => Nodes[node.Inputs[i]].Name;
        string expression = node.Kind switch
        {
            OpKind.Add => $"{Arg(0)} + {Arg(1)}",
            OpKind.Subtract => $"{Arg(0)} - {Arg(1)}",
            OpKind.Multiply => $"{Arg(0)} * {Arg(1)}",
            OpKind.Divide => $"{Arg(0)} / {Arg(1)}",
            OpKind.Negate => $"-{Arg(0)}",
            OpKind.Power => $"Pow({Arg(0)}, {Arg(1)})",
            OpKind.Concatenate => $"Concatenate({node.Axis}, {string.Join(", ", node.Inputs.Select(i => Nodes[i].Name))})",
            OpKind.Elementwise or OpKind.Layer or OpKind.Call or OpKind.MatMul or OpKind.Flatten or OpKind.Reshape or OpKind.Sum or OpKind.Mean
                or OpKind.Max or OpKind.Maximum or OpKind.Minimum or OpKind.Transpose
                => $"{CallName(node)}({string.Join(", ", node.Inputs.Select(i => Nodes[i].Name))}{AxisText(node)})",
            _ => node.Source,
        };
        return $"{node.Name} = {expression}";
    }

    private static string CallName(OpNode node) => node.Kind switch
    {
        OpKind.Elementwise or OpKind.Layer => node.Symbol,
        OpKind.Call => node.Symbol.Substring(node.Symbol.LastIndexOf('.') + 1),
        _ => node.Kind.ToString(),
    };

    private static string AxisText(OpNode node) => node.Kind switch
    {
        OpKind.Reshape => ", " + string.Join(", ", node.Shape.Select(d => d.ToString())),
        OpKind.Sum or OpKind.Mean or OpKind.Max when node.Axis is int axis => ", " + axis,
        OpKind.Transpose => ", " + string.Join(", ", node.Extra),
        _ => "",
    };
}
