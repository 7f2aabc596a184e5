using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Kernels;

/// <summary>
/// The result of <see cref="LstmKernel.Forward"/> and everything <see cref="LstmKernel.Backward"/> needs. Inside the
/// kernel the gate blocks are in the order o, i, f, c (Keras' i, f, c, o rolled by u columns), so the three sigmoid
/// blocks are adjacent and so are the three blocks the cell gradient reaches.
/// </summary>
/// <param name="Output">The last hidden state h_T (batch, units), or every h_t (batch, time, units) with <paramref name="ReturnSequences"/>.</param>
/// <param name="ReturnSequences">Whether <paramref name="Output"/> holds every step.</param>
/// <param name="InputRows">The input as time-major rows (time·batch, features): row t·batch + n is x[n, t].</param>
/// <param name="Kernel">The input kernel (features, 4u), blocks o, i, f, c (a copy).</param>
/// <param name="RecurrentKernel">The recurrent kernel (u, 4u), blocks o, i, f, c (a copy).</param>
/// <param name="Gates">Activated gates per step (time, batch, 4u): o, i, f, c̃ = tanh(.).</param>
/// <param name="Cells">Cell states (time + 1, batch, u): c_0 = 0, then c after each step.</param>
/// <param name="States">Hidden states (time + 1, batch, u): h_0 = 0, then h after each step.</param>
public sealed record LstmTrace(Tensor Output, bool ReturnSequences, Tensor InputRows, Tensor Kernel, Tensor RecurrentKernel,
    Tensor Gates, Tensor Cells, Tensor States)
{
    /// <summary>Units u.</summary>
    public long Units => RecurrentKernel.size(0);

    /// <summary>Time steps.</summary>
    public long TimeSteps => Gates.size(0);
}

/// <summary>Gradients of the LSTM w.r.t. its input (batch, time, features) and its three weights, in Keras' layouts.</summary>
public sealed record LstmGradients(Tensor Input, Tensor Kernel, Tensor RecurrentKernel, Tensor Bias);

/// <summary>
/// Keras' LSTM (zero initial states, no mask): one bias, gate blocks i, f, c, o, sigmoid recurrent activation and
/// tanh activation; the last state or, with return_sequences, every state. The backward is backpropagation through
/// time, by hand. Only h·U and the elementwise recurrence run per step, in place on views of preallocated
/// (time, batch, ·) buffers; the input projection and the weight gradients are single matrix products over all steps.
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
        var (batch, time, _, units) = RecurrentSteps.Check("LSTM", 4, x, kernel, recurrentKernel, bias, biasRows: 0);
        using var scope = NewDisposeScope();
        using var one = 1.0.ToScalar();
        long u = units;

        // Blocks o, i, f, c: rolling the columns by u moves Keras' last block (o) first.
        var w = kernel.roll(u, 1);
        var recurrent = recurrentKernel.roll(u, 1);
        var inputRows = RecurrentSteps.TimeMajorRows(x);
        // Every step's input part at once; each step then adds h·U in place and activates in place.
        var gates = addmm(bias.roll(u, 0), inputRows, w, 1, 1).view(time, batch, 4 * u);
        var cells = RecurrentSteps.States(x, u);
        var states = RecurrentSteps.States(x, u);

        // One native call per family of per-step views, none per step.
        var z = gates.unbind(0);
        var sigmoids = gates.narrow(2, 0, 3 * u).unbind(0);
        var o = gates.narrow(2, 0, u).unbind(0);
        var i = gates.narrow(2, u, u).unbind(0);
        var f = gates.narrow(2, 2 * u, u).unbind(0);
        var g = gates.narrow(2, 3 * u, u).unbind(0);
        var c = cells.unbind(0);
        var h = states.unbind(0);
        for (long t = 0; t < time; t++)
        {
            if (t > 0) z[t].addmm_(h[t], recurrent);                  // h_0 = 0 adds nothing
            sigmoids[t].sigmoid_();
            g[t].tanh_();
            if (t > 0) c[t + 1].copy_(c[t]).mul_(f[t]).addcmul_(i[t], g[t], one);
            else c[1].copy_(g[0]).mul_(i[0]);                          // c_0 = 0
            h[t + 1].copy_(c[t + 1]).tanh_().mul_(o[t]);
        }

        return new LstmTrace(
            Output: RecurrentSteps.Output(states, returnSequences).MoveToOuterDisposeScope(),
            ReturnSequences: returnSequences,
            InputRows: inputRows.MoveToOuterDisposeScope(),
            Kernel: w.MoveToOuterDisposeScope(),
            RecurrentKernel: recurrent.MoveToOuterDisposeScope(),
            Gates: gates.MoveToOuterDisposeScope(),
            Cells: cells.MoveToOuterDisposeScope(),
            States: states.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Backpropagation through time from dL/dOutput: (batch, units) for the last state, or (batch, time, units) with
    /// sequences (each step's h receives its own gradient). Returns dx (batch, time, features), dKernel (features, 4u),
    /// dRecurrentKernel (u, 4u) and dBias (4u) in Keras' block order.
    /// </summary>
    public static LstmGradients Backward(Tensor dOutput, LstmTrace trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        using var scope = NewDisposeScope();
        var dh = RecurrentSteps.Upstream("LSTM", dOutput, trace.States, trace.ReturnSequences);   // (T, N, u), grows per step
        using var one = 1.0.ToScalar();
        long time = trace.TimeSteps, batch = trace.States.size(1), u = trace.Units;
        var gates = trace.Gates;
        Tensor oAll = gates.narrow(2, 0, u), iAll = gates.narrow(2, u, u), fAll = gates.narrow(2, 2 * u, u), gAll = gates.narrow(2, 3 * u, u);
        var tanhC = trace.Cells.narrow(0, 1, time).tanh();

        // With h = o⊙tanh(c), c = f⊙c₋ + i⊙g and the gradients dh, dc reaching a step, the pre-activation gradients
        // are dz = [dh⊙m_o, dc⊙m_i, dc⊙m_f, dc⊙m_g] and dc = dc₊⊙f₊ + dh⊙q. The multipliers depend on the forward
        // only: computed here for all steps, into the buffer that becomes dz by one in-place product per step.
        // σ' = s(1 − s), tanh' = 1 − t².
        var dz = empty_like(gates);
        dz.narrow(2, 0, 3 * u).copy_(gates.narrow(2, 0, 3 * u)).neg_().add_(one).mul_(gates.narrow(2, 0, 3 * u));
        dz.narrow(2, 0, u).mul_(tanhC);
        dz.narrow(2, u, u).mul_(gAll);
        dz.narrow(2, 2 * u, u).mul_(trace.Cells.narrow(0, 0, time));
        var dzC = dz.narrow(2, 3 * u, u).copy_(gAll);
        dzC.mul_(dzC).neg_().add_(one).mul_(iAll);
        var q = tanhC.square().neg_().add_(one).mul_(oAll);           // dh → dc: o⊙(1 − tanh²c)

        var recurrentT = trace.RecurrentKernel.t();
        var dc = zeros(batch, u, dtype: gates.dtype, device: gates.device);
        var dcBlocks = dc.unsqueeze(1);                                // (N, 1, u) against (N, 3, u)
        var dzStep = dz.unbind(0);
        var dzO = dz.narrow(2, 0, u).unbind(0);
        var dzIfc = dz.narrow(2, u, 3 * u).view(time, batch, 3, u).unbind(0);
        var dhStep = dh.unbind(0);
        var f = fAll.unbind(0);
        var qStep = q.unbind(0);
        for (long t = time - 1; t >= 0; t--)
        {
            if (t < time - 1)
            {
                dhStep[t].addmm_(dzStep[t + 1], recurrentT);
                dc.mul_(f[t + 1]);
            }
            dc.addcmul_(dhStep[t], qStep[t], one);
            dzO[t].mul_(dhStep[t]);
            dzIfc[t].mul_(dcBlocks);
        }

        var dzRows = dz.view(time * batch, 4 * u);
        return new LstmGradients(
            Input: RecurrentSteps.InputGradient(dzRows, trace.Kernel, batch, time).MoveToOuterDisposeScope(),
            Kernel: RecurrentSteps.SumOverSteps(trace.InputRows, dzRows).roll(-u, 1).MoveToOuterDisposeScope(),
            RecurrentKernel: RecurrentSteps.SumOverSteps(RecurrentSteps.PreviousStateRows(trace.States), dzRows).roll(-u, 1).MoveToOuterDisposeScope(),
            Bias: dzRows.sum(0L).roll(-u, 0).MoveToOuterDisposeScope());
    }
}
