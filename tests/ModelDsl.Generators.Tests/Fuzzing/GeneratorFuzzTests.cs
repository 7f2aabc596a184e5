using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.CodeAnalysis;
using Xunit.Abstractions;

namespace ModelDsl.Generators.Tests.Fuzzing;

/// <summary>
/// Issue 9, point 4: the generator survives anything. The example and test-model declarations are mutated into
/// thousands of variants (<see cref="Mutations"/>), and <see cref="FuzzOracle"/> checks each.
/// <para>
/// Environment: <c>MODELDSL_FUZZ_SEED</c> (default 4242), <c>MODELDSL_FUZZ_VARIANTS</c> (default 2000; a larger corpus
/// runs the same way), <c>MODELDSL_FUZZ_ONLY</c> (comma-separated indices: run only those and print their sources),
/// <c>MODELDSL_FUZZ_DEEP_MAX</c> (largest deep body, default 500 operations; up to 10000), <c>MODELDSL_FUZZ_MINIMIZE=1</c>
/// (reduce each class's representative to a minimal declaration), <c>MODELDSL_FUZZ_REPORT</c> (where the full report is
/// written; default fuzz-report.md beside the test assembly).
/// </para>
/// </summary>
[Collection(FuzzCollection.Name)]
public class GeneratorFuzzTests(ITestOutputHelper output)
{
    public const int DefaultSeed = 4242;
    /// <summary>The variants the oracle checks by default: about 100 s of processor time (see README.md).</summary>
    public const int DefaultVariants = 2000;

    /// <summary>The mutator's own test always makes at least this many variants (cheap: no generator run).</summary>
    public const int MutatorVariants = 2000;

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out int value) ? value : fallback;

    [Fact]
    public void Every_seed_declaration_passes_the_oracle_unmutated()
    {
        // The oracle's own check: the unmutated units compile with the generated code and break no promise.
        Assert.NotEmpty(FuzzCorpus.Units);
        foreach (SeedUnit unit in FuzzCorpus.Units)
        {
            OracleResult result = FuzzOracle.Check([unit.Source, .. unit.Companions]);
            Assert.True(result.Failures.IsEmpty, $"{unit.Name}: {string.Join("\n", result.Failures.Select(f => f.Class + "\n" + f.Detail))}");
            Assert.True(result.CompiledWithoutGenerator, $"{unit.Name} does not compile on its own (modulo the missing generated code)");
            Assert.False(result.ReportedMdError, $"{unit.Name} gets an MD error");
        }
    }

    /// <summary>A generator that breaks one promise on purpose, to show that the oracle sees each kind of failure.</summary>
    private sealed class BrokenGenerator(string mode) : IIncrementalGenerator
    {
#pragma warning disable RS2008 // release tracking: a test double, not a shipped rule
        private static readonly DiagnosticDescriptor Internal = new("MD0099", "failed", "failed: {0}", "ModelDsl", DiagnosticSeverity.Error, true);
#pragma warning restore RS2008

        public void Initialize(IncrementalGeneratorInitializationContext context) =>
            context.RegisterSourceOutput(context.CompilationProvider, (spc, _) =>
            {
                switch (mode)
                {
                    case "collide": spc.AddSource("Demo.M.g.cs", "namespace Demo { partial class M { public void Twice() { } public void Twice() { } } }"); break;
                    case "syntax": spc.AddSource("Demo.M.g.cs", "namespace Demo { partial class M { public void Broken( } }"); break;
                    case "throw": throw new InvalidOperationException("on purpose");
                    case "md0099": spc.ReportDiagnostic(Diagnostic.Create(Internal, Location.None, "on purpose")); break;
                    case "nothing": break;
                }
            });
    }

    [Theory]
    [InlineData("collide", "namespace Demo { public partial class M { } }", FuzzOracle.DoesNotCompile)]
    [InlineData("syntax", "namespace Demo { public partial class M { } }", FuzzOracle.GeneratedSyntax)]
    [InlineData("throw", "namespace Demo { public partial class M { } }", FuzzOracle.Throws)]
    [InlineData("md0099", "namespace Demo { public partial class M { } }", FuzzOracle.InternalError + "," + FuzzOracle.NoLocation)]
    // A [Model]'s attributed partial members are the generator's to implement: left unimplemented, the output does not compile.
    [InlineData("nothing", "using ModelDsl; using TorchSharp; namespace Demo { [Model(3)] public partial class M { [Dense(1)] private partial torch.Tensor H(torch.Tensor x); } }", FuzzOracle.DoesNotCompile)]
    // Not a model's: the user's own error, and the input does not compile on its own.
    [InlineData("nothing", "using TorchSharp; namespace Demo { public partial class M { private partial torch.Tensor H(torch.Tensor x); } }", "")]
    // A model's member named by the input but declared by no generated code is the input's own error.
    [InlineData("nothing", "using ModelDsl; namespace Demo { [Model(3)] public partial class M { int N => Weights; } }", "")]
    [InlineData("nothing", "namespace Demo { public partial class M { } }", "")]
    public void The_oracle_sees_each_broken_promise(string mode, string source, string expected)
    {
        OracleResult result = FuzzOracle.Check([source], generator: new BrokenGenerator(mode));
        Assert.Equal(expected.Split(',', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal),
            result.Failures.Select(f => f.Assertion).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_mutator_is_deterministic_and_covers_every_kind()
    {
        int seed = Setting("MODELDSL_FUZZ_SEED", DefaultSeed);
        int count = Math.Max(MutatorVariants, Setting("MODELDSL_FUZZ_VARIANTS", DefaultVariants));
        var variants = Enumerable.Range(0, count).Select(i => Mutator.Create(seed, i)).ToList();
        foreach (int i in new[] { 0, 1, 17, count / 2, count - 1 })
        {
            Assert.Equal(variants[i], Mutator.Create(seed, i));
        }
        Assert.DoesNotContain(variants, v => v.Mutation == "none");
        var kinds = variants.SelectMany(v => v.Mutation.Split(" + ")).ToHashSet();
        Assert.All(Mutations.All, m => Assert.Contains(m.Name, kinds));
        int distinct = variants.Select(v => v.Source + string.Concat(v.Extra)).Distinct().Count();
        output.WriteLine($"{count} variants, {distinct} distinct; per kind: " +
            string.Join(", ", variants.GroupBy(v => v.Mutation.Split(" + ")[0]).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}")));
        Assert.True(distinct >= count * 9 / 10, $"only {distinct} of {count} variants are distinct");
    }

    [Fact]
    public void The_generator_survives_every_variant()
    {
        int seed = Setting("MODELDSL_FUZZ_SEED", DefaultSeed);
        int count = Setting("MODELDSL_FUZZ_VARIANTS", DefaultVariants);
        Mutator.DeepMax = Setting("MODELDSL_FUZZ_DEEP_MAX", Mutator.DeepMax);
        int[] indices = Environment.GetEnvironmentVariable("MODELDSL_FUZZ_ONLY") is { Length: > 0 } only
            ? [.. only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse)]
            : [.. Enumerable.Range(0, count)];
        bool verbose = indices.Length < count || indices.Length <= 20;

        var cases = new ConcurrentBag<FuzzCase>();
        var statistics = new FuzzStatistics();
        // Identical variants (a rename to the same name, a swap of equal texts) are checked once.
        var checkedSources = new ConcurrentDictionary<string, Lazy<OracleResult>>(StringComparer.Ordinal);
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        Parallel.ForEach(indices, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, index =>
        {
            Variant variant;
            try
            {
                variant = Mutator.Create(seed, index);
            }
            catch (Exception e)
            {
                // The mutator's own bug: reported as a class of its own so that it is fixed, never hidden.
                var placeholder = new Variant(seed, index, "?", "?", "the mutator threw", "", "", [], []);
                cases.Add(new FuzzCase(placeholder, new FuzzFailure("mutator error", "mutator error: " + e.GetType().Name, e.ToString())));
                return;
            }
            try
            {
                var sources = variant.Sources;
                OracleResult result = checkedSources.GetOrAdd(string.Join("\u0000", sources) + "\u0000" + variant.Expect, _ => new Lazy<OracleResult>(() => FuzzOracle.Check(sources, variant.Expect))).Value;
                statistics.Add(variant, result);
                foreach (FuzzFailure failure in result.Failures) cases.Add(new FuzzCase(variant, failure));
            }
            catch (Exception e)
            {
                cases.Add(new FuzzCase(variant, new FuzzFailure("oracle error", "oracle error: " + e.GetType().Name, e.ToString())));
            }
        });
        clock.Stop();
        statistics.CpuTime = Process.GetCurrentProcess().TotalProcessorTime - cpu;

        var classes = FuzzReport.Group(cases);
        if (Environment.GetEnvironmentVariable("MODELDSL_FUZZ_MINIMIZE") == "1")
        {
            classes = [.. classes.AsParallel().AsOrdered().WithDegreeOfParallelism(Environment.ProcessorCount)
                .Select(c => c with { Minimal = c.Assertion is "mutator error" or "oracle error" ? null : FuzzMinimizer.Minimize(c.Representative.Variant, c.Class) })];
        }
        string report = FuzzReport.Format(seed, indices.Length, clock.Elapsed, classes, statistics);
        string path = Environment.GetEnvironmentVariable("MODELDSL_FUZZ_REPORT") is { Length: > 0 } p ? p : Path.Combine(AppContext.BaseDirectory, "fuzz-report.md");
        File.WriteAllText(path, report);
        output.WriteLine(report);
        output.WriteLine($"(report written to {path})");
        if (verbose)
        {
            foreach (int index in indices)
            {
                Variant v = Mutator.Create(seed, index);
                output.WriteLine($"\n==== index {index}: {v.Description}\n{string.Join("\n// ---- next file\n", v.Sources)}");
            }
        }
        Assert.True(classes.Count == 0, FuzzReport.Format(seed, indices.Length, clock.Elapsed, classes, statistics, details: true) + $"\n(full report: {path})");
    }
}

/// <summary>The fuzz and timing tests run one after the other: both use every core, and timings taken beside the fuzzer mean little.</summary>
[CollectionDefinition(Name)]
public sealed class FuzzCollection
{
    public const string Name = "Generator fuzzing";
}
