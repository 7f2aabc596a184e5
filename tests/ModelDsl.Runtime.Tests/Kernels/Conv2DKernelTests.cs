using ModelDsl.Kernels;
using static TorchSharp.torch;
using R = ModelDsl.Runtime.Tests.Kernels.KerasWindowReference;

namespace ModelDsl.Runtime.Tests.Kernels;

public class Conv2DKernelTests
{
    /// <summary>torch's conv2d on the channels-first input, zero-padded by hand as Keras pads; kernel to torch's (F, in, kh, kw).</summary>
    private static Tensor TorchReference(Tensor x, Tensor kernel, Tensor? bias, int sr, int sc, Padding padding, int dr, int dc)
    {
        var rows = R.Pads((int)x.size(1), (int)kernel.size(0), sr, dr, padding);
        var cols = R.Pads((int)x.size(2), (int)kernel.size(1), sc, dc, padding);
        var y = nn.functional.conv2d(R.PadChannelsFirst2D(x, rows, cols), kernel.permute(3, 2, 0, 1), bias,
            strides: [sr, sc], dilation: [dr, dc]);
        return y.permute(0, 2, 3, 1);
    }

    [Fact]
    public void Forward_matches_Keras_formula_for_every_padding_stride_and_dilation()
    {
        var g = GradientCheck.Rng(201);
        int cases = 0, asymmetric = 0;
        foreach (var (kh, kw) in new[] { (1, 1), (2, 3), (3, 2), (3, 3) })
        foreach (var (sr, sc) in new[] { (1, 1), (2, 1), (1, 2), (2, 3) })
        foreach (var (dr, dc) in new[] { (1, 1), (2, 1), (1, 2), (2, 2) })
        foreach (var padding in new[] { Padding.Valid, Padding.Same })
        {
            if (Math.Max(sr, sc) > 1 && Math.Max(dr, dc) > 1) continue;
            var x = GradientCheck.Randn(g, 2, 6, 7, 3);
            var kernel = GradientCheck.Randn(g, kh, kw, 3, 4);
            var bias = GradientCheck.Randn(g, 4);
            var expected = R.Conv2D(x, kernel, bias, sr, sc, padding, dr, dc);
            var actual = Conv2DKernel.Forward(x, kernel, bias, sr, sc, padding, dr, dc);
            string what = $"k=({kh},{kw}) s=({sr},{sc}) d=({dr},{dc}) {padding}";
            R.AssertMatches(expected, actual, what);
            var (_, top, bottom) = R.Layout(6, kh, sr, dr, padding);
            var (_, left, right) = R.Layout(7, kw, sc, dc, padding);
            if (top != bottom || left != right) asymmetric++;
            cases++;
        }
        Assert.True(cases > 40, $"only {cases} cases");
        Assert.True(asymmetric > 5, $"only {asymmetric} cases with more padding after than before");
    }

    [Fact]
    public void Keras_summary_row_32_filters_3x3_on_28x28x1_gives_26x26x32_and_320_parameters()
    {
        var kernel = zeros(3, 3, 1, 32);
        var bias = zeros(32);
        var y = Conv2DKernel.Forward(zeros(1, 28, 28, 1), kernel, bias);
        Assert.Equal(new long[] { 1, 26, 26, 32 }, y.shape);
        Assert.Equal(320, kernel.numel() + bias.numel());
        Assert.Equal(26, Conv1DKernel.OutputLength(28, 3, 1, Padding.Valid, 1));
        Assert.Equal(new long[] { 1, 28, 28, 32 }, Conv2DKernel.Forward(zeros(1, 28, 28, 1), kernel, bias, padding: Padding.Same).shape);
    }

    [Fact]
    public void Kernel_layout_is_rows_cols_in_filters_and_same_padding_extra_goes_bottom_right()
    {
        // x is 2×2 (one channel), kernel 2×2 picks one tap per filter: filter f reads tap (a, b) = (f / 2, f % 2).
        var x = tensor(new[] { 1.0, 2, 3, 4 }, dtype: ScalarType.Float64).reshape(1, 2, 2, 1);
        var kernel = zeros(2, 2, 1, 4, dtype: ScalarType.Float64);
        for (int f = 0; f < 4; f++) kernel[f / 2, f % 2, 0, f] = tensor(1.0, dtype: ScalarType.Float64);
        // Same, stride 1: P = 1 per axis, all of it after, so output (i, j) reads x[i + a, j + b] (0 past the end).
        var y = Conv2DKernel.Forward(x, kernel, null, padding: Padding.Same);
        Assert.Equal(new[] { 1.0, 2, 3, 4 }, y.select(3, 0).flatten().data<double>().ToArray());   // tap (0, 0)
        Assert.Equal(new[] { 2.0, 0, 4, 0 }, y.select(3, 1).flatten().data<double>().ToArray());   // tap (0, 1)
        Assert.Equal(new[] { 3.0, 4, 0, 0 }, y.select(3, 2).flatten().data<double>().ToArray());   // tap (1, 0)
        Assert.Equal(new[] { 4.0, 0, 0, 0 }, y.select(3, 3).flatten().data<double>().ToArray());   // tap (1, 1)
    }

    [Theory]
    [InlineData(1, 1, Padding.Valid, 1, 1)]
    [InlineData(1, 1, Padding.Same, 1, 1)]     // 7×5 input, 3×2 kernel: P = 2 rows (1 + 1) and 1 col (0 + 1)
    [InlineData(2, 2, Padding.Same, 1, 1)]     // P = 2 rows (1 + 1) and 1 col (0 + 1) again, with fewer outputs
    [InlineData(1, 2, Padding.Same, 1, 1)]
    [InlineData(2, 3, Padding.Valid, 1, 1)]
    [InlineData(1, 1, Padding.Same, 2, 1)]
    [InlineData(1, 1, Padding.Valid, 2, 2)]
    public void Backward_matches_autograd_and_finite_differences(int sr, int sc, Padding padding, int dr, int dc)
    {
        var g = GradientCheck.Rng(203);
        var x = GradientCheck.Randn(g, 2, 7, 5, 2);
        var kernel = GradientCheck.Randn(g, 3, 2, 2, 3);
        var bias = GradientCheck.Randn(g, 3);
        long ho = Conv1DKernel.OutputLength(7, 3, sr, padding, dr), wo = Conv1DKernel.OutputLength(5, 2, sc, padding, dc);
        var dy = GradientCheck.Randn(g, 2, ho, wo, 3);

        var grads = Conv2DKernel.Backward(dy, x, kernel, hasBias: true, sr, sc, padding, dr, dc);

        GradientCheck.AssertBackward(
            a => Conv2DKernel.Forward(a[0], a[1], a[2], sr, sc, padding, dr, dc),
            a => TorchReference(a[0], a[1], a[2], sr, sc, padding, dr, dc),
            [x, kernel, bias], dy, [grads.Input!, grads.Kernel, grads.Bias!], ["x", "kernel", "bias"]);
    }

    [Fact]
    public void Backward_without_bias_matches_autograd_and_finite_differences()
    {
        var g = GradientCheck.Rng(204);
        var x = GradientCheck.Randn(g, 1, 5, 5, 3);
        var kernel = GradientCheck.Randn(g, 2, 2, 3, 2);
        var dy = GradientCheck.Randn(g, 1, 3, 3, 2);

        var grads = Conv2DKernel.Backward(dy, x, kernel, hasBias: false, 2, 2, Padding.Same);

        Assert.Null(grads.Bias);
        GradientCheck.AssertBackward(
            a => Conv2DKernel.Forward(a[0], a[1], null, 2, 2, Padding.Same),
            a => TorchReference(a[0], a[1], null, 2, 2, Padding.Same, 1, 1),
            [x, kernel], dy, [grads.Input!, grads.Kernel], ["x", "kernel"]);
    }

    [Fact]
    public void Without_the_input_gradient_it_is_null_and_the_weight_gradients_are_the_same()
    {
        var g = GradientCheck.Rng(205);
        var x = GradientCheck.Randn(g, 2, 6, 5, 3);
        var kernel = GradientCheck.Randn(g, 3, 2, 3, 4);
        var dy = GradientCheck.Randn(g, 2, 4, 4, 4);

        var full = Conv2DKernel.Backward(dy, x, kernel, hasBias: true);
        var weightsOnly = Conv2DKernel.Backward(dy, x, kernel, hasBias: true, inputGradient: false);
        var dy1 = GradientCheck.Randn(g, 6, 4, 4);   // Conv1D of x[0] (6, 5, 3) by kernel[0] (2, 3, 4): (6, 4, 4)
        var oneD = Conv1DKernel.Backward(dy1, x[0], kernel[0], hasBias: true, inputGradient: false);

        Assert.Null(weightsOnly.Input);
        Assert.True(weightsOnly.Kernel.equal(full.Kernel).all().item<bool>());
        Assert.True(weightsOnly.Bias!.equal(full.Bias!).all().item<bool>());
        Assert.Null(oneD.Input);
        Assert.True(oneD.Kernel.equal(Conv1DKernel.Backward(dy1, x[0], kernel[0], hasBias: true).Kernel).all().item<bool>());
    }

    [Fact]
    public void Invalid_arguments_are_refused_with_what_is_wrong_in_the_message()
    {
        var x = zeros(2, 5, 4, 3, dtype: ScalarType.Float64);
        var kernel = zeros(3, 3, 3, 8, dtype: ScalarType.Float64);

        var e = Assert.Throws<ArgumentException>(() => Conv2DKernel.Forward(x, zeros(3, 5, 3, 8, dtype: ScalarType.Float64), null));
        Assert.Contains("cols axis has length 4", e.Message);
        Assert.Contains("spans 5", e.Message);

        e = Assert.Throws<ArgumentException>(() => Conv2DKernel.Forward(x, kernel, null, padding: Padding.Causal));
        Assert.Contains("Causal", e.Message);
        Assert.Contains("Conv1D only", e.Message);

        // Keras refuses any stride above 1 with any dilation above 1, even on different axes.
        e = Assert.Throws<ArgumentException>(() => Conv2DKernel.Forward(x, kernel, null, strideRows: 2, padding: Padding.Same, dilationCols: 2));
        Assert.Contains("strides (2, 1) together with dilation (1, 2)", e.Message);

        var range = Assert.Throws<ArgumentOutOfRangeException>(() => Conv2DKernel.Forward(x, kernel, null, strideCols: 0));
        Assert.Equal("strideCols", range.ParamName);
        range = Assert.Throws<ArgumentOutOfRangeException>(() => Conv2DKernel.Forward(x, kernel, null, dilationRows: -1));
        Assert.Equal("dilationRows", range.ParamName);

        e = Assert.Throws<ArgumentException>(() => Conv2DKernel.Forward(x, zeros(3, 3, 1, 8, dtype: ScalarType.Float64), null));
        Assert.Contains("expects 1 input channels", e.Message);
        Assert.Contains("has 3", e.Message);

        e = Assert.Throws<ArgumentException>(() => Conv2DKernel.Forward(zeros(5, 4, 3, dtype: ScalarType.Float64), kernel, null));
        Assert.Contains("(batch, rows, cols, channels)", e.Message);
        Assert.Contains("rank 3", e.Message);

        e = Assert.Throws<ArgumentException>(() => Conv2DKernel.Forward(x, zeros(3, 3, 8, dtype: ScalarType.Float64), null));
        Assert.Contains("(kernelRows, kernelCols, in, filters)", e.Message);

        e = Assert.Throws<ArgumentException>(() => Conv2DKernel.Forward(x.to_type(ScalarType.Int64), kernel, null));
        Assert.Contains("Float32 or Float64", e.Message);

        e = Assert.Throws<ArgumentException>(() => Conv2DKernel.Backward(zeros(2, 3, 2, 7, dtype: ScalarType.Float64), x, kernel, true));
        Assert.Contains("[2, 3, 2, 8]", e.Message);
    }
}
