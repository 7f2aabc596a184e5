using System.Collections.Generic;
using System.Linq;
using ModelDsl.Generators.Model;

namespace ModelDsl.Generators.Analysis;

/// <summary>
/// One vector-Jacobian contribution of reverse mode: the adjoint of <see cref="Node"/> flows into its input number
/// <see cref="InputIndex"/>; <see cref="Declares"/> is true for the first contribution to that input's adjoint.
/// </summary>
internal sealed record AdjointStep(int Node, int InputIndex, int Target, bool Declares);

/// <summary>The reverse sweep over a graph: the nodes that carry adjoints and the contributions, in emission order.</summary>
internal sealed record ReversePlan(EquatableArray<bool> NeedsAdjoint, EquatableArray<int> Order, EquatableArray<AdjointStep> Steps)
{
    /// <summary>Steps grouped by the forward node they differentiate, latest node first.</summary>
    public IEnumerable<IGrouping<int, AdjointStep>> ByNode() => Steps.GroupBy(s => s.Node);
}

internal static class ReverseMode
{
    /// <summary>
    /// Walks <paramref name="graph"/> backwards from its result. Adjoints exist for nodes that depend on one of
    /// <paramref name="roots"/> (the values we differentiate with respect to) and reach the result.
    /// </summary>
    public static ReversePlan Plan(OpGraph graph, IEnumerable<int> roots)
    {
        bool[] active = graph.ActiveFrom(roots);
        bool[] reaching = graph.Reaching();
        bool[] needs = active.Zip(reaching, (a, r) => a && r).ToArray();
        var declared = new bool[needs.Length];
        declared[graph.Output] = true;
        var steps = new List<AdjointStep>();
        var order = new List<int>();
        for (int id = graph.Nodes.Count - 1; id >= 0; id--)
        {
            if (!needs[id]) continue;
            order.Add(id);
            OpNode node = graph[id];
            for (int i = 0; i < node.Inputs.Count; i++)
            {
                int input = node.Inputs[i];
                if (!needs[input]) continue;
                steps.Add(new AdjointStep(id, i, input, !declared[input]));
                declared[input] = true;
            }
        }
        return new ReversePlan(needs.ToEquatableArray(), order.ToEquatableArray(), steps.ToEquatableArray());
    }
}
