using System.Runtime.CompilerServices;
using System.Numerics;
using ModelDsl.Kernels;
using static ModelDsl.Managed.Simd;

namespace ModelDsl.Managed;

/// <summary>
/// Keras' LSTM over spans (zero initial states, no mask; gate blocks i, f, c, o; sigmoid recurrent activation, tanh
/// activation), the same function as <see cref="LstmKernel"/>. Per step one (n, u)×(u, 4u) product adds h·U to the
/// step's rows of the input projection (computed for all steps at once), and one loop activates the four gates,
/// updates the cell and writes h, in registers. The backward runs one (n, 4u)×(4u, u) product and one loop per step;
/// dx, dW, dU and db are each one product (or sum) over all n·time rows afterwards.
/// </summary>
/// <remarks>
/// Trace layout (what the backward reads; the forward writes all of it), rows (b, t) at b·time + t: the activated
/// gates i, f, c̃, o (n, time, 4u); the cell before each step c_{t−1} (n, time, u, zero at t = 0); tanh(c_t) after
/// each step (n, time, u); the hidden state before each step h_{t−1} (n, time, u, zero at t = 0).
/// </remarks>
public static class LstmSpans
{
    private const string Layer = "LSTM";

    /// <summary>The trace's length: n·time·7u (gates 4u, previous cells, tanh of the cells, previous states).</summary>
    public static int TraceLength(int n, int time, int units) => SpanChecks.Product(Layer, "n·time·7·units", n, time, 7, units);

    /// <summary>The backward scratch's length: n·time·4u (gate gradients) + 2·n·u (dh and the cell gradient) + 4u·u (Uᵀ).</summary>
    public static int ScratchLength(int n, int time, int units) =>
        checked(SpanChecks.Product(Layer, "n·time·4·units", n, time, 4, units) + 2 * SpanChecks.Product(Layer, "n·units", n, units)
            + SpanChecks.Product(Layer, "4·units·units", 4, units, units));

    /// <summary>
    /// x (n, time, features); kernel (features, 4u); recurrentKernel (u, 4u); bias (4u); blocks i, f, c, o. Per step
    /// z = x_t·W + h·U + b, c = σ(z_f)⊙c + σ(z_i)⊙tanh(z_c), h = σ(z_o)⊙tanh(c), from h = c = 0. Writes output: h_T
    /// (n, u), or every h_t (n, time, u) with <paramref name="returnSequences"/>; and the trace (<see cref="TraceLength"/>).
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not fit the sizes (the message names it and the formula).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size below 1.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> kernel, ReadOnlySpan<T> recurrentKernel, ReadOnlySpan<T> bias,
        Span<T> output, Span<T> trace, int n, int time, int features, int units, bool returnSequences)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RecurrentSpanChecks.Forward(Layer, 4, 0, x, kernel, recurrentKernel, bias, output, trace.Length,
            TraceLength(n, time, units), "LstmSpans.TraceLength(n, time, units)", n, time, features, units, returnSequences);
        int u = units, g = 4 * u, rows = n * time;
        var gates = trace[..(rows * g)];
        var cells = trace.Slice(rows * g, rows * u);
        var tanhCells = trace.Slice(rows * 5 * u, rows * u);
        var states = trace.Slice(rows * 6 * u, rows * u);

        RecurrentSpanSteps.InputProjection(x, kernel, bias, gates, rows, features, g);
        for (int b = 0; b < n; b++)
        {
            cells.Slice(b * time * u, u).Clear();
            states.Slice(b * time * u, u).Clear();
        }
        for (int t = 0; t < time; t++)
        {
            if (t > 0) RecurrentSpanSteps.StepProduct(states, recurrentKernel, 0, g, g, gates, 0, g, n, time, u, t, accumulate: true);
            bool next = t + 1 < time;
            bool emit = returnSequences || !next;
            for (int b = 0; b < n; b++)
            {
                int row = b * time + t;
                Cell(ref At(ref Ref(gates), (nint)row * g), ref At(ref Ref(cells), (nint)row * u), ref At(ref Ref(tanhCells), (nint)row * u),
                    next, ref At(ref Ref(cells), (nint)(row + 1) * u), ref At(ref Ref(states), (nint)(row + 1) * u),
                    emit, ref At(ref Ref(output), (nint)(returnSequences ? row : b) * u), u);
            }
        }
    }

    /// <summary>
    /// Backpropagation through time from dOutput ((n, u), or (n, time, u) with sequences), ADDED into dx (n, time,
    /// features; empty: not needed), dKernel (features, 4u), dRecurrentKernel (u, 4u) and dBias (4u). Reads the trace
    /// of the forward on the same x and weights (it is not changed: a second backward gives the same gradients); uses
    /// <paramref name="scratch"/> (<see cref="ScratchLength"/>).
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not fit the sizes (the message names it and the formula).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size below 1.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<T>(ReadOnlySpan<T> dOutput, ReadOnlySpan<T> x, ReadOnlySpan<T> kernel, ReadOnlySpan<T> recurrentKernel,
        ReadOnlySpan<T> trace, Span<T> scratch, Span<T> dx, Span<T> dKernel, Span<T> dRecurrentKernel, Span<T> dBias,
        int n, int time, int features, int units, bool returnSequences)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RecurrentSpanChecks.Backward(Layer, 4, 0, dOutput, x, kernel, recurrentKernel, trace.Length, TraceLength(n, time, units),
            "LstmSpans.TraceLength(n, time, units)", scratch.Length, ScratchLength(n, time, units), "LstmSpans.ScratchLength(n, time, units)",
            dx, dKernel, dRecurrentKernel, dBias, n, time, features, units, returnSequences);
        int u = units, g = 4 * u, rows = n * time;
        var gates = trace[..(rows * g)];
        var cells = trace.Slice(rows * g, rows * u);
        var tanhCells = trace.Slice(rows * 5 * u, rows * u);
        var states = trace.Slice(rows * 6 * u, rows * u);
        var dz = scratch[..(rows * g)];
        var dh = scratch.Slice(rows * g, n * u);
        var carry = scratch.Slice(rows * g + n * u, n * u);             // dc_{t+1}⊙f_{t+1}: the cell gradient from later steps
        var recurrentT = scratch.Slice(rows * g + 2 * n * u, g * u);    // Uᵀ (4u, u): dh_{t−1} += dz_t·Uᵀ as a blocked product
        Transpose(recurrentKernel, u, g, recurrentT);
        carry.Clear();

        for (int t = time - 1; t >= 0; t--)
        {
            RecurrentSpanSteps.Upstream(dOutput, dh, n, time, u, t, returnSequences, add: false);
            if (t < time - 1)
                Gemm.Multiply(dz[((t + 1) * g)..], time * g, 1, recurrentT, u, dh, u, n, g, u, accumulate: true);
            for (int b = 0; b < n; b++)
            {
                int row = b * time + t;
                CellBackward(ref At(ref Ref(gates), (nint)row * g), ref At(ref Ref(cells), (nint)row * u), ref At(ref Ref(tanhCells), (nint)row * u),
                    ref At(ref Ref(dh), (nint)b * u), ref At(ref Ref(carry), (nint)b * u), ref At(ref Ref(dz), (nint)row * g), u);
            }
        }

        // dh, the carry and Uᵀ are free now: room for Wᵀ when the features are wide.
        RecurrentSpanSteps.InputAndKernelGradients<T>(dz, x, kernel, scratch[(rows * g)..], dx, dKernel, dBias, rows, features, g);
        RecurrentSpanSteps.RecurrentKernelGradient<T>(states, dz, g, dRecurrentKernel, 0, g, g, rows, u);
    }

    /// <summary>
    /// One row of one step: z (4u) becomes the activated gates i, f, c̃, o; c = f⊙c₋ + i⊙c̃; tanh(c) and h = o⊙tanh(c) are
    /// written to the trace, c and h to the next step's rows when there is one, h to the output when it is emitted.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Cell<T>(ref T z, ref T previousCell, ref T tanhCell, bool next, ref T nextCell, ref T nextState,
        bool emit, ref T output, int u)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector<T>.Count, j = 0;
        nint f = u, c = 2 * u, o = 3 * u;
        for (; j + w <= u; j += w)
        {
            var i = Sigmoid(Load(ref z, j));
            var fg = Sigmoid(Load(ref z, f + j));
            var candidate = Tanh(Load(ref z, c + j));
            var og = Sigmoid(Load(ref z, o + j));
            var cell = MultiplyAdd(fg, Load(ref previousCell, j), i * candidate);
            var th = Tanh(cell);
            var h = og * th;
            Store(i, ref z, j);
            Store(fg, ref z, f + j);
            Store(candidate, ref z, c + j);
            Store(og, ref z, o + j);
            Store(th, ref tanhCell, j);
            if (next)
            {
                Store(cell, ref nextCell, j);
                Store(h, ref nextState, j);
            }
            if (emit) Store(h, ref output, j);
        }
        for (; j < u; j++)
        {
            T i = Simd.Sigmoid(At(ref z, j)), fg = Simd.Sigmoid(At(ref z, f + j));
            T candidate = T.Tanh(At(ref z, c + j)), og = Simd.Sigmoid(At(ref z, o + j));
            T cell = fg * At(ref previousCell, j) + i * candidate;
            T th = T.Tanh(cell), h = og * th;
            At(ref z, j) = i;
            At(ref z, f + j) = fg;
            At(ref z, c + j) = candidate;
            At(ref z, o + j) = og;
            At(ref tanhCell, j) = th;
            if (next)
            {
                At(ref nextCell, j) = cell;
                At(ref nextState, j) = h;
            }
            if (emit) At(ref output, j) = h;
        }
    }

    /// <summary>
    /// One row of one step backward, from dh (the gradient on h_t) and the carry dc_{t+1}⊙f_{t+1}:
    /// dc = carry + dh⊙o⊙(1 − tanh²c); dz = [dc⊙c̃⊙i(1 − i), dc⊙c₋⊙f(1 − f), dc⊙i⊙(1 − c̃²), dh⊙tanh(c)⊙o(1 − o)];
    /// the carry becomes dc⊙f for the step before.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CellBackward<T>(ref T gates, ref T previousCell, ref T tanhCell, ref T dh, ref T carry, ref T dz, int u)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector<T>.Count, j = 0;
        nint f = u, c = 2 * u, o = 3 * u;
        var one = Vector<T>.One;
        for (; j + w <= u; j += w)
        {
            var i = Load(ref gates, j);
            var fg = Load(ref gates, f + j);
            var candidate = Load(ref gates, c + j);
            var og = Load(ref gates, o + j);
            var th = Load(ref tanhCell, j);
            var d = Load(ref dh, j);
            var dc = MultiplyAdd(d * og, one - th * th, Load(ref carry, j));
            Store(dc * candidate * (i - i * i), ref dz, j);
            Store(dc * Load(ref previousCell, j) * (fg - fg * fg), ref dz, f + j);
            Store(dc * i * (one - candidate * candidate), ref dz, c + j);
            Store(d * th * (og - og * og), ref dz, o + j);
            Store(dc * fg, ref carry, j);
        }
        for (; j < u; j++)
        {
            T i = At(ref gates, j), fg = At(ref gates, f + j), candidate = At(ref gates, c + j), og = At(ref gates, o + j);
            T th = At(ref tanhCell, j), d = At(ref dh, j);
            T dc = At(ref carry, j) + d * og * (T.One - th * th);
            At(ref dz, j) = dc * candidate * (i - i * i);
            At(ref dz, f + j) = dc * At(ref previousCell, j) * (fg - fg * fg);
            At(ref dz, c + j) = dc * i * (T.One - candidate * candidate);
            At(ref dz, o + j) = d * th * (og - og * og);
            At(ref carry, j) = dc * fg;
        }
    }
}
