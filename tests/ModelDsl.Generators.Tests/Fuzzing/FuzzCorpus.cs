using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ModelDsl.Generators.Tests.Infrastructure;

namespace ModelDsl.Generators.Tests.Fuzzing;

/// <summary>
/// One declaration the fuzzer mutates: a top-level type of an example or test-model file, with that file's usings and
/// namespace, so that each variant compiles on its own (small and fast). <see cref="Companions"/> are the unmutated
/// declarations it refers to (TestFunctions calls OptimizationFunctions), added as further syntax trees.
/// </summary>
public sealed record SeedUnit(string Name, string Source, ImmutableArray<string> Companions)
{
    public override string ToString() => Name;
}

/// <summary>The fuzzer's seeds, read at run time from the source tree (as PipelineTests does).</summary>
public static class FuzzCorpus
{
    private static string Root([CallerFilePath] string path = "") => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "../../.."));

    /// <summary>The seed files: examples/ModelDsl.Examples/*.cs and tests/ModelDsl.Generators.Tests/Models/*.cs, in ordinal order.</summary>
    public static IReadOnlyList<(string Name, string Text)> Files() =>
    [
        .. Directory.GetFiles(Path.Combine(Root(), "examples/ModelDsl.Examples"), "*.cs").Order(StringComparer.Ordinal)
            .Select(p => ("examples/ModelDsl.Examples/" + Path.GetFileName(p), File.ReadAllText(p))),
        .. Directory.GetFiles(Path.Combine(Root(), "tests/ModelDsl.Generators.Tests/Models"), "*.cs").Order(StringComparer.Ordinal)
            .Select(p => ("tests/ModelDsl.Generators.Tests/Models/" + Path.GetFileName(p), File.ReadAllText(p))),
    ];

    private static readonly Lazy<ImmutableArray<SeedUnit>> Cached = new(Split);

    /// <summary>Every top-level type of the seed files as a unit of its own (deterministic order).</summary>
    public static ImmutableArray<SeedUnit> Units => Cached.Value;

    private static ImmutableArray<SeedUnit> Split()
    {
        var raw = new List<(string Name, string TypeName, string Source)>();
        foreach (var (file, text) in Files())
        {
            var root = (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(text, GeneratorHarness.ParseOptions).GetRoot();
            string usings = string.Concat(root.Usings.Select(u => u.ToFullString()));
            var fileScoped = root.Members.OfType<FileScopedNamespaceDeclarationSyntax>().FirstOrDefault();
            IEnumerable<MemberDeclarationSyntax> types = fileScoped?.Members ?? root.Members;
            string ns = fileScoped is null ? "" : $"\nnamespace {fileScoped.Name};\n";
            string nsUsings = fileScoped is null ? "" : string.Concat(fileScoped.Usings.Select(u => u.ToFullString()));
            foreach (var type in types.OfType<BaseTypeDeclarationSyntax>())
            {
                raw.Add(($"{Path.GetFileName(file)}#{type.Identifier.ValueText}", type.Identifier.ValueText,
                    usings + ns + nsUsings + "\n" + type.ToFullString().Trim('\n', '\r') + "\n"));
            }
        }
        // A unit's companions: the other units whose type it names (an identifier token equal to their type name).
        return [.. raw.Select(u =>
        {
            var identifiers = CSharpSyntaxTree.ParseText(u.Source, GeneratorHarness.ParseOptions).GetRoot().DescendantTokens()
                .Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText).ToHashSet(StringComparer.Ordinal);
            return new SeedUnit(u.Name, u.Source, [.. raw.Where(o => o.Name != u.Name && identifiers.Contains(o.TypeName)).Select(o => o.Source)]);
        })];
    }
}
