using System.Numerics;
using System.Runtime.CompilerServices;
using ModelDsl.Managed;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Kernels;

/// <summary>
/// The elementwise part of <see cref="LstmKernel"/>'s time steps for tensors in CPU memory, as one loop over a step's
/// memory instead of five to nine torch operations, and the per-step products h·U and dp·Uᵀ by the managed GEMM: each
/// torch call costs its dispatch, and libtorch took about 13 µs for a lab step's (101 × 16)·(16 × 64) product. The same
/// arithmetic as the torch operations it replaces, in the kernel's layout: gate blocks o, i, f, s with s = σ(2z_c),
/// c = f⊙c₋ + i⊙(2s − 1), e = σ(2c), h = o⊙(2e − 1).
/// </summary>
internal static class LstmCpuSteps
{
    /// <summary>
    /// Multiply-adds of one step's product h·U (batch × u × 4u) up to which the loops run: above it torch's GEMM and its
    /// threads win (the scaled LSTM(128) at batch 64, 4.2 million a step, ran 0.95× autograd on torch's step and 0.49×
    /// on these loops at two threads; the lab's LSTM(16), 0.1 million, 1.20× against 0.89×).
    /// </summary>
    public const long MaxStepMultiplyAdds = 1 << 20;

    /// <summary>Whether these loops run on <paramref name="x"/>'s tensors: CPU memory, float32 or float64, a small step.</summary>
    public static bool Applies(Tensor x, long batch, long units) =>
        x.device_type == DeviceType.CPU && x.dtype is ScalarType.Float32 or ScalarType.Float64 && batch * units * 4 * units <= MaxStepMultiplyAdds;

    /// <summary>Every step forward: h·U added into the step's pre-activations, then <see cref="Forward{T}"/>.</summary>
    public static void ForwardSteps<T>(Tensor gates, Tensor cells, Tensor cellSigmoids, Tensor states, Tensor recurrent)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int time = (int)gates.size(0), batch = (int)gates.size(1), u = (int)states.size(2), g = 4 * u;
        Span<T> gateMemory = TensorSpans.Of<T>(gates), cellMemory = TensorSpans.Of<T>(cells);
        Span<T> sigmoidMemory = TensorSpans.Of<T>(cellSigmoids), stateMemory = TensorSpans.Of<T>(states);
        ReadOnlySpan<T> u4 = TensorSpans.Of<T>(recurrent.contiguous());
        for (int t = 0; t < time; t++)
        {
            // z_t (batch, 4u) += h_t (batch, u)·U (u, 4u); h_0 = 0 adds nothing.
            if (t > 0) Gemm.Multiply(stateMemory.Slice(t * batch * u, batch * u), u, 1, u4, g, gateMemory.Slice(t * batch * g, batch * g), g, batch, u, g, accumulate: true);
            Forward(gateMemory, cellMemory, sigmoidMemory, stateMemory, t, batch, u);
        }
    }

    /// <summary>Every step backward, from the last: dp_{t+1}·Uᵀ added into dh_t, then <see cref="Backward{T}"/>.</summary>
    public static void BackwardSteps<T>(Tensor dp, Tensor dh, Tensor forget, Tensor q, Tensor dc, Tensor recurrent)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int time = (int)dp.size(0), batch = (int)dp.size(1), u = (int)dc.size(1), g = 4 * u;
        Span<T> dpMemory = TensorSpans.Of<T>(dp), dcMemory = TensorSpans.Of<T>(dc), dhMemory = TensorSpans.Of<T>(dh);
        ReadOnlySpan<T> forgetMemory = TensorSpans.Of<T>(forget), qMemory = TensorSpans.Of<T>(q), u4 = TensorSpans.Of<T>(recurrent.contiguous());
        for (int t = time - 1; t >= 0; t--)
        {
            // dh_t (batch, u) += dp_{t+1} (batch, 4u)·Uᵀ: dot products of dp's rows with U's rows (U is (u, 4u)).
            if (t < time - 1)
                Gemm.MultiplyTransposed(dpMemory.Slice((t + 1) * batch * g, batch * g), g, u4, g, dhMemory.Slice(t * batch * u, batch * u), u, batch, g, u, accumulate: true);
            Backward(dpMemory, dhMemory, forgetMemory, qMemory, dcMemory, t, time, batch, u);
        }
    }

    /// <summary>
    /// Step <paramref name="t"/> forward, after h·U was added into its pre-activations: activates the gates in place and
    /// writes c_{t+1}, e_t and h_{t+1}. gates (time, batch, 4u), cells and states (time + 1, batch, u), cellSigmoids
    /// (time, batch, u), all contiguous.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T>(Span<T> gates, Span<T> cells, Span<T> cellSigmoids, Span<T> states, int t, int batch, int u)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int g = 4 * u, w = Vector<T>.Count;
        Span<T> z = gates.Slice(t * batch * g, batch * g);
        int k = 0;
        for (; k + w <= z.Length; k += w) Simd.Sigmoid(new Vector<T>(z[k..])).CopyTo(z[k..]);
        for (; k < z.Length; k++) z[k] = Simd.Sigmoid(z[k]);
        T two = T.One + T.One;
        var twoV = new Vector<T>(two);
        for (int b = 0; b < batch; b++)
        {
            Span<T> row = z.Slice(b * g, g);
            Span<T> o = row[..u], i = row.Slice(u, u), f = row.Slice(2 * u, u), s = row.Slice(3 * u, u);
            Span<T> previous = cells.Slice((t * batch + b) * u, u), cell = cells.Slice(((t + 1) * batch + b) * u, u);
            Span<T> e = cellSigmoids.Slice((t * batch + b) * u, u), h = states.Slice(((t + 1) * batch + b) * u, u);
            int j = 0;
            for (; j + w <= u; j += w)
            {
                var iv = new Vector<T>(i[j..]);
                var cv = new Vector<T>(previous[j..]) * new Vector<T>(f[j..]) + twoV * iv * new Vector<T>(s[j..]) - iv;
                cv.CopyTo(cell[j..]);
                var ev = Simd.Sigmoid(twoV * cv);
                ev.CopyTo(e[j..]);
                var ov = new Vector<T>(o[j..]);
                (twoV * ov * ev - ov).CopyTo(h[j..]);
            }
            for (; j < u; j++)
            {
                T c = previous[j] * f[j] + two * i[j] * s[j] - i[j];
                cell[j] = c;
                e[j] = Simd.Sigmoid(two * c);
                h[j] = two * o[j] * e[j] - o[j];
            }
        }
    }

    /// <summary>
    /// Step <paramref name="t"/> backward, after dp_{t+1}·Uᵀ was added into dh_t: dc ← dc⊙f_{t+1} (but for the last
    /// step) + 4·dh⊙q, then the gate gradients dp_t = [dh⊙m_o, dc⊙m_i, dc⊙m_f, dc⊙m_c] in place of the m's. dp
    /// (time, batch, 4u), dh, forget and q (time, batch, u), dc (batch, u), all contiguous.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<T>(Span<T> dp, ReadOnlySpan<T> dh, ReadOnlySpan<T> forget, ReadOnlySpan<T> q, Span<T> dc,
        int t, int time, int batch, int u)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int g = 4 * u;
        T four = T.CreateTruncating(4);
        bool carries = t < time - 1;
        for (int b = 0; b < batch; b++)
        {
            Span<T> row = dp.Slice((t * batch + b) * g, g);
            ReadOnlySpan<T> dhRow = dh.Slice((t * batch + b) * u, u), qRow = q.Slice((t * batch + b) * u, u);
            ReadOnlySpan<T> next = carries ? forget.Slice(((t + 1) * batch + b) * u, u) : default;
            Span<T> dcRow = dc.Slice(b * u, u);
            for (int j = 0; j < u; j++)
            {
                T carried = carries ? dcRow[j] * next[j] : dcRow[j];
                T cellGradient = carried + four * dhRow[j] * qRow[j];
                dcRow[j] = cellGradient;
                row[j] *= dhRow[j];
                row[u + j] *= cellGradient;
                row[2 * u + j] *= cellGradient;
                row[3 * u + j] *= cellGradient;
            }
        }
    }
}
