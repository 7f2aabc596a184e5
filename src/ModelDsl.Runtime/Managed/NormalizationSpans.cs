using System.Runtime.CompilerServices;
using System.Numerics;
using System.Numerics.Tensors;
using ModelDsl.Kernels;

namespace ModelDsl.Managed;

/// <summary>
/// Keras' Normalization layer over spans, as <see cref="NormalizationKernel"/>: y = (x − mean)/max(√variance, 1e-7)
/// per feature (the last axis); mean and variance are constants (no gradient).
/// </summary>
// Chunk buffers on the stack are written before they are read: no zeroing.
[System.Runtime.CompilerServices.SkipLocalsInit]
public static class NormalizationSpans
{
    private const string Kernel = nameof(NormalizationSpans);
    private const int Chunk = ActivationSpans.Chunk;

    /// <summary>y (rows, features) = (x − mean)/max(√variance, 1e-7), overwriting y; mean and variance (features).</summary>
    /// <exception cref="ArgumentException">A span whose length is not the product of its sizes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative size.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> mean, ReadOnlySpan<T> variance, Span<T> y, int rows, int features)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(x.Length, "x", variance.Length, rows, features);
        SpanChecks.Length(Kernel, mean.Length, features, nameof(mean), "(features)");
        SpanChecks.Length(Kernel, y.Length, (long)rows * features, nameof(y), "(rows, features)");
        Span<T> deviation = stackalloc T[Chunk];
        for (int start = 0; start < features; start += Chunk)
        {
            int length = Math.Min(Chunk, features - start);
            Span<T> d = StandardDeviation(variance.Slice(start, length), deviation[..length]);
            ReadOnlySpan<T> m = mean.Slice(start, length);
            for (int r = 0; r < rows; r++)
            {
                Span<T> target = y.Slice(r * features + start, length);
                TensorPrimitives.Subtract(x.Slice(r * features + start, length), m, target);
                TensorPrimitives.Divide(target, d, target);
            }
        }
    }

    /// <summary>dx (rows, features) += dy / max(√variance, 1e-7). An empty dx: nothing to do.</summary>
    /// <exception cref="ArgumentException">A span whose length is not the product of its sizes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative size.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> variance, Span<T> dx, int rows, int features)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(dy.Length, "dy", variance.Length, rows, features);
        if (!SpanChecks.Wanted(Kernel, dx.Length, (long)rows * features, nameof(dx), "(rows, features)")) return;
        Span<T> deviation = stackalloc T[Chunk], quotient = stackalloc T[Chunk];
        for (int start = 0; start < features; start += Chunk)
        {
            int length = Math.Min(Chunk, features - start);
            Span<T> d = StandardDeviation(variance.Slice(start, length), deviation[..length]), q = quotient[..length];
            for (int r = 0; r < rows; r++)
            {
                Span<T> target = dx.Slice(r * features + start, length);
                TensorPrimitives.Divide(dy.Slice(r * features + start, length), d, q);
                TensorPrimitives.Add(target, q, target);
            }
        }
    }

    /// <summary>max(√variance, 1e-7) into <paramref name="into"/> (NaN stays NaN, as torch's clamp_min).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Span<T> StandardDeviation<T>(ReadOnlySpan<T> variance, Span<T> into) where T : unmanaged, IFloatingPointIeee754<T>
    {
        TensorPrimitives.Sqrt(variance, into);
        TensorPrimitives.Max(into, T.CreateTruncating(NormalizationKernel.MinStandardDeviation), into);
        return into;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Check(int xLength, string xName, int varianceLength, int rows, int features)
    {
        SpanChecks.Sizes(Kernel, rows, nameof(rows), features, nameof(features));
        SpanChecks.Length(Kernel, xLength, (long)rows * features, xName, "(rows, features)");
        SpanChecks.Length(Kernel, varianceLength, features, "variance", "(features)");
    }
}
