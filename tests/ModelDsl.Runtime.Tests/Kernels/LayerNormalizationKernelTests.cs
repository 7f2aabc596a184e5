using ModelDsl.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Kernels;

public class LayerNormalizationKernelTests
{
    private const double Eps = 1e-3;

    /// <summary>
    /// Keras' normalisation formula in plain torch, γ(x − μ)/√(σ² + ε) + β with μ and the biased σ² over
    /// <paramref name="axes"/> (functions of x, so autograd differentiates through them). Batch normalization's tests
    /// use it over every axis but the last.
    /// </summary>
    internal static Tensor Reference(Tensor x, Tensor gamma, Tensor beta, long[] axes, double epsilon = Eps)
    {
        var mean = x.mean(axes, keepdim: true);
        var variance = (x - mean).square().mean(axes, keepdim: true);
        return gamma * (x - mean) / (variance + epsilon).sqrt() + beta;
    }

    [Theory]
    [InlineData(new long[] { 4, 5 })]
    [InlineData(new long[] { 2, 3, 4 })]
    public void Backward_matches_autograd_and_finite_differences(long[] shape)
    {
        var g = GradientCheck.Rng(111);
        var x = GradientCheck.Randn(g, shape) * 2 + 0.5;
        long c = shape[^1];
        var gamma = GradientCheck.Randn(g, c);
        var beta = GradientCheck.Randn(g, c);
        var dy = GradientCheck.Randn(g, shape);

        var trace = LayerNormalizationKernel.Forward(x, gamma, beta, Eps);
        var grads = LayerNormalizationKernel.Backward(dy, trace, gamma);

        GradientCheck.AssertBackward(a => LayerNormalizationKernel.Forward(a[0], a[1], a[2], Eps).Output, a => Reference(a[0], a[1], a[2], [-1L]),
            [x, gamma, beta], dy, [grads.Input, grads.Gamma, grads.Beta], ["x", "gamma", "beta"]);
    }

    [Fact]
    public void Forward_by_hand_normalises_each_sample()
    {
        // Row (1, 3): mean 2, biased variance 1. Row (4, 4): variance 0, so y = β (no division by zero).
        var x = tensor(new[,] { { 1.0, 3.0 }, { 4.0, 4.0 } });
        var trace = LayerNormalizationKernel.Forward(x, tensor(new[] { 1.0, 3.0 }), tensor(new[] { 0.0, 1.0 }), LayerNormalizationKernel.DefaultEpsilon);
        double s = 1 / Math.Sqrt(1 + Eps);
        var y = trace.Output.data<double>().ToArray();
        Assert.Equal(-s, y[0], 14);
        Assert.Equal(3 * s + 1, y[1], 14);
        Assert.Equal([0.0, 1.0], y[2..]);
        Assert.Equal([2L, 1], trace.InverseStd.shape);
    }

    [Fact]
    public void Bad_arguments_are_named()
    {
        var x = zeros(2, 3, dtype: ScalarType.Float64);
        var c = zeros(3, dtype: ScalarType.Float64);
        var beta = Assert.Throws<ArgumentException>(() => LayerNormalizationKernel.Forward(x, c, zeros(2, dtype: ScalarType.Float64), Eps));
        Assert.Contains("beta", beta.Message);
        Assert.Contains("(2)", beta.Message);
        Assert.Contains("(3)", beta.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => LayerNormalizationKernel.Forward(x, c, c, -1));
        var trace = LayerNormalizationKernel.Forward(x, c, c, Eps);
        var dy = Assert.Throws<ArgumentException>(() => LayerNormalizationKernel.Backward(zeros(3, 2, dtype: ScalarType.Float64), trace, c));
        Assert.Contains("(3, 2)", dy.Message);
        var ints = Assert.Throws<ArgumentException>(() => LayerNormalizationKernel.Forward(zeros(2, 3, dtype: ScalarType.Int64), c, c, Eps));
        Assert.Contains("Int64", ints.Message);
    }
}
