using ModelDsl.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Kernels;

public class LstmKernelTests
{
    /// <summary>Keras' LSTM step by step, one matmul per gate block, in plain torch ops.</summary>
    private static Tensor Reference(Tensor x, Tensor kernel, Tensor recurrent, Tensor bias)
    {
        long units = recurrent.shape[0];
        Tensor Block(Tensor w, int k) => w.narrow(-1, k * units, units);
        var h = zeros(x.shape[0], units, dtype: x.dtype);
        var c = zeros(x.shape[0], units, dtype: x.dtype);
        for (long t = 0; t < x.shape[1]; t++)
        {
            var xt = x.select(1, t);
            Tensor Pre(int k) => xt.matmul(Block(kernel, k)) + h.matmul(Block(recurrent, k)) + Block(bias, k);
            var i = Pre(0).sigmoid();
            var f = Pre(1).sigmoid();
            var candidate = Pre(2).tanh();
            var o = Pre(3).sigmoid();
            c = f * c + i * candidate;
            h = o * c.tanh();
        }
        return h;
    }

    [Fact]
    public void Backward_through_25_steps_matches_autograd_and_finite_differences()
    {
        const long batch = 3, time = 25, features = 5, units = 16;
        var g = GradientCheck.Rng(41);
        var x = GradientCheck.Randn(g, batch, time, features);
        var kernel = GradientCheck.Randn(g, features, 4 * units) * 0.4;
        var recurrent = GradientCheck.Randn(g, units, 4 * units) * 0.3;
        var bias = GradientCheck.Randn(g, 4 * units) * 0.5;
        var dOut = GradientCheck.Randn(g, batch, units);

        var trace = LstmKernel.Forward(x, kernel, recurrent, bias);
        var grads = LstmKernel.Backward(dOut, trace);

        Assert.Equal([batch, units], trace.Output.shape);
        Assert.Equal([time, batch, 4 * units], trace.Gates.shape);
        GradientCheck.AssertBackward(a => LstmKernel.Forward(a[0], a[1], a[2], a[3]).Output, a => Reference(a[0], a[1], a[2], a[3]),
            [x, kernel, recurrent, bias], dOut, [grads.Input, grads.Kernel, grads.RecurrentKernel, grads.Bias],
            ["x", "kernel", "recurrentKernel", "bias"]);
    }

    [Fact]
    public void One_unit_one_step_by_hand_uses_gate_order_i_f_c_o_and_one_bias()
    {
        // x = 2, h0 = c0 = 0: the recurrent kernel does not contribute on the first step.
        var x = tensor(new[] { 2.0 }, dtype: ScalarType.Float64).reshape(1, 1, 1);
        var kernel = tensor(new[] { 0.1, 0.2, 0.3, 0.4 }, dtype: ScalarType.Float64).reshape(1, 4);
        var recurrent = tensor(new[] { 5.0, 6.0, 7.0, 8.0 }, dtype: ScalarType.Float64).reshape(1, 4);
        var bias = tensor(new[] { -0.5, 1.0, 0.25, 0.0 }, dtype: ScalarType.Float64);

        static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
        double i = Sigmoid(0.2 - 0.5), candidate = Math.Tanh(0.6 + 0.25), o = Sigmoid(0.8);
        double c = i * candidate;                // f * c0 = 0
        double expected = o * Math.Tanh(c);

        Assert.Equal(expected, LstmKernel.Forward(x, kernel, recurrent, bias).Output.ToDouble(), 14);

        // A second step with x = 0 brings in the forget gate and the recurrent kernel.
        var x2 = tensor(new[] { 2.0, 0.0 }, dtype: ScalarType.Float64).reshape(1, 2, 1);
        double h1 = expected;
        double i2 = Sigmoid(5 * h1 - 0.5), f2 = Sigmoid(6 * h1 + 1), g2 = Math.Tanh(7 * h1 + 0.25), o2 = Sigmoid(8 * h1);
        double c2 = f2 * c + i2 * g2;
        Assert.Equal(o2 * Math.Tanh(c2), LstmKernel.Forward(x2, kernel, recurrent, bias).Output.ToDouble(), 14);
    }

    [Fact]
    public void Wrong_shapes_are_refused_with_the_shapes_in_the_message()
    {
        var x = zeros(2, 3, 5, dtype: ScalarType.Float64);
        var e = Assert.Throws<ArgumentException>(() => LstmKernel.Forward(x, zeros(4, 8), zeros(2, 8), zeros(8)));
        Assert.Contains("[5, 8]", e.Message);
        Assert.Contains("[4, 8]", e.Message);
    }
}
