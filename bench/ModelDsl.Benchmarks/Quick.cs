using System.CodeDom.Compiler;
using System.Diagnostics;
using System.Numerics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using ModelDsl.Examples;
using ModelDsl.Training;
using TorchSharp;

namespace ModelDsl.Benchmarks;

/// <summary>
/// <c>--quick [--json PATH]</c>: one train step of every benchmarked model, by backend (the generated managed code, the
/// generated TorchSharp code) and torch intra-op threads (1 and 2), against the same model written the usual
/// TorchSharp way with autograd (<see cref="AutogradModels"/>). The variants of one row group run round-robin
/// (<see cref="Interleaved"/>) and are summarised by wall-clock medians. Each row carries the first step's loss
/// difference from autograd, from the same weights: the correctness check. No timing is asserted.
/// </summary>
public static class Quick
{
    /// <summary>Kept moderate so that --quick stays under two minutes on a 2-core machine.</summary>
    public const int ScaledLstmBatch = 64;
    public const int ScaledMlpBatch = 4096;
    public const int DigitsBatch = 32;

    private static readonly TimeSpan GroupBudget = TimeSpan.FromSeconds(1);
    private const int MinRounds = 5, MaxRounds = 2000, WarmupSteps = 2;

    /// <summary>
    /// Each variant runs alone for this long (at least <see cref="WarmupSteps"/> steps) before the timed rounds: the JIT
    /// promotes a method to optimised code only after 30 calls and a 100 ms pause in new compilations, so a shorter warm-up
    /// times tier-0 code (it made the managed regression step 7 µs where a long loop gives 1 µs).
    /// </summary>
    private static readonly TimeSpan WarmupTime = TimeSpan.FromMilliseconds(400);

    /// <summary>How long one timed sample lasts at least: a fast step is called this many microseconds' worth of times.</summary>
    private static readonly TimeSpan SampleTime = TimeSpan.FromMicroseconds(50);
    private static readonly int[] ThreadCounts = [1, 2];

    /// <summary>A benchmarked model: its data, its forward multiply-adds per sample, the generated model and its autograd twin.</summary>
    private sealed record Case(string Model, string Size, Batch Data, long ForwardMultiplyAddsPerSample,
        Func<ICheckpointable> Create, Func<ICheckpointable, TorchAutogradStep> Autograd);

    /// <summary>
    /// One backend at one thread count. <see cref="LossDiff"/>: |this backend's loss − autograd's| on the first step from
    /// the same weights; <see cref="LossDiff2"/> on the second (after one update of each: checks the optimizer too);
    /// <see cref="Loss"/>: autograd's first loss, for scale.
    /// </summary>
    public sealed record Row(string Model, string Size, string Backend, int Threads, double StepUs, double AutogradUs,
        double Ratio, double Gflops, double LossDiff, double LossDiff2, double Loss);

    public sealed record Machine(int Cores, string CpuModel, string Os, string Dotnet, int TorchThreads, double FmaGflops,
        double FmaGflopsCpuTime, int FmaLanes, string LoadAverageBefore, string LoadAverageAfter);

    /// <summary>The generator: its version, and its time over 100+ models cold and re-run after an unrelated edit (<see cref="GeneratorTiming"/>).</summary>
    public sealed record GeneratorInfo(string Tool, string Version, string RuntimeVersion, bool ManagedBackend, int Models,
        [property: JsonPropertyName("models_100_cold_ms")] double Models100ColdMs, double RerunAfterEditMs, string Timing);

    public sealed record Settings(bool Quick, double BudgetPerGroupSeconds, int MinRounds, int WarmupSteps, double WarmupSeconds, string Timing,
        string Flops, IReadOnlyDictionary<string, string> Sizes);

    public sealed record Report(Machine Machine, IReadOnlyList<Row> Rows, GeneratorInfo Generator, Settings Settings);

    public static int Run(TextWriter output, string? jsonPath)
    {
        int defaultThreads = torch.get_num_threads();
        string loadBefore = Interleaved.LoadAverage();
        Setup.Torch();
        var fma = FmaRate();
        var managed = ManagedAvailable();
        output.WriteLine($"quick: {Environment.ProcessorCount} cores, {CpuModel()}, load {loadBefore}; single-thread FMA {fma.Gflops:F1} GFLOP/s (by CPU time {fma.CpuGflops:F1}) " +
            $"(Vector<float> x {fma.Lanes}); torch threads by default {defaultThreads}");
        if (!managed) output.WriteLine("managed: not in this build (the generated models have no Backend property); managed rows omitted");
        output.WriteLine($"scaled: MLP 128 → 512 → 512 → 1 at batch {ScaledMlpBatch}; LSTM(128) over 100 steps of 8 features at batch {ScaledLstmBatch} " +
            "(kept moderate so --quick stays under two minutes)");
        output.WriteLine("wall-clock medians of interleaved steps; ratio = autograd ÷ this backend; GFLOP/s = 2 × 3 × forward multiply-adds ÷ step");
        output.WriteLine();
        output.WriteLine($"{"model",-17} {"size",-6} {"backend",-8} {"thr",3} {"step µs",11} {"autograd µs",12} {"ratio",6} {"GFLOP/s",8} {"loss_diff",10} {"step 2",10}");

        var rows = new List<Row>();
        var clock = Stopwatch.StartNew();
        foreach (var c in Cases())
        {
            foreach (var row in Measure(c, managed, output))
            {
                rows.Add(row);
                output.WriteLine($"{row.Model,-17} {row.Size,-6} {row.Backend,-8} {row.Threads,3} {row.StepUs,11:F1} {row.AutogradUs,12:F1} " +
                    $"{row.Ratio,6:F2} {row.Gflops,8:G3} {row.LossDiff,10:G3} {row.LossDiff2,10:G3}");
            }
            GC.Collect();
        }
        torch.set_num_threads(1);
        var generator = GeneratorTiming.Measure(null, repetitions: 3);
        output.WriteLine($"generator: {generator.Models} models, cold {generator.ColdMs:F0} ms, re-run after an unrelated edit {generator.RerunMs:F0} ms (process CPU time, median of 3)");
        output.WriteLine($"({clock.Elapsed.TotalSeconds:F0} s; load after {Interleaved.LoadAverage()})");

        if (jsonPath is not null)
        {
            var report = new Report(
                new Machine(Environment.ProcessorCount, CpuModel(), RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription,
                    defaultThreads, Math.Round(fma.Gflops, 2), Math.Round(fma.CpuGflops, 2), fma.Lanes, loadBefore, Interleaved.LoadAverage()),
                rows,
                Generator(managed, generator),
                new Settings(true, GroupBudget.TotalSeconds, MinRounds, WarmupSteps, WarmupTime.TotalSeconds,
                    "wall clock of one TrainStep (a sample times as many calls as last 50 µs, and divides), median over rounds (at least 5, or 3 when a step exceeds 0.1 s; then until the group's budget) that run the row group's variants round-robin in a rotating order",
                    "2 x 3 x forward multiply-adds of the weighted layers (forward, input gradient, weight gradient) per sample x batch",
                    new Dictionary<string, string>
                    {
                        ["GradesRegression"] = $"batch {Setup.RegressionBatch} of 3, SGD",
                        ["StockMlp, StockSeluMlp, StockLstm"] = $"batch {Setup.MlpBatch} of (25, 5), Adam",
                        ["DigitsMlp, DigitsCnn"] = $"batch {DigitsBatch} of 64, 10 classes, sparse categorical cross-entropy, Adam",
                        ["ScaledMlp"] = $"128 -> 512 relu -> 512 relu -> 1, batch {ScaledMlpBatch}, Adam",
                        ["ScaledLstm"] = $"LSTM(128) over (100, 8) -> 1, batch {ScaledLstmBatch} (moderate, to keep --quick under two minutes), Adam",
                    }));
            var options = new JsonSerializerOptions
            {
                PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
                DictionaryKeyPolicy = null,
                WriteIndented = true,
                NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
                Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            };
            File.WriteAllText(jsonPath, JsonSerializer.Serialize(report, options));
            output.WriteLine($"wrote {jsonPath}");
        }
        return 0;
    }

    private static IEnumerable<Case> Cases()
    {
        const int Seed = Setup.Seed;
        var grades = Batch.Create(Seed, Setup.RegressionBatch, 3);
        yield return new("GradesRegression", "lab", grades, 3,
            () => new GradesRegression(Seed), m => AutogradModels.Regression((GradesRegression)m));

        var stock = Batch.Create(Seed, Setup.MlpBatch, 25, 5);
        yield return new("StockMlp", "lab", stock, 125 * 16 + 16,
            () => { var m = new StockMlp(Seed); m.Adapt(stock.XTensor); return m; }, m => AutogradModels.StockMlp((StockMlp)m));
        yield return new("StockSeluMlp", "lab", stock, 125 * 16 + 2 * 16 * 16 + 16,
            () => new StockSeluMlp(Seed), m => AutogradModels.StockSeluMlp((StockSeluMlp)m));
        yield return new("StockLstm", "lab", stock, 25 * (5 + 16) * 64 + 16,
            () => { var m = new StockLstm(Seed); m.Adapt(stock.XTensor); return m; }, m => AutogradModels.StockLstm((StockLstm)m));

        var digits = Batch.CreateClasses(Seed, DigitsBatch, 10, 64);
        yield return new("DigitsMlp", "lab", digits, 64 * 64 + 64 * 10,
            () => new DigitsMlp(Seed), m => AutogradModels.DigitsMlp((DigitsMlp)m));
        // Conv2D: 6 × 6 output positions of a 3 × 3 × 1 window into 16 filters; then Dense(144 → 10).
        yield return new("DigitsCnn", "lab", digits, 6 * 6 * 9 * 16 + 144 * 10,
            () => new DigitsCnn(Seed), m => AutogradModels.DigitsCnn((DigitsCnn)m));

        var wide = Batch.Create(Seed, ScaledMlpBatch, 128);
        yield return new("ScaledMlp", "scaled", wide, 128 * 512 + 512 * 512 + 512,
            () => new ScaledMlp(Seed), m => AutogradModels.ScaledMlp((ScaledMlp)m));
        var sequences = Batch.Create(Seed, ScaledLstmBatch, 100, 8);
        yield return new("ScaledLstm", "scaled", sequences, 100 * (8 + 128) * 512 + 128,
            () => new ScaledLstm(Seed), m => AutogradModels.ScaledLstm((ScaledLstm)m));
    }

    /// <summary>
    /// The first step of each backend and of autograd from the same seeded weights (their losses compared), then per
    /// thread count the interleaved timing of autograd against the generated backends (managed at one thread only: it
    /// runs on the calling thread).
    /// </summary>
    private static IEnumerable<Row> Measure(Case c, bool managed, TextWriter output)
    {
        var (x, y) = (c.Data.XTensor, c.Data.YTensor);
        torch.set_num_threads(1);
        var autograd = c.Autograd(c.Create());
        double[] autogradLosses = [autograd.TrainStep(x, y), autograd.TrainStep(x, y)];
        var backends = new List<(string Name, Func<double> Step, double LossDiff, double LossDiff2)>();
        foreach (string backend in managed ? ["managed", "torch"] : new[] { "torch" })
        {
            var model = c.Create();
            if (managed) SetBackend(model, backend);
            double first, second;
            try
            {
                (first, second) = (model.TrainStep(x, y).Loss, model.TrainStep(x, y).Loss);
            }
            catch (Exception e) when (backend == "managed")
            {
                // A build whose managed backend does not cover this model yet: say so, keep the other rows.
                output.WriteLine($"managed: {c.Model}: {e.GetType().Name}: {e.Message} (row omitted)");
                continue;
            }
            backends.Add((backend, () => model.TrainStep(x, y).Loss, Math.Abs(first - autogradLosses[0]), Math.Abs(second - autogradLosses[1])));
        }
        // The managed code entered with spans instead of tensors (the generated TrainStep(ReadOnlySpan, ReadOnlySpan)).
        if (managed && SpanStepOf(c.Create(), c.Data) is { } spanStep)
        {
            double first = spanStep(), second = spanStep();
            backends.Add(("spans", spanStep, Math.Abs(first - autogradLosses[0]), Math.Abs(second - autogradLosses[1])));
        }
        long multiplyAdds = 3 * c.ForwardMultiplyAddsPerSample * x.size(0);
        foreach (int threads in ThreadCounts)
        {
            torch.set_num_threads(threads);
            var timed = backends.Where(b => threads == 1 || b.Name == "torch").ToList();
            var steps = new List<Action> { () => autograd.TrainStep(x, y) };
            steps.AddRange(timed.Select(b => (Action)(() => b.Step())));
            double slowest = 0;
            var calls = new int[steps.Count];
            for (int v = 0; v < steps.Count; v++)
            {
                for (int k = 0; k < WarmupSteps; k++) slowest = Math.Max(slowest, Time(steps[v]));
                double perCall = Interleaved.WarmUp(steps[v], WarmupTime);
                // A sample times enough calls to last about SampleTime (a sub-microsecond step is not timed one call at a time).
                calls[v] = (int)Math.Clamp(SampleTime.TotalMicroseconds / perCall, 1, 100_000);
            }
            // Steps of more than a tenth of a second: fewer rounds, so that the scaled rows stay within the time box.
            int minRounds = slowest > 1e5 ? 3 : MinRounds;
            var times = Interleaved.Run(steps.Count, v => Time(steps[v], calls[v]),
                (round, elapsed) => round < minRounds || (elapsed < GroupBudget && round < MaxRounds));
            double autogradUs = Interleaved.Median(times[0]);
            for (int i = 0; i < timed.Count; i++)
            {
                double us = Interleaved.Median(times[i + 1]);
                yield return new Row(c.Model, c.Size, timed[i].Name, threads, Math.Round(us, 1), Math.Round(autogradUs, 1),
                    Math.Round(autogradUs / us, 3), Math.Round(2.0 * multiplyAdds / (us * 1e3), 3), timed[i].LossDiff, timed[i].LossDiff2, autogradLosses[0]);
            }
        }
    }

    /// <summary>
    /// <c>--loop MODEL BACKEND SECONDS</c>: one model's train step (backend "managed", "torch" or "autograd") in a loop for
    /// a time ("spans": the managed code entered with spans), for a profiler to attach to (dotnet-trace collect -- dotnet ModelDsl.Benchmarks.dll --loop StockMlp managed 10);
    /// prints the median step.
    /// </summary>
    public static int Loop(TextWriter output, string model, string backend, double seconds)
    {
        Setup.Torch();
        torch.set_num_threads(1);
        var c = Cases().FirstOrDefault(k => k.Model.Equals(model, StringComparison.OrdinalIgnoreCase));
        if (c is null)
        {
            output.WriteLine($"--loop: no model {model}; one of {string.Join(", ", Cases().Select(k => k.Model))}");
            return 2;
        }
        var (x, y) = (c.Data.XTensor, c.Data.YTensor);
        Action step;
        if (backend == "autograd")
        {
            var autograd = c.Autograd(c.Create());
            step = () => autograd.TrainStep(x, y);
        }
        else if (backend == "spans")
        {
            var spans = SpanStepOf(c.Create(), c.Data) ?? throw new InvalidOperationException($"{c.Model} has no span TrainStep");
            step = () => spans();
        }
        else
        {
            var generated = c.Create();
            SetBackend(generated, backend);
            step = () => generated.TrainStep(x, y);
        }
        var times = new List<double>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds) times.Add(Time(step, 10));
        output.WriteLine($"{c.Model} {backend}: {times.Count} steps, median {Interleaved.Median(times.Skip(times.Count / 10).ToList()):F2} µs");
        return 0;
    }

    /// <summary>Microseconds of wall clock per call, over <paramref name="calls"/> calls (from the raw timestamps: TimeSpan
    /// would round to 0.1 µs).</summary>
    private static double Time(Action step, int calls = 1)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++) step();
        return (Stopwatch.GetTimestamp() - start) * 1e6 / Stopwatch.Frequency / calls;
    }

    // ---- the managed backend, by reflection until it is in every build ------------------------------------------

    private delegate double SpanTrainStep(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<double> metrics);
    private delegate double SpanLabelStep(ReadOnlySpan<float> x, ReadOnlySpan<long> labels, Span<double> metrics);

    /// <summary>The model's span TrainStep on the batch's arrays (targets, or class indices for a sparse loss), or null without one.</summary>
    private static Func<double>? SpanStepOf(object model, Batch data)
    {
        var type = model.GetType();
        if (type.GetMethod("TrainStep", [typeof(ReadOnlySpan<float>), typeof(ReadOnlySpan<float>), typeof(Span<double>)]) is { } values
            && data.YTensor.dtype != TorchSharp.torch.ScalarType.Int64)
        {
            var step = (SpanTrainStep)Delegate.CreateDelegate(typeof(SpanTrainStep), model, values);
            return () => step(data.X, data.Y, default);
        }
        if (type.GetMethod("TrainStep", [typeof(ReadOnlySpan<float>), typeof(ReadOnlySpan<long>), typeof(Span<double>)]) is { } classes)
        {
            var step = (SpanLabelStep)Delegate.CreateDelegate(typeof(SpanLabelStep), model, classes);
            long[] labels = [.. data.Y.Select(v => (long)v)];
            return () => step(data.X, labels, default);
        }
        return null;
    }

    private static PropertyInfo? BackendProperty(Type model) => model.GetProperty("Backend", BindingFlags.Public | BindingFlags.Instance);

    /// <summary>Whether the generated models have the <c>Backend</c> property the managed backend brings.</summary>
    private static bool ManagedAvailable() => BackendProperty(typeof(StockMlp)) is { CanWrite: true, PropertyType.IsEnum: true };

    /// <summary>Sets the model's Backend to "managed" or "torch" (Backend.Managed, Backend.Torch).</summary>
    private static void SetBackend(object model, string backend)
    {
        var property = BackendProperty(model.GetType())!;
        property.SetValue(model, Enum.Parse(property.PropertyType, backend, ignoreCase: true));
    }

    // ---- the machine ------------------------------------------------------------------------------------------------

    private static GeneratorInfo Generator(bool managed, GeneratorTiming.Timing timing)
    {
        var generated = typeof(StockMlp.Parameters).GetCustomAttribute<GeneratedCodeAttribute>();
        string runtime = typeof(Backend).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        return new GeneratorInfo(generated?.Tool ?? "unknown", generated?.Version ?? "unknown", runtime, managed, timing.Models,
            Math.Round(timing.ColdMs, 1), Math.Round(timing.RerunMs, 1),
            $"process CPU time, median of {timing.Cold.Count}: Roslyn's driver over the example declarations copied to {timing.Models} models, cold in a warmed process, then after an unrelated type is appended to one file (--generator)");
    }

    private static string CpuModel()
    {
        if (File.Exists("/proc/cpuinfo"))
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("model name", StringComparison.Ordinal)) return line[(line.IndexOf(':') + 1)..].Trim();
        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    /// <summary>
    /// The best of twenty short runs of <see cref="FmaLoop"/>: the machine's single-thread FMA peak, a floor measure; by
    /// wall clock, and by the thread's CPU time (which leaves out the time a loaded machine takes the thread off).
    /// </summary>
    private static (double Gflops, double CpuGflops, int Lanes) FmaRate()
    {
        const long Iterations = 1_000_000;
        FmaLoop(1000);                                       // compiled (AggressiveOptimization: fully optimised at once)
        double flops = FmaAccumulators * Vector<float>.Count * 2.0 * Iterations, best = 0, bestCpu = 0;
        for (int trial = 0; trial < 20; trial++)
        {
            double cpuStart = Interleaved.ThreadCpuMilliseconds();
            long start = Stopwatch.GetTimestamp();
            float sink = FmaLoop(Iterations);
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds, cpuSeconds = (Interleaved.ThreadCpuMilliseconds() - cpuStart) / 1e3;
            if (float.IsNaN(sink)) throw new InvalidOperationException("unreachable: keeps the loop's result alive");
            best = Math.Max(best, flops / seconds / 1e9);
            if (cpuSeconds > 0) bestCpu = Math.Max(bestCpu, flops / cpuSeconds / 1e9);
        }
        return (best, bestCpu, Vector<float>.Count);
    }

    private const int FmaAccumulators = 12;

    /// <summary>
    /// Twelve independent chains of a ← a·b + c over Vector&lt;float&gt; (enough to cover the FMA latency on two pipes);
    /// a converges to c/(1 − b), so nothing overflows or goes subnormal.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float FmaLoop(long iterations)
    {
        var b = new Vector<float>(0.9999f);
        var c = new Vector<float>(1e-4f);
        Vector<float> a0 = Vector<float>.One, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
            a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector.FusedMultiplyAdd(a0, b, c);
            a1 = Vector.FusedMultiplyAdd(a1, b, c);
            a2 = Vector.FusedMultiplyAdd(a2, b, c);
            a3 = Vector.FusedMultiplyAdd(a3, b, c);
            a4 = Vector.FusedMultiplyAdd(a4, b, c);
            a5 = Vector.FusedMultiplyAdd(a5, b, c);
            a6 = Vector.FusedMultiplyAdd(a6, b, c);
            a7 = Vector.FusedMultiplyAdd(a7, b, c);
            a8 = Vector.FusedMultiplyAdd(a8, b, c);
            a9 = Vector.FusedMultiplyAdd(a9, b, c);
            a10 = Vector.FusedMultiplyAdd(a10, b, c);
            a11 = Vector.FusedMultiplyAdd(a11, b, c);
        }
        var sum = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
        return Vector.Sum(sum);
    }
}
