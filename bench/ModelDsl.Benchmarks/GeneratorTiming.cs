using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace ModelDsl.Benchmarks;

/// <summary>
/// `--generator [ROOT]`: the generator as the IDE meets it. The example declarations (examples/ModelDsl.Examples, in
/// the repository at ROOT) copied under fresh namespaces until there are at least 100 models; Roslyn's driver runs the
/// generator over them cold (in a process already warmed on other copies), then again after an unrelated type is
/// appended to one file. Medians of five, in process CPU time (steadier than wall clock on a shared machine).
/// </summary>
public static partial class GeneratorTiming
{
    public static int Run(TextWriter output, string? root)
    {
        root ??= FindRoot();
        string[] files = [.. Directory.GetFiles(Path.Combine(root, "examples/ModelDsl.Examples"), "*.cs").Order(StringComparer.Ordinal).Select(File.ReadAllText)];
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Concat([typeof(ModelAttribute).Assembly.Location, typeof(TorchSharp.torch).Assembly.Location]).Distinct(StringComparer.Ordinal)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
        var parse = new CSharpParseOptions(LanguageVersion.Latest);

        List<SyntaxTree> Copies(string tag)
        {
            var trees = new List<SyntaxTree>();
            for (int copy = 0, models = 0; models < 100; copy++)
                foreach (string text in files)
                {
                    string renamed = text.Replace("namespace ModelDsl.Examples", $"namespace Copy{tag}{copy}");
                    models += ModelAttribute().Matches(renamed).Count;
                    trees.Add(CSharpSyntaxTree.ParseText(renamed, parse, path: $"{tag}{copy}_{trees.Count}.cs"));
                }
            return trees;
        }
        CSharpCompilation Compile(List<SyntaxTree> trees) => CSharpCompilation.Create("GeneratorTiming", trees, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        GeneratorDriver Driver() => CSharpGeneratorDriver.Create([new Generators.ModelDslGenerator().AsSourceGenerator()], parseOptions: parse,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        static double Cpu() => Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;

        for (int w = 0; w < 3; w++) Driver().RunGenerators(Compile(Copies("Warm" + w)));
        var cold = new List<double>();
        var rerun = new List<double>();
        int modelCount = 0;
        var reasons = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (int rep = 0; rep < 5; rep++)
        {
            var trees = Copies("M" + rep);
            modelCount = trees.Sum(t => ModelAttribute().Matches(t.ToString()).Count);
            var compilation = Compile(trees);
            var driver = Driver();
            double start = Cpu();
            driver = driver.RunGenerators(compilation);
            cold.Add(Cpu() - start);
            SyntaxTree tree = trees[0];
            var edited = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(tree.GetText().WithChanges(
                new TextChange(new TextSpan(tree.Length, 0), "\ninternal sealed class Unrelated { public int Value => 42; }\n"))));
            start = Cpu();
            driver = driver.RunGenerators(edited);
            rerun.Add(Cpu() - start);
            if (rep == 0)
                foreach (var (name, steps) in driver.GetRunResult().Results[0].TrackedSteps.Where(p => Generators.ModelDslGenerator.Steps.All.Contains(p.Key)))
                    reasons[name] = string.Join(", ", steps.SelectMany(s => s.Outputs).GroupBy(o => o.Reason).Select(g => $"{g.Key} {g.Count()}"));
        }
        output.WriteLine($"generator: {modelCount} models; load {Interleaved.LoadAverage()}; process CPU time, median of 5");
        output.WriteLine($"  cold {Interleaved.Median(cold):F0} ms [{string.Join(", ", cold.Select(c => c.ToString("F0")))}]");
        output.WriteLine($"  re-run after an unrelated edit {Interleaved.Median(rerun):F0} ms [{string.Join(", ", rerun.Select(c => c.ToString("F0")))}]");
        foreach (var (name, summary) in reasons) output.WriteLine($"  re-run step {name}: {summary}");
        return 0;
    }

    private static string FindRoot([CallerFilePath] string path = "") => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "../.."));

    [GeneratedRegex(@"\[Model\(")]
    private static partial Regex ModelAttribute();
}
