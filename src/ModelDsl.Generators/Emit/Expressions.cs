using System;
using ModelDsl.Generators.Analysis;

namespace ModelDsl.Generators.Emit;

/// <summary>The C# of the operations every backend writes the same way.</summary>
internal static class Expressions
{
    /// <summary><c>a + b</c>, <c>a - b</c>, <c>a * b</c>, <c>a / b</c>, <c>-a</c>; null for any other operation.</summary>
    public static string? Arithmetic(OpNode node, Func<int, string> reference) => node.Kind switch
    {
        OpKind.Add => $"{reference(node.Inputs[0])} + {reference(node.Inputs[1])}",
        OpKind.Subtract => $"{reference(node.Inputs[0])} - {reference(node.Inputs[1])}",
        OpKind.Multiply => $"{reference(node.Inputs[0])} * {reference(node.Inputs[1])}",
        OpKind.Divide => $"{reference(node.Inputs[0])} / {reference(node.Inputs[1])}",
        OpKind.Negate => $"-{reference(node.Inputs[0])}",
        _ => null,
    };
}
