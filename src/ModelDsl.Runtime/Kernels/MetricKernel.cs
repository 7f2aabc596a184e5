using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Kernels;

/// <summary>
/// Keras metrics for one batch, as the terms a stateful metric pools over an epoch (<see cref="MetricTotals"/>), and
/// the names Keras' history uses for them.
/// </summary>
public static class MetricKernel
{
    private const string Kernel = nameof(MetricKernel);

    /// <summary>The threshold of BinaryAccuracy, Precision and Recall (Keras' default): predicted positive is yPred &gt; 0.5.</summary>
    public const double Threshold = 0.5;

    /// <summary>The metric of one batch alone: <c>Accumulate(metric, yPred, yTrue).Result</c>.</summary>
    public static double Compute(Metric metric, Tensor yPred, Tensor yTrue) => Accumulate(metric, yPred, yTrue).Result;

    /// <summary>
    /// What one batch adds to the epoch's metric. Mean metrics (MAE, MSE, RMSE, the accuracies): Total = Σ over the
    /// samples (axis 0) of the per-sample mean over the other axes, Count = samples; RMSE pools squares (RootOfMean).
    /// BinaryAccuracy: (yPred &gt; 0.5) == yTrue, yTrue aligned as in <see cref="LossKernel"/>. CategoricalAccuracy:
    /// argmax_last(yTrue) == argmax_last(yPred), ties to the first index, yTrue of yPred's shape.
    /// SparseCategoricalAccuracy: yTrue (yPred's shape without the last axis, or with a trailing 1) == argmax_last(yPred).
    /// Accuracy: binary when yPred's last axis is 1, else sparse when yTrue has lower rank or a last axis of 1, else
    /// categorical. Precision: Total = TP, Count = TP + FP; Recall: Total = TP, Count = TP + FN; over every element,
    /// predicted positive yPred &gt; 0.5, actual positive yTrue != 0.
    /// </summary>
    /// <exception cref="ArgumentException">yPred is a scalar or not floating point, or yTrue does not fit yPred (the message names both shapes).</exception>
    public static MetricTotals Accumulate(Metric metric, Tensor yPred, Tensor yTrue)
    {
        ArgumentChecks.Floating(yPred, nameof(yPred), Kernel);
        if (yPred.dim() < 1)
            throw new ArgumentException($"{Kernel}: yPred needs a batch axis; got a scalar.", nameof(yPred));
        if (metric == Metric.SparseCategoricalAccuracy && SparseOnCpu(yPred, yTrue) is { } onCpu) return onCpu;
        using var scope = NewDisposeScope();
        return metric switch
        {
            Metric.MeanAbsoluteError => SampleMeans((yPred - Targets.AlignTo(yPred, yTrue)).abs()),
            Metric.MeanSquaredError => SampleMeans((yPred - Targets.AlignTo(yPred, yTrue)).square()),
            Metric.RootMeanSquaredError => SampleMeans((yPred - Targets.AlignTo(yPred, yTrue)).square()) with { RootOfMean = true },
            Metric.Accuracy => Accumulate(ResolveAccuracy(yPred, yTrue), yPred, yTrue),
            Metric.BinaryAccuracy => SampleMeans(yPred.gt(Threshold).to_type(yPred.dtype).eq(Targets.AlignTo(yPred, yTrue))),
            Metric.CategoricalAccuracy => SampleMeans(
                Targets.SameShapeAs(yPred, yTrue, nameof(Metric.CategoricalAccuracy)).argmax(-1).eq(yPred.argmax(-1))),
            Metric.SparseCategoricalAccuracy => SampleMeans(
                Targets.Labels(yPred, yTrue, nameof(Metric.SparseCategoricalAccuracy)).to_type(ScalarType.Float64)
                    .eq(yPred.argmax(-1).to_type(ScalarType.Float64))),
            Metric.Precision => Confusion(yPred, yTrue, precision: true),
            Metric.Recall => Confusion(yPred, yTrue, precision: false),
            _ => throw UnknownMetric(metric),
        };
    }

    /// <summary>
    /// Sparse categorical accuracy of CPU predictions (n, classes) against n int64 labels by the span kernel (the same
    /// count, ties and NaN as torch's argmax, without five torch ops and a sync), or null for any other layout.
    /// </summary>
    private static MetricTotals? SparseOnCpu(Tensor yPred, Tensor yTrue)
    {
        if (!Targets.ClassRowsOnCpu(yPred, yTrue)) return null;
        int n = (int)yPred.size(0), classes = (int)yPred.size(1);
        var labels = Managed.TensorSpans.Labels(yTrue);
        return yPred.dtype == ScalarType.Float32
            ? Managed.MetricSpans.AccumulateSparse(Metric.SparseCategoricalAccuracy, Managed.TensorSpans.Of<float>(yPred), labels, n, classes)
            : Managed.MetricSpans.AccumulateSparse(Metric.SparseCategoricalAccuracy, Managed.TensorSpans.Of<double>(yPred), labels, n, classes);
    }

    /// <summary>
    /// The metric Keras' string "accuracy" compiles to for these shapes: binary when yPred's last axis is 1; else
    /// sparse categorical when yTrue has a lower rank or a last axis of 1; else categorical.
    /// </summary>
    public static Metric ResolveAccuracy(Tensor yPred, Tensor yTrue)
    {
        if (yPred.dim() < 1) throw new ArgumentException($"{Kernel}: yPred needs a batch axis; got a scalar.", nameof(yPred));
        if (yPred.size(-1) == 1) return Metric.BinaryAccuracy;
        if (yTrue.dim() < yPred.dim() || yTrue.size(-1) == 1) return Metric.SparseCategoricalAccuracy;
        return Metric.CategoricalAccuracy;
    }

    /// <summary>
    /// The history key Keras uses: "mae" and "mse" (as compiled from those strings), "root_mean_squared_error",
    /// "accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy", "precision", "recall".
    /// </summary>
    public static string KerasName(Metric metric) => metric switch
    {
        Metric.MeanAbsoluteError => "mae",
        Metric.MeanSquaredError => "mse",
        Metric.RootMeanSquaredError => "root_mean_squared_error",
        Metric.Accuracy => "accuracy",
        Metric.BinaryAccuracy => "binary_accuracy",
        Metric.CategoricalAccuracy => "categorical_accuracy",
        Metric.SparseCategoricalAccuracy => "sparse_categorical_accuracy",
        Metric.Precision => "precision",
        Metric.Recall => "recall",
        _ => throw UnknownMetric(metric),
    };

    /// <summary>
    /// True for a metric that is the square root of a mean: over an epoch Keras pools the squares
    /// (sqrt of the mean over every sample), which is not the mean of the batches' roots.
    /// </summary>
    public static bool IsRootOfMean(string kerasName) => kerasName == KerasName(Metric.RootMeanSquaredError);

    /// <summary>Σ over axis 0 of the mean over the other axes, and the sample count (Keras' MeanMetricWrapper).</summary>
    private static MetricTotals SampleMeans(Tensor values)
    {
        long samples = values.dim() == 0 ? 1 : values.size(0);
        if (samples == 0) return new MetricTotals(0, 0);
        var rows = values.is_floating_point() ? values : values.to_type(ScalarType.Float64);
        double total = rows.reshape(samples, -1).mean([1L]).sum(ScalarType.Float64).ToDouble();
        return new MetricTotals(total, samples);
    }

    /// <summary>Precision (TP, TP + FP) or recall (TP, TP + FN) over every element.</summary>
    private static MetricTotals Confusion(Tensor yPred, Tensor yTrue, bool precision)
    {
        var predicted = yPred.gt(Threshold);
        var actual = Targets.AlignTo(yPred, yTrue).ne(0);
        long truePositives = predicted.logical_and(actual).sum().ToInt64();
        long positives = (precision ? predicted : actual).sum().ToInt64();
        return new MetricTotals(truePositives, positives);
    }

    private static ArgumentOutOfRangeException UnknownMetric(Metric metric) => new(nameof(metric), metric, $"Unknown metric '{metric}'.");
}
