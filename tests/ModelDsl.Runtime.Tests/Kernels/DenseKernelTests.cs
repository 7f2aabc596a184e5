using ModelDsl.Kernels;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Kernels;

public class DenseKernelTests
{
    [Fact]
    public void Backward_matches_autograd_and_finite_differences()
    {
        var g = GradientCheck.Rng(21);
        var x = GradientCheck.Randn(g, 5, 4);
        var kernel = GradientCheck.Randn(g, 4, 3);
        var bias = GradientCheck.Randn(g, 3);
        var dy = GradientCheck.Randn(g, 5, 3);

        var grads = DenseKernel.Backward(dy, x, kernel);

        Assert.NotNull(grads.Bias);
        GradientCheck.AssertBackward(a => DenseKernel.Forward(a[0], a[1], a[2]), a => einsum("bi,iu->bu", a[0], a[1]) + a[2],
            [x, kernel, bias], dy, [grads.Input!, grads.Kernel, grads.Bias!], ["x", "kernel", "bias"]);
    }

    [Fact]
    public void Without_bias_the_bias_gradient_is_null_and_the_rest_still_match()
    {
        var g = GradientCheck.Rng(22);
        var x = GradientCheck.Randn(g, 2, 3);
        var kernel = GradientCheck.Randn(g, 3, 4);
        var dy = GradientCheck.Randn(g, 2, 4);

        var grads = DenseKernel.Backward(dy, x, kernel, hasBias: false);

        Assert.Null(grads.Bias);
        GradientCheck.AssertBackward(a => DenseKernel.Forward(a[0], a[1], null), a => einsum("bi,iu->bu", a[0], a[1]),
            [x, kernel], dy, [grads.Input!, grads.Kernel], ["x", "kernel"]);
    }

    [Fact]
    public void Without_the_input_gradient_it_is_null_and_the_weight_gradients_are_the_same()
    {
        var g = GradientCheck.Rng(23);
        var x = GradientCheck.Randn(g, 6, 4);
        var kernel = GradientCheck.Randn(g, 4, 3);
        var dy = GradientCheck.Randn(g, 6, 3);

        var full = DenseKernel.Backward(dy, x, kernel);
        var weightsOnly = DenseKernel.Backward(dy, x, kernel, inputGradient: false);

        Assert.Null(weightsOnly.Input);
        Assert.True(weightsOnly.Kernel.equal(full.Kernel).all().item<bool>());
        Assert.True(weightsOnly.Bias!.equal(full.Bias!).all().item<bool>());
    }

    [Fact]
    public void Forward_is_x_times_kernel_plus_bias_by_hand()
    {
        var x = tensor(new[,] { { 1.0, 2.0 } });
        var kernel = tensor(new[,] { { 1.0, 0.5, -1.0 }, { 2.0, 0.0, 3.0 } });
        var bias = tensor(new[] { 0.1, 0.2, 0.3 });
        Assert.Equal(new[] { 5.1, 0.7, 5.3 }, DenseKernel.Forward(x, kernel, bias).data<double>().ToArray().Select(v => Math.Round(v, 12)));
    }
}
