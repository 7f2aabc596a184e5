using System.Runtime.CompilerServices;
using System.Numerics;
using ModelDsl.Kernels;
using static ModelDsl.Managed.Simd;

namespace ModelDsl.Managed;

/// <summary>
/// Keras' SimpleRNN with its default tanh (zero initial state, no mask) over spans, the same function as
/// <see cref="SimpleRnnKernel"/>: h = tanh(x_t·W + b + h·U). Per step one (n, u)×(u, u) product and one tanh loop; dx,
/// dW, dU and db are products (or sums) over all steps in the backward.
/// </summary>
/// <remarks>
/// Trace layout, rows (b, t) at b·time + t: h_t after each step (n, time, u); the hidden state before each step
/// h_{t−1} (n, time, u, zero at t = 0).
/// </remarks>
public static class SimpleRnnSpans
{
    private const string Layer = "SimpleRNN";

    /// <summary>The trace's length: n·time·2u (the states after and before each step).</summary>
    public static int TraceLength(int n, int time, int units) => SpanChecks.Product(Layer, "n·time·2·units", n, time, 2, units);

    /// <summary>The backward scratch's length: n·time·u (pre-activation gradients) + n·u (dh) + u·u (Uᵀ).</summary>
    public static int ScratchLength(int n, int time, int units) =>
        checked(SpanChecks.Product(Layer, "n·time·units", n, time, units) + SpanChecks.Product(Layer, "n·units", n, units)
            + SpanChecks.Product(Layer, "units·units", units, units));

    /// <summary>
    /// x (n, time, features); kernel (features, u); recurrentKernel (u, u); bias (u). Per step h = tanh(x_t·W + b + h·U)
    /// from h = 0. Writes output: h_T (n, u), or every h_t (n, time, u) with <paramref name="returnSequences"/>; and the
    /// trace (<see cref="TraceLength"/>).
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not fit the sizes (the message names it and the formula).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size below 1.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> kernel, ReadOnlySpan<T> recurrentKernel, ReadOnlySpan<T> bias,
        Span<T> output, Span<T> trace, int n, int time, int features, int units, bool returnSequences)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RecurrentSpanChecks.Forward(Layer, 1, 0, x, kernel, recurrentKernel, bias, output, trace.Length,
            TraceLength(n, time, units), "SimpleRnnSpans.TraceLength(n, time, units)", n, time, features, units, returnSequences);
        int u = units, rows = n * time;
        var activations = trace[..(rows * u)];
        var states = trace.Slice(rows * u, rows * u);

        RecurrentSpanSteps.InputProjection(x, kernel, bias, activations, rows, features, u);
        for (int b = 0; b < n; b++) states.Slice(b * time * u, u).Clear();
        for (int t = 0; t < time; t++)
        {
            if (t > 0) RecurrentSpanSteps.StepProduct(states, recurrentKernel, 0, u, u, activations, 0, u, n, time, u, t, accumulate: true);
            bool next = t + 1 < time;
            bool emit = returnSequences || !next;
            for (int b = 0; b < n; b++)
            {
                int row = b * time + t;
                Cell(ref At(ref Ref(activations), (nint)row * u), next, ref At(ref Ref(states), (nint)(row + 1) * u),
                    emit, ref At(ref Ref(output), (nint)(returnSequences ? row : b) * u), u);
            }
        }
    }

    /// <summary>
    /// Backpropagation through time from dOutput ((n, u), or (n, time, u) with sequences), ADDED into dx (n, time,
    /// features; empty: not needed), dKernel (features, u), dRecurrentKernel (u, u) and dBias (u). Reads the trace of the
    /// forward on the same x and weights (unchanged); uses <paramref name="scratch"/> (<see cref="ScratchLength"/>).
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not fit the sizes (the message names it and the formula).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size below 1.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<T>(ReadOnlySpan<T> dOutput, ReadOnlySpan<T> x, ReadOnlySpan<T> kernel, ReadOnlySpan<T> recurrentKernel,
        ReadOnlySpan<T> trace, Span<T> scratch, Span<T> dx, Span<T> dKernel, Span<T> dRecurrentKernel, Span<T> dBias,
        int n, int time, int features, int units, bool returnSequences)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RecurrentSpanChecks.Backward(Layer, 1, 0, dOutput, x, kernel, recurrentKernel, trace.Length, TraceLength(n, time, units),
            "SimpleRnnSpans.TraceLength(n, time, units)", scratch.Length, ScratchLength(n, time, units), "SimpleRnnSpans.ScratchLength(n, time, units)",
            dx, dKernel, dRecurrentKernel, dBias, n, time, features, units, returnSequences);
        int u = units, rows = n * time;
        var activations = trace[..(rows * u)];
        var states = trace.Slice(rows * u, rows * u);
        var da = scratch[..(rows * u)];
        var dh = scratch.Slice(rows * u, n * u);
        var recurrentT = scratch.Slice(rows * u + n * u, u * u);
        Transpose(recurrentKernel, u, u, recurrentT);

        for (int t = time - 1; t >= 0; t--)
        {
            RecurrentSpanSteps.Upstream(dOutput, dh, n, time, u, t, returnSequences, add: false);
            if (t < time - 1)
                Gemm.Multiply(da[((t + 1) * u)..], time * u, 1, recurrentT, u, dh, u, n, u, u, accumulate: true);
            for (int b = 0; b < n; b++)
            {
                int row = b * time + t;
                CellBackward(ref At(ref Ref(activations), (nint)row * u), ref At(ref Ref(dh), (nint)b * u), ref At(ref Ref(da), (nint)row * u), u);
            }
        }

        RecurrentSpanSteps.InputAndKernelGradients<T>(da, x, kernel, scratch[(rows * u)..], dx, dKernel, dBias, rows, features, u);
        RecurrentSpanSteps.RecurrentKernelGradient<T>(states, da, u, dRecurrentKernel, 0, u, u, rows, u);
    }

    /// <summary>One row of one step: h = tanh(pre-activation) in place, to the next step's row and the output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Cell<T>(ref T activation, bool next, ref T nextState, bool emit, ref T output, int u)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector<T>.Count, j = 0;
        for (; j + w <= u; j += w)
        {
            var h = Tanh(Load(ref activation, j));
            Store(h, ref activation, j);
            if (next) Store(h, ref nextState, j);
            if (emit) Store(h, ref output, j);
        }
        for (; j < u; j++)
        {
            T h = T.Tanh(At(ref activation, j));
            At(ref activation, j) = h;
            if (next) At(ref nextState, j) = h;
            if (emit) At(ref output, j) = h;
        }
    }

    /// <summary>One row of one step backward: da = dh⊙(1 − h²).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CellBackward<T>(ref T activation, ref T dh, ref T da, int u)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector<T>.Count, j = 0;
        for (; j + w <= u; j += w)
        {
            var h = Load(ref activation, j);
            Store(Load(ref dh, j) * (Vector<T>.One - h * h), ref da, j);
        }
        for (; j < u; j++)
        {
            T h = At(ref activation, j);
            At(ref da, j) = At(ref dh, j) * (T.One - h * h);
        }
    }
}
