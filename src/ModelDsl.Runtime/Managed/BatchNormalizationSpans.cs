using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace ModelDsl.Managed;

/// <summary>
/// Keras' BatchNormalization on the last axis over spans, as <c>ModelDsl.Kernels.BatchNormalizationKernel</c>: x viewed
/// as (rows, features) (rows = every axis but the last), statistics per feature over the rows. Training uses the batch
/// mean and biased variance and updates the moving statistics in place; inference uses the moving statistics.
/// </summary>
public static class BatchNormalizationSpans
{
    private const string Kernel = nameof(BatchNormalizationSpans);
    private const int StackElements = 512;

    /// <summary>
    /// The length of the trace <see cref="ForwardTraining"/> fills for <see cref="Backward"/>: x̂ (rows, features)
    /// then 1/√(σ²_B + ε) (features), rows·features + features.
    /// </summary>
    public static int TraceLength(int rows, int features) => FeatureRows.Length(Kernel, rows, features, features);

    /// <summary>
    /// Training mode: y = γ(x − μ_B)/√(σ²_B + ε) + β with μ_B and the biased σ²_B per feature over the rows (overwrites
    /// y and <paramref name="trace"/>), and in the same call, as Keras, movingMean ← momentum·movingMean +
    /// (1 − momentum)·μ_B and movingVariance likewise with σ²_B, in place.
    /// </summary>
    /// <exception cref="ArgumentException">A span whose length does not fit the sizes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">rows &lt; 1, features &lt; 1, momentum outside [0, 1], or epsilon not positive.</exception>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardTraining<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, Span<T> movingMean, Span<T> movingVariance,
        Span<T> y, Span<T> trace, int rows, int features, T momentum, T epsilon)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int values = Check(x, gamma, beta, movingMean, movingVariance, y, rows, features, epsilon);
        if (!(momentum >= T.Zero && momentum <= T.One))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, $"{Kernel}: momentum must be in [0, 1] (Keras' default 0.99); got {momentum}.");
        SpanChecks.Length(Kernel, trace.Length, TraceLength(rows, features), nameof(trace), $"{Kernel}.TraceLength(rows, features)");
        Span<T> normalized = trace[..values], inverseStd = trace[values..];

        using var scratch = new Scratch<T>(2 * features, stackalloc T[StackElements]);
        Span<T> mean = scratch.Span[..features], variance = scratch.Span[features..];
        T count = T.CreateTruncating(rows);
        mean.Clear();
        for (int at = 0; at < values; at += features) TensorPrimitives.Add(mean, x.Slice(at, features), mean);
        TensorPrimitives.Divide(mean, count, mean);

        // x − μ_B into x̂'s place, Σ (x − μ_B)² per feature, then x̂ = (x − μ_B)/√(σ²_B + ε) and y = γx̂ + β.
        variance.Clear();
        for (int at = 0; at < values; at += features)
        {
            Span<T> centered = normalized.Slice(at, features);
            TensorPrimitives.Subtract(x.Slice(at, features), mean, centered);
            TensorPrimitives.MultiplyAdd(centered, centered, variance, variance);
        }
        TensorPrimitives.Divide(variance, count, variance);
        TensorPrimitives.Add(variance, epsilon, inverseStd);
        TensorPrimitives.ReciprocalSqrt(inverseStd, inverseStd);
        for (int at = 0; at < values; at += features)
        {
            Span<T> row = normalized.Slice(at, features), output = y.Slice(at, features);
            TensorPrimitives.Multiply(row, inverseStd, row);
            TensorPrimitives.Multiply(row, gamma, output);
            TensorPrimitives.Add(output, beta, output);
        }

        T keep = momentum, take = T.One - momentum;
        UpdateMoving(movingMean, mean, keep, take);
        UpdateMoving(movingVariance, variance, keep, take);
    }

    /// <summary>Inference mode: y = (x − movingMean)/√(movingVariance + ε)·γ + β (overwrites y); x and y (rows, features).</summary>
    /// <exception cref="ArgumentException">A span whose length does not fit the sizes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">rows &lt; 1, features &lt; 1, or epsilon not positive.</exception>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardInference<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, ReadOnlySpan<T> movingMean, ReadOnlySpan<T> movingVariance,
        Span<T> y, int rows, int features, T epsilon)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int values = Check(x, gamma, beta, movingMean, movingVariance, y, rows, features, epsilon);
        using var scratch = new Scratch<T>(features, stackalloc T[StackElements]);
        Span<T> inverseStd = scratch.Span;
        TensorPrimitives.Add(movingVariance, epsilon, inverseStd);
        TensorPrimitives.ReciprocalSqrt(inverseStd, inverseStd);
        for (int at = 0; at < values; at += features)
        {
            Span<T> output = y.Slice(at, features);
            TensorPrimitives.Subtract(x.Slice(at, features), movingMean, output);
            TensorPrimitives.Multiply(output, inverseStd, output);
            TensorPrimitives.Multiply(output, gamma, output);
            TensorPrimitives.Add(output, beta, output);
        }
    }

    /// <summary>
    /// The training-mode vector-Jacobian product (μ_B and σ²_B are functions of x), M = rows, sums over the rows:
    /// dβ += Σ dy, dγ += Σ dy ⊙ x̂, dx += γ·InverseStd/M ⊙ (M·dy − Σ dy − x̂ ⊙ Σ dy ⊙ x̂). An empty gradient span is
    /// "not needed" and skipped. The trace is what the forward filled.
    /// </summary>
    /// <exception cref="ArgumentException">A span whose length does not fit the sizes.</exception>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> trace, ReadOnlySpan<T> gamma, Span<T> dx, Span<T> dGamma, Span<T> dBeta, int rows, int features)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool input = FeatureRows.Backward(Kernel, rows, features, 1, dy.Length, trace.Length, TraceLength(rows, features), gamma.Length, dx.Length, dGamma.Length, dBeta.Length);
        int values = rows * features;
        ReadOnlySpan<T> normalized = trace[..values], inverseStd = trace[values..];

        using var scratch = new Scratch<T>(5 * features, stackalloc T[StackElements]);
        Span<T> sumDy = scratch.Span[..features], sumDyNormalized = scratch.Span.Slice(features, features);
        Span<T> scale = scratch.Span.Slice(2 * features, features), row = scratch.Span.Slice(3 * features, features);
        Span<T> product = scratch.Span.Slice(4 * features, features);
        FeatureRows.ColumnSums(dy, normalized, sumDy, sumDyNormalized, product, rows, features);
        FeatureRows.AddWeightGradients<T>(sumDy, sumDyNormalized, dGamma, dBeta);
        if (!input) return;

        T m = T.CreateTruncating(rows);
        TensorPrimitives.Multiply(gamma, inverseStd, scale);
        TensorPrimitives.Divide(scale, m, scale);
        for (int at = 0; at < values; at += features)
        {
            // (M·dy − Σ dy − x̂ ⊙ Σ dy ⊙ x̂) ⊙ scale, added into dx.
            TensorPrimitives.Multiply(dy.Slice(at, features), m, row);
            TensorPrimitives.Subtract(row, sumDy, row);
            TensorPrimitives.Multiply(normalized.Slice(at, features), sumDyNormalized, product);
            TensorPrimitives.Subtract(row, product, row);
            Span<T> into = dx.Slice(at, features);
            TensorPrimitives.MultiplyAdd(row, scale, into, into);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Check<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, ReadOnlySpan<T> movingMean, ReadOnlySpan<T> movingVariance,
        ReadOnlySpan<T> y, int rows, int features, T epsilon)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int values = FeatureRows.Values(Kernel, rows, features, 1, x.Length, nameof(x), y.Length, nameof(y));
        FeatureRows.Vector(Kernel, gamma.Length, features, nameof(gamma));
        FeatureRows.Vector(Kernel, beta.Length, features, nameof(beta));
        FeatureRows.Vector(Kernel, movingMean.Length, features, nameof(movingMean));
        FeatureRows.Vector(Kernel, movingVariance.Length, features, nameof(movingVariance));
        FeatureRows.Epsilon(Kernel, epsilon, 1e-3);
        return values;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void UpdateMoving<T>(Span<T> moving, ReadOnlySpan<T> batch, T keep, T take) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < moving.Length; i++) moving[i] = moving[i] * keep + batch[i] * take;
    }
}
