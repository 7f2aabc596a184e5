using System.Runtime.CompilerServices;
using System.Numerics;
using ModelDsl.Kernels;
using static ModelDsl.Managed.Simd;

namespace ModelDsl.Managed;

/// <summary>
/// Keras' GRU with reset_after = true (its default; zero initial state, no mask) over spans, the same function as
/// <see cref="GruKernel"/>: kernel (F, 3u) and recurrent kernel (u, 3u) in gate blocks z, r, h, bias (2, 3u) with row 0
/// added to x·W and row 1 to h·U. Per step two products (h·U's z and r blocks added to the input projection, its h
/// block kept apart: the reset gate multiplies it) and one loop of the gate arithmetic in registers; the backward
/// likewise, with dx, dW, dU and the bias gradient as products over all steps afterwards.
/// </summary>
/// <remarks>
/// Trace layout, rows (b, t) at b·time + t: the activated gates z, r, ĥ (n, time, 3u); m_h = h_{t−1}·U_h + b_h,h
/// (n, time, u); the hidden state before each step h_{t−1} (n, time, u, zero at t = 0).
/// </remarks>
public static class GruSpans
{
    private const string Layer = "GRU";

    /// <summary>The trace's length: n·time·5u (gates 3u, the recurrent candidate part, previous states).</summary>
    public static int TraceLength(int n, int time, int units) => SpanChecks.Product(Layer, "n·time·5·units", n, time, 5, units);

    /// <summary>The backward scratch's length: n·time·4u (gate gradients, the recurrent candidate's) + n·u (dh) + 3u·u (Uᵀ).</summary>
    public static int ScratchLength(int n, int time, int units) =>
        checked(SpanChecks.Product(Layer, "n·time·4·units", n, time, 4, units) + SpanChecks.Product(Layer, "n·units", n, units)
            + SpanChecks.Product(Layer, "3·units·units", 3, units, units));

    /// <summary>
    /// x (n, time, features); kernel (features, 3u); recurrentKernel (u, 3u); bias (2, 3u); blocks z, r, h. Per step with
    /// a = x_t·W + b_x and m = h·U + b_h: z = σ(a_z + m_z), r = σ(a_r + m_r), ĥ = tanh(a_h + r⊙m_h), h = z⊙h + (1 − z)⊙ĥ,
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
        RecurrentSpanChecks.Forward(Layer, 3, 2, x, kernel, recurrentKernel, bias, output, trace.Length,
            TraceLength(n, time, units), "GruSpans.TraceLength(n, time, units)", n, time, features, units, returnSequences);
        int u = units, g = 3 * u, rows = n * time;
        var gates = trace[..(rows * g)];
        var candidateParts = trace.Slice(rows * g, rows * u);
        var states = trace.Slice(rows * 4 * u, rows * u);
        var recurrentBias = bias[g..];

        RecurrentSpanSteps.InputProjection(x, kernel, bias[..g], gates, rows, features, g);
        for (int b = 0; b < n; b++)
        {
            states.Slice(b * time * u, u).Clear();
            recurrentBias[(2 * u)..].CopyTo(candidateParts.Slice(b * time * u, u));    // h_0 = 0: m_h = b_h,h
        }
        for (int t = 0; t < time; t++)
        {
            if (t > 0)
            {
                RecurrentSpanSteps.StepProduct(states, recurrentKernel, 0, 2 * u, g, gates, 0, g, n, time, u, t, accumulate: true);
                RecurrentSpanSteps.StepProduct(states, recurrentKernel, 2 * u, u, g, candidateParts, 0, u, n, time, u, t,
                    accumulate: false, rowInit: recurrentBias[(2 * u)..]);
            }
            bool next = t + 1 < time;
            bool emit = returnSequences || !next;
            for (int b = 0; b < n; b++)
            {
                int row = b * time + t;
                Cell(ref At(ref Ref(gates), (nint)row * g), ref Ref(recurrentBias), ref At(ref Ref(candidateParts), (nint)row * u),
                    ref At(ref Ref(states), (nint)row * u), next, ref At(ref Ref(states), (nint)(row + 1) * u),
                    emit, ref At(ref Ref(output), (nint)(returnSequences ? row : b) * u), u);
            }
        }
    }

    /// <summary>
    /// Backpropagation through time from dOutput ((n, u), or (n, time, u) with sequences), ADDED into dx (n, time,
    /// features; empty: not needed), dKernel (features, 3u), dRecurrentKernel (u, 3u) and dBias (2, 3u): row 0 the sums
    /// of the gradients of x·W + b_x, row 1 those of h·U + b_h. Reads the trace of the forward on the same x and weights
    /// (unchanged); uses <paramref name="scratch"/> (<see cref="ScratchLength"/>).
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not fit the sizes (the message names it and the formula).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size below 1.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<T>(ReadOnlySpan<T> dOutput, ReadOnlySpan<T> x, ReadOnlySpan<T> kernel, ReadOnlySpan<T> recurrentKernel,
        ReadOnlySpan<T> trace, Span<T> scratch, Span<T> dx, Span<T> dKernel, Span<T> dRecurrentKernel, Span<T> dBias,
        int n, int time, int features, int units, bool returnSequences)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RecurrentSpanChecks.Backward(Layer, 3, 2, dOutput, x, kernel, recurrentKernel, trace.Length, TraceLength(n, time, units),
            "GruSpans.TraceLength(n, time, units)", scratch.Length, ScratchLength(n, time, units), "GruSpans.ScratchLength(n, time, units)",
            dx, dKernel, dRecurrentKernel, dBias, n, time, features, units, returnSequences);
        int u = units, g = 3 * u, rows = n * time;
        var gates = trace[..(rows * g)];
        var candidateParts = trace.Slice(rows * g, rows * u);
        var states = trace.Slice(rows * 4 * u, rows * u);
        var da = scratch[..(rows * g)];                                 // gradients of the input side a = x·W + b_x
        var dCandidate = scratch.Slice(rows * g, rows * u);             // of m_h, the recurrent part under the reset gate
        var dh = scratch.Slice(rows * 4 * u, n * u);
        var recurrentT = scratch.Slice(rows * 4 * u + n * u, g * u);     // Uᵀ (3u, u)
        Transpose(recurrentKernel, u, g, recurrentT);

        for (int t = time - 1; t >= 0; t--)
        {
            // dh holds dh_{t+1}⊙z_{t+1} from the step after (the direct path h_t → h_{t+1}); the recurrent products add the rest.
            RecurrentSpanSteps.Upstream(dOutput, dh, n, time, u, t, returnSequences, add: t < time - 1);
            if (t < time - 1)
            {
                Gemm.Multiply(da[((t + 1) * g)..], time * g, 1, recurrentT, u, dh, u, n, 2 * u, u, accumulate: true);
                Gemm.Multiply(dCandidate[((t + 1) * u)..], time * u, 1, recurrentT[(2 * u * u)..], u, dh, u, n, u, u, accumulate: true);
            }
            for (int b = 0; b < n; b++)
            {
                int row = b * time + t;
                CellBackward(ref At(ref Ref(gates), (nint)row * g), ref At(ref Ref(candidateParts), (nint)row * u), ref At(ref Ref(states), (nint)row * u),
                    ref At(ref Ref(dh), (nint)b * u), ref At(ref Ref(da), (nint)row * g), ref At(ref Ref(dCandidate), (nint)row * u), u);
            }
        }

        // dz of the recurrent side is [da_z, da_r, dCandidate]: dU and the bias's row 1 from the two parts.
        RecurrentSpanSteps.InputAndKernelGradients<T>(da, x, kernel, scratch[(rows * 4 * u)..], dx, dKernel, dBias[..g], rows, features, g);
        RecurrentSpanSteps.RecurrentKernelGradient<T>(states, da, g, dRecurrentKernel, 0, 2 * u, g, rows, u);
        RecurrentSpanSteps.RecurrentKernelGradient<T>(states, dCandidate, u, dRecurrentKernel, 2 * u, u, g, rows, u);
        AddColumnSums<T>(da, rows, 2 * u, g, dBias[g..]);
        AddColumnSums<T>(dCandidate, rows, u, u, dBias[(g + 2 * u)..]);
    }

    /// <summary>
    /// One row of one step: the gate pre-activations (3u, the input part plus h·U's z and r blocks) become z, r, ĥ with
    /// b_h's z and r blocks added; h = ĥ + z⊙(h₋ − ĥ) goes to the next step's row and the output.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Cell<T>(ref T gates, ref T recurrentBias, ref T candidatePart, ref T previous, bool next, ref T nextState,
        bool emit, ref T output, int u)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector<T>.Count, j = 0;
        nint r = u, c = 2 * u;
        for (; j + w <= u; j += w)
        {
            var z = Sigmoid(Load(ref gates, j) + Load(ref recurrentBias, j));
            var reset = Sigmoid(Load(ref gates, r + j) + Load(ref recurrentBias, r + j));
            var candidate = Tanh(MultiplyAdd(reset, Load(ref candidatePart, j), Load(ref gates, c + j)));
            var h = MultiplyAdd(z, Load(ref previous, j) - candidate, candidate);
            Store(z, ref gates, j);
            Store(reset, ref gates, r + j);
            Store(candidate, ref gates, c + j);
            if (next) Store(h, ref nextState, j);
            if (emit) Store(h, ref output, j);
        }
        for (; j < u; j++)
        {
            T z = Simd.Sigmoid(At(ref gates, j) + At(ref recurrentBias, j));
            T reset = Simd.Sigmoid(At(ref gates, r + j) + At(ref recurrentBias, r + j));
            T candidate = T.Tanh(At(ref gates, c + j) + reset * At(ref candidatePart, j));
            T h = candidate + z * (At(ref previous, j) - candidate);
            At(ref gates, j) = z;
            At(ref gates, r + j) = reset;
            At(ref gates, c + j) = candidate;
            if (next) At(ref nextState, j) = h;
            if (emit) At(ref output, j) = h;
        }
    }

    /// <summary>
    /// One row of one step backward from dh: with dp = dh⊙(1 − z)⊙(1 − ĥ²) (the candidate's pre-activation),
    /// da = [dh⊙(h₋ − ĥ)⊙z(1 − z), dp⊙m_h⊙r(1 − r), dp], dm_h = dp⊙r, and dh becomes dh⊙z for the step before.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CellBackward<T>(ref T gates, ref T candidatePart, ref T previous, ref T dh, ref T da, ref T dCandidate, int u)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector<T>.Count, j = 0;
        nint r = u, c = 2 * u;
        var one = Vector<T>.One;
        for (; j + w <= u; j += w)
        {
            var z = Load(ref gates, j);
            var reset = Load(ref gates, r + j);
            var candidate = Load(ref gates, c + j);
            var d = Load(ref dh, j);
            var dp = d * (one - z) * (one - candidate * candidate);
            Store(d * (Load(ref previous, j) - candidate) * (z - z * z), ref da, j);
            Store(dp * Load(ref candidatePart, j) * (reset - reset * reset), ref da, r + j);
            Store(dp, ref da, c + j);
            Store(dp * reset, ref dCandidate, j);
            Store(d * z, ref dh, j);
        }
        for (; j < u; j++)
        {
            T z = At(ref gates, j), reset = At(ref gates, r + j), candidate = At(ref gates, c + j), d = At(ref dh, j);
            T dp = d * (T.One - z) * (T.One - candidate * candidate);
            At(ref da, j) = d * (At(ref previous, j) - candidate) * (z - z * z);
            At(ref da, r + j) = dp * At(ref candidatePart, j) * (reset - reset * reset);
            At(ref da, c + j) = dp;
            At(ref dCandidate, j) = dp * reset;
            At(ref dh, j) = d * z;
        }
    }
}
