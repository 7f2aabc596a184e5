using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using ModelDsl.Generators.Diagnostics;
using ModelDsl.Generators.Model;
using ModelDsl.Generators.Parsing;

namespace ModelDsl.Generators.Layers;

/// <summary>
/// What a <see cref="LayerDefinition"/> reads its attribute's arguments with: each read validates the value, reports
/// MD0010 (or MD0008 for an activation) at that argument's own location when it is invalid, and records the value
/// under its name for the later stages.
/// </summary>
internal sealed class LayerArgumentReader(AttributeReader attribute, string owner)
{
    private readonly List<LayerArgument> _arguments = [];

    /// <summary>The initializers a vector (a bias) can take: Orthogonal needs a matrix.</summary>
    public static readonly IReadOnlyList<string> VectorInitializers = ["Zeros", "Ones", "RandomNormal", "RandomUniform", "GlorotUniform", "LecunNormal"];

    /// <summary>Whose arguments these are, for messages: "layer 'Hidden'", "[Adam]".</summary>
    public string Owner { get; } = owner;

    /// <summary>False once any argument was rejected.</summary>
    public bool Valid { get; private set; } = true;

    public EquatableArray<LayerArgument> Arguments => _arguments.ToEquatableArray();

    private void Record(string name, string value) => _arguments.Add(new LayerArgument(name, value));

    private void Reject(LocationInfo? location, string what, string value, string instead)
    {
        attribute.Invalid(location, what, value, instead);
        Valid = false;
    }

    /// <summary>A positive count at constructor position <paramref name="position"/> (units, filters).</summary>
    public int Count(int position, string name, string what)
    {
        int value = attribute.Constructor(position)?.Value is int i ? i : 0;
        if (value < 1) Reject(attribute.PositionalLocation(position), $"The number of {what} of {Owner}", value.ToString(CultureInfo.InvariantCulture), $"give a positive number of {what}");
        Record(name, value.ToString(CultureInfo.InvariantCulture));
        return value;
    }

    /// <summary>Reports a rule that involves several arguments (strides with dilation), at the argument <paramref name="name"/>.</summary>
    public void Conflict(string name, string what, string value, string instead) => Reject(attribute.NamedLocation(name), what, value, instead);

    /// <summary>An integer named argument (or constructor argument at <paramref name="position"/> ≥ 0) of at least <paramref name="minimum"/>.</summary>
    public int Int(string name, int fallback, int minimum, string rule, int position = -1)
    {
        TypedConstant? constant = position >= 0 ? attribute.Constructor(position) : attribute.Named(name);
        int value = constant?.Value is int i ? i : fallback;
        if (value < minimum) Reject(Location(name, position), $"{name} of {Owner}", value.ToString(CultureInfo.InvariantCulture), rule);
        Record(name, value.ToString(CultureInfo.InvariantCulture));
        return value;
    }

    /// <summary>
    /// One or two sizes from a <c>params int[]</c> constructor argument (Keras' "an int or a tuple of 2 ints"): one value
    /// stands for both axes. Recorded as "{name}Rows" and "{name}Cols".
    /// </summary>
    public (int Rows, int Cols) Pair(int position, string name, string what, int? fallback = null)
    {
        int[] values = attribute.Constructor(position) is { Kind: TypedConstantKind.Array, IsNull: false } array
            ? array.Values.Select(v => v.Value is int i ? i : 0).ToArray()
            : [];
        if (values.Length == 0 && fallback is int both) values = [both];
        (int rows, int cols) = values.Length switch
        {
            1 => (values[0], values[0]),
            2 => (values[0], values[1]),
            _ => (0, 0),
        };
        if (values.Length is not (1 or 2))
            Reject(attribute.PositionalLocation(position), $"The {what} of {Owner}", values.Length == 0 ? "missing" : $"{values.Length} numbers",
                "give one size for both axes or two (rows, columns)");
        else if (rows < 1 || cols < 1)
            Reject(attribute.PositionalLocation(position), $"The {what} of {Owner}", $"({rows}, {cols})", "every size must be at least 1");
        Record(name + "Rows", rows.ToString(CultureInfo.InvariantCulture));
        Record(name + "Cols", cols.ToString(CultureInfo.InvariantCulture));
        return (rows, cols);
    }

    /// <summary>A number (named, or at constructor <paramref name="position"/> ≥ 0) that must satisfy <paramref name="valid"/>.</summary>
    public double Double(string name, double fallback, System.Func<double, bool> valid, string rule, int position = -1)
    {
        TypedConstant? constant = position >= 0 ? attribute.Constructor(position) : attribute.Named(name);
        double value = constant?.Value switch
        {
            double d => d,
            float f => f,
            int i => i,
            _ => fallback,
        };
        if (!valid(value)) Reject(Location(name, position), $"{name} of {Owner}", AttributeReader.Number(value), rule);
        Record(name, value.ToString("R", CultureInfo.InvariantCulture));
        return value;
    }

    public bool Bool(string name, bool fallback)
    {
        bool value = attribute.Named(name)?.Value is bool b ? b : fallback;
        Record(name, value ? "true" : "false");
        return value;
    }

    /// <summary>
    /// An enum argument (named, or at constructor <paramref name="position"/> ≥ 0); a value cast from an integer that no
    /// member has (<c>(Padding)7</c>) is rejected. <paramref name="allowed"/> restricts the members this layer accepts.
    /// </summary>
    public string Enum(string name, string fallback, int position = -1, IReadOnlyList<string>? allowed = null)
    {
        TypedConstant? constant = position >= 0 ? attribute.Constructor(position) : attribute.Named(name);
        string value = fallback;
        if (constant is { } c)
        {
            string? member = AttributeReader.EnumMemberName(c);
            string type = c.Type?.Name ?? name;
            IEnumerable<string> members = allowed ?? AttributeReader.EnumMembers(c);
            if (member is null || (allowed is not null && !allowed.Contains(member)))
            {
                Reject(Location(name, position), $"{name} of {Owner}", member is null ? $"({type}){c.Value}" : $"{type}.{member}",
                    $"use {string.Join(", ", members.Select(m => type + "." + m))}");
            }
            else value = member;
        }
        Record(name, value);
        return value;
    }

    /// <summary>
    /// The activation at constructor <paramref name="position"/>, or in the named argument <c>Activation</c> when
    /// <paramref name="position"/> is -1; an unknown one is MD0008 at the argument.
    /// </summary>
    public void Activation(int position = -1)
    {
        string value = "Linear";
        if ((position >= 0 ? attribute.Constructor(position) : attribute.Named("Activation")) is { } constant)
        {
            string? member = AttributeReader.EnumMemberName(constant);
            if (member is null)
            {
                attribute.Diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownActivation, Location("Activation", position),
                    constant.Value?.ToString() ?? "?", string.Join("/", AttributeReader.EnumMembers(constant))));
                Valid = false;
            }
            else value = member;
        }
        Record("Activation", value);
    }

    private LocationInfo? Location(string name, int position) => position >= 0 ? attribute.PositionalLocation(position) : attribute.NamedLocation(name);
}
