using System.Collections.Concurrent;
using System.Text;

namespace ModelDsl.Generators.Tests.Fuzzing;

/// <summary>One failure of one variant.</summary>
public sealed record FuzzCase(Variant Variant, FuzzFailure Failure);

/// <summary>The failures of one class, with the representative to turn into a regression test (the shortest variant, then the lowest index).</summary>
public sealed record FailureClass(string Class, string Assertion, IReadOnlyList<FuzzCase> Cases)
{
    public FuzzCase Representative => Cases.OrderBy(c => c.Variant.Source.Length + c.Variant.Extra.Sum(e => e.Length)).ThenBy(c => c.Variant.Index).First();

    /// <summary>A reduced declaration that still fails in this class (filled in when minimisation is on).</summary>
    public string? Minimal { get; init; }
}

/// <summary>Groups failures by class and writes the report: a summary table, then each class with its representative.</summary>
public static class FuzzReport
{
    public static IReadOnlyList<FailureClass> Group(IEnumerable<FuzzCase> cases) =>
        cases.GroupBy(c => c.Failure.Class)
            .Select(g => new FailureClass(g.Key, g.First().Failure.Assertion, g.OrderBy(c => c.Variant.Index).ToList()))
            .OrderBy(c => FuzzOracle.Assertions.IndexOf(c.Assertion) is var i && i < 0 ? int.MaxValue : i)
            .ThenByDescending(c => c.Cases.Count)
            .ThenBy(c => c.Class, StringComparer.Ordinal)
            .ToList();

    public static string Format(int seed, int variants, TimeSpan elapsed, IReadOnlyList<FailureClass> classes, FuzzStatistics statistics, bool details = true)
    {
        var s = new StringBuilder();
        int failing = classes.SelectMany(c => c.Cases).Select(c => c.Variant.Index).Distinct().Count();
        s.AppendLine($"Generator fuzz: seed {seed}, {variants} variants in {elapsed.TotalSeconds:0.0} s; {failing} variants fail, in {classes.Count} classes.");
        s.AppendLine(statistics.ToString());
        s.AppendLine($"One variant again: MODELDSL_FUZZ_SEED={seed} MODELDSL_FUZZ_ONLY=<index> dotnet test tests/ModelDsl.Generators.Tests --filter FullyQualifiedName~The_generator_survives_every_variant");
        if (classes.Count == 0) return s.ToString();
        s.AppendLine();
        s.AppendLine("| # | count | assertion | class | representative | mutations |");
        s.AppendLine("|---|------:|-----------|-------|----------------|-----------|");
        for (int i = 0; i < classes.Count; i++)
        {
            var c = classes[i];
            var kinds = c.Cases.GroupBy(x => x.Variant.Mutation).OrderByDescending(g => g.Count()).Take(3).Select(g => $"{g.Key} ×{g.Count()}");
            s.AppendLine($"| {i + 1} | {c.Cases.Count} | {c.Assertion} | {Cell(c.Class)} | seed {seed} index {c.Representative.Variant.Index} | {string.Join(", ", kinds)} |");
        }
        if (!details) return s.ToString();
        for (int i = 0; i < classes.Count; i++)
        {
            var c = classes[i];
            var r = c.Representative;
            s.AppendLine();
            s.AppendLine($"## {i + 1}. {c.Class}  ({c.Cases.Count} variants)");
            s.AppendLine($"assertion: {c.Assertion}");
            s.AppendLine($"representative: {r.Variant.Reproduce}; unit {r.Variant.Unit}");
            s.AppendLine($"mutation: {r.Variant.Description}");
            s.AppendLine($"other indices: {string.Join(", ", c.Cases.Select(x => x.Variant.Index).Where(x => x != r.Variant.Index).Distinct().Take(12))}{(c.Cases.Count > 13 ? ", …" : "")}");
            s.AppendLine("failure:");
            s.AppendLine("    " + Shorten(r.Failure.Detail, 1400).Replace("\n", "\n    "));
            s.AppendLine("excerpt (- seed, + variant):");
            s.AppendLine(r.Variant.Excerpt());
            if (c.Minimal is { } minimal)
            {
                s.AppendLine("minimal reproduction:");
                s.AppendLine(minimal.TrimEnd());
            }
        }
        return s.ToString();
    }

    private static string Cell(string text) => text.Replace("|", "\\|");

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..max] + $"… ({text.Length} characters)";
}

/// <summary>Counts across the run: what the oracle could check, and the slowest variants.</summary>
public sealed class FuzzStatistics
{
    private int _compiled, _mdError, _other;

    /// <summary>The process's processor time during the run (both cores), to compare runs on a loaded machine.</summary>
    public TimeSpan CpuTime { get; set; }
    private readonly ConcurrentBag<(double Seconds, Variant Variant)> _times = [];

    public void Add(Variant variant, OracleResult result)
    {
        if (result.CompiledWithoutGenerator) Interlocked.Increment(ref _compiled);
        else if (result.ReportedMdError) Interlocked.Increment(ref _mdError);
        else Interlocked.Increment(ref _other);
        _times.Add((result.GeneratorTime.TotalSeconds, variant));
    }

    public override string ToString()
    {
        var slowest = _times.OrderByDescending(t => t.Seconds).Take(3).Select(t => $"{t.Seconds:0.00} s index {t.Variant.Index} ({t.Variant.Mutation})");
        return $"Processor time {CpuTime.TotalSeconds:0} s. Inputs that compile without the generator (generated code checked): {_compiled}; with an MD error: {_mdError}; " +
               $"that do not compile on their own: {_other}. Slowest generator runs: {string.Join("; ", slowest)}.";
    }
}
