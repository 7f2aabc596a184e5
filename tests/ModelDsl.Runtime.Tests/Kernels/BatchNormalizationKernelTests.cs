using ModelDsl.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Kernels;

public class BatchNormalizationKernelTests
{
    private const double Eps = 1e-3;

    /// <summary>Axes 0 .. rank − 2: every axis but the channel axis.</summary>
    private static long[] StatisticAxes(Tensor x) => Enumerable.Range(0, (int)x.dim() - 1).Select(i => (long)i).ToArray();

    /// <summary>Training mode in plain torch: batch mean and biased variance over every axis but the last, functions of x.</summary>
    private static Tensor Reference(Tensor x, Tensor gamma, Tensor beta) =>
        LayerNormalizationKernelTests.Reference(x, gamma, beta, StatisticAxes(x), Eps);

    private static Tensor Training(Tensor x, Tensor gamma, Tensor beta)
    {
        long c = x.size(-1);
        // Fresh moving statistics per call: the forward updates them in place.
        return BatchNormalizationKernel.ForwardTraining(x, gamma, beta, zeros(c, dtype: x.dtype), ones(c, dtype: x.dtype), 0.99, Eps).Output;
    }

    [Theory]
    [InlineData(new long[] { 6, 3 })]
    [InlineData(new long[] { 2, 4, 3 })]
    [InlineData(new long[] { 2, 3, 2, 4 })]   // (N, H, W, C)
    public void Training_backward_matches_autograd_and_finite_differences(long[] shape)
    {
        var g = GradientCheck.Rng(101);
        var x = GradientCheck.Randn(g, shape) * 2 + 0.5;
        long c = shape[^1];
        var gamma = GradientCheck.Randn(g, c);
        var beta = GradientCheck.Randn(g, c);
        var dy = GradientCheck.Randn(g, shape);

        var trace = BatchNormalizationKernel.ForwardTraining(x, gamma, beta, zeros(c, dtype: ScalarType.Float64), ones(c, dtype: ScalarType.Float64), 0.99, Eps);
        var grads = BatchNormalizationKernel.Backward(dy, trace, gamma);

        GradientCheck.AssertBackward(a => Training(a[0], a[1], a[2]), a => Reference(a[0], a[1], a[2]),
            [x, gamma, beta], dy, [grads.Input, grads.Gamma, grads.Beta], ["x", "gamma", "beta"]);
    }

    [Fact]
    public void Training_forward_by_hand()
    {
        // Channel 0: (1, 3) has mean 2 and biased variance 1; channel 1 is constant 5 (variance 0, x̂ 0, y = β).
        var x = tensor(new[,] { { 1.0, 5.0 }, { 3.0, 5.0 } });
        var gamma = tensor(new[] { 2.0, 2.0 });
        var beta = tensor(new[] { 0.5, -1.0 });
        var trace = BatchNormalizationKernel.ForwardTraining(x, gamma, beta, zeros(2, dtype: ScalarType.Float64), ones(2, dtype: ScalarType.Float64), 0.99, Eps);
        double s = 1 / Math.Sqrt(1 + Eps);
        double[] expected = [0.5 - 2 * s, -1, 0.5 + 2 * s, -1];
        var y = trace.Output.data<double>().ToArray();
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], y[i], 14);
        Assert.Equal([2.0, 5.0], trace.Mean.data<double>().ToArray());
        Assert.Equal([1.0, 0.0], trace.Variance.data<double>().ToArray());
        Assert.Equal(s, trace.InverseStd[0].ToDouble(), 14);
    }

    [Fact]
    public void Training_updates_the_moving_statistics_in_place_with_the_biased_variance()
    {
        var g = GradientCheck.Rng(102);
        var x = GradientCheck.Randn(g, 2, 3, 5, 4) * 3 + 1;
        var gamma = ones(4, dtype: ScalarType.Float64);
        var beta = zeros(4, dtype: ScalarType.Float64);
        var movingMean = GradientCheck.Randn(g, 4);
        var movingVariance = GradientCheck.Randn(g, 4).abs() + 0.5;
        var oldMean = movingMean.clone();
        var oldVariance = movingVariance.clone();
        var meanHandle = movingMean;

        BatchNormalizationKernel.ForwardTraining(x, gamma, beta, movingMean, movingVariance, 0.99, Eps);

        var rows = x.reshape(-1, 4);
        var batchMean = rows.mean([0L]);
        var batchVariance = rows.var(0, unbiased: false);   // ddof 0, as Keras (torch's BatchNorm uses ddof 1 here)
        GradientCheck.AssertClose(0.99 * oldMean + 0.01 * batchMean, movingMean, 1e-14, "moving mean");
        GradientCheck.AssertClose(0.99 * oldVariance + 0.01 * batchVariance, movingVariance, 1e-14, "moving variance");
        Assert.Same(meanHandle, movingMean);
        // A second step moves again from the updated values.
        var afterOne = movingMean.clone();
        BatchNormalizationKernel.ForwardTraining(x, gamma, beta, movingMean, movingVariance, 0.9, Eps);
        GradientCheck.AssertClose(0.9 * afterOne + 0.1 * batchMean, movingMean, 1e-14, "moving mean, momentum 0.9");
    }

    [Fact]
    public void Inference_uses_the_moving_statistics()
    {
        var x = tensor(new[,] { { 1.0, 2.0 }, { 3.0, -4.0 } });
        var gamma = tensor(new[] { 2.0, 0.5 });
        var beta = tensor(new[] { 1.0, -1.0 });
        var movingMean = tensor(new[] { 1.0, 0.0 });
        var movingVariance = tensor(new[] { 4.0, 0.25 });
        var y = BatchNormalizationKernel.ForwardInference(x, gamma, beta, movingMean, movingVariance, Eps).data<double>().ToArray();
        double[] expected =
        [
            2 * (1 - 1) / Math.Sqrt(4 + Eps) + 1, 0.5 * 2 / Math.Sqrt(0.25 + Eps) - 1,
            2 * (3 - 1) / Math.Sqrt(4 + Eps) + 1, 0.5 * -4 / Math.Sqrt(0.25 + Eps) - 1,
        ];
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], y[i], 14);
        Assert.Equal([1.0, 0.0], movingMean.data<double>().ToArray());   // inference leaves them alone
    }

    [Fact]
    public void Float32_stays_float32()
    {
        var x = randn(8, 3);
        var trace = BatchNormalizationKernel.ForwardTraining(x, ones(3), zeros(3), zeros(3), ones(3),
            BatchNormalizationKernel.DefaultMomentum, BatchNormalizationKernel.DefaultEpsilon);
        Assert.Equal(ScalarType.Float32, trace.Output.dtype);
        Assert.Equal(ScalarType.Float32, BatchNormalizationKernel.Backward(ones(8, 3), trace, ones(3)).Input.dtype);
    }

    [Fact]
    public void Bad_arguments_are_named()
    {
        var x = zeros(4, 3, dtype: ScalarType.Float64);
        var c = zeros(3, dtype: ScalarType.Float64);
        var gamma = Assert.Throws<ArgumentException>(() => BatchNormalizationKernel.ForwardTraining(x, zeros(4, dtype: ScalarType.Float64), c, c, c, 0.99, Eps));
        Assert.Contains("gamma", gamma.Message);
        Assert.Contains("(3)", gamma.Message);
        Assert.Contains("(4)", gamma.Message);
        var dtype = Assert.Throws<ArgumentException>(() => BatchNormalizationKernel.ForwardInference(x, c, c, zeros(3), c, Eps));
        Assert.Contains("movingMean", dtype.Message);
        Assert.Contains("Float32", dtype.Message);
        var rank = Assert.Throws<ArgumentException>(() => BatchNormalizationKernel.ForwardInference(zeros(3, dtype: ScalarType.Float64), c, c, c, c, Eps));
        Assert.Contains("(3)", rank.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchNormalizationKernel.ForwardTraining(x, c, c, c, c, 1.5, Eps));
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchNormalizationKernel.ForwardTraining(x, c, c, c, c, 0.99, 0));
        var trace = BatchNormalizationKernel.ForwardTraining(x, c, c, c.clone(), c.clone(), 0.99, Eps);
        var dy = Assert.Throws<ArgumentException>(() => BatchNormalizationKernel.Backward(zeros(4, 2, dtype: ScalarType.Float64), trace, c));
        Assert.Contains("(4, 2)", dy.Message);
    }
}
