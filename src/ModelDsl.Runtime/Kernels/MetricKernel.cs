using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Kernels;

/// <summary>Metric values for one batch, and the names Keras' history uses for them.</summary>
public static class MetricKernel
{
    /// <summary>The metric over every element; yTrue is aligned to yPred as in <see cref="LossKernel"/>.</summary>
    public static double Compute(Metric metric, Tensor yPred, Tensor yTrue)
    {
        using var scope = NewDisposeScope();
        var error = yPred - Targets.AlignTo(yPred, yTrue);
        return metric switch
        {
            Metric.MeanAbsoluteError => error.abs().mean().ToDouble(),
            Metric.MeanSquaredError => error.square().mean().ToDouble(),
            Metric.RootMeanSquaredError => Math.Sqrt(error.square().mean().ToDouble()),
            _ => throw UnknownMetric(metric),
        };
    }

    /// <summary>The history key Keras uses: "mae" and "mse" (as compiled from those strings), "root_mean_squared_error".</summary>
    public static string KerasName(Metric metric) => metric switch
    {
        Metric.MeanAbsoluteError => "mae",
        Metric.MeanSquaredError => "mse",
        Metric.RootMeanSquaredError => "root_mean_squared_error",
        _ => throw UnknownMetric(metric),
    };

    /// <summary>
    /// True for a metric that is the square root of a mean: over an epoch Keras pools the squares
    /// (sqrt of the mean over every sample), which is not the mean of the batches' roots.
    /// </summary>
    public static bool IsRootOfMean(string kerasName) => kerasName == KerasName(Metric.RootMeanSquaredError);

    private static ArgumentOutOfRangeException UnknownMetric(Metric metric) => new(nameof(metric), metric, $"Unknown metric '{metric}'.");
}
