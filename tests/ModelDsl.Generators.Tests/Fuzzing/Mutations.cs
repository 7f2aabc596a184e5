using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ModelDsl.Generators.Tests.Fuzzing;

/// <summary>
/// The kinds of mutation, each a function of the parsed unit and the random generator that returns null when it
/// does not apply to that unit. Token mutations use Roslyn's tokens of the unit; the others edit declarations.
/// </summary>
public static class Mutations
{
    public static readonly ImmutableArray<Mutation> All =
    [
        new("token-delete", 9, TokenDelete),
        new("token-delete-run", 4, TokenDeleteRun),
        new("token-swap", 7, TokenSwap),
        new("token-duplicate", 3, TokenDuplicate),
        new("token-replace", 5, TokenReplace),
        new("trivia-insert", 3, TriviaInsert),
        new("number-edit", 10, NumberEdit),
        new("huge-shape", 3, HugeShape),
        new("attribute-move", 6, AttributeMove),
        new("attribute-duplicate", 5, AttributeDuplicate),
        new("attribute-drop", 2, AttributeDrop),
        new("rename-reserved", 10, RenameReserved),
        new("escaped-identifier", 3, EscapedIdentifier),
        new("namespace-form", 4, NamespaceForm),
        new("colliding-tensors", 4, CollidingTensors),
        new("user-member-collision", 6, UserMemberCollision),
        new("differentiable-collision", 3, DifferentiableCollision),
        new("differentiable-shape", 3, DifferentiableShape),
        new("member-modifier", 7, MemberModifier),
        new("parameter-modifier", 4, ParameterModifier),
        new("class-shape", 4, ClassShape),
        new("unsupported-construct", 8, UnsupportedConstruct),
        new("deep-body", 0, DeepBody),       // scheduled apart: Mutator.Rare
        new("deep-nesting", 0, DeepNesting), // scheduled apart: Mutator.Rare
        new("model-arguments", 3, ModelArguments),
        new("optimizer-arguments", 2, OptimizerArguments),
        new("enum-out-of-range", 4, EnumOutOfRange),
        new("two-model-parts", 3, TwoModelParts),
        new("loss-method", 3, LossMethod),
    ];

    /// <summary>Mutations that may go on top of another (deep bodies never do: one is slow enough).</summary>
    public static readonly ImmutableArray<Mutation> Stackable = [.. All.Where(m => !m.Name.StartsWith("deep", StringComparison.Ordinal))];

    // ------------------------------------------------------------------ tokens

    private static IReadOnlyList<SyntaxToken> Tokens(MutationContext c)
    {
        SyntaxNode scope = c.Type is not null && c.Chance(0.9) ? c.Type : c.Root;
        return scope.DescendantTokens().Where(t => !t.IsKind(SyntaxKind.EndOfFileToken) && t.Span.Length > 0).ToList();
    }

    private static string Show(string text) => text.Length > 60 ? text[..60] + "…" : text.Replace("\n", "⏎");

    private static Mutated? TokenDelete(MutationContext c)
    {
        var tokens = Tokens(c);
        if (tokens.Count == 0) return null;
        SyntaxToken t = c.Pick(tokens);
        return c.Done(c.Edit((t.SpanStart, t.Span.End, "")), $"deleted '{t.Text}' (line {c.Line(t.SpanStart)}, in {c.Where(t)})");
    }

    private static Mutated? TokenDeleteRun(MutationContext c)
    {
        var tokens = Tokens(c);
        if (tokens.Count < 3) return null;
        int count = c.Rng.Next(2, 7), start = c.Rng.Next(tokens.Count - 1);
        int end = Math.Min(tokens.Count - 1, start + count - 1);
        int from = tokens[start].SpanStart, to = tokens[end].Span.End;
        return c.Done(c.Edit((from, to, "")), $"deleted '{Show(c.Source[from..to])}' (line {c.Line(from)}, in {c.Where(tokens[start])})");
    }

    private static Mutated? TokenSwap(MutationContext c)
    {
        var tokens = Tokens(c);
        if (tokens.Count < 2) return null;
        int i = c.Rng.Next(tokens.Count - 1);
        int j = c.Chance(0.6) ? i + 1 : Math.Min(tokens.Count - 1, i + 1 + c.Rng.Next(10));
        SyntaxToken a = tokens[i], b = tokens[j];
        if (a.Text == b.Text) return null;
        return c.Done(c.Edit((a.SpanStart, a.Span.End, b.Text), (b.SpanStart, b.Span.End, a.Text)),
            $"swapped '{a.Text}' and '{b.Text}' (line {c.Line(a.SpanStart)}, in {c.Where(a)})");
    }

    private static Mutated? TokenDuplicate(MutationContext c)
    {
        var tokens = Tokens(c);
        if (tokens.Count == 0) return null;
        SyntaxToken t = c.Pick(tokens);
        return c.Done(c.Edit((t.Span.End, t.Span.End, " " + t.Text)), $"duplicated '{t.Text}' (line {c.Line(t.SpanStart)}, in {c.Where(t)})");
    }

    private static readonly string[] Vocabulary =
    [
        "null", "default", ";", ",", "(", ")", "{", "}", "[", "]", "=>", "static", "partial", "ref", "out", "params", "this",
        "new", "?", "!", "=", "+", "*", "-", "/", "%", "x", "0", "\"s\"", "'c'", "true", "var", "void", "Tensor", "double",
        "float", "int", "object", "dynamic", "async", "await", "global::", ".", "..", "@", "$\"\"", "::", "?.", "=>", "base",
    ];

    private static Mutated? TokenReplace(MutationContext c)
    {
        var tokens = Tokens(c);
        if (tokens.Count < 2) return null;
        SyntaxToken t = c.Pick(tokens);
        string with = c.Chance(0.5) ? c.Pick(tokens).Text : c.Pick(Vocabulary);
        if (with == t.Text) return null;
        return c.Done(c.Edit((t.SpanStart, t.Span.End, with)), $"replaced '{t.Text}' by '{with}' (line {c.Line(t.SpanStart)}, in {c.Where(t)})");
    }

    private static readonly string[] Trivia =
    [
        "\n", "\n        ", " /* comment */ ", " // comment\n", "\r\n", "\t", "\u00A0", "\u2028", " /* \u2028 */ ", "\n#pragma warning disable\n",
        "\n#region r\n#endregion\n", "\n#if false\nnot code\n#endif\n", " /* \"quoted\" */ ", " /* */ ", "\u200B",
    ];

    /// <summary>Whitespace, comments, line breaks (also U+2028) and directives between two tokens of a body or attribute.</summary>
    private static Mutated? TriviaInsert(MutationContext c)
    {
        var bodies = c.Bodies.Cast<SyntaxNode>().Concat(c.Type?.DescendantNodes().OfType<AttributeSyntax>() ?? []).ToList();
        if (bodies.Count == 0) return null;
        var tokens = c.Pick(bodies).DescendantTokens().ToList();
        if (tokens.Count < 2) return null;
        SyntaxToken t = tokens[c.Rng.Next(tokens.Count - 1)];
        string trivia = c.Pick(Trivia);
        return c.Done(c.Edit((t.Span.End, t.Span.End, trivia)),
            $"inserted {SymbolDisplay.FormatLiteral(trivia, true)} after '{t.Text}' (line {c.Line(t.SpanStart)}, in {c.Where(t)})");
    }

    // ------------------------------------------------------------------ numbers

    private static readonly string[] Numbers =
    [
        "0", "-1", "int.MaxValue", "2147483647", "int.MinValue", "-2147483648", "2147483648", "65536", "100000", "1e308", "1e-320",
        "double.NaN", "0.0 / 0", "double.PositiveInfinity", "1.0 / 0", "double.NegativeInfinity", "-1.0 / 0", "-0.0",
        "double.MaxValue", "double.Epsilon", "1e9", "0.5", "1.5", "float.NaN", "1e39f", "long.MaxValue", "0x7FFFFFFF", "1_000_000",
        "{neg}", "-({orig})", "{orig} * 1000", "{orig}.5", "(int)1e10",
    ];

    private static Mutated? NumberEdit(MutationContext c)
    {
        var literals = c.Root.DescendantTokens().Where(t => t.IsKind(SyntaxKind.NumericLiteralToken)).ToList();
        if (literals.Count == 0) return null;
        SyntaxToken t = c.Pick(literals);
        string with = c.Pick(Numbers).Replace("{neg}", "-" + t.Text).Replace("{orig}", t.Text);
        return c.Done(c.Edit((t.SpanStart, t.Span.End, with)), $"'{t.Text}' → '{with}' (line {c.Line(t.SpanStart)}, in {c.Where(t)})");
    }

    private static readonly string[] Huge = ["65536", "32768", "int.MaxValue", "46341", "1 << 30", "100000", "2147483647", "1000000"];

    /// <summary>Every number of one attribute ([Model], [Parameter], a layer) made huge: shapes whose product overflows an int.</summary>
    private static Mutated? HugeShape(MutationContext c)
    {
        var attributes = c.Type?.DescendantNodes().OfType<AttributeSyntax>()
            .Where(a => a.DescendantTokens().Any(t => t.IsKind(SyntaxKind.NumericLiteralToken))).ToList() ?? [];
        if (attributes.Count == 0) return null;
        AttributeSyntax attribute = c.Pick(attributes);
        var edits = attribute.DescendantTokens().Where(t => t.IsKind(SyntaxKind.NumericLiteralToken) && !t.Text.Contains('.'))
            .Select(t => (t.SpanStart, t.Span.End, c.Pick(Huge))).ToList();
        if (edits.Count == 0) return null;
        string source = c.Edit(edits);
        return c.Done(source, $"[{MutationContext.Name(attribute)}] of {c.Where(attribute)} with huge numbers: {Show(string.Join(", ", edits.Select(e => e.Item3)))}");
    }

    // ------------------------------------------------------------------ attributes

    private static IReadOnlyList<AttributeListSyntax> AttributeLists(MutationContext c) =>
        c.Type?.DescendantNodes().OfType<AttributeListSyntax>().Where(l => l.Parent is MemberDeclarationSyntax).ToList() ?? [];

    /// <summary>Somewhere an attribute list can go: a member, the type, a method parameter, a method's return.</summary>
    private static (int Position, string Prefix, string Suffix, string Name)? Target(MutationContext c, SyntaxNode exclude)
    {
        var members = c.Members.Where(m => m != exclude && m is MethodDeclarationSyntax or PropertyDeclarationSyntax or FieldDeclarationSyntax).ToList();
        switch (c.Rng.Next(5))
        {
            case 0 when c.Type != exclude:
                return (MutationContext.ModifierPosition(c.Type!), "", " ", $"the class {c.Type!.Identifier.Text}");
            case 1 when c.Methods.SelectMany(m => m.ParameterList.Parameters).ToList() is { Count: > 0 } parameters:
                ParameterSyntax p = c.Pick(parameters);
                return (p.SpanStart, "", " ", $"parameter '{p.Identifier.Text}' of {c.Where(p)}");
            case 2 when c.Methods.Where(m => m != exclude).ToList() is { Count: > 0 } methods:
                MethodDeclarationSyntax r = c.Pick(methods);
                return (MutationContext.ModifierPosition(r), "return: ", " ", $"the return of {r.Identifier.Text}");
            default:
                if (members.Count == 0) return null;
                MemberDeclarationSyntax m = c.Pick(members);
                return (MutationContext.ModifierPosition(m), "", " ", c.Where(m));
        }
    }

    private static Mutated? AttributeMove(MutationContext c)
    {
        var lists = AttributeLists(c);
        if (lists.Count == 0) return null;
        AttributeListSyntax list = c.Pick(lists);
        if (Target(c, list.Parent!) is not { } target || (target.Position >= list.SpanStart && target.Position <= list.Span.End)) return null;
        string moved = target.Prefix.Length > 0 ? "[" + target.Prefix + string.Join(", ", list.Attributes) + "]" : list.ToString();
        return c.Done(c.Edit((list.SpanStart, list.Span.End, ""), (target.Position, target.Position, moved + target.Suffix)),
            $"moved {list} from {c.Where(list.Parent!)} to {target.Name}");
    }

    private static Mutated? AttributeDuplicate(MutationContext c)
    {
        var lists = AttributeLists(c);
        if (lists.Count == 0) return null;
        AttributeListSyntax list = c.Pick(lists);
        if (c.Chance(0.4))
        {
            return c.Done(c.Edit((list.Span.End, list.Span.End, " " + list)), $"duplicated {list} on {c.Where(list.Parent!)}");
        }
        if (Target(c, list.Parent!) is not { } target) return null;
        string copy = target.Prefix.Length > 0 ? "[" + target.Prefix + string.Join(", ", list.Attributes) + "]" : list.ToString();
        return c.Done(c.Edit((target.Position, target.Position, copy + target.Suffix)), $"copied {list} of {c.Where(list.Parent!)} to {target.Name}");
    }

    private static Mutated? AttributeDrop(MutationContext c)
    {
        var lists = AttributeLists(c);
        if (lists.Count == 0) return null;
        AttributeListSyntax list = c.Pick(lists);
        return c.Done(c.Edit((list.SpanStart, list.Span.End, "")), $"removed {list} from {c.Where(list.Parent!)}");
    }

    // ------------------------------------------------------------------ names

    /// <summary>Names of members the generator writes, of object's members, and escaped keywords.</summary>
    public static readonly string[] ReservedMemberNames =
    [
        "Equals", "ToString", "GetHashCode", "GetType", "MemberwiseClone", "Finalize", "Deconstruct", "Trace", "Weights", "Forward",
        "ForwardWithTrace", "Backward", "Fit", "Evaluate", "Predict", "Adapt", "Summary", "Parameters", "Gradients", "Optimizer",
        "InputShape", "ParameterCount", "MetricNames", "TrainableTensors", "TrainStep", "TestStep", "CheckInput", "StepResultOf",
        "ComputeMetrics", "Trainable", "NonTrainable", "Output", "@class", "@event", "@namespace", "Dispose", "ReferenceEquals",
        "Value", "Derivative", "Gradient", "Main", "Item", "ModelDsl", "TorchSharp", "System", "global", "torch",
        "Save", "Load", "To", "NamedTensors", "Architecture", "RandomGenerator", "_dtype", "_device", "_namedTensors", "_trainable",
    ];

    /// <summary>Names a parameter or local could take that the generated bodies use themselves.</summary>
    public static readonly string[] ReservedLocalNames =
    [
        "input", "dOutput", "trace", "scope", "loss", "prediction", "y", "v1", "v2", "dv1", "dx", "dy", "d", "value", "result",
        "gradient", "type", "generator", "@class", "@event", "Weights", "h", "_", "__", "x", "target", "seed", "dtype", "Output",
        "Forward", "Trace", "@this", "@base", "v1Gradient", "dinput", "output", "batch", "data", "model", "device", "tensor", "path",
    ];

    private static Mutated? RenameReserved(MutationContext c)
    {
        if (c.Type is null) return null;
        var candidates = new List<(string Kind, string Name, string[] To)>();
        string[] members = [.. ReservedMemberNames, c.Type.Identifier.ValueText];
        foreach (var l in c.Layers) candidates.Add(("layer", l.Identifier.ValueText, members));
        foreach (var p in c.Parameters) candidates.Add(("[Parameter]", p.Identifier.ValueText, members));
        if (c.Forward is { } f) candidates.Add(("[Forward] method", f.Identifier.ValueText, members));
        if (c.Loss is { } loss) candidates.Add(("[Loss] method", loss.Identifier.ValueText, [.. members, "Loss", "LossWithGradient"]));
        var diffs = c.Differentiables;
        foreach (var d in diffs)
        {
            var siblings = diffs.Where(o => o != d).Select(o => o.Identifier.ValueText)
                .SelectMany(o => new[] { o + "Derivative", o + "WithDerivative", o + "Gradient", o + "WithGradient", o + "GradientValue" });
            candidates.Add(("[Differentiable] method", d.Identifier.ValueText, [.. members, .. siblings]));
        }
        foreach (var m in c.Bodies)
        {
            foreach (var p in m.ParameterList.Parameters) candidates.Add(($"parameter of {m.Identifier.ValueText}", p.Identifier.ValueText, ReservedLocalNames));
            foreach (var v in m.DescendantNodes().OfType<VariableDeclaratorSyntax>())
                candidates.Add(($"local of {m.Identifier.ValueText}", v.Identifier.ValueText, [.. ReservedLocalNames, .. c.Layers.Select(l => l.Identifier.ValueText)]));
        }
        candidates.Add(("class", c.Type.Identifier.ValueText, ["@class", "@event", "Parameters", "Trace", "Tensor", "Ops", "Math", "Model", "Forward", "Gradients", "ModelDsl"]));
        var (kind, name, to) = c.Pick(candidates);
        string newName = c.Pick(to);
        if (newName.TrimStart('@') == name) return null;
        return c.Done(c.Rename(name, newName), $"renamed {kind} '{name}' to '{newName}'");
    }

    /// <summary>The same name written differently: @Hidden, or with a Unicode escape (H\u0069dden), at the declaration, the uses or both.</summary>
    private static Mutated? EscapedIdentifier(MutationContext c)
    {
        if (c.Type is null) return null;
        var names = c.Type.DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken) && t.Parent is MethodDeclarationSyntax or PropertyDeclarationSyntax or ParameterSyntax or ClassDeclarationSyntax or VariableDeclaratorSyntax)
            .Select(t => t.ValueText).Distinct().ToList();
        if (names.Count == 0) return null;
        string name = c.Pick(names);
        bool unicode = c.Chance(0.4);
        string escaped = unicode ? name[..^1] + $"\\u{(int)name[^1]:X4}" : "@" + name;
        int which = c.Rng.Next(3); // 0: declaration only, 1: uses only, 2: all
        var occurrences = c.Occurrences(name).Where(t => which == 2 || (which == 0) == t.Parent is MethodDeclarationSyntax or PropertyDeclarationSyntax or ParameterSyntax or ClassDeclarationSyntax or VariableDeclaratorSyntax).ToList();
        if (occurrences.Count == 0) return null;
        return c.Done(c.Edit(occurrences.Select(t => (t.SpanStart, t.Span.End, escaped))),
            $"wrote '{name}' as '{escaped}' ({(which == 0 ? "declaration" : which == 1 ? "uses" : "everywhere")})");
    }

    private static readonly string[] Namespaces =
    [
        "Demo.@event", "@class", "Demo.@namespace.Inner", "@event.Models", "Démo.Modèles", "Demo._", "System", "TorchSharp.Models",
        "ModelDsl", "Demo.{Type}", "Demo.Trace", "Demo.Tensor", "A.B.C.D.E.F", "Demo.@partial", "@global",
    ];

    private static readonly string[] Containers =
    [
        "public partial class Outer", "public static partial class Outer", "public class Outer", "public partial class Outer<T>",
        "public partial struct Outer", "public partial record Outer", "internal partial class @event", "public partial interface IOuter",
        "public partial class Outer { public partial class Middle", "file partial class Outer",
    ];

    /// <summary>The namespace changed (@-escaped, Unicode, block-scoped, none) or the type nested in another.</summary>
    private static Mutated? NamespaceForm(MutationContext c)
    {
        if (c.Type is null) return null;
        string usings = string.Concat(c.Root.Usings.Select(u => u.ToFullString()));
        string ns = c.Root.Members.OfType<BaseNamespaceDeclarationSyntax>().FirstOrDefault()?.Name.ToString() ?? "Demo";
        string type = c.Type.ToFullString().Trim('\n', '\r');
        switch (c.Rng.Next(4))
        {
            case 0:
            {
                string name = c.Pick(Namespaces).Replace("{Type}", c.Type.Identifier.ValueText);
                return c.Done($"{usings}\nnamespace {name};\n\n{type}\n", $"namespace {ns} → {name}");
            }
            case 1:
                return c.Done($"{usings}\nnamespace {ns}\n{{\n{type}\n}}\n", $"block-scoped namespace {ns}");
            case 2:
                return c.Done($"{usings}\n{type}\n", "no namespace (global)");
            default:
            {
                string container = c.Pick(Containers);
                int opened = container.Count(ch => ch == '{') + 1;
                return c.Done($"{usings}\nnamespace {ns};\n\n{container}\n{{\n{type}\n{new string('}', opened)}\n", $"nested in '{container}'");
            }
        }
    }

    // ------------------------------------------------------------------ collisions

    /// <summary>The generated tensor-name suffixes of each layer attribute (LayerDefinition.Tensors).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> TensorSuffixes = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["Dense"] = ["Kernel", "Bias"], ["Conv1D"] = ["Kernel", "Bias"], ["Conv2D"] = ["Kernel", "Bias"],
        ["Lstm"] = ["Kernel", "RecurrentKernel", "Bias"], ["Gru"] = ["Kernel", "RecurrentKernel", "Bias"], ["SimpleRnn"] = ["Kernel", "RecurrentKernel", "Bias"],
        ["Normalization"] = ["Mean", "Variance", "Count"], ["BatchNormalization"] = ["Gamma", "Beta", "MovingMean", "MovingVariance"],
        ["LayerNormalization"] = ["Gamma", "Beta"], ["Embedding"] = ["Embeddings"],
    };

    private static Mutated? CollidingTensors(MutationContext c)
    {
        if (!c.IsModel) return null;
        var layers = c.Layers.Select(l => (Name: l.Identifier.ValueText, Suffixes: TensorSuffixes.GetValueOrDefault(MutationContext.LayerKind(l), []))).ToList();
        var withTensors = layers.Where(l => l.Suffixes.Length > 0).ToList();
        switch (c.Rng.Next(5))
        {
            case 0 when withTensors.Count > 0 && c.Parameters.Count > 0:
            {
                // A [Parameter] named like a layer's tensor: HiddenKernel.
                var layer = c.Pick(withTensors);
                string to = layer.Name + c.Pick(layer.Suffixes);
                string from = c.Pick(c.Parameters).Identifier.ValueText;
                return c.Done(c.Rename(from, to), $"renamed [Parameter] '{from}' to '{to}', a tensor of layer '{layer.Name}'");
            }
            case 1 when withTensors.Count > 0 && c.Forward is { } forward:
            {
                // A new [Parameter] named like a layer's tensor, used by the forward method.
                var layer = c.Pick(withTensors);
                string name = layer.Name + c.Pick(layer.Suffixes);
                var (_, returned) = MutationContext.BodyParts(forward);
                if (returned is null) return null;
                string source = c.Edit((returned.SpanStart, returned.Span.End, $"({returned}) * {name}"),
                    (c.MemberInsertPosition, c.MemberInsertPosition, $"\n    [Parameter(1)] private partial Tensor {name} {{ get; }}\n"));
                return c.Done(source, $"added [Parameter(1)] '{name}' (a tensor of layer '{layer.Name}') and multiplied the forward result by it");
            }
            case 2:
            {
                // Two layers whose tensors collide: LSTM 'L' has LRecurrentKernel, a Dense renamed 'LRecurrent' has LRecurrentKernel.
                var pairs = (from a in withTensors
                             from b in withTensors
                             where a.Name != b.Name
                             from sa in a.Suffixes
                             from sb in b.Suffixes
                             where sa != sb && sa.EndsWith(sb, StringComparison.Ordinal)
                             select (A: a.Name, B: b.Name, To: a.Name + sa[..^sb.Length], Tensor: a.Name + sa)).ToList();
                if (pairs.Count == 0)
                {
                    // None in this model: add a BatchNormalization 'Z' (ZMovingMean) and a Normalization 'ZMoving' (ZMovingMean) after the forward result.
                    if (c.Forward is not { } fw || MutationContext.BodyParts(fw).Returned is not { } ret) return null;
                    string src = c.Edit((ret.SpanStart, ret.Span.End, $"ZMoving(Z({ret}))"),
                        (c.MemberInsertPosition, c.MemberInsertPosition, "\n    [BatchNormalization] private partial Tensor Z(Tensor x);\n    [Normalization] private partial Tensor ZMoving(Tensor x);\n"));
                    return c.Done(src, "added layers [BatchNormalization] Z and [Normalization] ZMoving after the forward result: both have a tensor 'ZMovingMean'");
                }
                var (pa, pb, to, tensor) = c.Pick(pairs);
                return c.Done(c.Rename(pb, to), $"renamed layer '{pb}' to '{to}': both it and layer '{pa}' have a tensor '{tensor}'");
            }
            case 3 when layers.Count > 0 && c.Parameters.Count > 0:
            {
                // A layer named like a [Parameter] (a duplicate member: the input does not compile).
                string layer = c.Pick(layers).Name, parameter = c.Pick(c.Parameters).Identifier.ValueText;
                return c.Done(c.Rename(layer, parameter), $"renamed layer '{layer}' to '{parameter}', the name of a [Parameter]");
            }
            default:
            {
                // A local of the forward method named like a layer, a parameter or a generated member.
                if (c.Forward is not { Body: { } body } forward) return null;
                var locals = body.DescendantNodes().OfType<VariableDeclaratorSyntax>().ToList();
                string[] names = [.. layers.Select(l => l.Name), .. c.Parameters.Select(p => p.Identifier.ValueText), "Output", "input", "Trace", "Weights", forward.Identifier.ValueText];
                if (locals.Count == 0 || names.Length == 0) return null;
                string local = c.Pick(locals).Identifier.ValueText, to = c.Pick(names);
                return c.Done(c.Rename(local, to, forward), $"renamed local '{local}' of the forward method to '{to}'");
            }
        }
    }

    private static string ParameterList(MethodDeclarationSyntax m) => m.ParameterList.ToString();

    private static string Arguments(MethodDeclarationSyntax m) => string.Join(", ", m.ParameterList.Parameters.Select(p => p.Identifier.Text));

    /// <summary>A user member named like a generated one, in a model or beside a [Differentiable] method.</summary>
    private static Mutated? UserMemberCollision(MutationContext c)
    {
        if (c.Type is null) return null;
        string T = c.Type.Identifier.Text;
        var options = new List<string>();
        if (c.IsModel)
        {
            options.AddRange(
            [
                "public Tensor Forward(Tensor input) => input;", "public void Forward() { }", "private static void CheckInput(Tensor input) { }",
                "private static ModelDsl.Training.StepResult StepResultOf(double loss, Tensor prediction, Tensor y) => default!;",
                "public int Weights => 0;", "public sealed class Trace { }", "public class Parameters { }", "public class Gradients { }",
                "public string Summary() => \"\";", "public int Optimizer;", "public static int InputShape;", "public static int ParameterCount => 0;",
                "public int MetricNames => 0;", "public int TrainableTensors => 0;", "public void Adapt(Tensor data) { }", $"public {T}() {{ }}",
                $"public {T}(int seed = 0, ScalarType? dtype = null) {{ }}", $"public {T}(int seed) {{ }}", "public override string ToString() => \"m\";",
                "public override bool Equals(object? other) => false;\n    public override int GetHashCode() => 0;",
                "public void Deconstruct(out int a, out int b) { a = 0; b = 0; }", "public Tensor Predict(Tensor x) => x;",
                "public object Fit(object train, int epochs) => train;", "public Gradients Backward(Trace trace, Tensor dOutput) => null!;",
                "public ModelDsl.Training.StepResult TrainStep(Tensor x, Tensor y) => default!;", "public event System.Action? Trace;",
                "public int this[int i] => i;", "public Trace ForwardWithTrace(Tensor input) => null!;", "private int _trainable;",
                "public static int ComputeMetrics;", "public int Count => 0;", "public void Save(string path) { }",
                "public static object Load(string path) => null!;", "public void To(Device device) { }", "public string Architecture => \"\";",
                "private int _device;", "private int _dtype;", "public int NamedTensors => 0;", "public void Dispose() { }",
                $"public {T}(int seed = 0, ScalarType? dtype = null, Device? device = null) {{ }}",
            ]);
            foreach (var layer in c.Layers)
            {
                string n = layer.Identifier.Text;
                options.Add($"private Tensor {n}(Tensor x, int extra) => x;");
                options.Add($"private partial Tensor {n}(Tensor x) => x;");
                options.Add($"public int {n}Kernel;");
                options.Add($"public void Adapt{n}(Tensor data) {{ }}");
            }
            foreach (var p in c.Parameters) options.Add($"private partial Tensor {p.Identifier.Text} => null!;");
        }
        foreach (var d in c.Differentiables)
        {
            string n = d.Identifier.Text, t = d.ReturnType.ToString(), ps = ParameterList(d);
            int count = d.ParameterList.Parameters.Count;
            options.AddRange(
            [
                $"public static {t} {n}Derivative{ps} => 0;", $"public static ModelDsl.ValueAndDerivative<{t}> {n}WithDerivative{ps} => default;",
                $"public static {t} {n}Gradient{ps} => 0;", $"public readonly record struct {n}GradientValue({t} X, {t} Y);",
                $"public static int {n}GradientValue2;", $"public static {t} {n}Derivative => 0;", $"public static {t} {n}(object x) => 0;",
                $"public static {t} {n}WithGradient{ps} => 0;", $"public class {n}Derivative {{ }}",
            ]);
            if (count > 1) options.Add($"public static {t} {n}Derivative({t} x) => 0;");
        }
        if (options.Count == 0) return null;
        string member = c.Pick(options);
        return c.Done(c.AddMember(member), $"added member '{member.Split('\n')[0]}'");
    }

    /// <summary>[Differentiable] methods whose generated names meet another's: FDerivative beside F, FWith beside F, overloads.</summary>
    private static Mutated? DifferentiableCollision(MutationContext c)
    {
        var diffs = c.Differentiables;
        if (diffs.Count == 0) return null;
        MethodDeclarationSyntax d = c.Pick(diffs);
        string n = d.Identifier.Text, t = d.ReturnType.ToString(), other = t == "float" ? "double" : "float", lit = t == "float" ? "f" : "";
        string[] options =
        [
            $"[Differentiable] public static {t} {n}Derivative({t} x) => x * x;",
            $"[Differentiable] public static {t} {n}With({t} x) => x * 2{lit};",
            $"[Differentiable] public static {other} {n}({other} x) => x * x;",
            $"[Differentiable] public static {t} {n}({t} x, {t} y) => x * y;",
            $"[Differentiable] public static {other} {n}({other} x, {other} y) => x * y;\n    [Differentiable] public static {t} {n}({t} x, {t} y, {t} z) => x * y * z;",
            $"[Differentiable] public static {t} {n}Gradient({t} x, {t} y) => x * y;",
            $"[Differentiable] public static {t} {n}GradientValue({t} x) => x;",
            $"[Differentiable] public static {t} {n}WithDerivative({t} x) => x;",
            $"[Differentiable] public static {t} {n}Derivative{ParameterList(d)} => {n}({Arguments(d)});",
        ];
        string member = c.Pick(options);
        return c.Done(c.AddMember(member), $"added '{member.Split('\n')[0]}' beside [Differentiable] {n}");
    }

    /// <summary>[Differentiable] methods of unusual shape, added to the unit's type (a model or a function class).</summary>
    private static Mutated? DifferentiableShape(MutationContext c)
    {
        if (c.Type is null) return null;
        string[] options =
        [
            "[Differentiable] public static partial double P(double x);",
            "[Differentiable] public static partial double P(double x);\n    public static partial double P(double x) => x * x;",
            "public static partial double P(double x);\n    [Differentiable] public static partial double P(double x) => x * x;",
            "[Differentiable] public static double G<T>(double x) => x * x;",
            "[Differentiable] public static double E(this double x) => x * 2;",
            "[Differentiable] public static double N(double a, double b, double c, double d, double e, double f, double g, double h, double i, double j) => a * b + c * d - e * f + g * h - i * j;",
            "[Differentiable] public static double Z() => 1;",
            "[Differentiable] public static double R(double x) => R(x) * 2;",
            "[Differentiable] public static double V(params double[] x) => 0;",
            "[Differentiable] public static double @double(double @double) => @double * 2;",
            "private const double C = double.NaN;\n    [Differentiable] public static double K(double x) => x * C;",
            "private const double C = 1e308 * 10;\n    [Differentiable] public static double K(double x) => x * C;",
            "private const float C = float.PositiveInfinity;\n    [Differentiable] public static float K(float x) => x * C;",
            "[Differentiable] public static double L(double x) { double Local(double v) => v * v; return Local(x); }",
            "[Differentiable] public static double Q(double _) => _ * 2;",
            "[Differentiable] public static double Twin(double x, double X) => x * X;",
            "[Differentiable] public static double Twin(double a, double A) => a + A;",
            "[Differentiable] public static double Kw(double @class, double @in) => @class * @in;",
            "[Differentiable] public static double Same(double Same) => Same * Same;",
            "[Differentiable] public static double Vals(double value, double gradient) => value * gradient;",
            "[Differentiable] public static double Pair(double x, double xGradient) => x * xGradient;",
            "[Differentiable] public static double Dx(double x, double dx) => x * dx;",
            "[Differentiable] public static double V1(double x) { var v1 = x * x; var dv1 = v1 + x; return dv1 * v1; }",
            "[Differentiable] public static double Nan(double x) => x * double.NaN + 1.0 / 0 - double.NegativeInfinity * 1e-320;",
            "[Differentiable] public static float NanF(float x) => x * float.NaN + 1f / 0 - float.Epsilon;",
            "[Differentiable] public static double Big(double x) => x * 1e308 * 1e308 + 1e-320;",
            "[Differentiable] internal static double Inner(double x) => x * x;",
            "[Differentiable] private protected static double Pp(double x) => x * x;",
            "[Differentiable] public double Instance(double x) => x * x;",
            "[Differentiable] public static extern double Ext(double x);",
            "[Differentiable] public static async System.Threading.Tasks.Task<double> A(double x) => x;",
            "[Differentiable] public static double Unused(double x, double y) => x * 2;",
            "[Differentiable] public static double Const(double x) => 3;",
            "[Differentiable] public static double Id(double x) => x;",
            "[Differentiable] public static double Math(double x) => System.Math.Sin(x);",
            "[Differentiable] public static double Neg(double x) => -x - -x + +x;",
            "[Differentiable] public static double Chain(double x) => System.Math.Sin(System.Math.Cos(System.Math.Exp(System.Math.Log(System.Math.Sqrt(x * x + 1)))));",
            "[Differentiable] public static double Unicode(double é) => é * é;",
            "[Differentiable] public static double Hex(double x) => x * 0x10 + 0b11 + 1_000.5;",
        ];
        string member = c.Pick(options);
        return c.Done(c.AddMember(member), $"added '{member.Split('\n')[0]}'");
    }

    // ------------------------------------------------------------------ modifiers

    private static readonly string[] AddedModifiers =
        ["virtual", "new", "sealed", "static", "unsafe", "extern", "abstract", "override", "readonly", "async", "required", "volatile", "ref", "file", "partial"];

    private static readonly string[] Access = ["public", "internal", "protected", "protected internal", "private protected", "private", "file"];

    private static Mutated? MemberModifier(MutationContext c)
    {
        var members = c.Members.Where(m => m.AttributeLists.Count > 0 && m is MethodDeclarationSyntax or PropertyDeclarationSyntax).ToList();
        if (members.Count == 0) return null;
        MemberDeclarationSyntax member = c.Pick(members);
        string where = c.Where(member);
        var access = member.Modifiers.Where(t => t.Kind() is SyntaxKind.PublicKeyword or SyntaxKind.PrivateKeyword or SyntaxKind.InternalKeyword or SyntaxKind.ProtectedKeyword).ToList();
        int at = MutationContext.ModifierPosition(member);
        switch (c.Rng.Next(6))
        {
            case 0:
            case 1:
            {
                string modifier = c.Pick(AddedModifiers);
                return c.Done(c.Edit((at, at, modifier + " ")), $"added '{modifier}' to {where}");
            }
            case 2:
            {
                string to = c.Pick(Access);
                if (access.Count == 0) return c.Done(c.Edit((at, at, to + " ")), $"made {where} '{to}'");
                return c.Done(c.Edit(access.Select((t, i) => (t.SpanStart, t.Span.End, i == 0 ? to : ""))), $"made {where} '{to}' (was '{string.Join(" ", access)}')");
            }
            case 3 when access.Count > 0:
                return c.Done(c.Edit(access.Select(t => (t.SpanStart, t.Span.End, ""))), $"removed the access modifier of {where}");
            case 4 when member.Modifiers.FirstOrDefault(t => t.Kind() is SyntaxKind.PartialKeyword or SyntaxKind.StaticKeyword) is { RawKind: > 0 } removed:
                return c.Done(c.Edit((removed.SpanStart, removed.Span.End, "")), $"removed '{removed.Text}' from {where}");
            default:
                if (member.Modifiers.Count == 0) return null;
                SyntaxToken twice = c.Pick(member.Modifiers.ToList());
                return c.Done(c.Edit((twice.Span.End, twice.Span.End, " " + twice.Text)), $"'{twice.Text}' twice on {where}");
        }
    }

    private static Mutated? ParameterModifier(MutationContext c)
    {
        var methods = c.Methods.Where(m => m.AttributeLists.Count > 0).ToList();
        if (methods.Count == 0) return null;
        MethodDeclarationSyntax method = c.Pick(methods);
        var parameters = method.ParameterList.Parameters;
        string where = $"{method.Identifier.Text}";
        if (parameters.Count == 0)
        {
            int inside = method.ParameterList.OpenParenToken.Span.End;
            string added = method.ReturnType.ToString() is "double" or "float" ? method.ReturnType + " x" : "Tensor x";
            return c.Done(c.Edit((inside, inside, added)), $"gave {where} a parameter '{added}'");
        }
        ParameterSyntax p = c.Pick(parameters.ToList());
        string type = p.Type?.ToString() ?? "Tensor";
        switch (c.Rng.Next(8))
        {
            case 0:
            case 1:
            {
                string modifier = c.Pick(new[] { "in", "ref", "out", "scoped", "ref readonly", "this", "params", "scoped ref" });
                return c.Done(c.Edit((p.SpanStart, p.SpanStart, modifier + " ")), $"'{modifier}' on parameter '{p.Identifier.Text}' of {where}");
            }
            case 2 when p.Type is not null:
                return c.Done(c.Edit((p.SpanStart, p.SpanStart, "params "), (p.Type.Span.End, p.Type.Span.End, "[]")), $"'params {type}[]' parameter '{p.Identifier.Text}' of {where}");
            case 3:
            {
                string value = c.Pick(new[] { " = default", " = null", " = 0", " = 1.5", " = double.NaN" });
                return c.Done(c.Edit((p.Span.End, p.Span.End, value)), $"default value '{value.Trim()}' for parameter '{p.Identifier.Text}' of {where}");
            }
            case 4 when p.Type is not null:
            {
                string to = c.Pick(new[] { type + "?", "object", "dynamic", "int", "double", "float", "Tensor", "torch.Tensor", "global::TorchSharp.torch.Tensor", "System.Double", "Double" });
                return c.Done(c.Edit((p.Type.SpanStart, p.Type.Span.End, to)), $"parameter '{p.Identifier.Text}' of {where} typed '{to}' (was '{type}')");
            }
            case 5:
            {
                string extra = c.Pick(new[] { $", {type} extra", ", int n = 1", $", {type} y", ", params int[] rest", $", {type} {p.Identifier.Text}2 = default" });
                int end = parameters.Last().Span.End;
                return c.Done(c.Edit((end, end, extra)), $"added parameter '{extra.TrimStart(',', ' ')}' to {where}");
            }
            case 6:
                return c.Done(c.Edit((p.SpanStart, p.SpanStart, "[System.Diagnostics.CodeAnalysis.NotNull] ")), $"attribute on parameter '{p.Identifier.Text}' of {where}");
            default:
            {
                int from = parameters.Count == 1 ? p.SpanStart : p.SpanStart, to = p.Span.End;
                if (parameters.Count > 1)
                {
                    int index = parameters.IndexOf(p);
                    (from, to) = index == 0 ? (p.SpanStart, parameters[1].SpanStart) : (parameters[index - 1].Span.End, p.Span.End);
                }
                return c.Done(c.Edit((from, to, "")), $"removed parameter '{p.Identifier.Text}' of {where}");
            }
        }
    }

    /// <summary>The type itself: a primary constructor, modifiers, generics, a base list, another kind of type.</summary>
    private static Mutated? ClassShape(MutationContext c)
    {
        if (c.Type is not ClassDeclarationSyntax type) return null;
        int afterName = type.TypeParameterList?.Span.End ?? type.Identifier.Span.End;
        int at = MutationContext.ModifierPosition(type);
        switch (c.Rng.Next(6))
        {
            case 0:
            {
                string parameters = c.Pick(new[] { "(int seed)", "()", "(Tensor init)", "(int seed = 0, ScalarType? dtype = null)", "(double scale)", "(int units)" });
                return c.Done(c.Edit((afterName, afterName, parameters)), $"primary constructor {type.Identifier.Text}{parameters}");
            }
            case 1:
            {
                string modifier = c.Pick(new[] { "sealed", "abstract", "static", "file", "unsafe", "internal", "readonly", "new", "public", "private", "protected" });
                return c.Done(c.Edit((at, at, modifier + " ")), $"added '{modifier}' to class {type.Identifier.Text}");
            }
            case 2:
            {
                var removable = type.Modifiers.Where(t => t.Kind() is SyntaxKind.PublicKeyword or SyntaxKind.PartialKeyword or SyntaxKind.StaticKeyword).ToList();
                if (removable.Count == 0) return null;
                SyntaxToken removed = c.Pick(removable);
                return c.Done(c.Edit((removed.SpanStart, removed.Span.End, "")), $"removed '{removed.Text}' from class {type.Identifier.Text}");
            }
            case 3:
            {
                string generics = c.Pick(new[] { "<T>", "<T> where T : class", "<TModel, TData>" });
                int end = generics.Contains("where") ? afterName : afterName;
                string parameters = generics.Split(" where")[0];
                string constraint = generics.Contains("where") ? " where T : class" : "";
                int open = type.OpenBraceToken.SpanStart;
                return c.Done(c.Edit((end, end, parameters), (open, open, constraint + " ")), $"generic class {type.Identifier.Text}{generics}");
            }
            case 4:
            {
                string bases = c.Pick(new[] { " : System.IDisposable", " : System.Object", " : ModelDsl.Training.ITrainableModel", " : System.Exception", " : System.Collections.Generic.IEnumerable<int>" });
                int open = type.BaseList?.Span.End ?? afterName;
                return c.Done(c.Edit((open, open, bases)), $"class {type.Identifier.Text}{bases}");
            }
            default:
            {
                string kind = c.Pick(new[] { "struct", "record", "record struct", "record class", "interface" });
                return c.Done(c.Edit((type.Keyword.SpanStart, type.Keyword.Span.End, kind)), $"'{kind}' instead of 'class' for {type.Identifier.Text}");
            }
        }
    }

    // ------------------------------------------------------------------ bodies

    private static readonly (string Statements, string Returned, string Applies)[] Constructs =
    [
        ("if ({p} is null) return {p};", "{E}", "T"), ("if ({p} > 0) return {p};", "{E}", "S"),
        ("for (int i = 0; i < 2; i++) { }", "{E}", ""), ("foreach (var c in new int[1]) { }", "{E}", ""),
        ("while (false) { }", "{E}", ""), ("do { } while (false);", "{E}", ""),
        ("", "((System.Func<{V}, {V}>)(v => v))({E})", ""), ("System.Func<{V}> f = () => {E};", "f()", ""),
        ("", "({V})({E})", ""), ("", "({V})(object)({E})", ""), ("", "{E}[0]", "T"), ("", "new[] { {E} }[0]", ""),
        ("var s = \"text\";", "{E}", ""), ("System.Console.WriteLine(\"x\");", "{E}", ""), ("", "{E} + \"\"", ""),
        ("", "{p} is null ? {E} : {E}", "T"), ("", "{p} > 0 ? {E} : {E}", "S"), ("", "{E} ?? {p}", "T"),
        ("", "checked({E})", ""), ("", "unchecked({E})", ""), ("", "default({V})!", ""), ("", "default!", ""),
        ("", "{E} switch { _ => {E} }", ""), ("", "({E}, 1).Item1", ""), ("static {V} Id({V} v) => v;", "Id({E})", ""),
        ("{p} = {E};", "{p}", ""), ("var y2 = {E};\n        y2 += {p};", "y2", ""), ("{p}++;", "{E}", "S"), ("ref {V} r = ref {p};", "{E}", ""),
        ("lock (new object()) { }", "{E}", ""), ("try { } finally { }", "{E}", ""), ("unsafe { }", "{E}", ""),
        ("", "$\"{{E}}\".Length", ""), ("", "{E} is {V} v ? v : {p}", ""), ("goto end;\n        end:", "{E}", ""),
        ("const {V} k = 2;", "{E} * k", "S"), ("var q = 1;", "{E} * q", ""), ("int n = 3;", "{E} * n", ""),
        ("var (a, b) = ({E}, {p});", "a", ""), ("{V} t2 = {E};", "t2", ""), ("var a = {E}, b = a;", "b", ""),
        ("var u;", "{E}", ""), ("{V} w;", "{E}", ""), ("return {E};", "{E}", ""), ("", "{E}!", ""), ("", "((({E})))", ""),
        ("", "nameof({p}).Length * {E}", ""), ("", "sizeof(int) * {E}", ""), ("", "typeof({V}) == null ? {E} : {E}", ""),
        ("", "await System.Threading.Tasks.Task.FromResult({E})", ""), ("yield return {E};", "{E}", ""), ("", "new {V}()", ""),
        ("", "{E} << 1", ""), ("", "{E} * (float)2", "S"), ("", "{E} * 2m", ""), ("", "{E} * 1e308 * 1e308", ""), ("", "{E} * double.NaN", ""),
        ("", "{E} + double.PositiveInfinity", ""), ("", "{E} * (1.0 / 0)", ""), ("", "{E} * 1e-320", ""), ("", "{E} * -0.0", ""),
        ("", "{E} * 0x10", ""), ("", "{E} * 1_000", ""), ("", "{E} * 'a'", ""), ("", "{E} * float.NaN", ""),
        ("", "{E} * {self}({args})", ""), ("", "{E} * Other.Unknown({p})", ""), ("", "{E}\n            * 2", ""), ("", "{E} /* c */ * 2", ""),
        ("", "{E} // c\n            * 2", ""), ("", "{E} * 2 /* \u2028 */", ""), ("", "{E} * (2\n            )", ""),
        ("#pragma warning disable MD0018", "{E}", ""), ("#if DEBUG\n        var zz = 1;\n#endif", "{E}", ""),
        ("", "Math.Max({E}, 0)", "S"), ("", "Math.Round({E})", "S"), ("", "Math.Floor({E})", "S"), ("", "Math.Log({E}, 2)", "S"),
        ("", "Math.Atan2({E}, 1)", "S"), ("", "Math.Clamp({E}, 0, 1)", "S"), ("", "Math.E * {E}", "S"), ("", "Math.Sign({E})", "S"),
        ("", "System.Math.Pow({E}, 2)", "S"), ("", "global::System.Math.Sin({E})", "S"), ("", "MathF.Sin((float){E})", "S"),
        ("", "{E}.relu()", "T"), ("", "torch.tanh({E})", "T"), ("", "{E}.T", "T"), ("", "-{E}", ""), ("", "+{E}", ""), ("", "{E} / 2", ""),
        ("", "2 / {E}", ""), ("", "{E} * {E}", ""), ("", "Sum({E})", "T"), ("", "Reshape({E}, -1)", "T"), ("", "Concatenate(1, {E}, {E})", "T"),
        ("", "Flatten({E})", "T"), ("", "MatMul({E}, {E})", "T"), ("", "Reshape({E}, shape: -1)", "T"), ("", "Sum({E}, -1)", "T"),
        ("", "Sum({E}, 99)", "T"), ("", "Reshape({E}, -1, -1)", "T"), ("", "Reshape({E}, 0)", "T"), ("", "Transpose({E}, 0, 5)", "T"),
        ("", "Max({E}, int.MaxValue)", "T"), ("", "Reshape({E}, 65536, 65536)", "T"), ("", "Ops.Tanh({E})", "T"), ("", "ModelDsl.Ops.Relu({E})", "T"),
        ("", "this.{layer}({E})", "T"), ("", "{layer}({E})", "T"), ("", "{layer}({layer}({E}))", "T"), ("", "{E} * {E}.shape[0]", "T"),
    ];

    private static Mutated? UnsupportedConstruct(MutationContext c)
    {
        var bodies = c.Bodies;
        if (bodies.Count == 0) return null;
        MethodDeclarationSyntax method = c.Pick(bodies);
        string valueType = MutationContext.ValueType(method);
        bool tensor = valueType == "Tensor";
        var applicable = Constructs.Where(k => k.Applies == "" || k.Applies == (tensor ? "T" : "S")).Where(k => tensor || !k.Returned.Contains("{layer}")).ToList();
        var (statements, returned, _) = c.Pick(applicable);
        string p = MutationContext.BodyParts(method).Parameter;
        string layer = c.Layers.Count > 0 ? c.Pick(c.Layers).Identifier.Text : "Missing";
        string Fill(string s) => s.Replace("{p}", p).Replace("{V}", valueType).Replace("{self}", method.Identifier.Text)
            .Replace("{args}", Arguments(method)).Replace("{layer}", layer);
        string? source = c.RewriteBody(method, Fill(statements), Fill(returned));
        if (source is null) return null;
        string shown = (Fill(statements) + " return " + Fill(returned).Replace("{E}", "E") + ";").Trim().Replace("{E}", "E");
        return c.Done(source, $"in {method.Identifier.Text}: {Show(shown)}");
    }

    private static int Size(MutationContext c, int[] sizes)
    {
        var allowed = sizes.Where(s => s <= Mutator.DeepMax).ToArray();
        return allowed.Length == 0 ? Mutator.DeepMax : allowed[c.Rng.Next(allowed.Length)];
    }

    private static Mutated? DeepBody(MutationContext c)
    {
        var bodies = c.Bodies;
        if (bodies.Count == 0) return null;
        MethodDeclarationSyntax method = c.Pick(bodies);
        int n = Size(c, [500, 750, 1000, 2000, 5000, 10000]);
        string valueType = MutationContext.ValueType(method);
        string chain = valueType == "Tensor" ? DeepBodies.TensorChain("deep", n) : DeepBodies.ScalarChain("deep", n, valueType == "float");
        string? source = c.RewriteBody(method, "var deep = {E};", chain);
        return source is null ? null : c.Done(source, $"the body of {method.Identifier.Text} returns a chain of {n} operations on its old result");
    }

    private static Mutated? DeepNesting(MutationContext c)
    {
        var bodies = c.Bodies;
        if (bodies.Count == 0) return null;
        MethodDeclarationSyntax method = c.Pick(bodies);
        int n = Size(c, [100, 300, 500, 1000, 2000, 5000, 10000]);
        string valueType = MutationContext.ValueType(method);
        string nested = DeepBodies.Nested("deep", n, valueType != "Tensor", valueType == "float");
        string? source = c.RewriteBody(method, "var deep = {E};", nested);
        return source is null ? null : c.Done(source, $"the body of {method.Identifier.Text} nests {n} calls around its old result");
    }

    // ------------------------------------------------------------------ declarations' arguments

    private static AttributeSyntax? FindAttribute(MutationContext c, string name) =>
        c.Type?.AttributeLists.SelectMany(l => l.Attributes).FirstOrDefault(a => MutationContext.Name(a) == name);

    private static readonly string[] ModelArgumentLists =
    [
        "(null)", "(null!)", "(default)", "()", "(new int[0])", "(new int[] { })", "(new[] { {orig} })", "(inputShape: null)",
        "(inputShape: new[] { 3 })", "([])", "([{orig}])", "(0)", "(-1)", "({orig}, 0)", "(int.MaxValue, int.MaxValue)", "(65536, 32768)",
        "({orig}, Loss = default)", "({orig}, Metrics = null)", "({orig}, Metrics = [])", "({orig}, Metrics = new Metric[0])",
        "({orig}, Metrics = [default])", "({orig}, HuberDelta = double.NaN)", "({orig}, Metrics = [Metric.Accuracy, Metric.Accuracy])",
        "({orig}, Loss = Loss.Huber, HuberDelta = 0)", "({orig}, FromLogits = true)", "({orig}, Loss = Loss.MeanSquaredError, Loss = Loss.MeanSquaredError)",
        "({orig}, Metrics = [(Metric)99])", "(1, 2, 3, 4, 5, 6, 7, 8)", "(1)", "({orig}, HuberDelta = 1.0 / 0)", "({orig}, HuberDelta = -1)",
        "({orig}, Loss = Loss.SparseCategoricalCrossentropy)", "({orig}, Loss = Loss.BinaryCrossentropy, Metrics = [Metric.Precision])",
        "({orig}, Loss = (Loss)42)", "({orig}, Metrics = [Metric.MeanAbsoluteError, (Metric)(-1)])", "({orig},)", "(\"25\")", "(25.0)",
    ];

    /// <summary>[Model]'s arguments replaced: [Model(null)], empty, huge, NaN delta, out-of-range enums, duplicates.</summary>
    private static Mutated? ModelArguments(MutationContext c)
    {
        if (FindAttribute(c, "Model") is not { } model) return null;
        string orig = string.Join(", ", model.ArgumentList?.Arguments.Where(a => a.NameEquals is null).Select(a => a.ToString()) ?? []);
        if (orig.Length == 0) orig = "3";
        string args = c.Pick(ModelArgumentLists).Replace("{orig}", orig);
        int start = model.ArgumentList?.SpanStart ?? model.Name.Span.End, end = model.ArgumentList?.Span.End ?? model.Name.Span.End;
        string source = c.Edit((start, end, args));
        string? expect = args switch
        {
            "(int.MaxValue, int.MaxValue)" or "(65536, 32768)" => $"the input shape {args} overflows an int (2^31 elements or more) and is accepted",
            _ when args.Contains("(Loss)42") || args.Contains("(Metric)99") || args.Contains("(Metric)(-1)") => $"an out-of-range enum value in [Model{args}] is accepted",
            _ when args.Contains("HuberDelta = double.NaN") || args.Contains("HuberDelta = 1.0 / 0") || args.Contains("HuberDelta = -1") => $"the Huber delta in [Model{args}] is accepted",
            _ => null,
        };
        return expect is null ? c.Done(source, $"[Model{args}]") : c.Rejected(source, $"[Model{args}]", expect);
    }

    private static readonly string[] Optimizers =
    [
        "[Adam(double.NaN)]", "[Adam(-1)]", "[Adam(0)]", "[Adam(1e308)]", "[Adam(0.1, Beta1 = 1.5)]", "[Adam(Beta2 = double.PositiveInfinity)]",
        "[Sgd(0.1, Momentum = -1)]", "[Sgd(0.1, Nesterov = true)]", "[RmsProp(0.1, Rho = 2)]", "[AdamW(0.1, WeightDecay = double.NaN)]",
        "[Adam, Sgd]", "[Adam(1.0 / 0)]", "", "[Adam(null)]", "[Adam(0.001, Epsilon = 0)]", "[Sgd(double.Epsilon)]", "[RmsProp(Centered = true)]",
        "[AdamW(1e-320)]", "[Adam(0.1)][Adam(0.2)]", "[Sgd(-0.0)]", "[Adam(\"0.1\")]", "[Adam(learningRate: 0.1, Beta1 = 0.9, Beta1 = 0.8)]",
    ];

    private static readonly HashSet<string> InvalidOptimizers =
    [
        "[Adam(double.NaN)]", "[Adam(-1)]", "[Adam(1.0 / 0)]", "[Adam(0.1, Beta1 = 1.5)]", "[Adam(Beta2 = double.PositiveInfinity)]",
        "[Sgd(0.1, Momentum = -1)]", "[RmsProp(0.1, Rho = 2)]", "[AdamW(0.1, WeightDecay = double.NaN)]",
    ];

    private static Mutated? OptimizerArguments(MutationContext c)
    {
        if (!c.IsModel) return null;
        var list = c.Type!.AttributeLists.FirstOrDefault(l => l.Attributes.Any(a => MutationContext.Name(a) is "Adam" or "Sgd" or "RmsProp" or "AdamW"));
        string with = c.Pick(Optimizers);
        if (list is null)
        {
            int at = MutationContext.ModifierPosition(c.Type);
            return InvalidOptimizers.Contains(with)
                ? c.Rejected(c.Edit((at, at, with + "\n")), $"added {with}", $"the optimizer argument in {with} is accepted")
                : c.Done(c.Edit((at, at, with + "\n")), $"added {with}");
        }
        string source = c.Edit((list.SpanStart, list.Span.End, with));
        // Learning rates and coefficients that no optimizer accepts (issue 9, point 3: validated in the attribute, MD0010).
        return InvalidOptimizers.Contains(with)
            ? c.Rejected(source, $"{list} → {with}", $"the optimizer argument in {with} is accepted")
            : c.Done(source, $"{list} → {(with.Length == 0 ? "(none)" : with)}");
    }

    private static readonly string[] Enums = ["Activation", "Init", "Loss", "Metric", "Padding"];

    private static readonly string[] EnumValues = ["({Enum})42", "({Enum})99", "({Enum})(-1)", "({Enum})int.MaxValue", "default({Enum})", "({Enum})0", "{Enum}.{A} | {Enum}.{B}", "(ModelDsl.{Enum})7", "~{Enum}.{A}"];

    private static Mutated? EnumOutOfRange(MutationContext c)
    {
        if (c.Type is null) return null;
        var uses = c.Type.DescendantNodes().OfType<MemberAccessExpressionSyntax>()
            .Where(m => m.Expression is IdentifierNameSyntax { Identifier.ValueText: var e } && Enums.Contains(e) && m.Ancestors().OfType<AttributeSyntax>().Any()).ToList();
        if (uses.Count == 0)
        {
            if (FindAttribute(c, "Model") is not { } model) return null;
            string value = c.Pick(new[] { "Loss = (Loss)42", "Metrics = [(Metric)99]", "Loss = (Loss)(-1)" });
            int end = model.ArgumentList is { } list ? list.CloseParenToken.SpanStart : model.Name.Span.End;
            string text = model.ArgumentList is { Arguments.Count: > 0 } ? ", " + value : model.ArgumentList is null ? "(3, " + value + ")" : value;
            return c.Rejected(c.Edit((end, end, text)), $"[Model] with {value}", $"the out-of-range enum value {value} is accepted");
        }
        var use = c.Pick(uses);
        string enumName = ((IdentifierNameSyntax)use.Expression).Identifier.ValueText;
        string member = use.Name.Identifier.ValueText;
        string with = c.Pick(EnumValues).Replace("{Enum}", enumName).Replace("{A}", member).Replace("{B}", member == "Zeros" ? "Ones" : "Zeros");
        if (with.Contains("Zeros") && enumName != "Init") with = $"({enumName})3 | {enumName}.{member}";
        string source = c.Edit((use.SpanStart, use.Span.End, with));
        // A cast of 42, 99, -1, int.MaxValue or 7 names no member of these small enums: ModelDsl must say so (MD0010).
        return Regex.IsMatch(with, @"^\((ModelDsl\.)?\w+\)(42|99|\(-1\)|int\.MaxValue|7)$")
            ? c.Rejected(source, $"{use} → {with} in {c.Where(use)}", $"the out-of-range enum value {with} is accepted")
            : c.Done(source, $"{use} → {with} in {c.Where(use)}");
    }

    /// <summary>[Model] on two partial parts (same file or two files), or a model split over parts with [Model] on one.</summary>
    private static Mutated? TwoModelParts(MutationContext c)
    {
        if (!c.IsModel || FindAttribute(c, "Model") is not { } model) return null;
        var type = c.Type!;
        string usings = string.Concat(c.Root.Usings.Select(u => u.ToFullString()));
        string ns = c.Root.Members.OfType<BaseNamespaceDeclarationSyntax>().FirstOrDefault() is { } n ? $"namespace {n.Name};\n" : "";
        string header = $"partial class {type.Identifier.Text}";
        string modelAttribute = $"[{model}]";
        var forward = c.Forward;
        switch (c.Rng.Next(6))
        {
            case 0:
                return c.Done(c.Source + $"\n{modelAttribute}\npublic {header} {{ }}\n", $"a second part 'public {header} {{ }}' with {modelAttribute}, same file");
            case 1:
                return c.Done(c.Source, $"a second part with {modelAttribute} in a second file", [.. c.Extra, $"{usings}\n{ns}\n{modelAttribute}\npublic {header} {{ }}\n"]);
            case 2:
                return c.Done(c.Source + $"\n[Model(7)]\npublic {header} {{ }}\n", $"a second part with [Model(7)], same file");
            case 3 when forward is not null:
            {
                // The [Forward] method moved to a second part without [Model]: valid C#, the model must still generate.
                string moved = forward.ToFullString();
                string source = c.Edit((forward.FullSpan.Start, forward.FullSpan.End, "")) + $"\npublic {header}\n{{\n{moved.TrimEnd()}\n}}\n";
                return c.Done(source, "the [Forward] method moved to a second part without [Model]");
            }
            case 4 when c.Layers.Count > 0:
            {
                // A layer moved to a second part with [Model] in another file.
                var layer = c.Pick(c.Layers);
                string source = c.Edit((layer.FullSpan.Start, layer.FullSpan.End, ""));
                return c.Done(source, $"layer {layer.Identifier.Text} moved to a second part with {modelAttribute} in a second file",
                    [.. c.Extra, $"{usings}\n{ns}\n{modelAttribute}\npublic {header}\n{{\n{layer.ToFullString().TrimEnd()}\n}}\n"]);
            }
            default:
            {
                // The optimizer attribute on a second part (valid C#).
                var optimizer = type.AttributeLists.FirstOrDefault(l => l.Attributes.Any(a => MutationContext.Name(a) is "Adam" or "Sgd" or "RmsProp" or "AdamW"));
                if (optimizer is null) return null;
                string source = c.Edit((optimizer.SpanStart, optimizer.Span.End, "")) + $"\n{optimizer}\npublic {header} {{ }}\n";
                return c.Done(source, $"{optimizer} moved to a second part without [Model]");
            }
        }
    }

    private static Mutated? LossMethod(MutationContext c)
    {
        if (!c.IsModel) return null;
        string layer = c.Layers.Count > 0 ? c.Pick(c.Layers).Identifier.Text : "Missing";
        string parameter = c.Parameters.Count > 0 ? c.Pick(c.Parameters).Identifier.Text : "Missing";
        string[] options =
        [
            "[Loss] private Tensor MyLoss(Tensor prediction, Tensor target) => Mean(Square(prediction - target), 1);",
            "[Loss] private Tensor MyLoss(Tensor prediction, Tensor target) => Sum(prediction - target);",
            "[Loss] private static Tensor MyLoss(Tensor p, Tensor t) => p - t;",
            "[Loss] private Tensor MyLoss(Tensor p) => p;",
            "[Loss] private Tensor MyLoss(Tensor p, Tensor t, Tensor w) => p - t;",
            "[Loss] private double MyLoss(double p, double t) => p - t;",
            "[Loss] private Tensor A(Tensor p, Tensor t) => Mean(Square(p - t), 1);\n    [Loss] private Tensor B(Tensor p, Tensor t) => Mean(Abs(p - t), 1);",
            "[Loss] private Tensor MyLoss(Tensor p, Tensor t) { if (p is null) return t; return Mean(Square(p - t), 1); }",
            $"[Loss] private Tensor MyLoss(Tensor p, Tensor t) => Mean(Square({layer}(p) - t), 1);",
            $"[Loss] private Tensor MyLoss(Tensor p, Tensor t) => Mean(Square(p - t), 1) + Sum({parameter});",
            "[Loss] private Tensor Loss(Tensor p, Tensor t) => Mean(Square(p - t), 1);",
            "[Loss] private Tensor MyLoss(Tensor p, Tensor t) => Mean(Square(p - t), 1);\n    private int MyLossWithGradient;",
            "[Loss] private Tensor MyLoss(Tensor input, Tensor scope) => Mean(Square(input - scope), 1);",
            "[Loss] private Tensor MyLoss(Tensor x, Tensor y) => Mean(Square(x - y), 1);",
            "[Loss] private Tensor MyLoss(Tensor prediction, Tensor target) => Mean(Square(prediction - target), 1) * double.NaN;",
            "[Loss] private Tensor MyLoss(Tensor prediction, Tensor target) => prediction;",
            "[Loss] private Tensor MyLoss(Tensor prediction, Tensor target) => Mean(Square(prediction - target), 1) + 1e308 * 1e308;",
            "[Loss, Forward] private Tensor MyLoss(Tensor p, Tensor t) => p - t;",
            "[Loss] private partial Tensor MyLoss(Tensor p, Tensor t);",
            "[Loss] public Tensor Backward(Tensor p, Tensor t) => Mean(Square(p - t), 1);",
        ];
        string member = c.Pick(options);
        return c.Done(c.AddMember(member), $"added '{member.Split('\n')[0]}'");
    }
}
