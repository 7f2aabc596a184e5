using ModelDsl.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Kernels;

public class ActivationKernelTests
{
    private const double Alpha = 1.6732632423543772, Scale = 1.0507009873554805;

    /// <summary>The activations from their textbook formulas, in plain torch ops.</summary>
    private static Tensor Reference(Activation activation, Tensor x) => activation switch
    {
        Activation.Linear => x * 1.0,
        Activation.Relu => where(x > 0, x, zeros_like(x)),
        Activation.Selu => Scale * where(x > 0, x, Alpha * (x.exp() - 1)),
        Activation.Elu => where(x > 0, x, x.exp() - 1),
        Activation.Tanh => ((2 * x).exp() - 1) / ((2 * x).exp() + 1),
        Activation.Sigmoid => 1 / (1 + (-x).exp()),
        Activation.Softplus => (1 + x.exp()).log(),
        Activation.Softmax => x.exp() / x.exp().sum(-1, keepdim: true),
        Activation.LeakyRelu => where(x > 0, x, 0.2 * x),
        Activation.Gelu => 0.5 * x * (1 + (x / Math.Sqrt(2)).erf()),
        Activation.Swish => x / (1 + (-x).exp()),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    [Theory]
    [InlineData(Activation.Linear)]
    [InlineData(Activation.Relu)]
    [InlineData(Activation.Selu)]
    [InlineData(Activation.Elu)]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.Softplus)]
    [InlineData(Activation.Softmax)]
    [InlineData(Activation.LeakyRelu)]
    [InlineData(Activation.Gelu)]
    [InlineData(Activation.Swish)]
    public void Backward_matches_autograd_and_finite_differences(Activation activation)
    {
        var g = GradientCheck.Rng(11);
        var raw = GradientCheck.Randn(g, 6, 7) * 2;
        var x = raw.sign() * (raw.abs() + 0.1);     // at least 0.1 from the kink at 0
        var dy = GradientCheck.Randn(g, 6, 7);

        var dx = ActivationKernel.Backward(activation, dy, x, ActivationKernel.Forward(activation, x));

        GradientCheck.AssertBackward(a => ActivationKernel.Forward(activation, a[0]), a => Reference(activation, a[0]),
            [x], dy, [dx], ["x"]);
    }

    [Fact]
    public void Selu_uses_the_keras_constants_and_elu_alpha_one()
    {
        var x = tensor(new[] { -1.0, 2.0 }, dtype: ScalarType.Float64);
        var selu = ActivationKernel.Forward(Activation.Selu, x).data<double>().ToArray();
        Assert.Equal(Scale * Alpha * (Math.Exp(-1) - 1), selu[0], 14);
        Assert.Equal(Scale * 2, selu[1], 14);
        var elu = ActivationKernel.Forward(Activation.Elu, x).data<double>().ToArray();
        Assert.Equal(Math.Exp(-1) - 1, elu[0], 14);
        Assert.Equal(2.0, elu[1], 14);
    }

    [Fact]
    public void New_activations_by_hand()
    {
        static double[] Apply(Activation a, params double[] x) =>
            ActivationKernel.Forward(a, tensor(x, dtype: ScalarType.Float64)).data<double>().ToArray();

        // Keras 3's leaky_relu activation: max(x, 0.2x) (the LeakyReLU layer's 0.3 and torch's 0.01 are not it).
        Assert.Equal(0.2, ActivationKernel.LeakyReluNegativeSlope);
        Assert.Equal([-0.2, 0.0, 2.0], Apply(Activation.LeakyRelu, -1, 0, 2));
        // Exact GELU: x·Φ(x); Φ(1) = 0.841344746068543, Φ(-1) = 0.158655253931457 (normal table).
        var gelu = Apply(Activation.Gelu, 1, -1, 0);
        Assert.Equal(0.8413447460685429, gelu[0], 14);
        Assert.Equal(-0.15865525393145707, gelu[1], 14);
        Assert.Equal(0.0, gelu[2]);
        // Swish: x·σ(x); σ(1) = 0.7310585786300049, σ(-2) = 0.11920292202211755.
        var swish = Apply(Activation.Swish, 1, -2);
        Assert.Equal(0.7310585786300049, swish[0], 14);
        Assert.Equal(-2 * 0.11920292202211755, swish[1], 14);
    }

    [Fact]
    public void Softmax_is_over_the_last_axis_and_stable_for_large_logits()
    {
        // e^k / (e + e² + e³) for k = 1, 2, 3; logits 1000 + k give the same (exp(x − max)), not inf/inf.
        double[] expected = [0.09003057317038046, 0.24472847105479764, 0.6652409557748219];
        var x = tensor(new[,] { { 1.0, 2.0, 3.0 }, { 1001.0, 1002.0, 1003.0 } });
        var y = ActivationKernel.Forward(Activation.Softmax, x);
        for (int row = 0; row < 2; row++)
            for (int k = 0; k < 3; k++)
                Assert.Equal(expected[k], y[row, k].ToDouble(), 14);
        Assert.Throws<ArgumentException>(() => ActivationKernel.Forward(Activation.Softmax, tensor(1.0)));
    }

    [Fact]
    public void Backward_rejects_mismatched_shapes_naming_them()
    {
        var x = zeros(2, 3, dtype: ScalarType.Float64);
        var e = Assert.Throws<ArgumentException>(() => ActivationKernel.Backward(Activation.Softmax, zeros(3, 2, dtype: ScalarType.Float64), x, x));
        Assert.Contains("(3, 2)", e.Message);
        Assert.Contains("(2, 3)", e.Message);
    }

    [Fact]
    public void Float32_stays_float32()
    {
        var x = tensor(new[] { -1f, 0.5f });
        foreach (var a in Enum.GetValues<Activation>())
        {
            var y = ActivationKernel.Forward(a, x);
            Assert.Equal(ScalarType.Float32, y.dtype);
            Assert.Equal(ScalarType.Float32, ActivationKernel.Backward(a, ones_like(x), x, y).dtype);
        }
    }
}
