using ModelDsl.Kernels;
using static TorchSharp.torch;
using R = ModelDsl.Runtime.Tests.Kernels.KerasWindowReference;

namespace ModelDsl.Runtime.Tests.Kernels;

public class PoolingKernelTests
{
    private static readonly Padding[] Paddings = [Padding.Valid, Padding.Same];

    private static double[] Values(Tensor t) => t.contiguous().data<double>().ToArray();

    // ---- Independent torch transcriptions, on the input padded by hand as Keras pads (torch pads symmetrically). ----

    private static Tensor TorchMax1D(Tensor x, int p, int s, Padding padding) =>
        nn.functional.max_pool1d(R.PadChannelsFirst1D(x, R.Pads((int)x.size(1), p, s, 1, padding), double.NegativeInfinity), p, s)
            .permute(0, 2, 1);

    private static Tensor TorchMax2D(Tensor x, int pr, int pc, int sr, int sc, Padding padding) =>
        nn.functional.max_pool2d(
                R.PadChannelsFirst2D(x, R.Pads((int)x.size(1), pr, sr, 1, padding), R.Pads((int)x.size(2), pc, sc, 1, padding), double.NegativeInfinity),
                [pr, pc], [sr, sc])
            .permute(0, 2, 3, 1);

    /// <summary>Average over the real elements: the zero-padded window mean divided by the padded-ones window mean (the mask's share of real elements).</summary>
    private static Tensor TorchAverage1D(Tensor x, int p, int s, Padding padding)
    {
        var pads = R.Pads((int)x.size(1), p, s, 1, padding);
        var sums = nn.functional.avg_pool1d(R.PadChannelsFirst1D(x, pads), p, s);
        var real = nn.functional.avg_pool1d(R.PadChannelsFirst1D(ones_like(x), pads), p, s);
        return (sums / real).permute(0, 2, 1);
    }

    private static Tensor TorchAverage2D(Tensor x, int pr, int pc, int sr, int sc, Padding padding)
    {
        var rows = R.Pads((int)x.size(1), pr, sr, 1, padding);
        var cols = R.Pads((int)x.size(2), pc, sc, 1, padding);
        var sums = nn.functional.avg_pool2d(R.PadChannelsFirst2D(x, rows, cols), [pr, pc], [sr, sc]);
        var real = nn.functional.avg_pool2d(R.PadChannelsFirst2D(ones_like(x), rows, cols), [pr, pc], [sr, sc]);
        return (sums / real).permute(0, 2, 3, 1);
    }

    // ---- Forward against Keras' definition (plain C# loops) ----

    [Fact]
    public void Pooling1D_forward_matches_Keras_definition_for_every_size_stride_and_padding()
    {
        var g = GradientCheck.Rng(301);
        int cases = 0;
        foreach (int length in new[] { 7, 8 })
        foreach (int p in new[] { 1, 2, 3, 4, 9 })   // 9: same padding wider than the input
        foreach (int s in new[] { 1, 2, 3, 5 })
        foreach (var padding in Paddings)
        {
            if (padding == Padding.Valid && p > length) continue;
            var x = GradientCheck.Randn(g, 2, length, 3);
            string what = $"L={length} p={p} s={s} {padding}";
            GradientCheck.AssertClose(R.Pool1D(x, p, s, padding, max: true), PoolingKernel.MaxPool1D(x, p, s, padding).Output, 0, "max " + what);
            GradientCheck.AssertClose(R.Pool1D(x, p, s, padding, max: false), PoolingKernel.AveragePool1D(x, p, s, padding), 1e-14, "average " + what);
            Assert.Equal(R.Layout(length, p, s, 1, padding).Output, PoolingKernel.OutputLength(length, p, s, padding));
            cases++;
        }
        Assert.Equal(72, cases);
    }

    [Fact]
    public void Pooling2D_forward_matches_Keras_definition_for_every_size_stride_and_padding()
    {
        var g = GradientCheck.Rng(302);
        foreach (var (pr, pc) in new[] { (1, 1), (2, 2), (2, 3), (3, 2) })
        foreach (var (sr, sc) in new[] { (1, 1), (2, 2), (1, 3), (3, 2) })
        foreach (var padding in Paddings)
        {
            var x = GradientCheck.Randn(g, 2, 5, 6, 3);
            string what = $"p=({pr},{pc}) s=({sr},{sc}) {padding}";
            GradientCheck.AssertClose(R.Pool2D(x, pr, pc, sr, sc, padding, max: true), PoolingKernel.MaxPool2D(x, pr, pc, sr, sc, padding).Output, 0, "max " + what);
            GradientCheck.AssertClose(R.Pool2D(x, pr, pc, sr, sc, padding, max: false), PoolingKernel.AveragePool2D(x, pr, pc, sr, sc, padding), 1e-14, "average " + what);
        }
    }

    [Fact]
    public void Same_average_pooling_divides_by_the_real_elements_at_the_borders()
    {
        var x = tensor(new[] { 1.0, 2, 3, 4, 5 }, dtype: ScalarType.Float64).reshape(1, 5, 1);
        // p = 2, s = 2: P = 1, all at the end; the last window holds 5 alone and divides by 1.
        Assert.Equal(new[] { 1.5, 3.5, 5 }, Values(PoolingKernel.AveragePool1D(x, 2, 2, Padding.Same)));
        Assert.Equal(new[] { 1.5, 3.5 }, Values(PoolingKernel.AveragePool1D(x, 2, 2, Padding.Valid)));
        // p = 3, s = 1: one zero on each side, each border window has two real elements.
        Assert.Equal(new[] { 1.5, 2, 3, 4, 4.5 }, Values(PoolingKernel.AveragePool1D(x, 3, 1, Padding.Same)));

        // 2-D, 3×3 input 1..9, 2×2 pool, stride 2: one padded row and column at the bottom and right; divisors 4, 2, 2, 1.
        var image = arange(1.0, 10.0, dtype: ScalarType.Float64).reshape(1, 3, 3, 1);
        Assert.Equal(new[] { 3.0, 4.5, 7.5, 9 }, Values(PoolingKernel.AveragePool2D(image, 2, 2, 2, 2, Padding.Same)));
    }

    [Fact]
    public void Same_max_pooling_pads_with_minus_infinity()
    {
        var x = tensor(new[] { -1.0, -2, -3 }, dtype: ScalarType.Float64).reshape(1, 3, 1);
        // The last window is (−3, pad): a zero pad would give 0.
        Assert.Equal(new[] { -1.0, -3 }, Values(PoolingKernel.MaxPool1D(x, 2, 2, Padding.Same).Output));
        var image = -arange(1.0, 10.0, dtype: ScalarType.Float64).reshape(1, 3, 3, 1);
        Assert.Equal(new[] { -1.0, -3, -7, -9 }, Values(PoolingKernel.MaxPool2D(image, 2, 2, 2, 2, Padding.Same).Output));
    }

    [Fact]
    public void Keras_summary_row_2x2_max_pooling_of_26x26x32_gives_13x13x32()
    {
        var trace = PoolingKernel.MaxPool2D(zeros(1, 26, 26, 32), 2, 2, 2, 2, Padding.Valid);
        Assert.Equal(new long[] { 1, 13, 13, 32 }, trace.Output.shape);
        Assert.Equal(ScalarType.Float32, trace.Output.dtype);
    }

    // ---- Backward against autograd of the torch transcriptions and central differences ----

    [Theory]
    [InlineData(2, 2, Padding.Valid)]
    [InlineData(3, 1, Padding.Same)]    // overlapping windows: gradients add up
    [InlineData(2, 3, Padding.Valid)]   // gaps: some inputs are in no window
    [InlineData(4, 2, Padding.Same)]    // L = 9: P = 3, one before and two after
    public void Pooling1D_backward_matches_autograd_and_finite_differences(int p, int s, Padding padding)
    {
        var g = GradientCheck.Rng(303);
        var x = GradientCheck.Randn(g, 2, 9, 3);
        var dy = GradientCheck.Randn(g, 2, PoolingKernel.OutputLength(9, p, s, padding), 3);

        var trace = PoolingKernel.MaxPool1D(x, p, s, padding);
        GradientCheck.AssertBackward(a => PoolingKernel.MaxPool1D(a[0], p, s, padding).Output, a => TorchMax1D(a[0], p, s, padding),
            [x], dy, [PoolingKernel.MaxPool1DBackward(dy, trace, x)], ["x (max)"]);

        GradientCheck.AssertBackward(a => PoolingKernel.AveragePool1D(a[0], p, s, padding), a => TorchAverage1D(a[0], p, s, padding),
            [x], dy, [PoolingKernel.AveragePool1DBackward(dy, x, p, s, padding)], ["x (average)"]);
    }

    [Theory]
    [InlineData(2, 2, 2, 2, Padding.Valid)]
    [InlineData(3, 3, 1, 1, Padding.Same)]
    [InlineData(2, 3, 2, 1, Padding.Same)]   // 5×6 input: P = 1 row (after), 2 cols (1 + 1)
    [InlineData(3, 2, 3, 2, Padding.Valid)]
    public void Pooling2D_backward_matches_autograd_and_finite_differences(int pr, int pc, int sr, int sc, Padding padding)
    {
        var g = GradientCheck.Rng(304);
        var x = GradientCheck.Randn(g, 2, 5, 6, 2);
        var dy = GradientCheck.Randn(g, 2, PoolingKernel.OutputLength(5, pr, sr, padding), PoolingKernel.OutputLength(6, pc, sc, padding), 2);

        var trace = PoolingKernel.MaxPool2D(x, pr, pc, sr, sc, padding);
        GradientCheck.AssertBackward(a => PoolingKernel.MaxPool2D(a[0], pr, pc, sr, sc, padding).Output, a => TorchMax2D(a[0], pr, pc, sr, sc, padding),
            [x], dy, [PoolingKernel.MaxPool2DBackward(dy, trace, x)], ["x (max)"]);

        GradientCheck.AssertBackward(a => PoolingKernel.AveragePool2D(a[0], pr, pc, sr, sc, padding), a => TorchAverage2D(a[0], pr, pc, sr, sc, padding),
            [x], dy, [PoolingKernel.AveragePool2DBackward(dy, x, pr, pc, sr, sc, padding)], ["x (average)"]);
    }

    [Fact]
    public void Max_pooling_ties_send_the_gradient_to_the_first_maximum_as_torch_does()
    {
        var g = GradientCheck.Rng(305);
        // Small integers: most windows hold equal maxima.
        var x = GradientCheck.Randn(g, 2, 6, 7, 2).mul(0.7).floor();
        var dy = GradientCheck.Randn(g, 2, 3, 4, 2);
        var trace = PoolingKernel.MaxPool2D(x, 3, 2, 2, 2, Padding.Same);
        var expected = GradientCheck.Autograd(a => TorchMax2D(a[0], 3, 2, 2, 2, Padding.Same), [x], dy)[0];
        GradientCheck.AssertClose(expected, PoolingKernel.MaxPool2DBackward(dy, trace, x), 0, "2-D ties vs torch");

        var steps = GradientCheck.Randn(g, 2, 9, 3).mul(0.7).floor();
        var dySteps = GradientCheck.Randn(g, 2, 7, 3);
        var trace1 = PoolingKernel.MaxPool1D(steps, 3, 1, Padding.Valid);
        var expected1 = GradientCheck.Autograd(a => TorchMax1D(a[0], 3, 1, Padding.Valid), [steps], dySteps)[0];
        GradientCheck.AssertClose(expected1, PoolingKernel.MaxPool1DBackward(dySteps, trace1, steps), 0, "1-D ties vs torch");

        // By hand: a window of equal values sends everything to its first element.
        var flat = ones(1, 4, 1, dtype: ScalarType.Float64);
        var tieTrace = PoolingKernel.MaxPool1D(flat, 2, 2, Padding.Valid);
        var dx = PoolingKernel.MaxPool1DBackward(tensor(new[] { 5.0, 7 }, dtype: ScalarType.Float64).reshape(1, 2, 1), tieTrace, flat);
        Assert.Equal(new[] { 5.0, 0, 7, 0 }, Values(dx));
    }

    [Fact]
    public void Max_pooling_over_all_minus_infinity_windows_routes_each_gradient_to_a_real_element_of_its_window()
    {
        // Every window's first maximum is the −∞ padding before x[0]; torch's max_pool2d then takes the window's first
        // real element, and so does the kernel, so no index points outside the input.
        var x = full([1, 3, 1], double.NegativeInfinity, dtype: ScalarType.Float64);
        var trace = PoolingKernel.MaxPool1D(x, 3, 1, Padding.Same);
        Assert.Equal(new long[] { 0, 0, 1 }, trace.Indices.flatten().data<long>().ToArray());
        var dx = PoolingKernel.MaxPool1DBackward(tensor(new[] { 1.0, 2, 4 }, dtype: ScalarType.Float64).reshape(1, 3, 1), trace, x);
        Assert.Equal(new[] { 3.0, 4, 0 }, Values(dx));
    }

    [Fact]
    public void Max_pooling_trace_holds_flat_input_positions()
    {
        var image = tensor(new[] { 1.0, 9, 2, 3, 4, 8, 7, 5, 6 }, dtype: ScalarType.Float64).reshape(1, 3, 3, 1);
        var trace = PoolingKernel.MaxPool2D(image, 2, 2, 1, 1, Padding.Valid);
        // Windows' maxima 9 (at 0·3 + 1), 9 (1), 7 (2·3 + 0), 8 (1·3 + 2).
        Assert.Equal(new long[] { 1, 1, 6, 5 }, trace.Indices.flatten().data<long>().ToArray());
        Assert.Equal(new long[] { 1, 3, 3, 1 }, trace.InputShape);
    }

    // ---- Refusals ----

    [Fact]
    public void Invalid_arguments_are_refused_with_what_is_wrong_in_the_message()
    {
        var steps = zeros(2, 5, 3, dtype: ScalarType.Float64);
        var image = zeros(2, 4, 5, 3, dtype: ScalarType.Float64);

        var range = Assert.Throws<ArgumentOutOfRangeException>(() => PoolingKernel.MaxPool1D(steps, 0, 1, Padding.Valid));
        Assert.Equal("poolSize", range.ParamName);
        Assert.Contains("pool size must be at least 1; got 0", range.Message);
        range = Assert.Throws<ArgumentOutOfRangeException>(() => PoolingKernel.AveragePool1D(steps, 2, 0, Padding.Valid));
        Assert.Equal("stride", range.ParamName);
        range = Assert.Throws<ArgumentOutOfRangeException>(() => PoolingKernel.MaxPool2D(image, 2, 0, 1, 1, Padding.Valid));
        Assert.Equal("poolCols", range.ParamName);
        range = Assert.Throws<ArgumentOutOfRangeException>(() => PoolingKernel.AveragePool2D(image, 2, 2, 0, 1, Padding.Valid));
        Assert.Equal("strideRows", range.ParamName);
        range = Assert.Throws<ArgumentOutOfRangeException>(() => PoolingKernel.OutputLength(5, 0, 1, Padding.Valid));
        Assert.Equal("poolSize", range.ParamName);

        var e = Assert.Throws<ArgumentException>(() => PoolingKernel.MaxPool1D(steps, 6, 1, Padding.Valid));
        Assert.Contains("MaxPooling1D", e.Message);
        Assert.Contains("steps axis has length 5", e.Message);
        e = Assert.Throws<ArgumentException>(() => PoolingKernel.AveragePool2D(image, 5, 2, 1, 1, Padding.Valid));
        Assert.Contains("rows axis has length 4", e.Message);

        e = Assert.Throws<ArgumentException>(() => PoolingKernel.AveragePool1D(steps, 2, 2, Padding.Causal));
        Assert.Contains("Padding.Causal", e.Message);

        e = Assert.Throws<ArgumentException>(() => PoolingKernel.MaxPool1D(image, 2, 2, Padding.Valid));
        Assert.Contains("(batch, steps, channels)", e.Message);
        Assert.Contains("[2, 4, 5, 3]", e.Message);
        e = Assert.Throws<ArgumentException>(() => PoolingKernel.MaxPool2D(steps, 2, 2, 2, 2, Padding.Valid));
        Assert.Contains("(batch, rows, cols, channels)", e.Message);

        e = Assert.Throws<ArgumentException>(() => PoolingKernel.AveragePool1DBackward(zeros(2, 3, 3, dtype: ScalarType.Float64), steps, 2, 2, Padding.Valid));
        Assert.Contains("[2, 2, 3]", e.Message);
        Assert.Contains("got [2, 3, 3]", e.Message);

        var trace = PoolingKernel.MaxPool2D(image, 2, 2, 2, 2, Padding.Valid);
        var other = zeros(2, 6, 5, 3, dtype: ScalarType.Float64);
        e = Assert.Throws<ArgumentException>(() => PoolingKernel.MaxPool2DBackward(trace.Output, trace, other));
        Assert.Contains("[2, 4, 5, 3]", e.Message);
        Assert.Contains("[2, 6, 5, 3]", e.Message);
        e = Assert.Throws<ArgumentException>(() => PoolingKernel.MaxPool2DBackward(zeros(2, 2, 3, 3, dtype: ScalarType.Float64), trace, image));
        Assert.Contains("[2, 2, 2, 3]", e.Message);
        e = Assert.Throws<ArgumentException>(() => PoolingKernel.MaxPool2DBackward(trace.Output.to_type(ScalarType.Float32), trace, image));
        Assert.Contains("Float32", e.Message);
    }
}
