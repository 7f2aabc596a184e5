using ModelDsl.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Kernels;

public class LstmKernelTests
{
    /// <summary>Keras' LSTM step by step, one matmul per gate block (i, f, c, o), in plain torch ops.</summary>
    private static Tensor Reference(Tensor x, Tensor kernel, Tensor recurrent, Tensor bias, bool sequences = false)
    {
        long units = recurrent.shape[0];
        Tensor Block(Tensor w, int k) => w.narrow(-1, k * units, units);
        var h = zeros(x.shape[0], units, dtype: x.dtype);
        var c = zeros(x.shape[0], units, dtype: x.dtype);
        var states = new List<Tensor>();
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
            states.Add(h);
        }
        return RecurrentCases.Output(states, sequences);
    }

    private static void AssertBackward(long batch, long time, long features, long units, bool sequences, ulong seed) =>
        RecurrentCases.AssertBackward(RecurrentLayer.Lstm, (a, s) => Reference(a[0], a[1], a[2], a[3], s), batch, time, features, units, sequences, seed);

    [Fact]
    public void Backward_through_25_steps_at_the_lab_width_matches_autograd_and_finite_differences() =>
        AssertBackward(batch: 3, time: 25, features: 5, units: 16, sequences: false, seed: 41);

    [Theory]
    [InlineData(false, 7)]
    [InlineData(true, 7)]
    [InlineData(false, 1)]  // one step: no recurrent product at all
    [InlineData(true, 1)]
    public void Backward_of_either_output_matches_autograd_and_finite_differences(bool sequences, long time) =>
        AssertBackward(batch: 3, time, features: 4, units: 5, sequences, seed: 42);

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
        double h2 = o2 * Math.Tanh(c2);
        Assert.Equal(h2, LstmKernel.Forward(x2, kernel, recurrent, bias).Output.ToDouble(), 14);

        // With sequences the output holds both steps, in time order.
        RecurrentCases.AssertSteps(LstmKernel.Forward(x2, kernel, recurrent, bias, returnSequences: true).Output, h1, h2);
    }

    [Fact]
    public void Stacked_lstm_with_sequences_feeding_an_lstm_matches_autograd_and_finite_differences_end_to_end()
    {
        const long batch = 2, time = 5, features = 3, first = 4, second = 3;
        var (x, k1, r1, b1, _) = RecurrentCases.Problem(7, batch, time, features, first, 4, [4 * first], sequences: true);
        var (_, k2, r2, b2, dOut) = RecurrentCases.Problem(8, batch, time, first, second, 4, [4 * second], sequences: false);

        var lower = LstmKernel.Forward(x, k1, r1, b1, returnSequences: true);
        var upper = LstmKernel.Forward(lower.Output, k2, r2, b2);
        var dUpper = LstmKernel.Backward(dOut, upper);
        var dLower = LstmKernel.Backward(dUpper.Input!, lower);

        GradientCheck.AssertBackward(
            a => LstmKernel.Forward(LstmKernel.Forward(a[0], a[1], a[2], a[3], returnSequences: true).Output, a[4], a[5], a[6]).Output,
            a => Reference(Reference(a[0], a[1], a[2], a[3], sequences: true), a[4], a[5], a[6]),
            [x, k1, r1, b1, k2, r2, b2], dOut,
            [dLower.Input!, dLower.Kernel, dLower.RecurrentKernel, dLower.Bias, dUpper.Kernel, dUpper.RecurrentKernel, dUpper.Bias],
            ["x", "kernel1", "recurrentKernel1", "bias1", "kernel2", "recurrentKernel2", "bias2"]);
    }

    [Fact]
    public void A_forward_that_autograd_would_record_is_refused_with_the_way_to_call_it()
    {
        var (x, kernel, recurrent, bias, _) = RecurrentCases.Problem(41, 3, 4, 5, 6, 4, [24], sequences: false);
        var e = Assert.Throws<InvalidOperationException>(() => LstmKernel.Forward(x.detach().clone().requires_grad_(true), kernel, recurrent, bias));
        Assert.Contains("no_grad", e.Message);
        using (no_grad())
            Assert.Equal([3, 6], LstmKernel.Forward(x.detach().clone().requires_grad_(true), kernel, recurrent, bias).Output.shape);
    }

    [Fact]
    public void The_backward_of_one_sample_with_sequences_leaves_the_upstream_gradient_as_it_was()
    {
        // Batch 1: the time-major view of dOutput is already contiguous, and the backward writes into its buffer.
        var (x, kernel, recurrent, bias, dOut) = RecurrentCases.Problem(42, 1, 5, 3, 4, 4, [16], sequences: true);
        var before = dOut.clone();
        LstmKernel.Backward(dOut, LstmKernel.Forward(x, kernel, recurrent, bias, returnSequences: true));
        Assert.True(dOut.equal(before).all().item<bool>());
    }

    [Fact]
    public void A_step_above_the_cpu_loops_limit_runs_torch_ops_and_agrees_with_the_loops_on_each_half_of_its_batch()
    {
        // u = 128: batch 18 makes 18·4·128² ≈ 1.2M multiply-adds a step (torch's ops), each half of 9 is under the
        // limit (the CPU loops, which the autograd and finite-difference tests check); the halves' weight gradients sum
        // to the whole batch's (the upstream gradient is per sample).
        const long units = 128;
        Assert.True(18 * 4 * units * units > LstmCpuSteps.MaxStepMultiplyAdds && 9 * 4 * units * units <= LstmCpuSteps.MaxStepMultiplyAdds);
        var (x, kernel, recurrent, bias, dOut) = RecurrentCases.Problem(31, 18, 3, 5, units, 4, [4 * units], sequences: true);
        var whole = LstmKernel.Forward(x, kernel, recurrent, bias, returnSequences: true);
        var wholeGrads = LstmKernel.Backward(dOut, whole);
        var halves = new[] { (0L, 9L), (9L, 9L) }.Select(h =>
        {
            var trace = LstmKernel.Forward(x.narrow(0, h.Item1, h.Item2), kernel, recurrent, bias, returnSequences: true);
            return (trace.Output, Grads: LstmKernel.Backward(dOut.narrow(0, h.Item1, h.Item2), trace));
        }).ToList();
        GradientCheck.AssertClose(whole.Output, cat([halves[0].Output, halves[1].Output], 0), 1e-12, "output");
        GradientCheck.AssertClose(wholeGrads.Input!, cat([halves[0].Grads.Input!, halves[1].Grads.Input!], 0), 1e-12, "dx");
        GradientCheck.AssertClose(wholeGrads.Kernel, halves[0].Grads.Kernel + halves[1].Grads.Kernel, 1e-12, "dKernel");
        GradientCheck.AssertClose(wholeGrads.RecurrentKernel, halves[0].Grads.RecurrentKernel + halves[1].Grads.RecurrentKernel, 1e-12, "dRecurrentKernel");
        GradientCheck.AssertClose(wholeGrads.Bias, halves[0].Grads.Bias + halves[1].Grads.Bias, 1e-12, "dBias");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Float32_agrees_with_float64(bool sequences)
    {
        var (x, kernel, recurrent, bias, dOut) = RecurrentCases.Problem(9, 4, 12, 5, 8, 4, [32], sequences);
        var exact = LstmKernel.Forward(x, kernel, recurrent, bias, sequences);
        var exactGrads = LstmKernel.Backward(dOut, exact);
        var single = LstmKernel.Forward(x.to_type(ScalarType.Float32), kernel.to_type(ScalarType.Float32),
            recurrent.to_type(ScalarType.Float32), bias.to_type(ScalarType.Float32), sequences);
        var singleGrads = LstmKernel.Backward(dOut.to_type(ScalarType.Float32), single);

        Assert.Equal(ScalarType.Float32, singleGrads.RecurrentKernel.dtype);
        GradientCheck.AssertClose(exact.Output, single.Output.to_type(ScalarType.Float64), 1e-5, "output");
        GradientCheck.AssertClose(exactGrads.Input!, singleGrads.Input!.to_type(ScalarType.Float64), 1e-5, "dx");
        GradientCheck.AssertClose(exactGrads.RecurrentKernel, singleGrads.RecurrentKernel.to_type(ScalarType.Float64), 1e-5, "dRecurrentKernel");
    }

    [Fact]
    public void The_backward_consumes_its_trace_once_and_refuses_a_second_pass()
    {
        var (x, kernel, recurrent, bias, dOut) = RecurrentCases.Problem(10, 2, 4, 3, 3, 4, [12], sequences: true);
        var trace = LstmKernel.Forward(x, kernel, recurrent, bias, returnSequences: true);
        var output = trace.Output.clone();

        // A refused upstream gradient leaves the trace untouched.
        Assert.Throws<ArgumentException>(() => LstmKernel.Backward(zeros(2, 3, dtype: ScalarType.Float64), trace));
        Assert.False(trace.Consumed);
        var grads = LstmKernel.Backward(dOut, trace);
        var again = LstmKernel.Backward(dOut, LstmKernel.Forward(x, kernel, recurrent, bias, returnSequences: true));
        GradientCheck.AssertClose(again.RecurrentKernel, grads.RecurrentKernel, 0, "the same gradient from a fresh trace");

        Assert.True(trace.Consumed);
        var e = Assert.Throws<InvalidOperationException>(() => LstmKernel.Backward(dOut, trace));
        Assert.Contains("already differentiated", e.Message);
        Assert.Contains("Run Forward again", e.Message);
        // The output is not one of the reused buffers.
        GradientCheck.AssertClose(output, trace.Output, 0, "output after the backward");
    }

    [Theory]
    [InlineData(5, 16, 1_408)]    // the stock lab's LSTM(16) on 5 features
    [InlineData(32, 64, 24_832)]  // keras-catalogue.md §6
    public void Keras_weight_shapes_are_accepted_and_count_4u_f_plus_u_plus_1_parameters(long features, long units, long expected)
    {
        var kernel = zeros(features, 4 * units);
        var recurrent = zeros(units, 4 * units);
        var bias = zeros(4 * units);
        Assert.Equal([1, units], LstmKernel.Forward(zeros(1, 2, features), kernel, recurrent, bias).Output.shape);
        Assert.Equal(expected, RecurrentCases.Count(kernel, recurrent, bias));
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
