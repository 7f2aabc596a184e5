using System.Numerics;
using ModelDsl.Kernels;
using ModelDsl.Managed;
using TorchSharp;
using static ModelDsl.Runtime.Tests.Managed.SpanTest;
using static TorchSharp.torch;
using Padding = ModelDsl.Kernels.Padding;

namespace ModelDsl.Runtime.Tests.Managed;

/// <summary>
/// PoolingSpans and GlobalPoolingSpans against PoolingKernel and GlobalPoolingKernel: inputs rounded to a few values so
/// that windows hold ties (the first maximum wins in a window; global max shares equally), same padding at the borders,
/// gradients added into prefilled spans, and empty input-gradient spans.
/// </summary>
public class PoolingSpansTests
{
    /// <summary>Values with many ties: standard normal rounded to halves.</summary>
    private static Tensor Tied<T>(Generator g, params long[] shape) => Randn<double>(g, shape).mul(2).round().div(2).to_type(Dtype<T>());

    public static TheoryData<bool, int, int, int, int, Padding> Pool1DCases()
    {
        var data = new TheoryData<bool, int, int, int, int, Padding>();
        foreach (bool float32 in new[] { false, true })
        {
            data.Add(float32, 11, 3, 2, 2, Padding.Valid);
            data.Add(float32, 11, 3, 2, 2, Padding.Same);
            data.Add(float32, 10, 5, 3, 1, Padding.Same);
            data.Add(float32, 9, 2, 4, 3, Padding.Valid);
            data.Add(float32, 7, 1, 4, 2, Padding.Same);
        }
        return data;
    }

    [Theory, MemberData(nameof(Pool1DCases))]
    public void Pooling1D_equals_PoolingKernel(bool float32, int length, int channels, int pool, int stride, Padding padding)
    {
        if (float32) Pool1D<float>(length, channels, pool, stride, padding); else Pool1D<double>(length, channels, pool, stride, padding);
    }

    private static void Pool1D<T>(int length, int channels, int pool, int stride, Padding padding) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int n = 3;
        var g = Rng((ulong)(length * 100 + channels * 10 + pool * 7 + stride * 3 + (int)padding));
        int outLength = PoolingKernel.OutputLength(length, pool, stride, padding);
        var x = Tied<T>(g, n, length, channels);
        var dy = Randn<T>(g, n, outLength, channels);
        double tolerance = Tolerance<T>(Exact);

        var trace = PoolingKernel.MaxPool1D(x, pool, stride, padding);
        var y = new T[n * outLength * channels];
        var indices = new int[y.Length];
        PoolingSpans.MaxPool1D<T>(Values<T>(x), y, indices, n, length, channels, pool, stride, padding);
        Close<T>(trace.Output, y, tolerance, "max y");
        var (dx, prefill) = Prefilled<T>(g, n, length, channels);
        PoolingSpans.MaxPool1DBackward<T>(Values<T>(dy), indices, dx, n, length, channels, pool, stride, padding);
        Close<T>(prefill + PoolingKernel.MaxPool1DBackward(dy, trace, x), dx, tolerance, "max dx");
        PoolingSpans.MaxPool1DBackward<T>(Values<T>(dy), indices, default, n, length, channels, pool, stride, padding);

        PoolingSpans.AveragePool1D<T>(Values<T>(x), y, n, length, channels, pool, stride, padding);
        Close<T>(PoolingKernel.AveragePool1D(x, pool, stride, padding), y, Tolerance<T>(Reordered), "average y");
        (dx, prefill) = Prefilled<T>(g, n, length, channels);
        PoolingSpans.AveragePool1DBackward<T>(Values<T>(dy), dx, n, length, channels, pool, stride, padding);
        Close<T>(prefill + PoolingKernel.AveragePool1DBackward(dy, x, pool, stride, padding), dx, Tolerance<T>(Reordered), "average dx");
        PoolingSpans.AveragePool1DBackward<T>(Values<T>(dy), default, n, length, channels, pool, stride, padding);
    }

    public static TheoryData<bool, int, int, int, int, int, int, int, Padding> Pool2DCases()
    {
        var data = new TheoryData<bool, int, int, int, int, int, int, int, Padding>();
        foreach (bool float32 in new[] { false, true })
        {
            data.Add(float32, 6, 7, 3, 2, 2, 2, 2, Padding.Valid);
            data.Add(float32, 6, 7, 3, 2, 2, 2, 2, Padding.Same);
            data.Add(float32, 7, 5, 2, 3, 2, 1, 2, Padding.Same);
            data.Add(float32, 8, 8, 4, 3, 3, 2, 2, Padding.Valid);
            data.Add(float32, 5, 9, 1, 2, 4, 3, 1, Padding.Same);
        }
        return data;
    }

    [Theory, MemberData(nameof(Pool2DCases))]
    public void Pooling2D_equals_PoolingKernel(bool float32, int rows, int cols, int channels, int poolRows, int poolCols, int strideRows, int strideCols, Padding padding)
    {
        if (float32) Pool2D<float>(rows, cols, channels, poolRows, poolCols, strideRows, strideCols, padding);
        else Pool2D<double>(rows, cols, channels, poolRows, poolCols, strideRows, strideCols, padding);
    }

    private static void Pool2D<T>(int rows, int cols, int channels, int poolRows, int poolCols, int strideRows, int strideCols, Padding padding)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int n = 2;
        var g = Rng((ulong)(rows * 1000 + cols * 100 + channels * 10 + poolRows * 7 + poolCols * 5 + strideRows * 3 + strideCols * 2 + (int)padding));
        int outRows = PoolingKernel.OutputLength(rows, poolRows, strideRows, padding), outCols = PoolingKernel.OutputLength(cols, poolCols, strideCols, padding);
        var x = Tied<T>(g, n, rows, cols, channels);
        var dy = Randn<T>(g, n, outRows, outCols, channels);
        double tolerance = Tolerance<T>(Exact);

        var trace = PoolingKernel.MaxPool2D(x, poolRows, poolCols, strideRows, strideCols, padding);
        var y = new T[n * outRows * outCols * channels];
        var indices = new int[y.Length];
        PoolingSpans.MaxPool2D<T>(Values<T>(x), y, indices, n, rows, cols, channels, poolRows, poolCols, strideRows, strideCols, padding);
        Close<T>(trace.Output, y, tolerance, "max y");
        var (dx, prefill) = Prefilled<T>(g, n, rows, cols, channels);
        PoolingSpans.MaxPool2DBackward<T>(Values<T>(dy), indices, dx, n, rows, cols, channels, poolRows, poolCols, strideRows, strideCols, padding);
        Close<T>(prefill + PoolingKernel.MaxPool2DBackward(dy, trace, x), dx, tolerance, "max dx");

        PoolingSpans.AveragePool2D<T>(Values<T>(x), y, n, rows, cols, channels, poolRows, poolCols, strideRows, strideCols, padding);
        Close<T>(PoolingKernel.AveragePool2D(x, poolRows, poolCols, strideRows, strideCols, padding), y, Tolerance<T>(Reordered), "average y");
        (dx, prefill) = Prefilled<T>(g, n, rows, cols, channels);
        PoolingSpans.AveragePool2DBackward<T>(Values<T>(dy), dx, n, rows, cols, channels, poolRows, poolCols, strideRows, strideCols, padding);
        Close<T>(prefill + PoolingKernel.AveragePool2DBackward(dy, x, poolRows, poolCols, strideRows, strideCols, padding), dx, Tolerance<T>(Reordered), "average dx");
    }

    [Fact]
    public void Max_pooling_of_windows_of_minus_infinity_follows_torch_at_the_padding()
    {
        // Same padding puts padding (−∞) first in the top-left windows; with real −∞ values the first maximum is in
        // the padding and torch clamps it to the first real element, which the span kernel must pick too.
        var x = tensor(new double[] { double.NegativeInfinity, double.NegativeInfinity, 1, double.NegativeInfinity, double.NegativeInfinity, 2, 3, 4, 5 }).reshape(1, 3, 3, 1);
        var trace = PoolingKernel.MaxPool2D(x, 3, 3, 2, 2, Padding.Same);
        var dy = Randn<double>(Rng(5), trace.Output.shape);
        var y = new double[trace.Output.numel()];
        var indices = new int[y.Length];
        PoolingSpans.MaxPool2D<double>(Values<double>(x), y, indices, 1, 3, 3, 1, 3, 3, 2, 2, Padding.Same);
        Assert.Equal(Values<double>(trace.Output), y);
        var dx = new double[9];
        PoolingSpans.MaxPool2DBackward<double>(Values<double>(dy), indices, dx, 1, 3, 3, 1, 3, 3, 2, 2, Padding.Same);
        Close<double>(PoolingKernel.MaxPool2DBackward(dy, trace, x), dx, Exact, "dx");
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 1)]
    [InlineData(false, 2)]
    [InlineData(true, 2)]
    public void Global_pooling_equals_GlobalPoolingKernel_with_ties_shared(bool float32, int rank)
    {
        if (float32) Global<float>(rank); else Global<double>(rank);
    }

    private static void Global<T>(int rank) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int n = 3, channels = 5;
        var g = Rng((ulong)(40 + rank));
        long[] shape = rank == 1 ? [n, 6, channels] : [n, 3, 4, channels];
        int steps = rank == 1 ? 6 : 12;
        var x = Tied<T>(g, shape);
        var dy = Randn<T>(g, n, channels);

        var y = new T[n * channels];
        GlobalPoolingSpans.Average<T>(Values<T>(x), y, n, steps, channels);
        Close<T>(GlobalPoolingKernel.Average(x), y, Tolerance<T>(Reordered), "average y");
        var (dx, prefill) = Prefilled<T>(g, shape);
        GlobalPoolingSpans.AverageBackward<T>(Values<T>(dy), dx, n, steps, channels);
        Close<T>(prefill + GlobalPoolingKernel.AverageBackward(dy, x), dx, Tolerance<T>(Exact), "average dx");
        GlobalPoolingSpans.AverageBackward<T>(Values<T>(dy), default, n, steps, channels);

        var trace = GlobalPoolingKernel.Max(x);
        GlobalPoolingSpans.Max<T>(Values<T>(x), y, n, steps, channels);
        Close<T>(trace.Output, y, Tolerance<T>(Exact), "max y");
        (dx, prefill) = Prefilled<T>(g, shape);
        GlobalPoolingSpans.MaxBackward<T>(Values<T>(dy), Values<T>(x), y, dx, n, steps, channels);
        Close<T>(prefill + GlobalPoolingKernel.MaxBackward(dy, trace, x), dx, Tolerance<T>(Exact), "max dx");
        GlobalPoolingSpans.MaxBackward<T>(Values<T>(dy), Values<T>(x), y, default, n, steps, channels);
    }

    [Fact]
    public void Arguments_are_checked_with_messages_naming_them()
    {
        var e = Assert.Throws<ArgumentException>(() => PoolingSpans.MaxPool1D<double>(new double[8], new double[4], new int[3], 1, 4, 2, 2, 2, Padding.Valid));
        Assert.Contains("MaxPool1D: indices has 3 elements", e.Message);
        e = Assert.Throws<ArgumentException>(() => PoolingSpans.AveragePool2D<double>(new double[8], new double[4], 1, 2, 2, 2, 2, 2, 2, 2, Padding.Causal));
        Assert.Contains("does not take Padding.Causal", e.Message);
        e = Assert.Throws<ArgumentException>(() => PoolingSpans.MaxPool1DBackward<double>(new double[2], [0, 9], new double[4], 1, 4, 1, 2, 2, Padding.Valid));
        Assert.Contains("indices[1] = 9 is not an offset into dx", e.Message);
        e = Assert.Throws<ArgumentException>(() => GlobalPoolingSpans.MaxBackward<double>(new double[2], new double[8], new double[3], new double[8], 1, 4, 2));
        Assert.Contains("y has 3 elements", e.Message);
        var r = Assert.Throws<ArgumentOutOfRangeException>(() => GlobalPoolingSpans.Average<double>(new double[8], new double[2], 1, 0, 2));
        Assert.Contains("steps must be at least 1", r.Message);
    }
}
