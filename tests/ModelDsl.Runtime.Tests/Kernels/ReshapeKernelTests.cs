using ModelDsl.Kernels;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Kernels;

public class ReshapeKernelTests
{
    [Fact]
    public void Flatten_backward_matches_autograd_and_finite_differences()
    {
        var g = GradientCheck.Rng(31);
        var x = GradientCheck.Randn(g, 3, 25, 5);
        var dy = GradientCheck.Randn(g, 3, 125);

        var dx = ReshapeKernel.Backward(dy, x.shape);

        GradientCheck.AssertBackward(a => ReshapeKernel.Flatten(a[0]), a => a[0].flatten(1), [x], dy, [dx], ["x"]);
    }

    [Fact]
    public void Reshape_backward_matches_autograd_and_finite_differences()
    {
        var g = GradientCheck.Rng(32);
        var x = GradientCheck.Randn(g, 4, 6);
        var dy = GradientCheck.Randn(g, 4, 2, 3);

        var dx = ReshapeKernel.Backward(dy, x.shape);

        GradientCheck.AssertBackward(a => ReshapeKernel.Forward(a[0], -1, 2, 3), a => a[0].view(4, 2, 3), [x], dy, [dx], ["x"]);
    }

    [Fact]
    public void Flatten_keeps_the_batch_axis_and_row_major_order_as_Keras()
    {
        var x = arange(24, dtype: ScalarType.Float64).reshape(2, 3, 4);
        var flat = ReshapeKernel.Flatten(x);
        Assert.Equal(new long[] { 2, 12 }, flat.shape);
        // Row-major: element (b, i, j) lands at column i * 4 + j.
        Assert.Equal(x[1, 2, 3].item<double>(), flat[1, 2 * 4 + 3].item<double>());
        var e = Assert.Throws<ArgumentException>(() => ReshapeKernel.Flatten(tensor(1.0)));
        Assert.Contains("batch axis", e.Message);
    }
}
