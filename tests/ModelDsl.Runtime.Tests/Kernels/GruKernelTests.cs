using ModelDsl.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Kernels;

public class GruKernelTests
{
    /// <summary>
    /// Keras' GRU (reset_after = true) step by step, one matmul per gate block (z, r, h), in plain torch ops: bias row 0
    /// goes with x·W, row 1 with h·U, and the reset gate multiplies the recurrent part of the candidate after U.
    /// </summary>
    internal static Tensor Reference(Tensor x, Tensor kernel, Tensor recurrent, Tensor bias, bool sequences = false)
    {
        long units = recurrent.shape[0];
        Tensor Block(Tensor w, int k) => w.narrow(-1, k * units, units);
        Tensor inputBias = bias[0], recurrentBias = bias[1];
        var h = zeros(x.shape[0], units, dtype: x.dtype);
        var states = new List<Tensor>();
        for (long t = 0; t < x.shape[1]; t++)
        {
            var xt = x.select(1, t);
            Tensor InputPart(int k) => xt.matmul(Block(kernel, k)) + Block(inputBias, k);
            Tensor RecurrentPart(int k) => h.matmul(Block(recurrent, k)) + Block(recurrentBias, k);
            var z = (InputPart(0) + RecurrentPart(0)).sigmoid();
            var r = (InputPart(1) + RecurrentPart(1)).sigmoid();
            var candidate = (InputPart(2) + r * RecurrentPart(2)).tanh();
            h = z * h + (1 - z) * candidate;
            states.Add(h);
        }
        return RecurrentCases.Output(states, sequences);
    }

    private static void AssertBackward(long batch, long time, long features, long units, bool sequences, ulong seed) =>
        RecurrentCases.AssertBackward(RecurrentLayer.Gru, (a, s) => Reference(a[0], a[1], a[2], a[3], s), batch, time, features, units, sequences, seed);

    [Fact]
    public void Backward_through_25_steps_at_the_lab_width_matches_autograd_and_finite_differences() =>
        AssertBackward(batch: 3, time: 25, features: 5, units: 16, sequences: false, seed: 51);

    [Theory]
    [InlineData(false, 7)]
    [InlineData(true, 7)]
    [InlineData(false, 1)]  // one step: no recurrent product at all
    [InlineData(true, 1)]
    public void Backward_of_either_output_matches_autograd_and_finite_differences(bool sequences, long time) =>
        AssertBackward(batch: 3, time, features: 4, units: 5, sequences, seed: 52);

    [Fact]
    public void One_unit_two_steps_by_hand_use_gate_order_z_r_h_and_the_two_bias_rows()
    {
        var x = tensor(new[] { 2.0, -1.0 }, dtype: ScalarType.Float64).reshape(1, 2, 1);
        var kernel = tensor(new[] { 0.1, 0.2, 0.3 }, dtype: ScalarType.Float64).reshape(1, 3);
        var recurrent = tensor(new[] { 0.5, -0.6, 0.7 }, dtype: ScalarType.Float64).reshape(1, 3);
        var bias = tensor(new[] { 0.05, -0.1, 0.15, 0.2, 0.25, -0.3 }, dtype: ScalarType.Float64).reshape(2, 3);

        static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
        double h = 0;
        var expected = new double[2];
        foreach (var (xt, t) in new[] { (2.0, 0), (-1.0, 1) })
        {
            double z = Sigmoid(0.1 * xt + 0.05 + 0.5 * h + 0.2);
            double r = Sigmoid(0.2 * xt - 0.1 - 0.6 * h + 0.25);
            double candidate = Math.Tanh(0.3 * xt + 0.15 + r * (0.7 * h - 0.3));
            h = z * h + (1 - z) * candidate;
            expected[t] = h;
        }

        Assert.Equal(expected[1], GruKernel.Forward(x, kernel, recurrent, bias).Output.ToDouble(), 14);
        RecurrentCases.AssertSteps(GruKernel.Forward(x, kernel, recurrent, bias, returnSequences: true).Output, expected);
    }

    /// <summary>
    /// Keras' (kernel, recurrent kernel, bias) in torch's nn.GRU layout, as the remark on <see cref="GruKernel"/>
    /// states: blocks z, r, h become r, z, n (swap the first two), the weights are transposed, and bias rows 0 and 1
    /// become bias_ih and bias_hh.
    /// </summary>
    private static (Tensor WeightIh, Tensor WeightHh, Tensor BiasIh, Tensor BiasHh) ToTorch(Tensor kernel, Tensor recurrent, Tensor bias)
    {
        long u = recurrent.shape[0];
        return (Swap(kernel, u).t(), Swap(recurrent, u).t(), Swap(bias[0], u), Swap(bias[1], u));
    }

    /// <summary>The inverse of <see cref="ToTorch"/> for gradients of torch's four parameters.</summary>
    private static (Tensor Kernel, Tensor Recurrent, Tensor Bias) FromTorch(Tensor weightIh, Tensor weightHh, Tensor biasIh, Tensor biasHh)
    {
        long u = weightHh.shape[1];
        return (Swap(weightIh.t(), u), Swap(weightHh.t(), u), stack([Swap(biasIh, u), Swap(biasHh, u)]));
    }

    /// <summary>The first two u-wide column blocks exchanged (z, r, h ↔ r, z, n): its own inverse.</summary>
    private static Tensor Swap(Tensor w, long u) => cat([w.narrow(-1, u, u), w.narrow(-1, 0, u), w.narrow(-1, 2 * u, u)], -1);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Equals_torch_nn_GRU_after_mapping_the_weights(bool sequences)
    {
        const long batch = 3, time = 6, features = 4, units = 5;
        var (x, kernel, recurrent, bias, dOut) = RecurrentCases.Problem(53, batch, time, features, units, 3, [2, 3 * units], sequences);
        var gru = nn.GRU(features, units, batchFirst: true, dtype: ScalarType.Float64);
        Tensor[] parameters = [.. new[] { "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0" }.Select(n => (Tensor)gru.get_parameter(n)!)];
        var (weightIh, weightHh, biasIh, biasHh) = ToTorch(kernel, recurrent, bias);
        using (no_grad())
        {
            parameters[0].copy_(weightIh);
            parameters[1].copy_(weightHh);
            parameters[2].copy_(biasIh);
            parameters[3].copy_(biasHh);
        }
        var (outputs, _) = gru.call(x);
        var torchOutput = sequences ? outputs : outputs.select(1, -1);
        var torchGrads = autograd.grad([torchOutput], parameters, [dOut]);
        var (dKernel, dRecurrent, dBias) = FromTorch(torchGrads[0], torchGrads[1], torchGrads[2], torchGrads[3]);

        var trace = GruKernel.Forward(x, kernel, recurrent, bias, sequences);
        var grads = GruKernel.Backward(dOut, trace);

        GradientCheck.AssertClose(torchOutput.detach(), trace.Output, 1e-12, "output vs nn.GRU");
        GradientCheck.AssertClose(dKernel, grads.Kernel, GradientCheck.AutogradTolerance, "dKernel vs nn.GRU");
        GradientCheck.AssertClose(dRecurrent, grads.RecurrentKernel, GradientCheck.AutogradTolerance, "dRecurrentKernel vs nn.GRU");
        GradientCheck.AssertClose(dBias, grads.Bias, GradientCheck.AutogradTolerance, "dBias vs nn.GRU");
        // The mapping is a bijection: back and forth gives Keras' weights.
        var (k, r, b) = FromTorch(weightIh, weightHh, biasIh, biasHh);
        Assert.True(k.equal(kernel).all().item<bool>() && r.equal(recurrent).all().item<bool>() && b.equal(bias).all().item<bool>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Float32_agrees_with_float64(bool sequences)
    {
        var (x, kernel, recurrent, bias, dOut) = RecurrentCases.Problem(54, 4, 12, 5, 8, 3, [2, 24], sequences);
        var exact = GruKernel.Forward(x, kernel, recurrent, bias, sequences);
        var exactGrads = GruKernel.Backward(dOut, exact);
        var single = GruKernel.Forward(x.to_type(ScalarType.Float32), kernel.to_type(ScalarType.Float32),
            recurrent.to_type(ScalarType.Float32), bias.to_type(ScalarType.Float32), sequences);
        var singleGrads = GruKernel.Backward(dOut.to_type(ScalarType.Float32), single);

        Assert.Equal(ScalarType.Float32, singleGrads.Bias.dtype);
        GradientCheck.AssertClose(exact.Output, single.Output.to_type(ScalarType.Float64), 1e-5, "output");
        GradientCheck.AssertClose(exactGrads.Input!, singleGrads.Input!.to_type(ScalarType.Float64), 1e-5, "dx");
        GradientCheck.AssertClose(exactGrads.Bias, singleGrads.Bias.to_type(ScalarType.Float64), 1e-5, "dBias");
    }

    [Theory]
    [InlineData(5, 16, 1_104)]    // GRU(16) on the stock lab's 5 features (issue 8)
    [InlineData(32, 64, 18_816)]  // keras-catalogue.md §6
    public void Keras_weight_shapes_are_accepted_and_count_3u_f_plus_u_plus_2_parameters(long features, long units, long expected)
    {
        var kernel = zeros(features, 3 * units);
        var recurrent = zeros(units, 3 * units);
        var bias = zeros(2, 3 * units);
        Assert.Equal([1, units], GruKernel.Forward(zeros(1, 2, features), kernel, recurrent, bias).Output.shape);
        Assert.Equal(expected, RecurrentCases.Count(kernel, recurrent, bias));
    }

    [Fact]
    public void A_reset_before_bias_of_3u_is_refused_naming_the_two_rows()
    {
        // reset_after = false stores one bias row (3u): not this kernel's layout.
        var e = Assert.Throws<ArgumentException>(() => GruKernel.Forward(zeros(2, 3, 5), zeros(5, 12), zeros(4, 12), zeros(12)));
        Assert.Contains("(2, 3u) = [2, 12]", e.Message);
        Assert.Contains("got [12]", e.Message);
        Assert.Equal("bias", e.ParamName);
    }
}
