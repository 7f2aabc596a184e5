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
