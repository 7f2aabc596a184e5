using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Kernels;

/// <summary>
/// The result of <see cref="LstmKernel.Forward"/> and everything <see cref="LstmKernel.Backward"/> needs. Inside the
/// kernel the gate blocks are in the order o, i, f, c (Keras' i, f, c, o rolled by u columns), so the three blocks the
/// cell gradient reaches are adjacent, and the c block's weights are doubled, so that one sigmoid activates all four
/// blocks: tanh(z) = 2σ(2z) − 1. <see cref="LstmKernel.Backward"/> overwrites <see cref="Gates"/> and
/// <see cref="CellSigmoids"/> with its own values (as autograd frees its graph after a backward): one backward per trace.
/// </summary>
/// <param name="Output">The last hidden state h_T (batch, units), or every h_t (batch, time, units) with <paramref name="ReturnSequences"/>.</param>
/// <param name="ReturnSequences">Whether <paramref name="Output"/> holds every step.</param>
/// <param name="InputRows">The input as time-major rows (time·batch, features): row t·batch + n is x[n, t].</param>
/// <param name="Kernel">The input kernel (features, 4u), blocks o, i, f, 2·c (a copy).</param>
/// <param name="RecurrentKernel">The recurrent kernel (u, 4u), blocks o, i, f, 2·c (a copy).</param>
/// <param name="Gates">Sigmoids per step (time, batch, 4u): o, i, f and s = σ(2 z_c), the candidate being 2s − 1.</param>
/// <param name="Cells">Cell states (time + 1, batch, u): c_0 = 0, then c after each step.</param>
/// <param name="CellSigmoids">σ(2c) after each step (time, batch, u): tanh(c) = 2σ(2c) − 1.</param>
/// <param name="States">Hidden states (time + 1, batch, u): h_0 = 0, then h after each step.</param>
public sealed record LstmTrace(Tensor Output, bool ReturnSequences, Tensor InputRows, Tensor Kernel, Tensor RecurrentKernel,
    Tensor Gates, Tensor Cells, Tensor CellSigmoids, Tensor States)
{
    /// <summary>Units u.</summary>
    public long Units => RecurrentKernel.size(0);

    /// <summary>Time steps.</summary>
    public long TimeSteps => Gates.size(0);

    /// <summary>Whether <see cref="LstmKernel.Backward"/> has run on this trace (and reused its gate buffers).</summary>
    public bool Consumed { get; internal set; }
}

/// <summary>Gradients of the LSTM w.r.t. its input (batch, time, features; null when Backward was told the input needs none) and its three weights, in Keras' layouts.</summary>
public sealed record LstmGradients(Tensor? Input, Tensor Kernel, Tensor RecurrentKernel, Tensor Bias);

/// <summary>
/// Keras' LSTM (zero initial states, no mask): one bias, gate blocks i, f, c, o, sigmoid recurrent activation and
/// tanh activation; the last state or, with return_sequences, every state. The backward is backpropagation through
/// time, by hand. Only h·U and the elementwise recurrence run per step, in place on views of preallocated
/// (time, batch, ·) buffers; the input projection and the weight gradients are single matrix products over all steps.
/// Every tanh is computed as 2σ(2z) − 1: torch's tanh goes through MKL's vector math, about four times slower than
/// its sigmoid, and once per row on a gate block; this way one sigmoid call activates a whole step's gates. On the CPU,
/// a step of at most a million multiply-adds runs as <see cref="LstmCpuSteps"/>' loops over the same buffers instead.
/// </summary>
public static class LstmKernel
{
    /// <summary>
    /// x (batch, time, features); kernel (features, 4u); recurrentKernel (u, 4u); bias (4u); blocks i, f, c, o.
    /// Per step z = x_t·W + h·U + b, c = σ(z_f)⊙c + σ(z_i)⊙tanh(z_c), h = σ(z_o)⊙tanh(c), from h = c = 0.
    /// Output h_T (batch, u), or (batch, time, u) with <paramref name="returnSequences"/>.
    /// </summary>
    public static LstmTrace Forward(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor bias, bool returnSequences = false)
    {
        var (batch, time, _, u) = RecurrentSteps.Check("LSTM", 4, x, kernel, recurrentKernel, bias, biasRows: 0);
        // The steps write into views of preallocated buffers (in place, or from managed loops), which autograd cannot
        // record: the gradients come from Backward. (Torch refused such a call with an error from deep inside libtorch.)
        if (is_grad_enabled() && (x.requires_grad || kernel.requires_grad || recurrentKernel.requires_grad || bias.requires_grad))
            throw new InvalidOperationException("LstmKernel.Forward computes its gradients by LstmKernel.Backward, not by autograd: " +
                "call it on tensors that do not require grad, or inside torch.no_grad().");
        using var scope = NewDisposeScope();
        using var one = 1.0.ToScalar();
        using var two = 2.0.ToScalar();

        var w = Internal(kernel, u, 1, two);
        var recurrent = Internal(recurrentKernel, u, 1, two);
        var inputRows = RecurrentSteps.TimeMajorRows(x);
        // Every step's input part at once; each step then adds h·U in place and activates in place.
        var gates = addmm(Internal(bias, u, 0, two), inputRows, w, 1, 1).view(time, batch, 4 * u);
        // Zero-filled, so that an accumulating op writes a product into a step's rows: torch has no out= here.
        var cells = zeros(time + 1, batch, u, dtype: x.dtype, device: x.device);
        var cellSigmoids = zeros(time, batch, u, dtype: x.dtype, device: x.device);
        var states = zeros(time + 1, batch, u, dtype: x.dtype, device: x.device);

        if (LstmCpuSteps.Applies(x, batch, u))
        {
            // CPU memory: each step's product h·U and elementwise part as loops over its memory (LstmCpuSteps).
            if (x.dtype == ScalarType.Float32) LstmCpuSteps.ForwardSteps<float>(gates, cells, cellSigmoids, states, recurrent);
            else LstmCpuSteps.ForwardSteps<double>(gates, cells, cellSigmoids, states, recurrent);
            return Trace(states, returnSequences, inputRows, w, recurrent, gates, cells, cellSigmoids);
        }

        // One native call per family of per-step views, none per step.
        var z = gates.unbind(0);
        var o = gates.narrow(2, 0, u).unbind(0);
        var i = gates.narrow(2, u, u).unbind(0);
        var f = gates.narrow(2, 2 * u, u).unbind(0);
        var s = gates.narrow(2, 3 * u, u).unbind(0);
        var c = cells.unbind(0);
        var e = cellSigmoids.unbind(0);
        var h = states.unbind(0);
        for (long t = 0; t < time; t++)
        {
            if (t > 0) z[t].addmm_(h[t], recurrent);                  // h_0 = 0 adds nothing
            z[t].sigmoid_();
            if (t > 0) c[t + 1].addcmul_(c[t], f[t], one);            // c_0 = 0 likewise
            c[t + 1].addcmul_(i[t], s[t], two).sub_(i[t]);            // + i⊙(2s − 1)
            e[t].add_(c[t + 1], two).sigmoid_();                      // σ(2c)
            h[t + 1].addcmul_(o[t], e[t], two).sub_(o[t]);            // o⊙(2σ(2c) − 1)
        }

        return Trace(states, returnSequences, inputRows, w, recurrent, gates, cells, cellSigmoids);
    }

    private static LstmTrace Trace(Tensor states, bool returnSequences, Tensor inputRows, Tensor w, Tensor recurrent, Tensor gates,
        Tensor cells, Tensor cellSigmoids) => new(
            Output: RecurrentSteps.Output(states, returnSequences).MoveToOuterDisposeScope(),
            ReturnSequences: returnSequences,
            InputRows: inputRows.MoveToOuterDisposeScope(),
            Kernel: w.MoveToOuterDisposeScope(),
            RecurrentKernel: recurrent.MoveToOuterDisposeScope(),
            Gates: gates.MoveToOuterDisposeScope(),
            Cells: cells.MoveToOuterDisposeScope(),
            CellSigmoids: cellSigmoids.MoveToOuterDisposeScope(),
            States: states.MoveToOuterDisposeScope());

    /// <summary>
    /// Backpropagation through time from dL/dOutput: (batch, units) for the last state, or (batch, time, units) with
    /// sequences (each step's h receives its own gradient). Returns dx (batch, time, features), dKernel (features, 4u),
    /// dRecurrentKernel (u, 4u) and dBias (4u) in Keras' block order. Reuses the trace's gate buffers: a second call
    /// on the same trace throws <see cref="InvalidOperationException"/>.
    /// </summary>
    public static LstmGradients Backward(Tensor dOutput, LstmTrace trace, bool inputGradient = true)
    {
        ArgumentNullException.ThrowIfNull(trace);
        if (trace.Consumed)
            throw new InvalidOperationException("This LSTM trace was already differentiated: Backward reuses its buffers " +
                "(as autograd frees its graph). Run Forward again for another backward pass.");
        using var scope = NewDisposeScope();
        var dh = RecurrentSteps.Upstream("LSTM", dOutput, trace.States, trace.ReturnSequences);   // (T, N, u), grows per step
        trace.Consumed = true;
        using var one = 1.0.ToScalar();
        using var two = 2.0.ToScalar();
        using var four = 4.0.ToScalar();
        using var minusOne = (-1.0).ToScalar();
        long time = trace.TimeSteps, batch = trace.States.size(1), u = trace.Units;

        // The pre-activations p (c block doubled) get dp = [dh⊙m_o, dc⊙m_i, dc⊙m_f, dc⊙m_c], where dc = dc₊⊙f₊ + dh⊙q
        // with q = o⊙(1 − tanh²c) = 4·o⊙e(1 − e). Every m depends on the forward only: computed here for all steps,
        // in place of the gates they are made of (the order matters), so that the gate buffer becomes dp by one
        // product per step. σ' = s(1 − s) in every block; m_o = tanh(c)σ'(o), m_i = (2s − 1)σ'(i), m_f = c₋σ'(f),
        // m_c = 2iσ'(s).
        var dp = trace.Gates;
        Tensor o = dp.narrow(2, 0, u), i = dp.narrow(2, u, u), f = dp.narrow(2, 2 * u, u), s = dp.narrow(2, 3 * u, u);
        var e = trace.CellSigmoids;
        var q = e.clone().addcmul_(e, e, minusOne).mul_(o);            // q / 4
        var tanhC = e.mul_(two).sub_(one);
        o.addcmul_(o, o, minusOne).mul_(tanhC);
        var forget = f.clone();                                        // the recursion needs f itself
        f.addcmul_(f, f, minusOne).mul_(trace.Cells.narrow(0, 0, time));
        var candidate = tanhC.copy_(s).mul_(two).sub_(one);            // 2s − 1 (tanh(c) is no longer needed)
        s.addcmul_(s, s, minusOne).mul_(i).mul_(two);
        i.addcmul_(i, i, minusOne).mul_(candidate);

        var dc = zeros(batch, u, dtype: dp.dtype, device: dp.device);
        if (LstmCpuSteps.Applies(dp, batch, u))
        {
            // CPU memory: each step's product dp_{t+1}·Uᵀ and elementwise part as loops over its memory (LstmCpuSteps).
            if (dp.dtype == ScalarType.Float32) LstmCpuSteps.BackwardSteps<float>(dp, dh, forget.contiguous(), q.contiguous(), dc, trace.RecurrentKernel);
            else LstmCpuSteps.BackwardSteps<double>(dp, dh, forget.contiguous(), q.contiguous(), dc, trace.RecurrentKernel);
            return Gradients(dp, trace, inputGradient, u, time, batch, two);
        }

        var recurrentT = trace.RecurrentKernel.t();
        var dcBlocks = dc.unsqueeze(1);                                // (N, 1, u) against (N, 3, u)
        var dpStep = dp.unbind(0);
        var dpO = dp.narrow(2, 0, u).unbind(0);
        var dpIfc = dp.narrow(2, u, 3 * u).view(time, batch, 3, u).unbind(0);
        var dhStep = dh.unbind(0);
        var fStep = forget.unbind(0);
        var qStep = q.unbind(0);
        for (long t = time - 1; t >= 0; t--)
        {
            if (t < time - 1)
            {
                dhStep[t].addmm_(dpStep[t + 1], recurrentT);
                dc.mul_(fStep[t + 1]);
            }
            dc.addcmul_(dhStep[t], qStep[t], four);
            dpO[t].mul_(dhStep[t]);
            dpIfc[t].mul_(dcBlocks);
        }

        return Gradients(dp, trace, inputGradient, u, time, batch, two);
    }

    /// <summary>The gradients that are products over all steps, from the gate gradients dp (time, batch, 4u).</summary>
    private static LstmGradients Gradients(Tensor dp, LstmTrace trace, bool inputGradient, long u, long time, long batch, Scalar two)
    {
        var dpRows = dp.view(time * batch, 4 * u);
        var (dx, dKernel, dRecurrent) = RecurrentSteps.Products(dpRows, dpRows, trace.InputRows, trace.Kernel, trace.States, inputGradient);
        return new LstmGradients(
            Input: dx?.MoveToOuterDisposeScope(),
            Kernel: Keras(dKernel, u, 1, two).MoveToOuterDisposeScope(),
            RecurrentKernel: Keras(dRecurrent, u, 1, two).MoveToOuterDisposeScope(),
            Bias: Keras(dpRows.sum(0L), u, 0, two).MoveToOuterDisposeScope());
    }

    /// <summary>Keras' blocks i, f, c, o along <paramref name="dim"/> as the kernel's o, i, f, 2·c (a new tensor).</summary>
    private static Tensor Internal(Tensor weight, long u, long dim, Scalar two) =>
        RecurrentSteps.Scaled(weight.roll(u, dim), dim, 3 * u, u, two, inPlace: true);

    /// <summary>
    /// The gradient of a weight used as <see cref="Internal"/>'s o, i, f, 2·c, back in Keras' blocks i, f, c, o: the c
    /// block's gradient is twice the doubled block's.
    /// </summary>
    private static Tensor Keras(Tensor gradient, long u, long dim, Scalar two) =>
        RecurrentSteps.Scaled(gradient, dim, 3 * u, u, two, inPlace: true).roll(-u, dim);
}
