using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using ModelDsl.Generators.Tests.Infrastructure;

namespace ModelDsl.Generators.Tests.Fuzzing;

/// <summary>
/// One mutated input: <see cref="Source"/> is the mutated unit (Input0.cs), then <see cref="Extra"/> (further files a
/// mutation added, such as a second partial part) and the unit's unmutated <see cref="Companions"/>.
/// </summary>
public sealed record Variant(int Seed, int Index, string Unit, string Mutation, string Description, string Original, string Source,
    ImmutableArray<string> Extra, ImmutableArray<string> Companions, string? Expect = null)
{
    public IReadOnlyList<string> Sources => [Source, .. Extra, .. Companions];

    /// <summary>How to get this variant back: <c>Mutator.Create(seed, index)</c>, or the environment variables of the fuzz test.</summary>
    public string Reproduce => $"seed {Seed}, index {Index} (MODELDSL_FUZZ_SEED={Seed} MODELDSL_FUZZ_ONLY={Index})";

    /// <summary>The changed lines of the unit, "-" before and "+" after, long lines shortened; then any extra file.</summary>
    public string Excerpt(int maxLines = 14) => Diff(Original, Source, maxLines) + string.Concat(Extra.Select(e => "\n  (second file)\n" + Indent(Shorten(e, maxLines))));

    public static string Diff(string before, string after, int maxLines)
    {
        string[] a = before.Split('\n'), b = after.Split('\n');
        int prefix = 0;
        while (prefix < a.Length && prefix < b.Length && a[prefix] == b[prefix]) prefix++;
        int suffix = 0;
        while (suffix < a.Length - prefix && suffix < b.Length - prefix && a[^(suffix + 1)] == b[^(suffix + 1)]) suffix++;
        var lines = new List<string>();
        if (prefix > 0) lines.Add($"  {Line(a[prefix - 1])}");
        lines.AddRange(a[prefix..(a.Length - suffix)].Take(maxLines / 2).Select(l => "- " + Line(l)));
        if (a.Length - suffix - prefix > maxLines / 2) lines.Add($"- … {a.Length - suffix - prefix - maxLines / 2} more lines");
        lines.AddRange(b[prefix..(b.Length - suffix)].Take(maxLines).Select(l => "+ " + Line(l)));
        if (b.Length - suffix - prefix > maxLines) lines.Add($"+ … {b.Length - suffix - prefix - maxLines} more lines");
        if (suffix > 0) lines.Add($"  {Line(a[^suffix])}");
        return string.Join("\n", lines);
    }

    public static string Line(string line)
    {
        line = line.TrimEnd('\r');
        return line.Length > 220 ? line[..200] + $"… ({line.Length} characters)" : line;
    }

    private static string Shorten(string text, int maxLines)
    {
        string[] lines = text.Split('\n').Where(l => !l.StartsWith("using ", StringComparison.Ordinal) && l.Trim().Length > 0).ToArray();
        return string.Join("\n", lines.Take(maxLines).Select(Line)) + (lines.Length > maxLines ? $"\n… {lines.Length - maxLines} more lines" : "");
    }

    private static string Indent(string text) => string.Join("\n", text.Split('\n').Select(l => "  " + l));
}

/// <summary>
/// The deterministic mutator: variant <c>index</c> of seed <c>seed</c> is always the same text, computed from a
/// <see cref="Random"/> seeded with both alone (no state shared between variants), so one failing variant can be
/// recreated on its own. The kind of mutation follows a weighted round-robin schedule over <see cref="Mutations.All"/>
/// (every kind gets its share); the unit and the mutation's choices come from the random generator; one variant in
/// five gets a second mutation on top.
/// </summary>
public static class Mutator
{
    /// <summary>Deep bodies above this many operations only in the larger corpus (MODELDSL_FUZZ_DEEP_MAX, up to 10000).</summary>
    public static int DeepMax { get; set; } = 500;

    /// <summary>Deep bodies are slow to generate and to compile: one variant in <see cref="RarePeriod"/> each, at fixed indices.</summary>
    public const int RarePeriod = 200;

    private static readonly ImmutableArray<Mutation> Schedule =
        [.. Mutations.All.SelectMany(m => Enumerable.Repeat(m, m.Weight))];

    private static Mutation Primary(int index) => (index % RarePeriod) switch
    {
        RarePeriod / 2 => Mutations.All.Single(m => m.Name == "deep-body"),
        RarePeriod - 1 => Mutations.All.Single(m => m.Name == "deep-nesting"),
        _ => Schedule[index % Schedule.Length],
    };

    public static Variant Create(int seed, int index) => Create(seed, index, FuzzCorpus.Units);

    /// <summary>
    /// The seed of one variant's <see cref="Random"/>: (seed, index) through SplitMix64's finaliser. Seeds that differ by
    /// a multiple of a constant give correlated first draws in <see cref="Random"/>'s seeded algorithm (variant i and
    /// i + 256 were the same mutation); hashed seeds do not.
    /// </summary>
    public static int VariantSeed(int seed, int index)
    {
        ulong z = ((ulong)(uint)seed << 32 | (uint)index) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }

    public static Variant Create(int seed, int index, IReadOnlyList<SeedUnit> units)
    {
        var rng = new Random(VariantSeed(seed, index));
        Mutation primary = Primary(index);
        for (int attempt = 0; attempt < 200; attempt++)
        {
            SeedUnit unit = units[rng.Next(units.Count)];
            var context = new MutationContext(unit.Source, rng, ImmutableArray<string>.Empty);
            if (primary.Apply(context) is not { } first) continue;
            var applied = new List<(Mutation Mutation, Mutated Result)> { (primary, first) };
            if (rng.NextDouble() < 0.2)
            {
                // A second, cheap mutation on top of the first (never a second deep body).
                Mutation second = Mutations.Stackable[rng.Next(Mutations.Stackable.Length)];
                if (second.Apply(new MutationContext(first.Source, rng, first.Extra)) is { } both) applied.Add((second, both));
            }
            Mutated last = applied[^1].Result;
            // An expectation holds only for a single mutation: a second one may make the first declaration valid again.
            return new Variant(seed, index, unit.Name,
                string.Join(" + ", applied.Select(a => a.Mutation.Name)),
                string.Join("; then ", applied.Select(a => $"{a.Mutation.Name}: {a.Result.Description}")),
                unit.Source, last.Source, last.Extra, unit.Companions, applied.Count == 1 ? first.Expect : null);
        }
        // Not applicable to any unit tried (cannot happen for token mutations): the first unit unchanged.
        return new Variant(seed, index, units[0].Name, "none", $"{primary.Name} applied to no unit", units[0].Source, units[0].Source, [], units[0].Companions);
    }
}

/// <summary>A mutation's result: the new unit text, what was done, and files it added.</summary>
/// <param name="Expect">When set, the mutation made a declaration ModelDsl must reject: an input that compiles on its
/// own must get an MD error (the reason names what must be reported: an out-of-range enum value, a non-finite rate, ...).</param>
public sealed record Mutated(string Source, string Description, ImmutableArray<string> Extra, string? Expect = null);

/// <summary>A kind of mutation: its name, its share of the schedule, and a function that returns null when it does not apply.</summary>
public sealed record Mutation(string Name, int Weight, Func<MutationContext, Mutated?> Apply)
{
    public override string ToString() => Name;
}

/// <summary>The parsed unit a mutation reads, the random generator it draws from, and text-edit helpers.</summary>
public sealed class MutationContext
{
    public MutationContext(string source, Random rng, ImmutableArray<string> extra)
    {
        Source = source;
        Rng = rng;
        Extra = extra;
        Root = (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions).GetRoot();
        Type = Root.DescendantNodes().OfType<TypeDeclarationSyntax>().FirstOrDefault();
    }

    public string Source { get; }
    public Random Rng { get; }
    public ImmutableArray<string> Extra { get; }
    public CompilationUnitSyntax Root { get; }

    /// <summary>The unit's (first) type declaration.</summary>
    public TypeDeclarationSyntax? Type { get; }

    public T Pick<T>(IReadOnlyList<T> items) => items[Rng.Next(items.Count)];

    public T? PickOrDefault<T>(IReadOnlyList<T> items) => items.Count == 0 ? default : items[Rng.Next(items.Count)];

    public bool Chance(double p) => Rng.NextDouble() < p;

    // ---- what the unit declares

    public static string Name(AttributeSyntax a)
    {
        string n = a.Name switch
        {
            QualifiedNameSyntax q => q.Right.Identifier.ValueText,
            AliasQualifiedNameSyntax q => q.Name.Identifier.ValueText,
            SimpleNameSyntax s => s.Identifier.ValueText,
            _ => a.Name.ToString(),
        };
        return n.EndsWith("Attribute", StringComparison.Ordinal) ? n[..^"Attribute".Length] : n;
    }

    public static bool Has(MemberDeclarationSyntax member, string attribute) =>
        member.AttributeLists.SelectMany(l => l.Attributes).Any(a => Name(a) == attribute);

    public bool IsModel => Type is not null && Has(Type, "Model");

    public IReadOnlyList<MemberDeclarationSyntax> Members => Type?.Members.ToList() ?? [];

    public IReadOnlyList<MethodDeclarationSyntax> Methods => Members.OfType<MethodDeclarationSyntax>().ToList();

    /// <summary>Partial methods with an attribute that is not [Forward], [Loss] or [Differentiable]: the layers.</summary>
    public IReadOnlyList<MethodDeclarationSyntax> Layers => Methods
        .Where(m => m.Modifiers.Any(SyntaxKind.PartialKeyword) && m.AttributeLists.Count > 0 && !Has(m, "Forward") && !Has(m, "Loss") && !Has(m, "Differentiable")).ToList();

    public IReadOnlyList<PropertyDeclarationSyntax> Parameters => Members.OfType<PropertyDeclarationSyntax>().Where(p => Has(p, "Parameter")).ToList();

    public MethodDeclarationSyntax? Forward => Methods.FirstOrDefault(m => Has(m, "Forward"));

    public MethodDeclarationSyntax? Loss => Methods.FirstOrDefault(m => Has(m, "Loss"));

    public IReadOnlyList<MethodDeclarationSyntax> Differentiables => Methods.Where(m => Has(m, "Differentiable")).ToList();

    /// <summary>Methods with a body the generator lowers: [Forward], [Loss], [Differentiable].</summary>
    public IReadOnlyList<MethodDeclarationSyntax> Bodies => Methods.Where(m => (Has(m, "Forward") || Has(m, "Loss") || Has(m, "Differentiable")) && (m.Body is not null || m.ExpressionBody is not null)).ToList();

    public static string LayerKind(MethodDeclarationSyntax layer) => layer.AttributeLists.SelectMany(l => l.Attributes).Select(Name).FirstOrDefault() ?? "";

    public int Line(int position) => Root.SyntaxTree.GetLineSpan(new TextSpan(position, 0)).StartLinePosition.Line + 1;

    /// <summary>The member or type a position belongs to, for descriptions ("in Hidden", "in [Model]").</summary>
    public string Where(SyntaxNode node)
    {
        if (node.AncestorsAndSelf().OfType<AttributeSyntax>().FirstOrDefault() is { } attribute)
        {
            var owner = attribute.Parent?.Parent;
            string ownerName = owner switch
            {
                BaseTypeDeclarationSyntax t => t.Identifier.ValueText,
                MethodDeclarationSyntax m => m.Identifier.ValueText,
                PropertyDeclarationSyntax p => p.Identifier.ValueText,
                _ => "?",
            };
            return $"[{Name(attribute)}] of {ownerName}";
        }
        return node.AncestorsAndSelf().FirstOrDefault(n => n is MemberDeclarationSyntax) switch
        {
            MethodDeclarationSyntax m => m.Identifier.ValueText,
            PropertyDeclarationSyntax p => p.Identifier.ValueText,
            BaseTypeDeclarationSyntax t => t.Identifier.ValueText,
            BaseNamespaceDeclarationSyntax => "the namespace",
            _ => "the file",
        };
    }

    public string Where(SyntaxToken token) => token.Parent is null ? "the file" : Where(token.Parent);

    // ---- edits

    /// <summary>Applies non-overlapping edits (start, end, replacement) to the source.</summary>
    public string Edit(params (int Start, int End, string Text)[] edits) => Edit((IEnumerable<(int, int, string)>)edits);

    public string Edit(IEnumerable<(int Start, int End, string Text)> edits)
    {
        var sorted = edits.OrderBy(e => e.Start).ThenBy(e => e.End).ToList();
        var s = new StringBuilder(Source.Length + 64);
        int at = 0;
        foreach (var (start, end, text) in sorted)
        {
            if (start < at) throw new InvalidOperationException($"overlapping edits at {start}");
            s.Append(Source, at, start - at).Append(text);
            at = end;
        }
        s.Append(Source, at, Source.Length - at);
        return s.ToString();
    }

    public Mutated Done(string source, string description) => new(source, description, Extra);

    public Mutated Done(string source, string description, ImmutableArray<string> extra) => new(source, description, extra);

    /// <summary>A mutation that ModelDsl must report (see <see cref="Mutated.Expect"/>).</summary>
    public Mutated Rejected(string source, string description, string expect) => new(source, description, Extra, expect);

    /// <summary>Every identifier token in the type (or the file) whose value is <paramref name="name"/>.</summary>
    public IEnumerable<SyntaxToken> Occurrences(string name, SyntaxNode? scope = null) =>
        (scope ?? (SyntaxNode?)Type ?? Root).DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken) && t.ValueText == name);

    /// <summary>Renames every occurrence of <paramref name="name"/> in the type to <paramref name="to"/> (written as given: "@class").</summary>
    public string Rename(string name, string to, SyntaxNode? scope = null) => Edit(Occurrences(name, scope).Select(t => (t.SpanStart, t.Span.End, to)));

    /// <summary>Where a modifier goes: before the first modifier, or before the return type / keyword.</summary>
    public static int ModifierPosition(MemberDeclarationSyntax member) => member.Modifiers.Count > 0 ? member.Modifiers[0].SpanStart : member switch
    {
        MethodDeclarationSyntax m => m.ReturnType.SpanStart,
        PropertyDeclarationSyntax p => p.Type.SpanStart,
        TypeDeclarationSyntax t => t.Keyword.SpanStart,
        FieldDeclarationSyntax f => f.Declaration.SpanStart,
        _ => member.SpanStart,
    };

    /// <summary>The end of the type's members: where a new member goes.</summary>
    public int MemberInsertPosition => Type!.CloseBraceToken.SpanStart;

    public string AddMember(string member) => Edit((MemberInsertPosition, MemberInsertPosition, "\n    " + member + "\n"));

    /// <summary>The name of a body's first parameter ("x"), and its returned expression (expression body or last return).</summary>
    public static (string Parameter, ExpressionSyntax? Returned) BodyParts(MethodDeclarationSyntax method) =>
        (method.ParameterList.Parameters.FirstOrDefault()?.Identifier.Text ?? "x",
         method.ExpressionBody?.Expression ?? method.Body?.Statements.OfType<ReturnStatementSyntax>().LastOrDefault()?.Expression);

    /// <summary>The numeric type of a [Differentiable] method ("double" or "float"), or "Tensor" for a model body.</summary>
    public static string ValueType(MethodDeclarationSyntax method) => method.ReturnType.ToString() switch
    {
        "float" or "Single" or "System.Single" => "float",
        "double" or "Double" or "System.Double" => "double",
        _ => "Tensor",
    };

    /// <summary>
    /// Replaces a body's returned expression by <paramref name="statements"/> then <c>return {returned};</c>, where the
    /// statements may use <c>{E}</c> for the old returned expression; an expression body becomes a block.
    /// </summary>
    public string? RewriteBody(MethodDeclarationSyntax method, string statements, string returned)
    {
        var (_, expression) = BodyParts(method);
        if (expression is null) return null;
        string e = expression.ToString();
        string stmts = statements.Replace("{E}", e);
        string ret = returned.Replace("{E}", e);
        if (method.ExpressionBody is { } arrow)
        {
            int end = method.SemicolonToken.IsMissing ? arrow.Span.End : method.SemicolonToken.Span.End;
            return Edit((arrow.SpanStart, end, $"\n    {{\n        {stmts}\n        return {ret};\n    }}"));
        }
        var last = method.Body!.Statements.OfType<ReturnStatementSyntax>().Last();
        return Edit((last.SpanStart, last.Span.End, $"{stmts}\n        return {ret};"));
    }
}
