using ModelDsl.Kernels;
using ModelDsl.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Training;

/// <summary>Models whose step results are written by the test, so every epoch value has a hand-computed truth.</summary>
internal static class FitTestModels
{
    public static Tensor Column(params double[] values) => tensor((double[])values.Clone(), dtype: ScalarType.Float64).reshape(-1, 1);

    public static Tensor Vector(params double[] values) => tensor((double[])values.Clone(), dtype: ScalarType.Float64);
}

/// <summary>
/// TrainStep reports the batch's mean y as the loss (or <see cref="LossOverride"/>) and mean x as "mae"; TestStep plays
/// back <c>validationLosses</c>, one per call (validation sets of one batch: one per epoch), "mae" twice that, and adds
/// 1 to <see cref="W"/>. Records the x values every step saw.
/// </summary>
internal sealed class ScriptedModel(params double[] validationLosses) : ITrainableModel
{
    private int _tests, _trainSteps;
    public Tensor W { get; } = tensor(new[] { 0.0 }, dtype: ScalarType.Float64);
    public List<double[]> TrainBatches { get; } = [];
    public List<double[]> TestBatches { get; } = [];
    public Func<int, double>? LossOverride { get; init; }
    public IReadOnlyList<string> MetricNames => ["mae"];
    public IReadOnlyList<Tensor> TrainableTensors => [W];

    public StepResult TrainStep(Tensor x, Tensor y)
    {
        TrainBatches.Add(x.flatten().to_type(ScalarType.Float64).data<double>().ToArray());
        _trainSteps++;
        double loss = LossOverride?.Invoke(_trainSteps) ?? y.to_type(ScalarType.Float64).mean().item<double>();
        return new StepResult(loss, new Dictionary<string, double> { ["mae"] = x.to_type(ScalarType.Float64).mean().item<double>() });
    }

    public StepResult TestStep(Tensor x, Tensor y)
    {
        TestBatches.Add(x.flatten().to_type(ScalarType.Float64).data<double>().ToArray());
        double loss = validationLosses.Length > 0 ? validationLosses[_tests] : y.to_type(ScalarType.Float64).mean().item<double>();
        _tests++;
        W.add_(1);
        return new StepResult(loss, new Dictionary<string, double> { ["mae"] = 2 * loss });
    }
}

/// <summary>Predicts 1 when x &gt; 0.5; reports precision both as the batch value and as Totals (true positives,
/// predicted positives), and RMSE likewise (Σ squared errors, count, root of mean).</summary>
internal sealed class ThresholdClassifier(bool reportTotals) : ITrainableModel
{
    public IReadOnlyList<string> MetricNames => ["precision", "root_mean_squared_error"];
    public IReadOnlyList<Tensor> TrainableTensors => [];
    public StepResult TrainStep(Tensor x, Tensor y) => TestStep(x, y);

    public StepResult TestStep(Tensor x, Tensor y)
    {
        double[] xs = x.flatten().data<double>().ToArray(), ys = y.flatten().data<double>().ToArray();
        double truePositives = 0, predictedPositives = 0, squares = 0;
        for (int i = 0; i < xs.Length; i++)
        {
            double predicted = xs[i] > 0.5 ? 1 : 0;
            predictedPositives += predicted;
            truePositives += predicted * ys[i];
            squares += (predicted - ys[i]) * (predicted - ys[i]);
        }
        var metrics = new Dictionary<string, double>
        {
            ["precision"] = predictedPositives == 0 ? 0 : truePositives / predictedPositives,
            ["root_mean_squared_error"] = Math.Sqrt(squares / xs.Length),
        };
        return new StepResult(0, metrics)
        {
            Totals = reportTotals
                ? new Dictionary<string, MetricTotals>
                {
                    ["precision"] = new(truePositives, predictedPositives),
                    ["root_mean_squared_error"] = new(squares, xs.Length, RootOfMean: true),
                }
                : null,
        };
    }
}

/// <summary>Records every callback call as a line.</summary>
internal sealed class RecordingCallback(List<string> calls, string name = "") : ICallback
{
    public void OnTrainBegin(TrainingControl control) => calls.Add($"{name}TrainBegin");
    public void OnEpochBegin(int epoch, TrainingControl control) => calls.Add($"{name}EpochBegin {epoch}");
    public void OnBatchEnd(int batch, IReadOnlyDictionary<string, double> logs, TrainingControl control) =>
        calls.Add($"{name}BatchEnd {batch} loss={logs["loss"]:R} mae={logs["mae"]:R}");
    public void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs, TrainingControl control) =>
        calls.Add($"{name}EpochEnd {epoch} [{string.Join(", ", logs.Select(kv => $"{kv.Key}={kv.Value:R}"))}]");
    public void OnTrainEnd(IReadOnlyDictionary<string, double> logs, TrainingControl control) =>
        calls.Add($"{name}TrainEnd [{string.Join(", ", logs.Keys)}]");
}

/// <summary>A clock that advances 0.1 s at every reading: progress lines become exact strings.</summary>
internal sealed class SteppingClock
{
    private int _reads;
    public double Read() => 0.1 * _reads++;
}

/// <summary>A <see cref="ScriptedModel"/> with an optimizer, for callbacks that steer it.</summary>
internal sealed class ScriptedOptimizerModel(ModelDsl.Optimizers.Optimizer optimizer, params double[] validationLosses) : ICheckpointable
{
    private readonly ScriptedModel _inner = new(validationLosses);
    public ModelDsl.Optimizers.Optimizer Optimizer { get; set; } = optimizer;
    public IReadOnlyList<NamedTensor> NamedTensors => [new("W", _inner.W, true)];
    public string Architecture => "ScriptedOptimizerModel";
    public Generator? RandomGenerator => null;
    public IReadOnlyList<string> MetricNames => _inner.MetricNames;
    public IReadOnlyList<Tensor> TrainableTensors => _inner.TrainableTensors;
    public StepResult TrainStep(Tensor x, Tensor y) => _inner.TrainStep(x, y);
    public StepResult TestStep(Tensor x, Tensor y) => _inner.TestStep(x, y);
}
