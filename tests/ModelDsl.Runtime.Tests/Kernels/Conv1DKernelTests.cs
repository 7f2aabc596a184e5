using ModelDsl.Kernels;
using static TorchSharp.torch;
using R = ModelDsl.Runtime.Tests.Kernels.KerasWindowReference;

namespace ModelDsl.Runtime.Tests.Kernels;

public class Conv1DKernelTests
{
    private static readonly Padding[] AllPaddings = [Padding.Valid, Padding.Same, Padding.Causal];

    /// <summary>torch's conv1d on the channels-first input, zero-padded by hand as Keras pads (torch pads symmetrically).</summary>
    private static Tensor TorchReference(Tensor x, Tensor kernel, Tensor? bias, int stride, Padding padding, int dilation)
    {
        var pads = R.Pads((int)x.size(1), (int)kernel.size(0), stride, dilation, padding);
        var y = nn.functional.conv1d(R.PadChannelsFirst1D(x, pads), kernel.permute(2, 1, 0), bias, stride: stride, dilation: dilation);
        return y.permute(0, 2, 1);
    }

    [Fact]
    public void Forward_matches_Keras_formula_for_every_padding_stride_and_dilation()
    {
        var g = GradientCheck.Rng(101);
        int cases = 0, oddTotals = 0;
        foreach (int length in new[] { 7, 8 })
        foreach (int k in new[] { 1, 2, 3, 4 })
        foreach (int stride in new[] { 1, 2, 3 })
        foreach (int dilation in new[] { 1, 2, 3 })
        foreach (var padding in AllPaddings)
        {
            if (stride > 1 && dilation > 1) continue;
            if (padding == Padding.Valid && dilation * (k - 1) + 1 > length) continue;
            var x = GradientCheck.Randn(g, 2, length, 3);
            var kernel = GradientCheck.Randn(g, k, 3, 4);
            var bias = GradientCheck.Randn(g, 4);
            var expected = R.Conv1D(x, kernel, bias, stride, padding, dilation);
            var actual = Conv1DKernel.Forward(x, kernel, bias, stride, padding, dilation);
            string what = $"L={length} k={k} s={stride} d={dilation} {padding}";
            R.AssertMatches(expected, actual, what);
            Assert.Equal(expected.size(1), Conv1DKernel.OutputLength(length, k, stride, padding, dilation));
            var (_, before, after) = R.Layout(length, k, stride, dilation, padding);
            if (padding == Padding.Same && (before + after) % 2 == 1) oddTotals++;
            cases++;
        }
        Assert.True(cases > 100, $"only {cases} cases");
        Assert.True(oddTotals > 5, $"only {oddTotals} same-padding cases with an odd padding total");
    }

    [Fact]
    public void Same_padding_puts_the_odd_extra_zero_at_the_end()
    {
        // L = 5, k = 4: P = 3, one zero before and two after (torch's padding="same" would do the opposite split).
        var x = tensor(new[] { 1.0, 2, 3, 4, 5 }, dtype: ScalarType.Float64).reshape(1, 5, 1);
        var kernel = ones(4, 1, 1, dtype: ScalarType.Float64);
        var y = Conv1DKernel.Forward(x, kernel, null, padding: Padding.Same);
        Assert.Equal(new[] { 6.0, 10, 14, 12, 9 }, y.data<double>().ToArray());
    }

    [Fact]
    public void Causal_output_at_t_sees_only_inputs_up_to_t()
    {
        var x = tensor(new[] { 1.0, 2, 3, 4 }, dtype: ScalarType.Float64).reshape(1, 4, 1);
        // kernel[0] weighs the earlier step: y[t] = 1·x[t − d] + 10·x[t].
        var kernel = tensor(new[] { 1.0, 10 }, dtype: ScalarType.Float64).reshape(2, 1, 1);
        Assert.Equal(new[] { 10.0, 21, 32, 43 }, Conv1DKernel.Forward(x, kernel, null, padding: Padding.Causal).data<double>().ToArray());
        Assert.Equal(new[] { 10.0, 20, 31, 42 }, Conv1DKernel.Forward(x, kernel, null, padding: Padding.Causal, dilation: 2).data<double>().ToArray());
        // Stride 2: outputs at t = 0 and 2, ceil(4 / 2) of them.
        Assert.Equal(new[] { 10.0, 32 }, Conv1DKernel.Forward(x, kernel, null, stride: 2, padding: Padding.Causal).data<double>().ToArray());
    }

    [Fact]
    public void Output_lengths_and_parameters_follow_Keras()
    {
        Assert.Equal(6, Conv1DKernel.OutputLength(10, 5, 1, Padding.Valid, 1));
        Assert.Equal(3, Conv1DKernel.OutputLength(10, 5, 2, Padding.Valid, 1));   // floor(5/2) + 1
        Assert.Equal(2, Conv1DKernel.OutputLength(10, 5, 1, Padding.Valid, 2));   // span 9
        Assert.Equal(4, Conv1DKernel.OutputLength(10, 5, 3, Padding.Same, 1));    // ceil(10/3)
        Assert.Equal(5, Conv1DKernel.OutputLength(10, 5, 2, Padding.Causal, 1));
        Assert.Equal(10, Conv1DKernel.OutputLength(10, 5, 1, Padding.Causal, 4));
        // The window does not fit: ≤ 0, with floor (not truncation) for a negative numerator.
        Assert.Equal(0, Conv1DKernel.OutputLength(4, 5, 1, Padding.Valid, 1));
        Assert.Equal(-1, Conv1DKernel.OutputLength(2, 5, 2, Padding.Valid, 1));

        // Keras' summary row: Conv1D, 64 filters, k = 5, on 10 channels has 3,264 parameters.
        var kernel = zeros(5, 10, 64, dtype: ScalarType.Float64);
        var bias = zeros(64, dtype: ScalarType.Float64);
        var y = Conv1DKernel.Forward(zeros(2, 12, 10, dtype: ScalarType.Float64), kernel, bias);
        Assert.Equal(new long[] { 2, 8, 64 }, y.shape);
        Assert.Equal(3264, kernel.numel() + bias.numel());
    }

    [Theory]
    [InlineData(1, Padding.Valid, 1)]
    [InlineData(3, Padding.Valid, 1)]
    [InlineData(1, Padding.Valid, 2)]
    [InlineData(1, Padding.Same, 1)]
    [InlineData(2, Padding.Same, 1)]   // L = 9, k = 3: P = 2, and P = 1 for stride 2 (all of it at the end)
    [InlineData(1, Padding.Same, 3)]
    [InlineData(1, Padding.Causal, 1)]
    [InlineData(2, Padding.Causal, 1)]
    [InlineData(1, Padding.Causal, 2)]
    public void Backward_matches_autograd_and_finite_differences(int stride, Padding padding, int dilation)
    {
        var g = GradientCheck.Rng(103);
        var x = GradientCheck.Randn(g, 2, 9, 3);
        var kernel = GradientCheck.Randn(g, 3, 3, 4);
        var bias = GradientCheck.Randn(g, 4);
        var dy = GradientCheck.Randn(g, 2, Conv1DKernel.OutputLength(9, 3, stride, padding, dilation), 4);

        var grads = Conv1DKernel.Backward(dy, x, kernel, hasBias: true, stride, padding, dilation);

        GradientCheck.AssertBackward(
            a => Conv1DKernel.Forward(a[0], a[1], a[2], stride, padding, dilation),
            a => TorchReference(a[0], a[1], a[2], stride, padding, dilation),
            [x, kernel, bias], dy, [grads.Input!, grads.Kernel, grads.Bias!], ["x", "kernel", "bias"]);
    }

    [Fact]
    public void Backward_without_bias_returns_no_bias_gradient_and_the_same_input_and_kernel_gradients()
    {
        var g = GradientCheck.Rng(104);
        var x = GradientCheck.Randn(g, 2, 6, 2);
        var kernel = GradientCheck.Randn(g, 2, 2, 3);
        var dy = GradientCheck.Randn(g, 2, 3, 3);

        var grads = Conv1DKernel.Backward(dy, x, kernel, hasBias: false, stride: 2, padding: Padding.Same);

        Assert.Null(grads.Bias);
        GradientCheck.AssertBackward(
            a => Conv1DKernel.Forward(a[0], a[1], null, 2, Padding.Same),
            a => TorchReference(a[0], a[1], null, 2, Padding.Same, 1),
            [x, kernel], dy, [grads.Input!, grads.Kernel], ["x", "kernel"]);
    }

    [Fact]
    public void Float32_stays_float32()
    {
        var x = ones(1, 5, 2);
        var y = Conv1DKernel.Forward(x, ones(3, 2, 4), zeros(4), padding: Padding.Same);
        Assert.Equal(ScalarType.Float32, y.dtype);
        Assert.Equal(new float[] { 4, 6, 6, 6, 4 }, y.select(2, 0).data<float>().ToArray());
        var grads = Conv1DKernel.Backward(ones(1, 5, 4), x, ones(3, 2, 4), true, padding: Padding.Same);
        Assert.Equal(ScalarType.Float32, grads.Input!.dtype);
        Assert.Equal(ScalarType.Float32, grads.Kernel.dtype);
    }

    [Fact]
    public void Invalid_arguments_are_refused_with_what_is_wrong_in_the_message()
    {
        var x = zeros(2, 4, 3, dtype: ScalarType.Float64);
        var kernel = zeros(3, 3, 5, dtype: ScalarType.Float64);

        var e = Assert.Throws<ArgumentException>(() => Conv1DKernel.Forward(x, zeros(5, 3, 5, dtype: ScalarType.Float64), null));
        Assert.Contains("steps axis has length 4", e.Message);
        Assert.Contains("spans 5", e.Message);
        Assert.Contains("Padding.Same", e.Message);

        e = Assert.Throws<ArgumentException>(() => Conv1DKernel.Forward(x, kernel, null, dilation: 2));
        Assert.Contains("spans 5", e.Message);

        var range = Assert.Throws<ArgumentOutOfRangeException>(() => Conv1DKernel.Forward(x, kernel, null, stride: 0));
        Assert.Equal("stride", range.ParamName);
        Assert.Contains("at least 1; got 0", range.Message);

        range = Assert.Throws<ArgumentOutOfRangeException>(() => Conv1DKernel.Forward(x, kernel, null, dilation: 0));
        Assert.Equal("dilation", range.ParamName);

        e = Assert.Throws<ArgumentException>(() => Conv1DKernel.Forward(zeros(2, 9, 3, dtype: ScalarType.Float64), kernel, null, stride: 2, dilation: 2));
        Assert.Contains("stride 2 together with dilation 2", e.Message);

        e = Assert.Throws<ArgumentException>(() => Conv1DKernel.Forward(x, zeros(3, 2, 5, dtype: ScalarType.Float64), null));
        Assert.Contains("expects 2 input channels", e.Message);
        Assert.Contains("has 3", e.Message);

        e = Assert.Throws<ArgumentException>(() => Conv1DKernel.Forward(zeros(4, 3, dtype: ScalarType.Float64), kernel, null));
        Assert.Contains("(batch, steps, channels)", e.Message);
        Assert.Contains("[4, 3]", e.Message);

        e = Assert.Throws<ArgumentException>(() => Conv1DKernel.Forward(x, zeros(3, 5, dtype: ScalarType.Float64), null));
        Assert.Contains("(kernelSize, in, filters)", e.Message);

        e = Assert.Throws<ArgumentException>(() => Conv1DKernel.Forward(x, kernel, zeros(4, dtype: ScalarType.Float64)));
        Assert.Contains("[5]", e.Message);
        Assert.Contains("got [4]", e.Message);

        e = Assert.Throws<ArgumentException>(() => Conv1DKernel.Forward(x, zeros(3, 3, 5), null));
        Assert.Contains("Float32", e.Message);
        Assert.Contains("Float64", e.Message);

        range = Assert.Throws<ArgumentOutOfRangeException>(() => Conv1DKernel.Forward(x, kernel, null, padding: (Padding)7));
        Assert.Equal("padding", range.ParamName);

        e = Assert.Throws<ArgumentException>(() => Conv1DKernel.Backward(zeros(2, 3, 5, dtype: ScalarType.Float64), x, kernel, true));
        Assert.Contains("[2, 2, 5]", e.Message);
        Assert.Contains("got [2, 3, 5]", e.Message);

        range = Assert.Throws<ArgumentOutOfRangeException>(() => Conv1DKernel.OutputLength(10, 0, 1, Padding.Valid, 1));
        Assert.Equal("kernelSize", range.ParamName);
    }
}
