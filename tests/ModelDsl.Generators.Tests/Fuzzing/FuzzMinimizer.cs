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
        // The mutated text stays: a removal that takes it away could keep the class but lose its cause (an expectation
        // travels with the variant, not with its text). The fragment is what lies between the common prefix and suffix
        // of the seed and the variant; extra files a mutation added are kept whole.
        string fragment = ChangedFragment(variant.Original, variant.Source);
        int fixedFiles = 1 + variant.Extra.Length;
        bool Keeps(List<string> candidate) => fragment.Length == 0 || candidate[0].Contains(fragment, StringComparison.Ordinal);
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
        for (int i = sources.Count - 1; i >= fixedFiles && runs < maxRuns; i--)
        {
            var without = sources.Where((_, j) => j != i).ToList();
            if (Fails(without)) sources = without;
        }
        // Comments, all at once.
        for (int i = 0; i < sources.Count && runs < maxRuns; i++)
        {
            string stripped = StripComments(sources[i]);
            if (stripped != sources[i])
            {
                var candidate = sources.ToList();
                candidate[i] = stripped;
                if (Keeps(candidate) && Fails(candidate)) sources = candidate;
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
                    if (end > text.Length) continue;
                    var candidate = sources.ToList();
                    candidate[file] = text[..start] + text[end..];
                    if (Keeps(candidate) && Fails(candidate))
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

    /// <summary>The variant's text between the longest common prefix and suffix with the seed (trimmed).</summary>
    public static string ChangedFragment(string before, string after)
    {
        int prefix = 0;
        while (prefix < before.Length && prefix < after.Length && before[prefix] == after[prefix]) prefix++;
        int suffix = 0;
        while (suffix < before.Length - prefix && suffix < after.Length - prefix && before[^(suffix + 1)] == after[^(suffix + 1)]) suffix++;
        string changed = after[prefix..(after.Length - suffix)];
        return changed.Trim().Length > 0 ? changed.Trim() : changed;
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
