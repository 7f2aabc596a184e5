using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Kernels;

/// <summary>The result of <see cref="GruKernel.Forward"/> and everything <see cref="GruKernel.Backward"/> needs.</summary>
/// <param name="Output">The last hidden state h_T (batch, units), or every h_t (batch, time, units) with <paramref name="ReturnSequences"/>.</param>
/// <param name="ReturnSequences">Whether <paramref name="Output"/> holds every step.</param>
/// <param name="InputRows">The input as time-major rows (time·batch, features): row t·batch + n is x[n, t].</param>
/// <param name="Kernel">The input kernel (features, 3u), blocks z, r, h (not copied).</param>
/// <param name="RecurrentKernel">The recurrent kernel (u, 3u), blocks z, r, h (not copied).</param>
/// <param name="Gates">Activated gates per step (time, batch, 3u): z, r, ĥ.</param>
/// <param name="RecurrentParts">h₋·U + b_h per step (time, batch, 3u), from the state before the step.</param>
/// <param name="States">Hidden states (time + 1, batch, u): h_0 = 0, then h after each step.</param>
public sealed record GruTrace(Tensor Output, bool ReturnSequences, Tensor InputRows, Tensor Kernel, Tensor RecurrentKernel,
    Tensor Gates, Tensor RecurrentParts, Tensor States)
{
    /// <summary>Units u.</summary>
    public long Units => RecurrentKernel.size(0);

    /// <summary>Time steps.</summary>
    public long TimeSteps => Gates.size(0);
}

/// <summary>Gradients of the GRU w.r.t. its input (batch, time, features) and its three weights, in Keras' layouts.</summary>
public sealed record GruGradients(Tensor Input, Tensor Kernel, Tensor RecurrentKernel, Tensor Bias);

/// <summary>
/// Keras' GRU with reset_after = true (its default; zero initial state, no mask): kernel (F, 3u) and recurrent kernel
/// (u, 3u) in gate blocks z, r, h, bias (2, 3u) with row 0 added to x·W and row 1 to h·U. The backward is
/// backpropagation through time, by hand; as in <see cref="LstmKernel"/>, only h·U and the elementwise recurrence run
/// per step.
/// </summary>
/// <remarks>
/// torch's <c>nn.GRU</c> computes the same function in another layout: its gate order is r, z, n (n is Keras' h) and
/// it stores the weights transposed, so weight_ih_l0 = [W_r; W_z; W_h]ᵀ (3u, F), weight_hh_l0 = [U_r; U_z; U_h]ᵀ
/// (3u, u), bias_ih_l0 = [b_x,r; b_x,z; b_x,h] (Keras' bias row 0 with its first two blocks swapped) and bias_hh_l0
/// = [b_h,r; b_h,z; b_h,h] (row 1, likewise). torch's n = tanh(x W_n + b_in + r⊙(h U_n + b_hn)) and
/// h' = (1 − z)⊙n + z⊙h are Keras' ĥ and h' exactly.
/// </remarks>
public static class GruKernel
{
    /// <summary>
    /// x (batch, time, features); kernel (features, 3u); recurrentKernel (u, 3u); bias (2, 3u); blocks z, r, h. Per step
    /// with a = x_t·W + b_x and m = h·U + b_h: z = σ(a_z + m_z), r = σ(a_r + m_r), ĥ = tanh(a_h + r⊙m_h),
    /// h = z⊙h + (1 − z)⊙ĥ, from h = 0. Output h_T (batch, u), or (batch, time, u) with <paramref name="returnSequences"/>.
    /// </summary>
    public static GruTrace Forward(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor bias, bool returnSequences = false)
    {
        var (batch, time, _, u) = RecurrentSteps.Check("GRU", 3, x, kernel, recurrentKernel, bias, biasRows: 2);
        using var scope = NewDisposeScope();
        using var one = 1.0.ToScalar();

        var inputRows = RecurrentSteps.TimeMajorRows(x);
        var gates = addmm(bias[0], inputRows, kernel, 1, 1).view(time, batch, 3 * u);
        // h_0 = 0: the first step's recurrent part is b_h alone; later steps add h·U in place.
        var recurrentParts = empty_like(gates).copy_(bias[1]);
        var states = RecurrentSteps.States(x, u);

        var m = recurrentParts.unbind(0);
        var mZr = recurrentParts.narrow(2, 0, 2 * u).unbind(0);
        var mH = recurrentParts.narrow(2, 2 * u, u).unbind(0);
        var zr = gates.narrow(2, 0, 2 * u).unbind(0);
        var z = gates.narrow(2, 0, u).unbind(0);
        var r = gates.narrow(2, u, u).unbind(0);
        var candidate = gates.narrow(2, 2 * u, u).unbind(0);
        var h = states.unbind(0);
        for (long t = 0; t < time; t++)
        {
            if (t > 0) m[t].addmm_(h[t], recurrentKernel);
            zr[t].add_(mZr[t]).sigmoid_();
            candidate[t].addcmul_(r[t], mH[t], one).tanh_();
            h[t + 1].copy_(candidate[t]).lerp_(h[t], z[t]);            // ĥ + z⊙(h₋ − ĥ)
        }

        return new GruTrace(
            Output: RecurrentSteps.Output(states, returnSequences).MoveToOuterDisposeScope(),
            ReturnSequences: returnSequences,
            InputRows: inputRows.MoveToOuterDisposeScope(),
            Kernel: kernel,
            RecurrentKernel: recurrentKernel,
            Gates: gates.MoveToOuterDisposeScope(),
            RecurrentParts: recurrentParts.MoveToOuterDisposeScope(),
            States: states.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Backpropagation through time from dL/dOutput: (batch, units) for the last state, or (batch, time, units) with
    /// sequences. Returns dx (batch, time, features), dKernel (features, 3u), dRecurrentKernel (u, 3u) and dBias
    /// (2, 3u): row 0 sums the gradients of x·W + b_x, row 1 those of h·U + b_h.
    /// </summary>
    public static GruGradients Backward(Tensor dOutput, GruTrace trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        using var scope = NewDisposeScope();
        var dh = RecurrentSteps.Upstream("GRU", dOutput, trace.States, trace.ReturnSequences);    // (T, N, u), grows per step
        using var one = 1.0.ToScalar();
        long time = trace.TimeSteps, batch = trace.States.size(1), u = trace.Units;
        var gates = trace.Gates;
        Tensor zAll = gates.narrow(2, 0, u), rAll = gates.narrow(2, u, u), candidateAll = gates.narrow(2, 2 * u, u);

        // With dh reaching a step: da_h = dh⊙(1 − z)⊙(1 − ĥ²), da_z = dh⊙(h₋ − ĥ)⊙z(1 − z), da_r = da_h⊙m_h⊙r(1 − r);
        // the recurrent part gets dm = [da_z, da_r, da_h⊙r] and h₋ gets dh⊙z + dm·Uᵀ. Every factor but dh depends on
        // the forward only: computed here for all steps, into the buffer that becomes dm by one product per step.
        var candidateSlope = candidateAll.square().neg_().add_(one).mul_(zAll.neg().add_(one));    // (1 − ĥ²)(1 − z)
        var dm = empty_like(gates);
        var dmZ = dm.narrow(2, 0, u);
        dmZ.copy_(zAll).neg_().add_(one).mul_(zAll).mul_(trace.States.narrow(0, 0, time).sub(candidateAll));
        var dmR = dm.narrow(2, u, u);
        dmR.copy_(rAll).neg_().add_(one).mul_(rAll).mul_(candidateSlope).mul_(trace.RecurrentParts.narrow(2, 2 * u, u));
        dm.narrow(2, 2 * u, u).copy_(candidateSlope).mul_(rAll);

        var recurrentT = trace.RecurrentKernel.t();
        var dmStep = dm.unbind(0);
        var dmBlocks = dm.view(time, batch, 3, u).unbind(0);
        var dhStep = dh.unbind(0);
        var dhBlocks = dh.unsqueeze(2).unbind(0);                      // (N, 1, u) against (N, 3, u)
        var z = zAll.unbind(0);
        for (long t = time - 1; t >= 0; t--)
        {
            if (t < time - 1) dhStep[t].addcmul_(dhStep[t + 1], z[t + 1], one).addmm_(dmStep[t + 1], recurrentT);
            dmBlocks[t].mul_(dhBlocks[t]);
        }

        // The input side: da = dm but for the candidate block, whose input part is not multiplied by r.
        var da = dm.clone();
        da.narrow(2, 2 * u, u).copy_(candidateSlope).mul_(dh);
        var daRows = da.view(time * batch, 3 * u);
        var dmRows = dm.view(time * batch, 3 * u);
        return new GruGradients(
            Input: RecurrentSteps.InputGradient(daRows, trace.Kernel, batch, time).MoveToOuterDisposeScope(),
            Kernel: RecurrentSteps.SumOverSteps(trace.InputRows, daRows).MoveToOuterDisposeScope(),
            RecurrentKernel: RecurrentSteps.SumOverSteps(RecurrentSteps.PreviousStateRows(trace.States), dmRows).MoveToOuterDisposeScope(),
            Bias: stack([daRows.sum(0L), dmRows.sum(0L)]).MoveToOuterDisposeScope());
    }
}
