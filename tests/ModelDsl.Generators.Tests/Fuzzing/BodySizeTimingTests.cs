using System.Globalization;
using System.Text;
using Xunit.Abstractions;

namespace ModelDsl.Generators.Tests.Fuzzing;

/// <summary>
/// Issue 9, point 4: "the generator's time is linear in body size". Prints generator time against compiler time for
/// [Forward] and [Differentiable] bodies of 500 to 10,000 chained operations (no timing assertion: the machine's load
/// decides the figures), and asserts that the generator does not overflow a 1 MB stack at the largest size.
/// <c>MODELDSL_TIMING_SIZES</c> overrides the sizes (comma-separated); the compilation with the generated code (the
/// slowest step) is measured up to <c>MODELDSL_TIMING_OUTPUT_MAX</c> operations (default 2000).
/// </summary>
[Collection(FuzzCollection.Name)]
public class BodySizeTimingTests(ITestOutputHelper output)
{
    public static readonly int[] DefaultSizes = [500, 1000, 2000, 5000, 10000];

    [Fact]
    public void Generator_time_against_body_size_and_no_stack_overflow_at_the_largest()
    {
        int[] sizes = Environment.GetEnvironmentVariable("MODELDSL_TIMING_SIZES") is { Length: > 0 } s
            ? [.. s.Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture))]
            : DefaultSizes;
        int outputMax = int.TryParse(Environment.GetEnvironmentVariable("MODELDSL_TIMING_OUTPUT_MAX"), out int m) ? m : 2000;
        var table = new StringBuilder();
        table.AppendLine("| body | operations | generator (s) | generator CPU (s) | compiler, input (s) | compiler, input + generated (s) | generator / compiler | generated characters | generated lines | diagnostics |");
        table.AppendLine("|------|-----------:|--------------:|------------------:|--------------------:|--------------------------------:|---------------------:|---------------------:|----------------:|-------------|");
        var problems = new List<string>();
        foreach (string kind in (string[])["forward", "differentiable"])
        {
            var (rows, completed, exitCode, error) = BodySizeProbe.RunChild(kind, sizes, outputMax, TimeSpan.FromMinutes(30));
            foreach (BodySizeRow r in rows)
            {
                table.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {(kind == "forward" ? "[Forward]" : "[Differentiable]")} | {r.Operations:N0} | {r.GeneratorSeconds:0.00} | {r.GeneratorCpuSeconds:0.00} | {r.InputCompileSeconds:0.00} | {(double.IsNaN(r.OutputCompileSeconds) ? "not measured" : r.OutputCompileSeconds.ToString("0.00", CultureInfo.InvariantCulture))} | {r.GeneratorSeconds / Math.Max(r.InputCompileSeconds, 1e-3):0.0} | {r.GeneratedCharacters:N0} | {r.GeneratedLines:N0} | {r.Diagnostics} |"));
            }
            if (!completed)
            {
                int failedAt = sizes.Skip(rows.Count).FirstOrDefault();
                string reason = error.Contains("Stack overflow", StringComparison.OrdinalIgnoreCase) ? "stack overflow" : $"exit code {exitCode}";
                table.AppendLine($"| {(kind == "forward" ? "[Forward]" : "[Differentiable]")} | {failedAt:N0} | {reason}: the child process died; larger sizes not measured | | | | | | | |");
                string firstLines = string.Join("\n", error.Split('\n').Take(25));
                problems.Add($"{kind} body of {failedAt:N0} operations in a 1 MB thread: {reason}\n{firstLines}");
            }
        }
        output.WriteLine(table.ToString());
        Assert.True(problems.Count == 0, "The generator must not overflow a 1 MB stack (nor die) at the largest body:\n" + string.Join("\n\n", problems) + "\n\n" + table);
    }
}
