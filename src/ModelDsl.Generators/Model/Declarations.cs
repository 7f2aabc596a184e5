using System.Linq;
using ModelDsl.Generators.Analysis;

namespace ModelDsl.Generators.Model;

/// <summary>A type that contains generated members: its keyword ("class", "struct", "record") and name.</summary>
internal sealed record ContainingType(string Keyword, string Name);

/// <summary>Where generated members go: namespace (empty for the global one) and the chain of containing types.</summary>
internal sealed record TypeLocation(string Namespace, EquatableArray<ContainingType> Types)
{
    public string FullName => (Namespace.Length == 0 ? "" : Namespace + ".") + string.Join(".", System.Linq.Enumerable.Select(Types, t => t.Name));
    /// <summary>The full name with every character a hint name may not hold ('@' of an escaped keyword, '&lt;', ...) as '_'.</summary>
    public string HintName => new(FullName.Select(c => char.IsLetterOrDigit(c) || c is '_' or '.' ? c : '_').ToArray());
}

/// <summary>
/// A [Differentiable] method, parsed: its signature and its body as a graph over its parameters. The graph is null
/// when the body was rejected (its MD diagnostics say why) but the signature is sound: the derivative members are
/// then still declared, throwing, so that callers of them see the MD error alone.
/// </summary>
internal sealed record FunctionDeclaration(
    TypeLocation Type,
    string Name,
    string Accessibility,
    string NumericType,
    EquatableArray<string> Parameters,
    OpGraph? Graph,
    LocationInfo? Location);

/// <summary>A [Differentiable] method with its reverse sweep (null for a rejected body).</summary>
internal sealed record FunctionPlan(FunctionDeclaration Function, ReversePlan? Reverse)
{
    public static FunctionPlan For(FunctionDeclaration function)
        => new(function, function.Graph is { } graph ? ReverseMode.Plan(graph, System.Linq.Enumerable.Range(0, function.Parameters.Count)) : null);
}

/// <summary>Every differentiable function of one type: they go to one generated file.</summary>
internal sealed record FunctionGroup(TypeLocation Type, EquatableArray<FunctionPlan> Functions);
