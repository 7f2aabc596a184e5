using ModelDsl.Kernels;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Kernels;

public class MetricKernelTests
{
    [Theory]
    [InlineData(Metric.MeanAbsoluteError, (0.5 + 0 + 3) / 3)]
    [InlineData(Metric.MeanSquaredError, (0.25 + 0 + 9) / 3)]
    [InlineData(Metric.RootMeanSquaredError, 1.7559422921421233)]   // sqrt(9.25 / 3)
    public void Compute_by_hand_with_batch_targets_against_batch_by_one_predictions(Metric metric, double expected)
    {
        var pred = tensor(new[] { 1.0, 2.0, 4.0 }).reshape(3, 1);
        var yTrue = tensor(new[] { 1.5, 2.0, 1.0 });
        Assert.Equal(expected, MetricKernel.Compute(metric, pred, yTrue), 14);
        Assert.Equal(expected, MetricKernel.Compute(metric, pred.to_type(ScalarType.Float32), yTrue), 6);
    }

    [Fact]
    public void Keras_names()
    {
        Assert.Equal("mae", MetricKernel.KerasName(Metric.MeanAbsoluteError));
        Assert.Equal("mse", MetricKernel.KerasName(Metric.MeanSquaredError));
        Assert.Equal("root_mean_squared_error", MetricKernel.KerasName(Metric.RootMeanSquaredError));
    }

    [Fact]
    public void A_shape_mismatch_names_both_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => MetricKernel.Compute(Metric.MeanAbsoluteError, zeros(3, 2), zeros(5)));
        Assert.Contains("(5)", e.Message);
        Assert.Contains("(3, 2)", e.Message);
    }
}
