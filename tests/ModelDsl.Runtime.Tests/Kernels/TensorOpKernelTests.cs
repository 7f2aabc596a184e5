using ModelDsl.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Kernels;

public class TensorOpKernelTests
{
    [Fact]
    public void SoftmaxBackward_matches_autograd_and_finite_differences()
    {
        var g = GradientCheck.Rng(121);
        var x = GradientCheck.Randn(g, 3, 2, 5);
        var dy = GradientCheck.Randn(g, 3, 2, 5);
        var dx = TensorOpKernel.SoftmaxBackward(dy, x.softmax(-1));
        GradientCheck.AssertBackward(a => a[0].softmax(-1), a => a[0].exp() / a[0].exp().sum(-1, keepdim: true), [x], dy, [dx], ["x"]);
    }

    [Fact]
    public void LogSoftmaxBackward_matches_autograd_and_finite_differences()
    {
        var g = GradientCheck.Rng(122);
        var x = GradientCheck.Randn(g, 4, 6);
        var dy = GradientCheck.Randn(g, 4, 6);
        var dx = TensorOpKernel.LogSoftmaxBackward(dy, x.log_softmax(-1));
        GradientCheck.AssertBackward(a => a[0].log_softmax(-1), a => a[0] - a[0].exp().sum(-1, keepdim: true).log(), [x], dy, [dx], ["x"]);
    }

    [Theory]
    [InlineData(0L, false)]
    [InlineData(1L, false)]
    [InlineData(-1L, true)]
    [InlineData(2L, true)]
    public void MaxBackward_matches_autograd_and_finite_differences_without_ties(long axis, bool keepdim)
    {
        var g = GradientCheck.Rng(123);
        var x = GradientCheck.Randn(g, 3, 4, 5);
        var y = x.amax([axis], keepdim);
        var dy = GradientCheck.Randn(g, y.shape);
        var dx = TensorOpKernel.MaxBackward(dy, x, y, axis);
        GradientCheck.AssertBackward(a => a[0].amax([axis], keepdim), a => a[0].amax([axis], keepdim), [x], dy, [dx], ["x"]);
    }

    [Fact]
    public void MaxBackward_splits_dy_equally_among_tied_maxima_as_torch_amax_does()
    {
        // Row 0: three-way tie at 2; row 1: two-way tie at 5; row 2: a single maximum.
        var x = tensor(new[,] { { 2.0, 1.0, 2.0, 2.0 }, { 5.0, 5.0, 0.0, -1.0 }, { 0.0, 3.0, 1.0, 2.0 } });
        var dy = tensor(new[] { 3.0, 4.0, 5.0 });
        var dx = TensorOpKernel.MaxBackward(dy, x, x.amax([1L]), 1);
        Assert.Equal([1.0, 0, 1, 1, 2, 2, 0, 0, 0, 5, 0, 0], dx.data<double>().ToArray());
        var autograd = GradientCheck.Autograd(a => a[0].amax([1L]), [x], dy)[0];
        Assert.Equal(autograd.data<double>().ToArray(), dx.data<double>().ToArray());
    }

    [Fact]
    public void Maximum_and_minimum_backward_match_autograd_and_finite_differences()
    {
        var g = GradientCheck.Rng(124);
        var a = GradientCheck.Randn(g, 3, 4);
        var b = GradientCheck.Randn(g, 3, 4);
        var dy = GradientCheck.Randn(g, 3, 4);
        GradientCheck.AssertBackward(t => maximum(t[0], t[1]), t => where(t[0] > t[1], t[0], t[1]), [a, b], dy,
            [TensorOpKernel.MaximumBackward(dy, a, b, first: true), TensorOpKernel.MaximumBackward(dy, a, b, first: false)], ["a", "b"]);
        GradientCheck.AssertBackward(t => minimum(t[0], t[1]), t => where(t[0] < t[1], t[0], t[1]), [a, b], dy,
            [TensorOpKernel.MinimumBackward(dy, a, b, first: true), TensorOpKernel.MinimumBackward(dy, a, b, first: false)], ["a", "b"]);
    }

    [Fact]
    public void Maximum_and_minimum_backward_broadcast_and_halve_ties_as_torch_does()
    {
        // b broadcasts over rows; ties at a == b (0.5 and 0) share dy equally, as torch's autograd gives.
        var a = tensor(new[,] { { 0.5, -1.0, 2.0 }, { 0.0, 0.0, 3.0 } });
        var b = tensor(new[,] { { 0.5, 0.0, 3.0 } });
        var dy = tensor(new[,] { { 1.0, 2.0, 3.0 }, { 4.0, 5.0, 6.0 } });
        foreach (bool isMaximum in new[] { true, false })
        {
            Func<Tensor[], Tensor> op = isMaximum ? t => maximum(t[0], t[1]) : t => minimum(t[0], t[1]);
            var autograd = GradientCheck.Autograd(op, [a, b], dy);
            var da = isMaximum ? TensorOpKernel.MaximumBackward(dy, a, b, true) : TensorOpKernel.MinimumBackward(dy, a, b, true);
            var db = isMaximum ? TensorOpKernel.MaximumBackward(dy, a, b, false) : TensorOpKernel.MinimumBackward(dy, a, b, false);
            Assert.Equal([1L, 3], db.shape);
            Assert.Equal(autograd[0].data<double>().ToArray(), da.data<double>().ToArray());
            Assert.Equal(autograd[1].data<double>().ToArray(), db.data<double>().ToArray());
        }
        // By hand for maximum: a never wins outright; it ties at 0.5, 0 and 3 and gets half of dy there.
        Assert.Equal([0.5, 0, 0, 0, 2.5, 3], TensorOpKernel.MaximumBackward(dy, a, b, true).data<double>().ToArray());
        // A scalar-shaped b gets everything it wins summed.
        var scalar = tensor(1.0);
        Assert.Equal(0, TensorOpKernel.MaximumBackward(dy, a, scalar, false).dim());
        Assert.Equal(1 + 2 + 4 + 5, TensorOpKernel.MaximumBackward(dy, a, scalar, false).ToDouble());
    }

    [Fact]
    public void ConcatenateBackward_matches_autograd_and_finite_differences()
    {
        var g = GradientCheck.Rng(125);
        var a = GradientCheck.Randn(g, 2, 1, 3);
        var b = GradientCheck.Randn(g, 2, 4, 3);
        var c = GradientCheck.Randn(g, 2, 2, 3);
        var dy = GradientCheck.Randn(g, 2, 7, 3);
        var parts = TensorOpKernel.ConcatenateBackward(dy, -2, [1, 4, 2]);
        GradientCheck.AssertBackward(t => cat(t, 1), t => cat(t, 1), [a, b, c], dy, parts, ["a", "b", "c"]);
    }

    [Fact]
    public void Bad_arguments_are_named()
    {
        var dy = zeros(2, 7, dtype: ScalarType.Float64);
        var sizes = Assert.Throws<ArgumentException>(() => TensorOpKernel.ConcatenateBackward(dy, 1, [3, 3]));
        Assert.Contains("6", sizes.Message);
        Assert.Contains("7", sizes.Message);
        var axis = Assert.Throws<ArgumentOutOfRangeException>(() => TensorOpKernel.ConcatenateBackward(dy, 2, [7]));
        Assert.Contains("[-2, 2)", axis.Message);
        var softmax = Assert.Throws<ArgumentException>(() => TensorOpKernel.SoftmaxBackward(dy, zeros(7, 2, dtype: ScalarType.Float64)));
        Assert.Contains("(7, 2)", softmax.Message);
        var max = Assert.Throws<ArgumentException>(() => TensorOpKernel.MaxBackward(zeros(3, dtype: ScalarType.Float64), dy, zeros(3, dtype: ScalarType.Float64), 0));
        Assert.Contains("(2, 7)", max.Message);
        var broadcast = Assert.Throws<ArgumentException>(() => TensorOpKernel.MaximumBackward(dy, dy, zeros(3, dtype: ScalarType.Float64), true));
        Assert.Contains("(3)", broadcast.Message);
        var dtype = Assert.Throws<ArgumentException>(() => TensorOpKernel.MinimumBackward(dy, dy, zeros(2, 7), false));
        Assert.Contains("Float32", dtype.Message);
    }
}
