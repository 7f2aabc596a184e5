using System.Runtime.CompilerServices;
using System.Numerics;
using System.Numerics.Tensors;

namespace ModelDsl.Managed;

/// <summary>
/// Reductions of the op graph: of every element (<see cref="Sum"/>, <see cref="Mean"/>), and over one axis of x viewed
/// as (outer, axis, inner), giving y (outer, inner). Backward adds into dx (an empty dx: nothing to do); Max's gradient
/// is split equally among tied maxima, as torch's amax.
/// </summary>
// Chunk buffers on the stack are written before they are read: no zeroing.
[System.Runtime.CompilerServices.SkipLocalsInit]
public static class ReduceSpans
{
    private const string Kernel = nameof(ReduceSpans);
    private const int Chunk = ActivationSpans.Chunk;

    /// <summary>The sum of every element (accumulated in double).</summary>
    public static T Sum<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T> => T.CreateTruncating(ElementMath.Sum(x));

    /// <summary>The mean of every element (NaN for none).</summary>
    public static T Mean<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T> => T.CreateTruncating(ElementMath.Sum(x) / x.Length);

    /// <summary>dx += dy for the sum of every element of x.</summary>
    public static void SumBackward<T>(T dy, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Add(dx, dy, dx);

    /// <summary>dx += dy / (the number of elements) for the mean of every element of x.</summary>
    public static void MeanBackward<T>(T dy, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T> =>
        TensorPrimitives.Add(dx, dy / T.CreateTruncating(dx.Length), dx);

    /// <summary>y[o, i] = Σ_k x[o, k, i], overwriting y (outer, inner); x (outer, axis, inner).</summary>
    /// <exception cref="ArgumentException">A span whose length is not the product of its sizes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative size.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SumAxis<T>(ReadOnlySpan<T> x, Span<T> y, int outer, int axis, int inner) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(x.Length, y.Length, "y", outer, axis, inner);
        Fold(x, y, outer, axis, inner, maximum: false);
    }

    /// <summary>y[o, i] = Σ_k x[o, k, i] / axis, overwriting y (outer, inner); x (outer, axis, inner).</summary>
    /// <exception cref="ArgumentException">A span whose length is not the product of its sizes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative size.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MeanAxis<T>(ReadOnlySpan<T> x, Span<T> y, int outer, int axis, int inner) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(x.Length, y.Length, "y", outer, axis, inner);
        Fold(x, y, outer, axis, inner, maximum: false);
        TensorPrimitives.Divide(y, T.CreateTruncating(axis), y);
    }

    /// <summary>y[o, i] = max_k x[o, k, i] (NaN if any is NaN), overwriting y (outer, inner); x (outer, axis, inner).</summary>
    /// <exception cref="ArgumentException">A span whose length is not the product of its sizes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative size, or an axis of size 0 (no maximum).</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaxAxis<T>(ReadOnlySpan<T> x, Span<T> y, int outer, int axis, int inner) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(x.Length, y.Length, "y", outer, axis, inner);
        SpanChecks.Positive(Kernel, axis, nameof(axis));
        Fold(x, y, outer, axis, inner, maximum: true);
    }

    /// <summary>dx[o, k, i] += dy[o, i] for <see cref="SumAxis"/>. An empty dx: nothing to do.</summary>
    /// <exception cref="ArgumentException">A span whose length is not the product of its sizes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative size.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SumAxisBackward<T>(ReadOnlySpan<T> dy, Span<T> dx, int outer, int axis, int inner) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!CheckBackward(dy.Length, dx.Length, outer, axis, inner)) return;
        Spread(dy, dx, outer, axis, inner, T.One, divide: false);
    }

    /// <summary>dx[o, k, i] += dy[o, i] / axis for <see cref="MeanAxis"/>. An empty dx: nothing to do.</summary>
    /// <exception cref="ArgumentException">A span whose length is not the product of its sizes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative size.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MeanAxisBackward<T>(ReadOnlySpan<T> dy, Span<T> dx, int outer, int axis, int inner) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!CheckBackward(dy.Length, dx.Length, outer, axis, inner)) return;
        Spread(dy, dx, outer, axis, inner, T.CreateTruncating(axis), divide: true);
    }

    /// <summary>
    /// dx[o, k, i] += dy[o, i] / ties where x[o, k, i] equals the maximum y[o, i] (ties: how many do), for
    /// <see cref="MaxAxis"/>. An empty dx: nothing to do.
    /// </summary>
    /// <exception cref="ArgumentException">A span whose length is not the product of its sizes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative size.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaxAxisBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> dx, int outer, int axis, int inner)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(x.Length, y.Length, "y", outer, axis, inner);
        if (!CheckBackward(dy.Length, dx.Length, outer, axis, inner)) return;
        Span<T> share = stackalloc T[Chunk];
        for (int o = 0; o < outer; o++)
            for (int start = 0; start < inner; start += Chunk)
            {
                int length = Math.Min(Chunk, inner - start), at = o * inner + start;
                ReadOnlySpan<T> max = y.Slice(at, length), g = dy.Slice(at, length);
                Span<T> ties = share[..length];
                ties.Clear();
                for (int k = 0; k < axis; k++)
                {
                    ReadOnlySpan<T> row = x.Slice((o * axis + k) * inner + start, length);
                    for (int i = 0; i < length; i++) if (row[i] == max[i]) ties[i] += T.One;
                }
                // dy / ties, times 1 or 0 per position (as torch: a NaN maximum, no tie, gives 0·∞ = NaN).
                TensorPrimitives.Divide(g, ties, ties);
                for (int k = 0; k < axis; k++)
                {
                    int offset = (o * axis + k) * inner + start;
                    ReadOnlySpan<T> row = x.Slice(offset, length);
                    Span<T> target = dx.Slice(offset, length);
                    for (int i = 0; i < length; i++) target[i] += (row[i] == max[i] ? T.One : T.Zero) * ties[i];
                }
            }
    }

    /// <summary>y (outer, inner) = the sum or maximum over the middle axis of x (outer, axis, inner).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Fold<T>(ReadOnlySpan<T> x, Span<T> y, int outer, int axis, int inner, bool maximum) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int o = 0; o < outer; o++)
        {
            if (inner == 1)
            {
                ReadOnlySpan<T> values = x.Slice(o * axis, axis);
                y[o] = maximum ? TensorPrimitives.Max(values) : T.CreateTruncating(ElementMath.Sum(values));
                continue;
            }
            Span<T> target = y.Slice(o * inner, inner);
            if (axis == 0)
            {
                target.Clear();
                continue;
            }
            x.Slice(o * axis * inner, inner).CopyTo(target);
            for (int k = 1; k < axis; k++)
            {
                ReadOnlySpan<T> row = x.Slice((o * axis + k) * inner, inner);
                if (maximum) TensorPrimitives.Max(target, row, target); else TensorPrimitives.Add(target, row, target);
            }
        }
    }

    /// <summary>dx[o, k, i] += dy[o, i] (or dy[o, i] / divisor), a chunk of the quotient at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Spread<T>(ReadOnlySpan<T> dy, Span<T> dx, int outer, int axis, int inner, T divisor, bool divide)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> quotient = stackalloc T[Chunk];
        for (int o = 0; o < outer; o++)
            for (int start = 0; start < inner; start += Chunk)
            {
                int length = Math.Min(Chunk, inner - start);
                scoped ReadOnlySpan<T> g = dy.Slice(o * inner + start, length);
                if (divide)
                {
                    TensorPrimitives.Divide(g, divisor, quotient[..length]);
                    g = quotient[..length];
                }
                for (int k = 0; k < axis; k++)
                {
                    Span<T> target = dx.Slice((o * axis + k) * inner + start, length);
                    if (length == 1) target[0] += g[0];
                    else TensorPrimitives.Add(target, g, target);
                }
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long Check(int xLength, int yLength, string yName, int outer, int axis, int inner)
    {
        SpanChecks.Sizes(Kernel, outer, nameof(outer), axis, nameof(axis), inner, nameof(inner));
        long count = (long)outer * axis * inner;
        SpanChecks.Length(Kernel, xLength, count, "x", "(outer, axis, inner)");
        SpanChecks.Length(Kernel, yLength, (long)outer * inner, yName, "(outer, inner)");
        return count;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool CheckBackward(int dyLength, int dxLength, int outer, int axis, int inner)
    {
        SpanChecks.Sizes(Kernel, outer, nameof(outer), axis, nameof(axis), inner, nameof(inner));
        SpanChecks.Length(Kernel, dyLength, (long)outer * inner, "dy", "(outer, inner)");
        return SpanChecks.Wanted(Kernel, dxLength, (long)outer * axis * inner, "dx", "(outer, axis, inner)");
    }
}
