using System.Text;
using Microsoft.CodeAnalysis;

namespace ModelDsl.Generators.Parsing;

/// <summary>
/// A type's full name ("TorchSharp.torch.Tensor", "ModelDsl.DenseAttribute") for comparisons, as ToDisplayString()
/// writes it, without its display visitor: the parse compares every attribute and signature of every model on every
/// edit, where ToDisplayString was a sixth of the time.
/// </summary>
internal static class SymbolNames
{
    public static string? Of(ITypeSymbol? type)
    {
        if (type is null) return null;
        // Generic, array, pointer, nullable-annotated or other types: the display string itself.
        if (type is not INamedTypeSymbol { IsGenericType: false } named || type.NullableAnnotation == NullableAnnotation.Annotated
            || named.SpecialType != SpecialType.None)
            return type.ToDisplayString();
        var builder = new StringBuilder();
        Append(named, builder);
        return builder.ToString();
    }

    private static void Append(INamedTypeSymbol type, StringBuilder builder)
    {
        if (type.ContainingType is { } outer)
        {
            Append(outer, builder);
            builder.Append('.');
        }
        else if (type.ContainingNamespace is { IsGlobalNamespace: false } ns)
        {
            AppendNamespace(ns, builder);
            builder.Append('.');
        }
        builder.Append(type.Name);
    }

    private static void AppendNamespace(INamespaceSymbol ns, StringBuilder builder)
    {
        if (ns.ContainingNamespace is { IsGlobalNamespace: false } parent)
        {
            AppendNamespace(parent, builder);
            builder.Append('.');
        }
        builder.Append(ns.Name);
    }
}
