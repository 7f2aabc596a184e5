using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using ModelDsl.Examples;
using ModelDsl.Training;

namespace ModelDsl.Benchmarks;

/// <summary>A short job (one launch, 3 warm-up and 5 measured iterations), allocations, and the Ratio column as "N× faster/slower".</summary>
public sealed class ShortConfig : ManualConfig
{
    public ShortConfig()
    {
        AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(5).WithId("Short"));
        AddDiagnoser(MemoryDiagnoser.Default);
        // "1,800x faster" rather than a ratio of 0.001.
        WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend));
    }
}

/// <summary>The grades regression, batch 8: the generated step against autograd and the managed prototype.</summary>
[Config(typeof(ShortConfig))]
public class RegressionTrainStep
{
    private Batch _batch = null!;
    private GradesRegression _generated = null!;
    private TorchAutogradRegressionStep _autograd = null!;
    private PrototypeManagedRegressionStep _managed = null!;

    [GlobalSetup]
    public void GlobalSetup()
    {
        Setup.Torch();
        _batch = Batch.Create(Setup.Seed, Setup.RegressionBatch, 3);
        _generated = new GradesRegression(Setup.Seed);
        _autograd = new TorchAutogradRegressionStep(_generated);
        _managed = new PrototypeManagedRegressionStep(_generated);
    }

    [Benchmark(Baseline = true)]
    public StepResult Generated() => _generated.TrainStep(_batch.XTensor, _batch.YTensor);

    [Benchmark]
    public double TorchAutograd() => _autograd.TrainStep(_batch.XTensor, _batch.YTensor);

    [Benchmark]
    public double ManagedPrototype() => _managed.TrainStep(_batch.X, _batch.Y);
}

/// <summary>The lab MLP, batch 101 of (25, 5): the generated step against autograd and the managed prototype.</summary>
[Config(typeof(ShortConfig))]
public class MlpTrainStep
{
    private Batch _batch = null!;
    private StockMlp _generated = null!;
    private TorchAutogradMlpStep _autograd = null!;
    private PrototypeManagedMlpStep _managed = null!;

    [GlobalSetup]
    public void GlobalSetup()
    {
        Setup.Torch();
        _batch = Batch.Create(Setup.Seed, Setup.MlpBatch, 25, 5);
        _generated = new StockMlp(Setup.Seed);
        _generated.Adapt(_batch.XTensor);
        _autograd = new TorchAutogradMlpStep(_generated);
        _managed = new PrototypeManagedMlpStep(_generated);
    }

    [Benchmark(Baseline = true)]
    public StepResult Generated() => _generated.TrainStep(_batch.XTensor, _batch.YTensor);

    [Benchmark]
    public (double, double) TorchAutograd() => _autograd.TrainStep(_batch.XTensor, _batch.YTensor);

    [Benchmark]
    public (double, double) ManagedPrototype() => _managed.TrainStep(_batch.X, _batch.Y);
}
