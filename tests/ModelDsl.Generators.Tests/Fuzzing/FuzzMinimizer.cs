using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ModelDsl.Generators.Tests.Infrastructure;

namespace ModelDsl.Generators.Tests.Fuzzing;

/// <summary>
/// Greedy reduction of a failing variant: drops companions and extra files, comments, usings, members, attribute
/// lists, statements and attribute arguments one at a time, keeping each removal after which the oracle still reports
/// a failure of the same class. Bounded by a number of oracle runs.
/// </summary>
public static class FuzzMinimizer
{
    public static string Minimize(Variant variant, string failureClass, int maxRuns = 80)
    {
        var sources = variant.Sources.ToList();
        int runs = 0;
        // The mutated lines stay: a removal that takes one of them away could keep the class but lose its cause.
        var mutated = ChangedLines(variant.Original, variant.Source).Concat(variant.Extra.SelectMany(e => e.Split('\n')))
            .Select(l => l.Trim()).Where(l => l.Length > 3 && !l.StartsWith("using ", StringComparison.Ordinal) && !l.StartsWith("namespace ", StringComparison.Ordinal)).ToList();
        bool Keeps(string removed) => !mutated.Any(l => removed.Contains(l, StringComparison.Ordinal));
        bool Fails(List<string> candidate)
        {
            runs++;
            try
            {
                return FuzzOracle.Check(candidate, variant.Expect).Failures.Any(f => f.Class == failureClass);
            }
            catch (Exception)
            {
                return false;
            }
        }

        // Whole files after the first (extra parts, companions).
        for (int i = sources.Count - 1; i >= 1 && runs < maxRuns; i--)
        {
            if (!Keeps(sources[i])) continue;
            var without = sources.Where((_, j) => j != i).ToList();
            if (Fails(without)) sources = without;
        }
        // Comments, all at once.
        for (int i = 0; i < sources.Count && runs < maxRuns; i++)
        {
            string stripped = StripComments(sources[i]);
            if (stripped != sources[i] && mutated.All(l => !sources[i].Contains(l, StringComparison.Ordinal) || stripped.Contains(l, StringComparison.Ordinal)))
            {
                var candidate = sources.ToList();
                candidate[i] = stripped;
                if (Fails(candidate)) sources = candidate;
            }
        }
        bool changed = true;
        while (changed && runs < maxRuns)
        {
            changed = false;
            for (int file = 0; file < sources.Count && runs < maxRuns; file++)
            {
                var root = CSharpSyntaxTree.ParseText(sources[file], GeneratorHarness.ParseOptions).GetRoot();
                // Larger nodes first: a whole member before its attributes and statements.
                var candidates = root.DescendantNodes()
                    .Where(n => n is UsingDirectiveSyntax or MemberDeclarationSyntax and not BaseNamespaceDeclarationSyntax || n is AttributeListSyntax or StatementSyntax { Parent: BlockSyntax } or AttributeArgumentSyntax)
                    .OrderByDescending(n => n.FullSpan.Length).ToList();
                foreach (SyntaxNode node in candidates)
                {
                    if (runs >= maxRuns) break;
                    string text = sources[file];
                    var (start, end) = Removal(node);
                    if (end > text.Length || !Keeps(text[start..end])) continue;
                    var candidate = sources.ToList();
                    candidate[file] = text[..start] + text[end..];
                    if (Fails(candidate))
                    {
                        sources = candidate;
                        changed = true;
                        break; // positions moved: parse again
                    }
                }
            }
        }
        return string.Join("\n// ---- next file\n", sources.Select(s => string.Join("\n", s.Split('\n').Select(l => Variant.Line(l)).Where(l => l.Trim().Length > 0))));
    }

    private static IEnumerable<string> ChangedLines(string before, string after)
    {
        var old = before.Split('\n').ToHashSet(StringComparer.Ordinal);
        return after.Split('\n').Where(l => !old.Contains(l));
    }

    private static (int Start, int End) Removal(SyntaxNode node)
    {
        // An argument with its separating comma.
        if (node is AttributeArgumentSyntax argument && argument.Parent is AttributeArgumentListSyntax list)
        {
            int index = list.Arguments.IndexOf(argument);
            if (list.Arguments.Count == 1) return (list.FullSpan.Start, list.FullSpan.End);
            return index == 0 ? (argument.FullSpan.Start, list.Arguments[1].FullSpan.Start) : (list.Arguments[index - 1].Span.End, argument.Span.End);
        }
        return (node.FullSpan.Start, node.FullSpan.End);
    }

    private static string StripComments(string source)
    {
        var root = CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions).GetRoot();
        var comments = root.DescendantTrivia(descendIntoTrivia: true)
            .Where(t => t.Kind() is SyntaxKind.SingleLineCommentTrivia or SyntaxKind.MultiLineCommentTrivia or SyntaxKind.SingleLineDocumentationCommentTrivia or SyntaxKind.MultiLineDocumentationCommentTrivia)
            .Select(t => t.FullSpan).OrderByDescending(s => s.Start).ToList();
        string text = source;
        foreach (var span in comments) text = text[..span.Start] + text[span.End..];
        return text;
    }
}
