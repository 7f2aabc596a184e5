using ModelDsl.Kernels;

namespace ModelDsl.Training;

/// <summary>
/// Pools an epoch's (or an evaluation's) batch results as Keras does: the loss as the batch-size-weighted mean; each
/// metric from its <see cref="StepResult.Totals"/> when the step reports them (the <see cref="MetricTotals.Result"/> of
/// their sum: precision = ΣTP/Σ(TP+FP), RMSE from the summed squares), otherwise as the batch-size-weighted mean of
/// the batch values (root-of-mean metrics pooled as squares).
/// </summary>
internal sealed class EpochAccumulator
{
    private readonly IReadOnlyList<string> _names;
    private readonly bool[] _rootOfMean;
    private readonly double[] _weighted;
    private readonly MetricTotals[] _totals;
    private readonly bool?[] _pooled;   // null until the first batch says which way the metric comes
    private double _loss;

    public EpochAccumulator(IReadOnlyList<string> metricNames)
    {
        _names = metricNames;
        _rootOfMean = [.. metricNames.Select(MetricKernel.IsRootOfMean)];
        _weighted = new double[metricNames.Count];
        _totals = new MetricTotals[metricNames.Count];
        _pooled = new bool?[metricNames.Count];
    }

    public double Samples { get; private set; }

    public int Batches { get; private set; }

    /// <exception cref="InvalidOperationException">A metric named in MetricNames is missing from the step's result, or
    /// a metric reported totals in one batch and not in another.</exception>
    public void Add(StepResult result, double size)
    {
        _loss += size * result.Loss;
        for (int m = 0; m < _names.Count; m++)
        {
            string name = _names[m];
            bool hasTotals = result.Totals is { } totals && totals.ContainsKey(name);
            if (_pooled[m] is bool pooled && pooled != hasTotals)
                throw new InvalidOperationException(
                    $"The metric '{name}' was reported {(pooled ? "with" : "without")} Totals in an earlier batch and {(hasTotals ? "with" : "without")} " +
                    "them in this one: a step must report a metric the same way in every batch.");
            _pooled[m] = hasTotals;
            if (hasTotals)
            {
                _totals[m] += result.Totals![name];
                continue;
            }
            if (!result.Metrics.TryGetValue(name, out double value))
                throw new InvalidOperationException(
                    $"The model names the metric '{name}' in MetricNames but its step reported only [{string.Join(", ", result.Metrics.Keys)}].");
            _weighted[m] += size * (_rootOfMean[m] ? value * value : value);
        }
        Samples += size;
        Batches++;
    }

    /// <summary>Checks <paramref name="batch"/> for NaN and ±∞ (x and y, named with <paramref name="role"/>), runs
    /// <paramref name="step"/> on it and adds the result; the batch's tensors are disposed afterwards.</summary>
    /// <exception cref="NonFiniteInputException">The batch holds a non-finite value.</exception>
    public StepResult Add(string model, string role, Data.Batch batch, Func<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor, StepResult> step)
    {
        using var x = batch.X;
        using var y = batch.Y;
        int number = Batches + 1;
        InputGuard.RequireFinite(model, role + "x", x, number);
        InputGuard.RequireFinite(model, role + "y", y, number);
        double size = batch.Size;
        var result = step(x, y);
        Add(result, size);
        return result;
    }

    /// <summary>The pooled loss and metrics so far (the epoch's values once every batch was added).</summary>
    public StepResult Result()
    {
        var metrics = new Dictionary<string, double>();
        Dictionary<string, MetricTotals>? totals = null;
        for (int m = 0; m < _names.Count; m++)
        {
            if (_pooled[m] == true)
            {
                (totals ??= [])[_names[m]] = _totals[m];
                metrics[_names[m]] = _totals[m].Result;
            }
            else
                metrics[_names[m]] = Samples == 0 ? 0 : _rootOfMean[m] ? Math.Sqrt(_weighted[m] / Samples) : _weighted[m] / Samples;
        }
        return new StepResult(Samples == 0 ? 0 : _loss / Samples, metrics) { Totals = totals };
    }

    /// <summary><see cref="Result"/> as Keras' logs: "loss" then the metrics, each key with <paramref name="prefix"/>.</summary>
    public Dictionary<string, double> Logs(string prefix = "") => ToLogs(Result(), prefix);

    public static Dictionary<string, double> ToLogs(StepResult result, string prefix)
    {
        var logs = new Dictionary<string, double> { [prefix + "loss"] = result.Loss };
        foreach (var (name, value) in result.Metrics) logs[prefix + name] = value;
        return logs;
    }
}
