using System.Runtime.CompilerServices;
using System.Numerics;
using System.Numerics.Tensors;

namespace ModelDsl.Managed;

/// <summary>
/// What the normalization span kernels (<see cref="BatchNormalizationSpans"/>, <see cref="LayerNormalizationSpans"/>)
/// share: a (rows, features) view of a value, the checked lengths of its spans and the column sums of the backward.
/// </summary>
internal static class FeatureRows
{
    /// <summary>rows·features + extra as an int (a trace's length); a length beyond int.MaxValue is refused.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Length(string kernel, int rows, int features, int extra)
    {
        SpanChecks.Sizes(kernel, rows, nameof(rows), features, nameof(features), extra, nameof(extra));
        long length = (long)rows * features + extra;
        if (length > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(rows), rows, $"{kernel}: rows·features = {rows}·{features} values are more than a span holds ({int.MaxValue}).");
        return (int)length;
    }

    /// <summary>Checks the sizes (rows ≥ <paramref name="minimumRows"/>, features ≥ 1) and the (rows, features) value spans.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Values(string kernel, int rows, int features, int minimumRows, int x, string xName, int y, string yName)
    {
        if (rows < minimumRows)
            throw new ArgumentOutOfRangeException(nameof(rows), rows, minimumRows == 1
                ? $"{kernel}: rows is {rows}: batch statistics need at least one sample."
                : $"{kernel}: rows must not be negative; got {rows}.");
        SpanChecks.Positive(kernel, features, nameof(features));
        int values = Length(kernel, rows, features, 0);
        SpanChecks.Length(kernel, x, values, xName, "(rows, features)");
        SpanChecks.Length(kernel, y, values, yName, "(rows, features)");
        return values;
    }

    /// <summary>Throws unless the per-feature span has <paramref name="features"/> elements.</summary>
    public static void Vector(string kernel, int actual, int features, string name) =>
        SpanChecks.Length(kernel, actual, features, name, "(features)");

    /// <summary>Throws unless epsilon is positive (the torch kernels' message).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Epsilon<T>(string kernel, T epsilon, double keras) where T : IFloatingPointIeee754<T>
    {
        if (!(epsilon > T.Zero))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"{kernel}: epsilon must be positive (Keras' default {keras}); got {epsilon}.");
    }

    /// <summary>
    /// Σ_r dy[r] and Σ_r dy[r] ⊙ x̂[r] over the rows of (rows, features) views, overwriting
    /// <paramref name="sumDy"/> and <paramref name="sumDyNormalized"/>; <paramref name="product"/> is a features-long scratch.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ColumnSums<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> normalized, Span<T> sumDy, Span<T> sumDyNormalized, Span<T> product, int rows, int features)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        sumDy.Clear();
        sumDyNormalized.Clear();
        for (int r = 0, at = 0; r < rows; r++, at += features)
        {
            ReadOnlySpan<T> dyRow = dy.Slice(at, features);
            TensorPrimitives.Add(sumDy, dyRow, sumDy);
            TensorPrimitives.Multiply(dyRow, normalized.Slice(at, features), product);
            TensorPrimitives.Add(sumDyNormalized, product, sumDyNormalized);
        }
    }

    /// <summary>Adds the column sums into the weight gradients each of which is wanted (non-empty).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddWeightGradients<T>(ReadOnlySpan<T> sumDy, ReadOnlySpan<T> sumDyNormalized, Span<T> dGamma, Span<T> dBeta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!dGamma.IsEmpty) TensorPrimitives.Add(dGamma, sumDyNormalized, dGamma);
        if (!dBeta.IsEmpty) TensorPrimitives.Add(dBeta, sumDy, dBeta);
    }

    /// <summary>Checks the backward's spans: dy (rows, features), the trace's length, gamma, and the optional gradients;
    /// returns whether dx is wanted.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool Backward(string kernel, int rows, int features, int minimumRows, int dy, int trace, int traceLength, int gamma, int dx, int dGamma, int dBeta)
    {
        int values = Values(kernel, rows, features, minimumRows, dy, nameof(dy), dy, nameof(dy));
        SpanChecks.Length(kernel, trace, traceLength, nameof(trace), $"{kernel}.TraceLength(rows, features)");
        Vector(kernel, gamma, features, nameof(gamma));
        SpanChecks.Wanted(kernel, dGamma, features, nameof(dGamma), "(features)");
        SpanChecks.Wanted(kernel, dBeta, features, nameof(dBeta), "(features)");
        return SpanChecks.Wanted(kernel, dx, values, nameof(dx), "(rows, features)");
    }
}
