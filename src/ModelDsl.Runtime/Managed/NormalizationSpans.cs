using System.Runtime.CompilerServices;
using System.Numerics;
using System.Numerics.Tensors;
using ModelDsl.Kernels;

namespace ModelDsl.Managed;

/// <summary>
/// Keras' Normalization layer over spans, as <see cref="NormalizationKernel"/>: y = (x − mean)/max(√variance, 1e-7)
/// per feature (the last axis); mean and variance are constants (no gradient).
/// </summary>
// The deviations on the stack are written before they are read: no zeroing.
[System.Runtime.CompilerServices.SkipLocalsInit]
public static class NormalizationSpans
{
    private const string Kernel = nameof(NormalizationSpans);
    /// <summary>Features whose deviations are kept on the stack; more are rented.</summary>
    private const int StackFeatures = 1024;

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
        T[]? rented = features > StackFeatures ? System.Buffers.ArrayPool<T>.Shared.Rent(features) : null;
        Span<T> d = StandardDeviation(variance, rented is null ? stackalloc T[features] : rented.AsSpan(0, features));
        FeatureBroadcast.Rows<T, Standardize<T>>(x, x, mean, d, y, features);
        if (rented is not null) System.Buffers.ArrayPool<T>.Shared.Return(rented);
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
        T[]? rented = features > StackFeatures ? System.Buffers.ArrayPool<T>.Shared.Rent(features) : null;
        Span<T> d = StandardDeviation(variance, rented is null ? stackalloc T[features] : rented.AsSpan(0, features));
        FeatureBroadcast.Rows<T, AddQuotient<T>>(dy, dx, d, d, dx, features);
        if (rented is not null) System.Buffers.ArrayPool<T>.Shared.Return(rented);
    }

    /// <summary>y = (x − mean)/deviation, as the torch kernel: a subtraction, then a division.</summary>
    private readonly struct Standardize<T> : IElementRule<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static Vector<T> Apply(Vector<T> x, Vector<T> z, Vector<T> mean, Vector<T> deviation) => (x - mean) / deviation;
        public static T Apply(T x, T z, T mean, T deviation) => (x - mean) / deviation;
    }

    /// <summary>dx = dx + dy/deviation (x is dy, z is dx).</summary>
    private readonly struct AddQuotient<T> : IElementRule<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static Vector<T> Apply(Vector<T> dy, Vector<T> dx, Vector<T> unused, Vector<T> deviation) => dx + dy / deviation;
        public static T Apply(T dy, T dx, T unused, T deviation) => dx + dy / deviation;
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
