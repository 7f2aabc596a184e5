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
/// generator over them cold (in a process already warmed on other copies: twelve runs with pauses, so that the JIT has
/// optimised the code an IDE runs again and again), then again after an unrelated type is appended to one file.
/// Medians of five, in process CPU time (steadier than wall clock on a shared machine).
/// </summary>
public static partial class GeneratorTiming
{
    /// <summary>The medians (process CPU ms) of the cold run and of the re-run after an unrelated edit, the model count,
    /// every run's figures and each tracked step's reasons on the first re-run.</summary>
    public sealed record Timing(int Models, double ColdMs, double RerunMs, IReadOnlyList<double> Cold, IReadOnlyList<double> Rerun,
        IReadOnlyDictionary<string, string> RerunReasons);

    public static int Run(TextWriter output, string? root)
    {
        var timing = Measure(root);
        output.WriteLine($"generator: {timing.Models} models; load {Interleaved.LoadAverage()}; process CPU time, median of {timing.Cold.Count}");
        output.WriteLine($"  cold {timing.ColdMs:F0} ms [{string.Join(", ", timing.Cold.Select(c => c.ToString("F0")))}]");
        output.WriteLine($"  re-run after an unrelated edit {timing.RerunMs:F0} ms [{string.Join(", ", timing.Rerun.Select(c => c.ToString("F0")))}]");
        foreach (var (name, summary) in timing.RerunReasons) output.WriteLine($"  re-run step {name}: {summary}");
        return 0;
    }

    private const int WarmRuns = 30;
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(200);

    public static Timing Measure(string? root, int repetitions = 5)
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

        // A warm process, as an IDE's is after a while: Roslyn's and the generator's code optimised. The JIT promotes a
        // method only after 30 calls and a pause in new compilations, so the warm-up runs a dozen times with pauses; each
        // timed run, too, follows a pause (an edit follows idle time), which the process CPU time does not count.
        for (int w = 0; w < WarmRuns; w++)
        {
            Driver().RunGenerators(Compile(Copies("Warm" + w)));
            Thread.Sleep(Pause);
        }
        var cold = new List<double>();
        var rerun = new List<double>();
        int modelCount = 0;
        var reasons = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (int rep = 0; rep < repetitions; rep++)
        {
            var trees = Copies("M" + rep);
            modelCount = trees.Sum(t => ModelAttribute().Matches(t.ToString()).Count);
            var compilation = Compile(trees);
            var driver = Driver();
            Thread.Sleep(Pause);
            double start = Cpu();
            driver = driver.RunGenerators(compilation);
            cold.Add(Cpu() - start);
            SyntaxTree tree = trees[0];
            var edited = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(tree.GetText().WithChanges(
                new TextChange(new TextSpan(tree.Length, 0), "\ninternal sealed class Unrelated { public int Value => 42; }\n"))));
            Thread.Sleep(Pause);
            start = Cpu();
            driver = driver.RunGenerators(edited);
            rerun.Add(Cpu() - start);
            if (rep == 0)
                foreach (var (name, steps) in driver.GetRunResult().Results[0].TrackedSteps.Where(p => Generators.ModelDslGenerator.Steps.All.Contains(p.Key)))
                    reasons[name] = string.Join(", ", steps.SelectMany(s => s.Outputs).GroupBy(o => o.Reason).Select(g => $"{g.Key} {g.Count()}"));
        }
        return new Timing(modelCount, Interleaved.Median(cold), Interleaved.Median(rerun), cold, rerun, reasons);
    }

    private static string FindRoot([CallerFilePath] string path = "") => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "../.."));

    [GeneratedRegex(@"\[Model\(")]
    private static partial Regex ModelAttribute();
}
