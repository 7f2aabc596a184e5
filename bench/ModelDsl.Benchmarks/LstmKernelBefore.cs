// The LSTM kernel as it was before the rewrite on branch kernels-rnn (src/ModelDsl.Runtime/Kernels/LstmKernel.cs at
// 28ee765), renamed and kept verbatim otherwise, so one benchmark run can compare old, new and nn.LSTM.
using static TorchSharp.torch;

namespace ModelDsl.Benchmarks;

/// <summary>
/// The result of <see cref="LstmKernelBefore.Forward"/> and everything <see cref="LstmKernelBefore.Backward"/> needs.
/// </summary>
/// <param name="Output">The last hidden state h, (batch, units).</param>
/// <param name="Input">The forward input x, (batch, time, features) (not copied).</param>
/// <param name="Kernel">The input kernel, (features, 4u) (not copied).</param>
/// <param name="RecurrentKernel">The recurrent kernel, (u, 4u) (not copied).</param>
/// <param name="Gates">Activated gates per step, (time, batch, 4u): blocks i, f, c̃ = tanh(.), o.</param>
/// <param name="Cells">Cell state c after each step, (time, batch, u).</param>
/// <param name="Hidden">Hidden state h after each step, (time, batch, u); the last step is <see cref="Output"/>'s values.</param>
public sealed record LstmTraceBefore(Tensor Output, Tensor Input, Tensor Kernel, Tensor RecurrentKernel, Tensor Gates, Tensor Cells, Tensor Hidden)
{
    /// <summary>Units u.</summary>
    public long Units => RecurrentKernel.shape[0];

    /// <summary>Time steps.</summary>
    public long TimeSteps => Gates.shape[0];
}

/// <summary>Gradients of the LSTM w.r.t. its input and its three weights.</summary>
public sealed record LstmGradientsBefore(Tensor Input, Tensor Kernel, Tensor RecurrentKernel, Tensor Bias);

/// <summary>
/// Keras' LSTM (return_sequences false, zero initial states): one bias, gate blocks i, f, c, o, sigmoid recurrent
/// activation and tanh activation. The backward is backpropagation through time, by hand.
/// </summary>
public static class LstmKernelBefore
{
    /// <summary>x (batch, time, features); kernel (features, 4u); recurrentKernel (u, 4u); bias (4u).</summary>
    public static LstmTraceBefore Forward(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor bias)
    {
        CheckShapes(x, kernel, recurrentKernel, bias);
        using var scope = NewDisposeScope();
        long batch = x.shape[0], time = x.shape[1], units = recurrentKernel.shape[0];

        // Input contributions for every step at once: (time, batch, 4u).
        var inputPart = x.matmul(kernel).add_(bias).transpose(0, 1);
        var h = zeros(batch, units, dtype: x.dtype, device: x.device);
        var c = zeros(batch, units, dtype: x.dtype, device: x.device);
        var gates = new Tensor[time];
        var cells = new Tensor[time];
        var hidden = new Tensor[time];
        for (long t = 0; t < time; t++)
        {
            var z = inputPart[t] + h.matmul(recurrentKernel);
            var blocks = z.chunk(4, 1);
            var i = blocks[0].sigmoid();
            var f = blocks[1].sigmoid();
            var g = blocks[2].tanh();
            var o = blocks[3].sigmoid();
            c = f * c + i * g;
            h = o * c.tanh();
            gates[t] = cat([i, f, g, o], 1);
            cells[t] = c;
            hidden[t] = h;
        }

        var hiddenAll = stack(hidden).MoveToOuterDisposeScope();
        return new LstmTraceBefore(
            Output: hiddenAll[time - 1].MoveToOuterDisposeScope(),
            Input: x, Kernel: kernel, RecurrentKernel: recurrentKernel,
            Gates: stack(gates).MoveToOuterDisposeScope(),
            Cells: stack(cells).MoveToOuterDisposeScope(),
            Hidden: hiddenAll);
    }

    /// <summary>Full backpropagation through time from dL/d(last h) (batch, units).</summary>
    public static LstmGradientsBefore Backward(Tensor dOutput, LstmTraceBefore trace)
    {
        using var scope = NewDisposeScope();
        long time = trace.TimeSteps;
        var x = trace.Input;
        var recurrentT = trace.RecurrentKernel.t();
        var zero = zeros_like(dOutput);

        var dh = dOutput;
        var dc = zero;
        var dz = new Tensor[time];
        for (long t = time - 1; t >= 0; t--)
        {
            var blocks = trace.Gates[t].chunk(4, 1);
            Tensor i = blocks[0], f = blocks[1], g = blocks[2], o = blocks[3];
            var cPrev = t > 0 ? trace.Cells[t - 1] : zero;
            var tanhC = trace.Cells[t].tanh();

            // h = o * tanh(c); c = f * cPrev + i * g.
            var dO = dh * tanhC;
            dc = dc + dh * o * (1 - tanhC * tanhC);
            var dI = dc * g;
            var dF = dc * cPrev;
            var dG = dc * i;
            // Through the activations: sigmoid' = s (1 - s), tanh' = 1 - t².
            dz[t] = cat([dI * i * (1 - i), dF * f * (1 - f), dG * (1 - g * g), dO * o * (1 - o)], 1);
            dh = dz[t].matmul(recurrentT);
            dc = dc * f;
        }

        long batch = x.shape[0], features = x.shape[2], gateWidth = trace.Gates.shape[2], units = trace.Units;
        var dZ = stack(dz, 1);                                          // (batch, time, 4u)
        var dZRows = dZ.reshape(batch * time, gateWidth);
        // h before each step: zeros, then h_0 .. h_{T-2}, as rows matching dZRows.
        var hPrev = cat([zeros(1, batch, units, dtype: x.dtype, device: x.device), trace.Hidden.narrow(0, 0, time - 1)], 0)
            .transpose(0, 1).reshape(batch * time, units);

        return new LstmGradientsBefore(
            Input: dZ.matmul(trace.Kernel.t()).MoveToOuterDisposeScope(),
            Kernel: x.reshape(batch * time, features).t().matmul(dZRows).MoveToOuterDisposeScope(),
            RecurrentKernel: hPrev.t().matmul(dZRows).MoveToOuterDisposeScope(),
            Bias: dZRows.sum(0L).MoveToOuterDisposeScope());
    }

    private static void CheckShapes(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor bias)
    {
        static string S(Tensor t) => $"[{string.Join(", ", t.shape)}]";
        if (x.dim() != 3) throw new ArgumentException($"LSTM input must be (batch, time, features); got {S(x)}.", nameof(x));
        if (x.shape[1] < 1) throw new ArgumentException($"LSTM input needs at least one time step; got {S(x)}.", nameof(x));
        if (recurrentKernel.dim() != 2 || recurrentKernel.shape[1] != 4 * recurrentKernel.shape[0])
            throw new ArgumentException($"LSTM recurrent kernel must be (u, 4u); got {S(recurrentKernel)}.", nameof(recurrentKernel));
        long gates = recurrentKernel.shape[1];
        if (kernel.dim() != 2 || kernel.shape[0] != x.shape[2] || kernel.shape[1] != gates)
            throw new ArgumentException($"LSTM kernel must be (features, 4u) = [{x.shape[2]}, {gates}]; got {S(kernel)}.", nameof(kernel));
        if (bias.dim() != 1 || bias.shape[0] != gates)
            throw new ArgumentException($"LSTM bias must be (4u) = [{gates}]; got {S(bias)}.", nameof(bias));
    }
}
