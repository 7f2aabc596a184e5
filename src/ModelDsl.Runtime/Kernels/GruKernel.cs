using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Kernels;

/// <summary>
/// The result of <see cref="GruKernel.Forward"/> and everything <see cref="GruKernel.Backward"/> needs. The candidate
/// block's weights are doubled inside the kernel, so that a sigmoid gives the candidate: tanh(z) = 2σ(2z) − 1.
/// </summary>
/// <param name="Output">The last hidden state h_T (batch, units), or every h_t (batch, time, units) with <paramref name="ReturnSequences"/>.</param>
/// <param name="ReturnSequences">Whether <paramref name="Output"/> holds every step.</param>
/// <param name="InputRows">The input as time-major rows (time·batch, features): row t·batch + n is x[n, t].</param>
/// <param name="Kernel">The input kernel (features, 3u), blocks z, r, 2·h (a copy).</param>
/// <param name="RecurrentKernel">The recurrent kernel (u, 3u), blocks z, r, 2·h (a copy).</param>
/// <param name="Gates">Sigmoids per step (time, batch, 3u): z, r and s, the candidate being ĥ = 2s − 1.</param>
/// <param name="RecurrentParts">h₋·U + b_h per step (time, batch, 3u), h block doubled, from the state before the step.</param>
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
public sealed record GruGradients(Tensor? Input, Tensor Kernel, Tensor RecurrentKernel, Tensor Bias);

/// <summary>
/// Keras' GRU with reset_after = true (its default; zero initial state, no mask): kernel (F, 3u) and recurrent kernel
/// (u, 3u) in gate blocks z, r, h, bias (2, 3u) with row 0 added to x·W and row 1 to h·U. The backward is
/// backpropagation through time, by hand; as in <see cref="LstmKernel"/>, only h·U and the elementwise recurrence run
/// per step, and the candidate's tanh is 2σ(2z) − 1 (torch's tanh is several times slower than its sigmoid).
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
        using var two = 2.0.ToScalar();
        using var minusOne = (-1.0).ToScalar();

        // The candidate's pre-activation doubled: x·W_h + b_x,h and the whole recurrent part r⊙(h·U_h + b_h,h) scale with it.
        var w = RecurrentSteps.Scaled(kernel, 1, 2 * u, u, two);
        var recurrent = RecurrentSteps.Scaled(recurrentKernel, 1, 2 * u, u, two);
        var doubled = RecurrentSteps.Scaled(bias, 1, 2 * u, u, two);
        var inputRows = RecurrentSteps.TimeMajorRows(x);
        var gates = addmm(doubled[0], inputRows, w, 1, 1).view(time, batch, 3 * u);
        // h_0 = 0: the first step's recurrent part is b_h alone; later steps add h·U in place.
        var recurrentParts = empty_like(gates).copy_(doubled[1]);
        // Rows 1..T start at −1, so that adding 2s makes the candidate in place.
        var states = empty(time + 1, batch, u, dtype: x.dtype, device: x.device).fill_(minusOne);
        states[0].zero_();

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
            if (t > 0) m[t].addmm_(h[t], recurrent);
            zr[t].add_(mZr[t]).sigmoid_();
            candidate[t].addcmul_(r[t], mH[t], one).sigmoid_();
            h[t + 1].add_(candidate[t], two).lerp_(h[t], z[t]);        // ĥ = 2s − 1, then ĥ + z⊙(h₋ − ĥ)
        }

        return new GruTrace(
            Output: RecurrentSteps.Output(states, returnSequences).MoveToOuterDisposeScope(),
            ReturnSequences: returnSequences,
            InputRows: inputRows.MoveToOuterDisposeScope(),
            Kernel: w.MoveToOuterDisposeScope(),
            RecurrentKernel: recurrent.MoveToOuterDisposeScope(),
            Gates: gates.MoveToOuterDisposeScope(),
            RecurrentParts: recurrentParts.MoveToOuterDisposeScope(),
            States: states.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Backpropagation through time from dL/dOutput: (batch, units) for the last state, or (batch, time, units) with
    /// sequences. Returns dx (batch, time, features), dKernel (features, 3u), dRecurrentKernel (u, 3u) and dBias
    /// (2, 3u): row 0 sums the gradients of x·W + b_x, row 1 those of h·U + b_h.
    /// </summary>
    public static GruGradients Backward(Tensor dOutput, GruTrace trace, bool inputGradient = true)
    {
        ArgumentNullException.ThrowIfNull(trace);
        using var scope = NewDisposeScope();
        var dh = RecurrentSteps.Upstream("GRU", dOutput, trace.States, trace.ReturnSequences);    // (T, N, u), grows per step
        using var one = 1.0.ToScalar();
        using var two = 2.0.ToScalar();
        using var minusOne = (-1.0).ToScalar();
        using var minusTwo = (-2.0).ToScalar();
        long time = trace.TimeSteps, batch = trace.States.size(1), u = trace.Units;
        var gates = trace.Gates;
        Tensor zAll = gates.narrow(2, 0, u), rAll = gates.narrow(2, u, u), sAll = gates.narrow(2, 2 * u, u);

        // With p the doubled candidate pre-activation (ĥ = 2σ(p) − 1) and dh reaching a step: dp = dh⊙(1 − z)⊙2s(1 − s),
        // da_z = dh⊙(h₋ − ĥ)⊙z(1 − z), da_r = dp⊙m_h⊙r(1 − r); the recurrent part gets dm = [da_z, da_r, dp⊙r] and h₋
        // gets dh⊙z + dm·Uᵀ. Every factor but dh depends on the forward only: computed here for all steps, into the
        // buffer that becomes dm by one product per step.
        var candidateSlope = sAll.addcmul(sAll, sAll, minusOne).mul_(two).mul_(zAll.neg().add_(one));   // 2s(1 − s)(1 − z)
        var dm = empty_like(gates);
        var dmZ = dm.narrow(2, 0, u);
        dmZ.copy_(zAll).addcmul_(zAll, zAll, minusOne).mul_(trace.States.narrow(0, 0, time).add(sAll, minusTwo).add_(one));
        var dmR = dm.narrow(2, u, u);
        dmR.copy_(rAll).addcmul_(rAll, rAll, minusOne).mul_(candidateSlope).mul_(trace.RecurrentParts.narrow(2, 2 * u, u));
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
        var (dx, dKernel, dRecurrent) = RecurrentSteps.Products(daRows, dmRows, trace.InputRows, trace.Kernel, trace.States, inputGradient);
        // Keras' weights: the doubled candidate block's gradients, doubled.
        return new GruGradients(
            Input: dx?.MoveToOuterDisposeScope(),
            Kernel: RecurrentSteps.Scaled(dKernel, 1, 2 * u, u, two, inPlace: true).MoveToOuterDisposeScope(),
            RecurrentKernel: RecurrentSteps.Scaled(dRecurrent, 1, 2 * u, u, two, inPlace: true).MoveToOuterDisposeScope(),
            Bias: RecurrentSteps.Scaled(stack([daRows.sum(0L), dmRows.sum(0L)]), 1, 2 * u, u, two, inPlace: true).MoveToOuterDisposeScope());
    }
}
