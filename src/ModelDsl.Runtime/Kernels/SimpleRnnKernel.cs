using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Kernels;

/// <summary>The result of <see cref="SimpleRnnKernel.Forward"/> and everything <see cref="SimpleRnnKernel.Backward"/> needs.</summary>
/// <param name="Output">The last hidden state h_T (batch, units), or every h_t (batch, time, units) with <paramref name="ReturnSequences"/>.</param>
/// <param name="ReturnSequences">Whether <paramref name="Output"/> holds every step.</param>
/// <param name="InputRows">The input as time-major rows (time·batch, features): row t·batch + n is x[n, t].</param>
/// <param name="Kernel">The input kernel (features, u) (not copied).</param>
/// <param name="RecurrentKernel">The recurrent kernel (u, u) (not copied).</param>
/// <param name="States">Hidden states (time + 1, batch, u): h_0 = 0, then h after each step.</param>
public sealed record SimpleRnnTrace(Tensor Output, bool ReturnSequences, Tensor InputRows, Tensor Kernel, Tensor RecurrentKernel, Tensor States)
{
    /// <summary>Units u.</summary>
    public long Units => RecurrentKernel.size(0);

    /// <summary>Time steps.</summary>
    public long TimeSteps => States.size(0) - 1;
}

/// <summary>Gradients of the SimpleRNN w.r.t. its input (batch, time, features) and its three weights, in Keras' layouts.</summary>
public sealed record SimpleRnnGradients(Tensor? Input, Tensor Kernel, Tensor RecurrentKernel, Tensor Bias);

/// <summary>
/// Keras' SimpleRNN with its default tanh (zero initial state, no mask): h = tanh(x_t·W + b + h·U). The backward is
/// backpropagation through time, by hand; only h·U and tanh run per step, in place on the states buffer.
/// </summary>
public static class SimpleRnnKernel
{
    /// <summary>
    /// x (batch, time, features); kernel (features, u); recurrentKernel (u, u); bias (u). Per step
    /// h = tanh(x_t·W + b + h·U) from h = 0. Output h_T (batch, u), or (batch, time, u) with <paramref name="returnSequences"/>.
    /// </summary>
    public static SimpleRnnTrace Forward(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor bias, bool returnSequences = false)
    {
        var (batch, time, _, u) = RecurrentSteps.Check("SimpleRNN", 1, x, kernel, recurrentKernel, bias, biasRows: 0);
        using var scope = NewDisposeScope();

        var inputRows = RecurrentSteps.TimeMajorRows(x);
        var states = RecurrentSteps.States(x, u);
        // Rows 1..T start as x_t·W + b; each step adds h₋·U and applies tanh in place.
        states.narrow(0, 1, time).view(time * batch, u).copy_(bias).addmm_(inputRows, kernel);
        var h = states.unbind(0);
        for (long t = 0; t < time; t++)
        {
            if (t > 0) h[t + 1].addmm_(h[t], recurrentKernel);
            h[t + 1].tanh_();
        }

        return new SimpleRnnTrace(
            Output: RecurrentSteps.Output(states, returnSequences).MoveToOuterDisposeScope(),
            ReturnSequences: returnSequences,
            InputRows: inputRows.MoveToOuterDisposeScope(),
            Kernel: kernel,
            RecurrentKernel: recurrentKernel,
            States: states.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Backpropagation through time from dL/dOutput: (batch, units) for the last state, or (batch, time, units) with
    /// sequences. Returns dx (batch, time, features), dKernel (features, u), dRecurrentKernel (u, u) and dBias (u).
    /// </summary>
    public static SimpleRnnGradients Backward(Tensor dOutput, SimpleRnnTrace trace, bool inputGradient = true)
    {
        ArgumentNullException.ThrowIfNull(trace);
        using var scope = NewDisposeScope();
        var dh = RecurrentSteps.Upstream("SimpleRNN", dOutput, trace.States, trace.ReturnSequences);  // (T, N, u), grows per step
        using var one = 1.0.ToScalar();
        long time = trace.TimeSteps, batch = trace.States.size(1), u = trace.Units;

        // da = dh⊙(1 − h²) and h₋ gets da·Uᵀ: the slope for all steps first, made da by one product per step.
        var states = trace.States.narrow(0, 1, time);
        var da = states.square().neg_().add_(one);
        var daStep = da.unbind(0);
        var dhStep = dh.unbind(0);
        var recurrentT = trace.RecurrentKernel.t();
        for (long t = time - 1; t >= 0; t--)
        {
            if (t < time - 1) dhStep[t].addmm_(daStep[t + 1], recurrentT);
            daStep[t].mul_(dhStep[t]);
        }

        var daRows = da.view(time * batch, u);
        var (dx, dKernel, dRecurrent) = RecurrentSteps.Products(daRows, daRows, trace.InputRows, trace.Kernel, trace.States, inputGradient);
        return new SimpleRnnGradients(
            Input: dx?.MoveToOuterDisposeScope(),
            Kernel: dKernel.MoveToOuterDisposeScope(),
            RecurrentKernel: dRecurrent.MoveToOuterDisposeScope(),
            Bias: daRows.sum(0L).MoveToOuterDisposeScope());
    }
}
