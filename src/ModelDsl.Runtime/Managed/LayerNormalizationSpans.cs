using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace ModelDsl.Managed;

/// <summary>
/// Keras' LayerNormalization over the last axis over spans, as <c>ModelDsl.Kernels.LayerNormalizationKernel</c>: x viewed
/// as (rows, features), per row the mean and biased variance, y = γ(x − μ)/√(σ² + ε) + β; training and inference alike.
/// </summary>
public static class LayerNormalizationSpans
{
    private const string Kernel = nameof(LayerNormalizationSpans);
    private const int StackElements = 512;

    /// <summary>
    /// The length of the trace <see cref="Forward"/> fills for <see cref="Backward"/>: x̂ (rows, features) then
    /// 1/√(σ² + ε) (rows), rows·features + rows.
    /// </summary>
    public static int TraceLength(int rows, int features) => FeatureRows.Length(Kernel, rows, features, rows);

    /// <summary>y = γ(x − μ)/√(σ² + ε) + β with μ and σ² (ddof 0) of each row; overwrites y and <paramref name="trace"/>.</summary>
    /// <exception cref="ArgumentException">A span whose length does not fit the sizes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">rows &lt; 0, features &lt; 1, or epsilon not positive.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, Span<T> y, Span<T> trace, int rows, int features, T epsilon)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int values = FeatureRows.Values(Kernel, rows, features, 0, x.Length, nameof(x), y.Length, nameof(y));
        FeatureRows.Vector(Kernel, gamma.Length, features, nameof(gamma));
        FeatureRows.Vector(Kernel, beta.Length, features, nameof(beta));
        FeatureRows.Epsilon(Kernel, epsilon, 1e-3);
        SpanChecks.Length(Kernel, trace.Length, TraceLength(rows, features), nameof(trace), $"{Kernel}.TraceLength(rows, features)");
        Span<T> normalized = trace[..values], inverseStd = trace[values..];

        T count = T.CreateTruncating(features);
        for (int r = 0, at = 0; r < rows; r++, at += features)
        {
            Span<T> row = normalized.Slice(at, features), output = y.Slice(at, features);
            TensorPrimitives.Subtract(x.Slice(at, features), TensorPrimitives.Sum(x.Slice(at, features)) / count, row);
            T inverse = T.One / T.Sqrt(TensorPrimitives.SumOfSquares<T>(row) / count + epsilon);
            inverseStd[r] = inverse;
            TensorPrimitives.Multiply(row, inverse, row);
            TensorPrimitives.Multiply(row, gamma, output);
            TensorPrimitives.Add(output, beta, output);
        }
    }

    /// <summary>
    /// The vector-Jacobian product, C = features, Σ_c over each row: with g = dy ⊙ γ,
    /// dx += InverseStd/C ⊙ (C·g − Σ_c g − x̂ ⊙ Σ_c g ⊙ x̂); dγ += Σ dy ⊙ x̂ and dβ += Σ dy over the rows. An empty
    /// gradient span is "not needed" and skipped. The trace is what the forward filled.
    /// </summary>
    /// <exception cref="ArgumentException">A span whose length does not fit the sizes.</exception>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> trace, ReadOnlySpan<T> gamma, Span<T> dx, Span<T> dGamma, Span<T> dBeta, int rows, int features)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool input = FeatureRows.Backward(Kernel, rows, features, 0, dy.Length, trace.Length, TraceLength(rows, features), gamma.Length, dx.Length, dGamma.Length, dBeta.Length);
        int values = rows * features;
        ReadOnlySpan<T> normalized = trace[..values], inverseStd = trace[values..];

        using var scratch = new Scratch<T>(3 * features, stackalloc T[StackElements]);
        Span<T> g = scratch.Span[..features], row = scratch.Span.Slice(features, features), product = scratch.Span.Slice(2 * features, features);
        if (!dGamma.IsEmpty || !dBeta.IsEmpty)
        {
            // The column sums go into g and row (free until dx) and are then added to the wanted gradients.
            FeatureRows.ColumnSums(dy, normalized, g, row, product, rows, features);
            FeatureRows.AddWeightGradients<T>(g, row, dGamma, dBeta);
        }
        if (!input) return;

        T count = T.CreateTruncating(features);
        for (int r = 0, at = 0; r < rows; r++, at += features)
        {
            ReadOnlySpan<T> xHat = normalized.Slice(at, features);
            TensorPrimitives.Multiply(dy.Slice(at, features), gamma, g);
            TensorPrimitives.Multiply(g, xHat, product);
            T sumG = TensorPrimitives.Sum<T>(g), sumGxHat = TensorPrimitives.Sum<T>(product);
            TensorPrimitives.Multiply(g, count, row);
            TensorPrimitives.Subtract(row, sumG, row);
            TensorPrimitives.Multiply(xHat, sumGxHat, product);
            TensorPrimitives.Subtract(row, product, row);
            Span<T> into = dx.Slice(at, features);
            TensorPrimitives.MultiplyAdd(row, inverseStd[r] / count, into, into);
        }
    }
}
