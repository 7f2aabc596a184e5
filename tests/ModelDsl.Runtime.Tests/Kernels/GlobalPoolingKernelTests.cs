using ModelDsl.Kernels;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Kernels;

public class GlobalPoolingKernelTests
{
    /// <summary>Mean or max over every axis but the first and last, by loops over the (N, P, C) row-major values.</summary>
    private static double[] Loops(Tensor x, bool max)
    {
        var v = x.contiguous().data<double>().ToArray();
        long n = x.size(0), c = x.size(-1), positions = x.numel() / (n * c);
        var y = new double[n * c];
        for (long b = 0; b < n; b++)
        for (long ch = 0; ch < c; ch++)
        {
            double acc = max ? double.NegativeInfinity : 0;
            for (long p = 0; p < positions; p++)
            {
                double value = v[(b * positions + p) * c + ch];
                acc = max ? Math.Max(acc, value) : acc + value;
            }
            y[b * c + ch] = max ? acc : acc / positions;
        }
        return y;
    }

    /// <summary>Keras' ops.mean / ops.max over the spatial axes (torch.mean, torch.amax).</summary>
    private static long[] SpatialAxes(Tensor x) => Enumerable.Range(1, (int)x.dim() - 2).Select(i => (long)i).ToArray();

    [Theory]
    [InlineData(new long[] { 3, 7, 4 })]        // GlobalXPooling1D: (batch, steps, channels)
    [InlineData(new long[] { 2, 5, 6, 3 })]     // GlobalXPooling2D: (batch, rows, cols, channels)
    public void Forward_is_the_mean_or_max_over_the_spatial_axes(long[] shape)
    {
        var x = GradientCheck.Randn(GradientCheck.Rng(401), shape);
        var average = GlobalPoolingKernel.Average(x);
        var max = GlobalPoolingKernel.Max(x).Output;
        Assert.Equal(new[] { shape[0], shape[^1] }, average.shape);
        Assert.Equal(new[] { shape[0], shape[^1] }, max.shape);
        var loopsAverage = tensor(Loops(x, max: false), dtype: ScalarType.Float64).reshape(shape[0], shape[^1]);
        GradientCheck.AssertClose(loopsAverage, average, 1e-14, "average vs loops");
        Assert.Equal(Loops(x, max: true), max.data<double>().ToArray());
    }

    [Theory]
    [InlineData(new long[] { 3, 7, 4 })]
    [InlineData(new long[] { 2, 5, 6, 3 })]
    public void Backward_matches_autograd_and_finite_differences(long[] shape)
    {
        var g = GradientCheck.Rng(402);
        var x = GradientCheck.Randn(g, shape);
        var dy = GradientCheck.Randn(g, shape[0], shape[^1]);

        GradientCheck.AssertBackward(a => GlobalPoolingKernel.Average(a[0]), a => a[0].mean(SpatialAxes(a[0])),
            [x], dy, [GlobalPoolingKernel.AverageBackward(dy, x)], ["x (average)"]);

        var trace = GlobalPoolingKernel.Max(x);
        GradientCheck.AssertBackward(a => GlobalPoolingKernel.Max(a[0]).Output, a => a[0].amax(SpatialAxes(a[0])),
            [x], dy, [GlobalPoolingKernel.MaxBackward(dy, trace, x)], ["x (max)"]);
    }

    [Fact]
    public void Global_max_ties_share_the_gradient_equally_as_Keras_ops_max()
    {
        // Channel 0 has its maximum 3 twice, channel 1 once.
        var x = tensor(new[] { 1.0, 5, 3, 2, 3, 0 }, dtype: ScalarType.Float64).reshape(1, 3, 2);
        var dy = tensor(new[] { 4.0, 6 }, dtype: ScalarType.Float64).reshape(1, 2);
        var dx = GlobalPoolingKernel.MaxBackward(dy, GlobalPoolingKernel.Max(x), x);
        Assert.Equal(new[] { 0.0, 6, 2, 0, 2, 0 }, dx.data<double>().ToArray());

        // Against torch.amax (what Keras' torch backend calls) on many ties, 2-D.
        var g = GradientCheck.Rng(403);
        var tied = GradientCheck.Randn(g, 2, 4, 5, 3).mul(0.5).floor();
        var dyTied = GradientCheck.Randn(g, 2, 3);
        var expected = GradientCheck.Autograd(a => a[0].amax(1, 2), [tied], dyTied)[0];
        GradientCheck.AssertClose(expected, GlobalPoolingKernel.MaxBackward(dyTied, GlobalPoolingKernel.Max(tied), tied), 1e-15, "ties vs torch.amax");
    }

    [Fact]
    public void Invalid_arguments_are_refused_with_what_is_wrong_in_the_message()
    {
        var x = zeros(2, 5, 3, dtype: ScalarType.Float64);

        var e = Assert.Throws<ArgumentException>(() => GlobalPoolingKernel.Average(zeros(2, 3, dtype: ScalarType.Float64)));
        Assert.Contains("(batch, steps, channels)", e.Message);
        Assert.Contains("[2, 3]", e.Message);

        e = Assert.Throws<ArgumentException>(() => GlobalPoolingKernel.Max(zeros(2, 0, 3, dtype: ScalarType.Float64)));
        Assert.Contains("empty axis", e.Message);

        e = Assert.Throws<ArgumentException>(() => GlobalPoolingKernel.AverageBackward(zeros(2, 5, dtype: ScalarType.Float64), x));
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("got [2, 5]", e.Message);

        var trace = GlobalPoolingKernel.Max(zeros(4, 5, 3, dtype: ScalarType.Float64));
        e = Assert.Throws<ArgumentException>(() => GlobalPoolingKernel.MaxBackward(zeros(2, 3, dtype: ScalarType.Float64), trace, x));
        Assert.Contains("[4, 3]", e.Message);

        e = Assert.Throws<ArgumentException>(() => GlobalPoolingKernel.Average(zeros(2, 5, 3, dtype: ScalarType.Int32)));
        Assert.Contains("Float32 or Float64", e.Message);
    }
}
