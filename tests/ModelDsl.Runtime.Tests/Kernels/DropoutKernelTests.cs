using ModelDsl.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Kernels;

public class DropoutKernelTests
{
    [Theory]
    [InlineData(0.2)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void The_mask_keeps_a_fraction_near_one_minus_rate_scaled_by_its_inverse(double rate)
    {
        var x = ones(400, 500);   // float32: the mask takes x's dtype
        var trace = DropoutKernel.Forward(x, rate, GradientCheck.Rng(81));
        Assert.Equal(ScalarType.Float32, trace.Mask.dtype);
        Assert.Equal(x.shape, trace.Mask.shape);

        var mask = trace.Mask.data<float>().ToArray();
        float scale = (float)(1 / (1 - rate));
        Assert.All(mask, m => Assert.True(m == 0f || m == scale, $"mask value {m} is neither 0 nor 1/(1 - rate) = {scale}"));
        double kept = mask.Count(m => m != 0) / (double)mask.Length;
        // Binomial standard deviation over 200,000 draws is at most 0.0012; five of them.
        double sd = Math.Sqrt(rate * (1 - rate) / mask.Length);
        Assert.InRange(kept, 1 - rate - 5 * sd, 1 - rate + 5 * sd);
        Assert.Equal(mask, trace.Output.data<float>().ToArray());   // x = 1, so the output is the mask
    }

    [Fact]
    public void A_seeded_generator_gives_the_same_mask_and_the_next_draw_differs()
    {
        var x = GradientCheck.Randn(GradientCheck.Rng(82), 30, 20);
        var g1 = GradientCheck.Rng(7);
        var g2 = GradientCheck.Rng(7);
        var first = DropoutKernel.Forward(x, 0.3, g1);
        Assert.Equal(first.Mask.data<double>().ToArray(), DropoutKernel.Forward(x, 0.3, g2).Mask.data<double>().ToArray());
        Assert.NotEqual(first.Mask.data<double>().ToArray(), DropoutKernel.Forward(x, 0.3, g1).Mask.data<double>().ToArray());
        Assert.NotEqual(first.Mask.data<double>().ToArray(), DropoutKernel.Forward(x, 0.3, GradientCheck.Rng(8)).Mask.data<double>().ToArray());
    }

    [Fact]
    public void Backward_matches_autograd_and_finite_differences_with_the_mask_fixed()
    {
        var g = GradientCheck.Rng(83);
        var x = GradientCheck.Randn(g, 6, 5);
        var dy = GradientCheck.Randn(g, 6, 5);
        var trace = DropoutKernel.Forward(x, 0.4, GradientCheck.Rng(84));
        var keep = trace.Mask.ne(0).to_type(ScalarType.Float64);
        Assert.True(keep.sum().ToDouble() is > 0 and < 30, "the mask should drop some and keep some");

        var dx = DropoutKernel.Backward(dy, trace);

        // Keras' form: x / (1 − rate) where kept, 0 elsewhere.
        GradientCheck.AssertBackward(a => a[0] * trace.Mask, a => where(keep.to_type(ScalarType.Bool), a[0] / 0.6, zeros_like(a[0])),
            [x], dy, [dx], ["x"]);
        using (no_grad())
            GradientCheck.AssertClose(where(keep.to_type(ScalarType.Bool), x / 0.6, zeros_like(x)), trace.Output, 1e-15, "output");
    }

    [Fact]
    public void Rate_zero_is_the_identity_and_rate_one_drops_everything()
    {
        var x = GradientCheck.Randn(GradientCheck.Rng(85), 4, 3);
        var none = DropoutKernel.Forward(x, 0, GradientCheck.Rng(1));
        Assert.Equal(x.data<double>().ToArray(), none.Output.data<double>().ToArray());
        Assert.Equal(x.data<double>().ToArray(), DropoutKernel.Backward(x, none).data<double>().ToArray());
        var all = DropoutKernel.Forward(x, 1, GradientCheck.Rng(1));
        Assert.All(all.Output.data<double>().ToArray(), v => Assert.Equal(0.0, v));   // zeros, not NaN from 0/0
        Assert.All(DropoutKernel.Backward(x, all).data<double>().ToArray(), v => Assert.Equal(0.0, v));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void A_rate_outside_zero_one_is_rejected(double rate)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => DropoutKernel.Forward(zeros(2, 2), rate, GradientCheck.Rng(1)));
        Assert.Contains("[0, 1]", e.Message);
    }

    [Fact]
    public void Backward_names_a_mismatched_shape()
    {
        var trace = DropoutKernel.Forward(zeros(2, 3), 0.5, GradientCheck.Rng(1));
        var e = Assert.Throws<ArgumentException>(() => DropoutKernel.Backward(zeros(3, 2), trace));
        Assert.Contains("(3, 2)", e.Message);
        Assert.Contains("(2, 3)", e.Message);
    }
}
