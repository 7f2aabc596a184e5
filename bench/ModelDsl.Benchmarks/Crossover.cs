using System.Diagnostics;
using System.Reflection;
using ModelDsl.Examples;
using ModelDsl.Managed;
using ModelDsl.Training;
using static TorchSharp.torch;

namespace ModelDsl.Benchmarks;

/// <summary>
/// `--crossover`: where the managed backend stops being faster than TorchSharp's (the evidence for
/// <see cref="ManagedBackend.AutoThreshold"/>): one training step of three models over a range of batch sizes, the
/// two backends interleaved (TorchSharp with all its threads, as Auto would leave it; managed on the calling thread),
/// medians, with each step's multiply-adds as Auto counts them (batch × the model's MultiplyAddsPerSample).
/// </summary>
public static class Crossover
{
    private sealed record Sweep(string Model, Func<IManagedModel> Create, long[] Sample, bool Classes, int[] Batches);

    public static int Run(TextWriter output)
    {
        output.WriteLine($"crossover: torch threads {get_num_threads()}, load {Interleaved.LoadAverage()}");
        output.WriteLine($"{"model",-10} {"batch",6} {"MACs/step",12} {"managed µs",11} {"torch µs",10} {"torch ÷ managed",15}");
        Sweep[] sweeps =
        [
            new("ScaledMlp", () => new ScaledMlp(1), [128], false, [8, 32, 128, 512, 2048]),
            new("StockLstm", () => new StockLstm(1), [25, 5], false, [16, 64, 256, 1024]),
            new("DigitsCnn", () => new DigitsCnn(1), [64], true, [32, 128, 512, 2048]),
        ];
        foreach (var sweep in sweeps)
        {
            long perSample = (long)sweep.Create().GetType().GetField("MultiplyAddsPerSample", BindingFlags.NonPublic | BindingFlags.Static)!.GetRawConstantValue()!;
            foreach (int batch in sweep.Batches)
            {
                using var scope = NewDisposeScope();
                var generator = new Generator(3);
                Tensor x = randn([batch, .. sweep.Sample], generator: generator);
                Tensor y = sweep.Classes ? randint(10, [batch], ScalarType.Int64, generator: generator) : randn([batch, 1], generator: generator);
                var managed = sweep.Create();
                var torchModel = sweep.Create();
                managed.Backend = Backend.Managed;
                torchModel.Backend = Backend.Torch;
                Action[] steps = [() => managed.TrainStep(x, y), () => torchModel.TrainStep(x, y)];
                foreach (var step in steps) Interleaved.WarmUp(step, TimeSpan.FromMilliseconds(400));
                var times = Interleaved.Run(2, v => Time(steps[v]), (round, elapsed) => round < 3 || (elapsed < TimeSpan.FromSeconds(1.5) && round < 200));
                double m = Interleaved.Median(times[0]), t = Interleaved.Median(times[1]);
                output.WriteLine($"{sweep.Model,-10} {batch,6} {batch * perSample,12:N0} {m,11:F1} {t,10:F1} {t / m,15:F2}");
            }
        }
        output.WriteLine($"load after {Interleaved.LoadAverage()}; Auto's threshold now {ManagedBackend.AutoThreshold:N0} multiply-adds a step");
        return 0;
    }

    private static double Time(Action step)
    {
        long start = Stopwatch.GetTimestamp();
        step();
        return Stopwatch.GetElapsedTime(start).TotalMicroseconds;
    }
}
