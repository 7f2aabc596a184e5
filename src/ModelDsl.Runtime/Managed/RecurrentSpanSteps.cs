using System.Runtime.CompilerServices;
using System.Numerics;
using static ModelDsl.Managed.Simd;

namespace ModelDsl.Managed;

/// <summary>
/// The pieces of the recurrent span kernels that do not depend on the cell: the input projection of all steps, the
/// per-step recurrent product, the gradient arriving on a step's h from the output, and the products over all steps
/// of the backward (input gradient and weight gradients). Layouts as in <see cref="RecurrentSpanChecks"/>: rows
/// (b, t) of width w at (b·time + t)·w.
/// </summary>
internal static class RecurrentSpanSteps
{
    /// <summary>z (n·time, width) = x (n·time, features)·W (features, width) + bias row: every step's input part, one product.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InputProjection<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> kernel, ReadOnlySpan<T> bias, Span<T> z, int rows, int features, int width)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Gemm.Multiply(x, features, 1, kernel, width, z, width, rows, features, width, accumulate: false, rowInit: bias);

    /// <summary>
    /// Step t's z[b, t, cols) (+)= h_{t−1}[b]·U[:, cols) for every b: the state before step t is row (b, t) of
    /// <paramref name="states"/> (n, time, u); U's columns [<paramref name="column"/>, + <paramref name="cols"/>) of its
    /// <paramref name="width"/>; z's row stride is time·<paramref name="zWidth"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void StepProduct<T>(ReadOnlySpan<T> states, ReadOnlySpan<T> recurrentKernel, int column, int cols, int width,
        Span<T> z, int zOffset, int zWidth, int n, int time, int units, int t, bool accumulate, ReadOnlySpan<T> rowInit = default)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Gemm.Multiply(states[(t * units)..], time * units, 1, recurrentKernel[column..], width,
            z[(t * zWidth + zOffset)..], time * zWidth, n, units, cols, accumulate, rowInit);

    /// <summary>
    /// dh (n, u) = the gradient dOutput sends to h_t: its step t with sequences, all of it at the last step without, else
    /// zero; added to dh instead when <paramref name="add"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Upstream<T>(ReadOnlySpan<T> dOutput, Span<T> dh, int n, int time, int units, int t, bool returnSequences, bool add)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!returnSequences)
        {
            if (t != time - 1)
            {
                if (!add) dh[..(n * units)].Clear();
            }
            else if (add) AddTo(dOutput[..(n * units)], dh);
            else dOutput[..(n * units)].CopyTo(dh);
            return;
        }
        for (int b = 0; b < n; b++)
        {
            var source = dOutput.Slice((b * time + t) * units, units);
            var row = dh.Slice(b * units, units);
            if (add) AddTo(source, row);
            else source.CopyTo(row);
        }
    }

    /// <summary>into += values.</summary>
    private static void AddTo<T>(ReadOnlySpan<T> values, Span<T> into) where T : unmanaged, IFloatingPointIeee754<T> =>
        System.Numerics.Tensors.TensorPrimitives.Add(into, values, into);

    /// <summary>
    /// The backward's products over all n·time rows, added into the gradients: dx += dz·Wᵀ (skipped when dx is empty),
    /// dW += xᵀ·dz, dU[:, cols) += statesᵀ·dzRecurrent (states: h before each step) and the bias row += Σ_rows dz.
    /// <paramref name="free"/> is scratch no longer needed; when it holds Wᵀ and the features are wide enough, dz·Wᵀ runs
    /// as a blocked product on the transposed kernel instead of as dot products.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InputAndKernelGradients<T>(ReadOnlySpan<T> dz, ReadOnlySpan<T> x, ReadOnlySpan<T> kernel, Span<T> free,
        Span<T> dx, Span<T> dKernel, Span<T> dBias, int rows, int features, int width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!dx.IsEmpty)
        {
            if (features >= 2 * Vector<T>.Count && free.Length >= width * features)
            {
                Transpose(kernel, features, width, free);
                Gemm.Multiply(dz, width, 1, free, features, dx, features, rows, width, features, accumulate: true);
            }
            else
                Gemm.MultiplyTransposed(dz, width, kernel, width, dx, features, rows, width, features, accumulate: true);
        }
        Gemm.Multiply(x, 1, features, dz, width, dKernel, width, features, rows, width, accumulate: true);
        AddColumnSums(dz, rows, width, width, dBias);
    }

    /// <summary>dU[:, column..column + cols) += statesᵀ (u × rows)·g (rows × cols), g of row stride <paramref name="gWidth"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RecurrentKernelGradient<T>(ReadOnlySpan<T> states, ReadOnlySpan<T> g, int gWidth, Span<T> dRecurrentKernel,
        int column, int cols, int width, int rows, int units)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Gemm.Multiply(states, 1, units, g, gWidth, dRecurrentKernel[column..], width, units, rows, cols, accumulate: true);
}
