using ModelDsl.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Kernels;

public class NormalizationKernelTests
{
    [Fact]
    public void Adapt_gives_mean_and_population_variance_over_every_axis_but_the_last()
    {
        var g = GradientCheck.Rng(31);
        var data = GradientCheck.Randn(g, 4, 3, 2) * 3 + 1;   // (batch, time, features)
        var values = data.data<double>().ToArray();            // row-major: feature is the fastest index

        var stats = NormalizationKernel.Adapt(data);

        Assert.Equal(12, stats.Count);
        Assert.Equal([2L], stats.Mean.shape);
        Assert.Equal([2L], stats.Variance.shape);
        for (int f = 0; f < 2; f++)
        {
            var column = values.Where((_, k) => k % 2 == f).ToArray();
            double mean = column.Sum() / column.Length;
            double variance = column.Sum(v => (v - mean) * (v - mean)) / column.Length;   // ddof 0
            Assert.Equal(mean, stats.Mean[f].ToDouble(), 12);
            Assert.Equal(variance, stats.Variance[f].ToDouble(), 12);
        }
    }

    [Fact]
    public void Forward_by_hand_and_a_constant_feature_gives_zero_not_nan()
    {
        var data = tensor(new[,] { { 1.0, 5.0 }, { 3.0, 5.0 }, { 5.0, 5.0 } });
        var stats = NormalizationKernel.Adapt(data);
        Assert.Equal(0.0, stats.Variance[1].ToDouble());

        var y = NormalizationKernel.Forward(data, stats.Mean, stats.Variance).data<double>().ToArray();

        double sd = Math.Sqrt(8.0 / 3);
        Assert.Equal([-2 / sd, 0, 0, 0, 2 / sd, 0], y.Select(v => Math.Round(v, 12)).ToArray(), (a, b) => Math.Abs(a - b) < 1e-12);
        Assert.All(y, v => Assert.True(double.IsFinite(v)));
        // The clip is on the standard deviation: 1e-7, not sqrt(0 + eps). A value off the constant is scaled by 1e7.
        var off = NormalizationKernel.Forward(tensor(new[,] { { 1.0, 5.0 + 1e-9 } }), stats.Mean, stats.Variance);
        Assert.Equal(1e-9 / 1e-7, off[0, 1].ToDouble(), 6);
    }

    [Fact]
    public void Backward_matches_autograd_and_finite_differences()
    {
        var g = GradientCheck.Rng(32);
        var x = GradientCheck.Randn(g, 3, 4, 3);
        var mean = GradientCheck.Randn(g, 3);
        var variance = GradientCheck.Randn(g, 3).abs() + 0.5;
        variance[2] = tensor(0.0, dtype: ScalarType.Float64);   // a clipped feature too
        var dy = GradientCheck.Randn(g, 3, 4, 3);

        var dx = NormalizationKernel.Backward(dy, variance);

        GradientCheck.AssertBackward(a => NormalizationKernel.Forward(a[0], mean, variance),
            a => (a[0] - mean) / variance.sqrt().clamp_min(1e-7), [x], dy, [dx], ["x"]);
    }
}
