using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ModelDsl.Generators.Diagnostics;
using ModelDsl.Generators.Model;

namespace ModelDsl.Generators.Parsing;

/// <summary>An attribute's arguments with their syntax locations, for diagnostics that point at the argument itself.</summary>
internal sealed class AttributeReader(AttributeData data, SyntaxNode fallback, List<DiagnosticInfo> diagnostics)
{
    private readonly AttributeSyntax? _syntax = data.ApplicationSyntaxReference?.GetSyntax() as AttributeSyntax;

    public List<DiagnosticInfo> Diagnostics { get; } = diagnostics;

    /// <summary>Constructor argument <paramref name="index"/> (its default value when the user left it out).</summary>
    public TypedConstant? Constructor(int index)
        => index < data.ConstructorArguments.Length && data.ConstructorArguments[index].Kind != TypedConstantKind.Error
            ? data.ConstructorArguments[index] : null;

    public TypedConstant? Named(string name)
    {
        foreach (KeyValuePair<string, TypedConstant> pair in data.NamedArguments)
        {
            if (pair.Key == name && pair.Value.Kind != TypedConstantKind.Error) return pair.Value;
        }
        return null;
    }

    public double Double(string name, double fallback) => Named(name)?.Value switch
    {
        double d => d,
        float f => f,
        int i => i,
        _ => fallback,
    };

    public string? EnumName(string name) => Named(name) is { } value ? EnumMemberName(value) : null;

    /// <summary>The location of positional argument <paramref name="index"/>, or of the whole attribute when it was left out.</summary>
    public LocationInfo? PositionalLocation(int index)
    {
        ImmutableArray<AttributeArgumentSyntax> positional = (_syntax?.ArgumentList?.Arguments ?? default)
            .Where(a => a.NameEquals is null && a.NameColon is null).ToImmutableArray();
        return index < positional.Length ? LocationInfo.From(positional[index]) : Whole;
    }

    /// <summary>The location of the named argument <c>Name = ...</c>, or of the whole attribute.</summary>
    public LocationInfo? NamedLocation(string name)
    {
        AttributeArgumentSyntax? argument = _syntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name);
        return argument is null ? Whole : LocationInfo.From(argument);
    }

    public LocationInfo? Whole => LocationInfo.From((SyntaxNode?)_syntax ?? fallback);

    public void InvalidPositional(int index, string what, string value, string instead)
        => Diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidAttributeArgument, PositionalLocation(index), what, value, instead));

    public void Invalid(LocationInfo? location, string what, string value, string instead)
        => Diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidAttributeArgument, location ?? Whole, what, value, instead));

    /// <summary>The name of the enum member an argument holds, or null for a value cast from an integer no member has.</summary>
    public static string? EnumMemberName(TypedConstant constant)
        => constant.Type is INamedTypeSymbol { TypeKind: TypeKind.Enum } e
            ? e.GetMembers().OfType<IFieldSymbol>().FirstOrDefault(f => f.HasConstantValue && Equals(f.ConstantValue, constant.Value))?.Name
            : null;

    /// <summary>The members of the enum an argument is typed with, for "use one of" messages.</summary>
    public static IEnumerable<string> EnumMembers(TypedConstant constant)
        => constant.Type is INamedTypeSymbol { TypeKind: TypeKind.Enum } e
            ? e.GetMembers().OfType<IFieldSymbol>().Where(f => f.HasConstantValue).Select(f => f.Name)
            : [];

    /// <summary>A number as C# source: invariant, round-trip, always with a decimal point or exponent.</summary>
    public static string Number(double value)
    {
        if (double.IsNaN(value)) return "double.NaN";
        if (double.IsInfinity(value)) return value > 0 ? "double.PositiveInfinity" : "double.NegativeInfinity";
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains("E") || text.Contains(".") ? text : text + ".0";
    }
}
