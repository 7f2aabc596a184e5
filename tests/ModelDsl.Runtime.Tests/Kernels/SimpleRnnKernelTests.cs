using ModelDsl.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Kernels;

public class SimpleRnnKernelTests
{
    /// <summary>Keras' SimpleRNN step by step in plain torch ops: h = tanh(x_t·W + b + h·U).</summary>
    private static Tensor Reference(Tensor x, Tensor kernel, Tensor recurrent, Tensor bias, bool sequences = false)
    {
        var h = zeros(x.shape[0], recurrent.shape[0], dtype: x.dtype);
        var states = new List<Tensor>();
        for (long t = 0; t < x.shape[1]; t++)
        {
            h = (x.select(1, t).matmul(kernel) + bias + h.matmul(recurrent)).tanh();
            states.Add(h);
        }
        return RecurrentCases.Output(states, sequences);
    }

    private static void AssertBackward(long batch, long time, long features, long units, bool sequences, ulong seed) =>
        RecurrentCases.AssertBackward(RecurrentLayer.SimpleRnn, (a, s) => Reference(a[0], a[1], a[2], a[3], s), batch, time, features, units, sequences, seed);

    [Fact]
    public void Backward_through_25_steps_at_the_lab_width_matches_autograd_and_finite_differences() =>
        AssertBackward(batch: 3, time: 25, features: 5, units: 16, sequences: false, seed: 61);

    [Theory]
    [InlineData(false, 7)]
    [InlineData(true, 7)]
    [InlineData(false, 1)]  // one step: no recurrent product at all
    [InlineData(true, 1)]
    public void Backward_of_either_output_matches_autograd_and_finite_differences(bool sequences, long time) =>
        AssertBackward(batch: 3, time, features: 4, units: 5, sequences, seed: 62);

    [Fact]
    public void One_unit_two_steps_by_hand()
    {
        var x = tensor(new[] { 2.0, -1.0 }, dtype: ScalarType.Float64).reshape(1, 2, 1);
        var kernel = tensor(new[] { 0.3 }, dtype: ScalarType.Float64).reshape(1, 1);
        var recurrent = tensor(new[] { -0.8 }, dtype: ScalarType.Float64).reshape(1, 1);
        var bias = tensor(new[] { 0.1 }, dtype: ScalarType.Float64);
        double h1 = Math.Tanh(0.3 * 2 + 0.1), h2 = Math.Tanh(0.3 * -1 + 0.1 - 0.8 * h1);

        Assert.Equal(h2, SimpleRnnKernel.Forward(x, kernel, recurrent, bias).Output.ToDouble(), 14);
        RecurrentCases.AssertSteps(SimpleRnnKernel.Forward(x, kernel, recurrent, bias, returnSequences: true).Output, h1, h2);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Equals_torch_nn_RNN_with_the_weights_transposed_and_a_zero_second_bias(bool sequences)
    {
        var (x, kernel, recurrent, bias, dOut) = RecurrentCases.Problem(63, 3, 6, 4, 5, 1, [5], sequences);
        var rnn = nn.RNN(4, 5, batchFirst: true, dtype: ScalarType.Float64);
        Tensor[] parameters = [.. new[] { "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0" }.Select(n => (Tensor)rnn.get_parameter(n)!)];
        using (no_grad())
        {
            parameters[0].copy_(kernel.t());
            parameters[1].copy_(recurrent.t());
            parameters[2].copy_(bias);
            parameters[3].zero_();
        }
        var (outputs, _) = rnn.call(x, null);
        var torchOutput = sequences ? outputs : outputs.select(1, -1);
        var torchGrads = autograd.grad([torchOutput], parameters, [dOut]);

        var trace = SimpleRnnKernel.Forward(x, kernel, recurrent, bias, sequences);
        var grads = SimpleRnnKernel.Backward(dOut, trace);
        GradientCheck.AssertClose(torchOutput.detach(), trace.Output, 1e-12, "output vs nn.RNN");
        GradientCheck.AssertClose(torchGrads[0].t(), grads.Kernel, GradientCheck.AutogradTolerance, "dKernel vs nn.RNN");
        GradientCheck.AssertClose(torchGrads[1].t(), grads.RecurrentKernel, GradientCheck.AutogradTolerance, "dRecurrentKernel vs nn.RNN");
        GradientCheck.AssertClose(torchGrads[2], grads.Bias, GradientCheck.AutogradTolerance, "dBias vs nn.RNN");
    }

    [Fact]
    public void A_gru_with_sequences_feeding_a_simple_rnn_matches_autograd_and_finite_differences_end_to_end()
    {
        const long batch = 2, time = 5, features = 3, first = 4, second = 3;
        var (x, k1, r1, b1, _) = RecurrentCases.Problem(64, batch, time, features, first, 3, [2, 3 * first], sequences: true);
        var (_, k2, r2, b2, dOut) = RecurrentCases.Problem(65, batch, time, first, second, 1, [second], sequences: true);

        var lower = GruKernel.Forward(x, k1, r1, b1, returnSequences: true);
        var upper = SimpleRnnKernel.Forward(lower.Output, k2, r2, b2, returnSequences: true);
        var dUpper = SimpleRnnKernel.Backward(dOut, upper);
        var dLower = GruKernel.Backward(dUpper.Input!, lower);

        GradientCheck.AssertBackward(
            a => SimpleRnnKernel.Forward(GruKernel.Forward(a[0], a[1], a[2], a[3], returnSequences: true).Output, a[4], a[5], a[6], returnSequences: true).Output,
            a => Reference(GruKernelTests.Reference(a[0], a[1], a[2], a[3], sequences: true), a[4], a[5], a[6], sequences: true),
            [x, k1, r1, b1, k2, r2, b2], dOut,
            [dLower.Input!, dLower.Kernel, dLower.RecurrentKernel, dLower.Bias, dUpper.Kernel, dUpper.RecurrentKernel, dUpper.Bias],
            ["x", "kernel1", "recurrentKernel1", "bias1", "kernel2", "recurrentKernel2", "bias2"]);
    }

    [Theory]
    [InlineData(5, 16, 352)]     // SimpleRNN(16) on the stock lab's 5 features
    [InlineData(32, 64, 6_208)]  // keras-catalogue.md §6
    public void Keras_weight_shapes_are_accepted_and_count_u_f_plus_u_plus_1_parameters(long features, long units, long expected)
    {
        var kernel = zeros(features, units);
        var recurrent = zeros(units, units);
        var bias = zeros(units);
        Assert.Equal([1, units], SimpleRnnKernel.Forward(zeros(1, 2, features), kernel, recurrent, bias).Output.shape);
        Assert.Equal(expected, RecurrentCases.Count(kernel, recurrent, bias));
    }
}
