using ModelDsl.Generators.Analysis;

namespace ModelDsl.Generators.Model;

/// <summary>A type that contains generated members: its keyword ("class", "struct", "record") and name.</summary>
internal sealed record ContainingType(string Keyword, string Name);

/// <summary>Where generated members go: namespace (empty for the global one) and the chain of containing types.</summary>
internal sealed record TypeLocation(string Namespace, EquatableArray<ContainingType> Types)
{
    public string FullName => (Namespace.Length == 0 ? "" : Namespace + ".") + string.Join(".", System.Linq.Enumerable.Select(Types, t => t.Name));
    public string HintName => FullName.Replace('<', '_').Replace('>', '_');
}

/// <summary>A [Differentiable] method, parsed: its signature and its body as a graph over its parameters.</summary>
internal sealed record FunctionDeclaration(
    TypeLocation Type,
    string Name,
    string Accessibility,
    string NumericType,
    EquatableArray<string> Parameters,
    OpGraph Graph);

/// <summary>A [Differentiable] method with its reverse sweep.</summary>
internal sealed record FunctionPlan(FunctionDeclaration Function, ReversePlan Reverse);

/// <summary>Every differentiable function of one type: they go to one generated file.</summary>
internal sealed record FunctionGroup(TypeLocation Type, EquatableArray<FunctionPlan> Functions);
