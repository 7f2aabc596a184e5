using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using ModelDsl.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Benchmarks;

/// <summary>
/// One LSTM forward and backward (last state out, a fixed upstream gradient in), float32, three ways on the same
/// weights: the kernel before the rewrite, the kernel now, and TorchSharp's <c>nn.LSTM</c> with autograd. The
/// autograd variant differentiates w.r.t. the four weights only (the input needs no gradient in a train step), the
/// kernels return the input gradient as well.
/// </summary>
public sealed class LstmProblem
{
    public LstmProblem(long batch, long time, long features, long units, int seed)
    {
        var g = new Generator((ulong)seed);
        X = randn([batch, time, features], generator: g);
        // Weights of Keras' scale (glorot-like kernel, a small recurrent kernel, the unit-forget bias).
        Kernel = randn([features, 4 * units], generator: g).mul_(Math.Sqrt(2.0 / (features + 4 * units)));
        RecurrentKernel = randn([units, 4 * units], generator: g).mul_(1 / Math.Sqrt(units));
        Bias = Initializers.LstmBias.UnitForget(units);
        DOutput = randn([batch, units], generator: g);

        Torch = KerasLstm.ToTorch(Kernel, RecurrentKernel, Bias);
        TorchWeights = [.. Torch.parameters()];
    }

    public Tensor X { get; }
    public Tensor Kernel { get; }
    public Tensor RecurrentKernel { get; }
    public Tensor Bias { get; }
    public Tensor DOutput { get; }
    public TorchSharp.Modules.LSTM Torch { get; }
    public Tensor[] TorchWeights { get; }

    /// <summary>The kernel's forward and backward; returns the kernel gradient (disposed with the caller's scope).</summary>
    public LstmGradients Kernels()
    {
        var trace = LstmKernel.Forward(X, Kernel, RecurrentKernel, Bias);
        return LstmKernel.Backward(DOutput, trace);
    }

    /// <summary>The kernel before the rewrite, forward and backward.</summary>
    public LstmGradientsBefore KernelsBefore()
    {
        var trace = LstmKernelBefore.Forward(X, Kernel, RecurrentKernel, Bias);
        return LstmKernelBefore.Backward(DOutput, trace);
    }

    /// <summary>
    /// Throws unless the three variants compute the same output and weight gradients (float32: relative 1e-4), so
    /// that the benchmark compares equal work.
    /// </summary>
    public void Verify()
    {
        using var scope = NewDisposeScope();
        var trace = LstmKernel.Forward(X, Kernel, RecurrentKernel, Bias);
        var output = trace.Output.clone();
        var kernel = LstmKernel.Backward(DOutput, trace);
        var before = KernelsBefore();
        var (last, torch) = TorchAutograd();
        // torch stores the weights transposed and has a second bias, whose gradient equals the first's.
        Check("output vs nn.LSTM", last.detach(), output);
        Check("dKernel vs nn.LSTM", torch[0].t(), kernel.Kernel);
        Check("dRecurrentKernel vs nn.LSTM", torch[1].t(), kernel.RecurrentKernel);
        Check("dBias vs nn.LSTM", torch[2], kernel.Bias);
        Check("dRecurrentKernel vs the kernel before", before.RecurrentKernel, kernel.RecurrentKernel);
        Check("dx vs the kernel before", before.Input, kernel.Input!);

        static void Check(string what, Tensor expected, Tensor actual)
        {
            double error = (actual - expected).abs().max().ToDouble() / expected.abs().max().ToDouble();
            if (!(error <= 1e-4)) throw new InvalidOperationException($"{what}: relative difference {error:E2}");
        }
    }

    /// <summary>nn.LSTM forward with autograd, then the weights' gradients for the same upstream gradient (Keras' last h).</summary>
    public (Tensor Last, IList<Tensor> Gradients) TorchAutograd()
    {
        var (output, _, _) = Torch.call(X);
        var last = output.select(1, -1);
        return (last, autograd.grad([last], TorchWeights, [DOutput]));
    }
}

/// <summary>
/// <see cref="ShortConfig"/> with a ten-minute limit on BenchmarkDotNet's build of its boilerplate project: on the
/// shared 2-core machine that build alone overran the default two minutes.
/// </summary>
public sealed class ShortConfigPatientBuild : ManualConfig
{
    public ShortConfigPatientBuild()
    {
        Add(new ShortConfig());
        WithBuildTimeout(TimeSpan.FromMinutes(10));
    }
}

/// <summary>
/// LSTM forward + backward at the stock lab's size (LSTM(16) over 25 steps of 5 features, batch 101) and at a scaled
/// size (128 units over 100 steps of 5 features, batch 256), one intra-op thread. The setup first checks that the
/// three variants agree.
/// </summary>
[Config(typeof(ShortConfigPatientBuild))]
public class LstmForwardBackward
{
    private LstmProblem _problem = null!;

    [Params("lab", "scaled")]
    public string Size { get; set; } = "lab";

    [GlobalSetup]
    public void GlobalSetup()
    {
        Setup.Torch();
        _problem = Size == "lab"
            ? new LstmProblem(Setup.MlpBatch, 25, 5, 16, Setup.Seed)
            : new LstmProblem(256, 100, 5, 128, Setup.Seed);
        _problem.Verify();
    }

    [Benchmark(Baseline = true)]
    public void KernelBefore()
    {
        using var scope = NewDisposeScope();
        _problem.KernelsBefore();
    }

    [Benchmark]
    public void Kernel()
    {
        using var scope = NewDisposeScope();
        _problem.Kernels();
    }

    [Benchmark]
    public void TorchNnLstm()
    {
        using var scope = NewDisposeScope();
        _problem.TorchAutograd();
    }
}

/// <summary>
/// <c>--lstm-cpu [rounds]</c>: the three variants of <see cref="LstmForwardBackward"/> interleaved round by round, timed
/// by the calling thread's CPU time (libtorch runs on it with one intra-op thread), with medians and minima. On a
/// shared machine, wall-clock means move with everyone else's load and BenchmarkDotNet runs the variants one after
/// another, so their ratios drift; CPU time leaves out the time the thread is descheduled and interleaving exposes
/// the variants to the same load.
/// </summary>
public static class LstmInterleaved
{
    public static int Run(TextWriter output, int rounds)
    {
        Setup.Torch();
        output.WriteLine($"LSTM forward + backward, thread CPU time per call, {rounds} interleaved rounds (load average {Interleaved.LoadAverage()})");
        output.WriteLine("| size | variant | median ms | min ms | nn.LSTM ÷ this (medians) | before ÷ this (medians) |");
        output.WriteLine("| --- | --- | ---: | ---: | ---: | ---: |");
        foreach (var (size, problem, calls) in new[]
        {
            ("lab", new LstmProblem(Setup.MlpBatch, 25, 5, 16, Setup.Seed), 100),
            ("scaled", new LstmProblem(256, 100, 5, 128, Setup.Seed), 2),
        })
        {
            problem.Verify();
            (string Name, Action Call)[] variants =
            [
                ("KernelBefore", () => { using var s = NewDisposeScope(); problem.KernelsBefore(); }),
                ("Kernel", () => { using var s = NewDisposeScope(); problem.Kernels(); }),
                ("TorchNnLstm", () => { using var s = NewDisposeScope(); problem.TorchAutograd(); }),
            ];
            foreach (var (_, call) in variants)
                for (int k = 0; k < 3; k++) call();    // warm-up
            var times = Interleaved.Run(variants.Length, v =>
            {
                double start = Interleaved.ThreadCpuMilliseconds();
                for (int k = 0; k < calls; k++) variants[v].Call();
                return (Interleaved.ThreadCpuMilliseconds() - start) / calls;
            }, (round, _) => round < rounds);
            double Median(int v) => Interleaved.Median(times[v]);
            for (int v = 0; v < variants.Length; v++)
                output.WriteLine($"| {size} | {variants[v].Name} | {Median(v):F3} | {times[v].Min():F3} | " +
                    $"{Median(2) / Median(v):F2} | {Median(0) / Median(v):F2} |");
        }
        output.WriteLine($"(load average after: {Interleaved.LoadAverage()})");
        return 0;
    }
}
