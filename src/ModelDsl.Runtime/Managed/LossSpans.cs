using System.Runtime.CompilerServices;
using System.Globalization;
using System.Numerics;
using ModelDsl.Kernels;

namespace ModelDsl.Managed;

/// <summary>
/// Keras' losses over spans, with <see cref="LossKernel"/>'s math and "sum_over_batch_size" reduction: MSE, MAE,
/// Huber and binary cross-entropy the mean over every element; the categorical cross-entropies a per-row loss over
/// the last (class) axis of width <c>width</c>, averaged over the <c>n</c> rows. The prediction is (n, width) row-major
/// (n counts every leading position); dense targets are aligned to it by the caller, sparse labels are one class index
/// per row. Element-wise math in T (the clip of probabilities at ε = 1e-7 and 1 − ε rounded to T, as torch rounds a
/// scalar operand), the sums in double. Backward overwrites <c>dPrediction</c> with d(loss)/d(prediction).
/// </summary>
public static class LossSpans
{
    private const string Kernel = nameof(LossSpans);

    /// <summary>The loss of <paramref name="prediction"/> (n, width) against <paramref name="target"/> of the same
    /// length. <paramref name="huberDelta"/> is used by Huber only; <paramref name="fromLogits"/> by the cross-entropies.</summary>
    /// <exception cref="ArgumentException">Span lengths that do not fit the sizes, fromLogits on a regression loss,
    /// sparse categorical cross-entropy (use <see cref="SparseForward"/>), or a Huber delta that is not positive.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Forward<T>(Loss loss, ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, int n, int width, double huberDelta, bool fromLogits)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(loss, prediction, target, n, width, huberDelta, fromLogits);
        double count = (double)n * width, sum = 0;
        switch (loss)
        {
            case Loss.MeanSquaredError:
                for (int i = 0; i < prediction.Length; i++)
                {
                    T e = prediction[i] - target[i];
                    sum += double.CreateTruncating(e * e);
                }
                return sum / count;
            case Loss.MeanAbsoluteError:
                for (int i = 0; i < prediction.Length; i++) sum += double.CreateTruncating(T.Abs(prediction[i] - target[i]));
                return sum / count;
            case Loss.Huber:
            {
                T delta = T.CreateChecked(huberDelta), half = T.CreateChecked(0.5), linear = T.CreateChecked(0.5 * huberDelta * huberDelta);
                for (int i = 0; i < prediction.Length; i++)
                {
                    T e = prediction[i] - target[i], abs = T.Abs(e);
                    sum += double.CreateTruncating(abs <= delta ? half * (e * e) : delta * abs - linear);
                }
                return sum / count;
            }
            case Loss.BinaryCrossentropy:
                for (int i = 0; i < prediction.Length; i++) sum += double.CreateTruncating(Binary(prediction[i], target[i], fromLogits));
                return sum / count;
            default: // CategoricalCrossentropy
                for (int r = 0; r < n; r++)
                {
                    var p = prediction.Slice(r * width, width);
                    var y = target.Slice(r * width, width);
                    T rowSum = T.Zero;
                    if (fromLogits)
                    {
                        var (max, logSum) = LogSumExp(p);
                        for (int j = 0; j < width; j++) rowSum += y[j] * (p[j] - max - logSum);
                    }
                    else
                    {
                        T s = Sum(p);
                        for (int j = 0; j < width; j++) rowSum += y[j] * T.Log(Clip(p[j] / s));
                    }
                    sum -= double.CreateTruncating(rowSum);
                }
                return sum / n;
        }
    }

    /// <summary>Overwrites <paramref name="dPrediction"/> with d(<see cref="Forward"/>)/d(prediction): zero where a
    /// probability clip is active, as autograd of clamp gives.</summary>
    /// <exception cref="ArgumentException">As <see cref="Forward"/>, or a gradient span of another length.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<T>(Loss loss, ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, int n, int width, double huberDelta, bool fromLogits, Span<T> dPrediction)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(loss, prediction, target, n, width, huberDelta, fromLogits);
        SpanChecks.Length(Kernel, dPrediction.Length, (long)n * width, nameof(dPrediction), $"(n, width) = ({n}, {width})");
        T count = T.CreateChecked((double)n * width);
        switch (loss)
        {
            case Loss.MeanSquaredError:
            {
                T scale = T.CreateChecked(2.0 / ((double)n * width));
                for (int i = 0; i < prediction.Length; i++) dPrediction[i] = (prediction[i] - target[i]) * scale;
                return;
            }
            case Loss.MeanAbsoluteError:
                for (int i = 0; i < prediction.Length; i++) dPrediction[i] = ElementMath.Sign(prediction[i] - target[i]) / count;
                return;
            case Loss.Huber:
            {
                T delta = T.CreateChecked(huberDelta);
                for (int i = 0; i < prediction.Length; i++) dPrediction[i] = Clamp(prediction[i] - target[i], -delta, delta) / count;
                return;
            }
            case Loss.BinaryCrossentropy:
                for (int i = 0; i < prediction.Length; i++) dPrediction[i] = BinaryGradient(prediction[i], target[i], fromLogits) / count;
                return;
            default: // CategoricalCrossentropy
            {
                T samples = T.CreateChecked(n);
                for (int r = 0; r < n; r++)
                {
                    var p = prediction.Slice(r * width, width);
                    var y = target.Slice(r * width, width);
                    var dp = dPrediction.Slice(r * width, width);
                    if (fromLogits)
                    {
                        // (softmax(x)·Σy − y) / samples
                        T ySum = Sum(y);
                        var (max, total) = ExpSum(p);
                        for (int j = 0; j < width; j++) dp[j] = (T.Exp(p[j] - max) / total * ySum - y[j]) / samples;
                    }
                    else
                    {
                        // q = p / s, dq = −y / clip(q) on unclipped q, dp = (dq − Σ dq·q) / (s·samples)
                        T s = Sum(p), dot = T.Zero;
                        for (int j = 0; j < width; j++)
                        {
                            T q = p[j] / s;
                            T dq = -y[j] / Clip(q) * Mask(q);
                            dp[j] = dq;
                            dot += dq * q;
                        }
                        T denominator = s * samples;
                        for (int j = 0; j < width; j++) dp[j] = (dp[j] - dot) / denominator;
                    }
                }
                return;
            }
        }
    }

    /// <summary>The sparse categorical cross-entropy: the mean over the <paramref name="n"/> rows of −ln q[label], q the
    /// softmax of logits or the clipped normalised probabilities of row (classes).</summary>
    /// <exception cref="ArgumentException">Span lengths that do not fit the sizes, or a label outside [0, classes) (the
    /// message of <see cref="LossKernel"/>: the label, its row and the class count).</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double SparseForward<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<long> labels, int n, int classes, bool fromLogits)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSparse(prediction, labels, n, classes);
        double sum = 0;
        for (int r = 0; r < n; r++)
        {
            var p = prediction.Slice(r * classes, classes);
            int label = (int)labels[r];
            if (fromLogits)
            {
                var (max, logSum) = LogSumExp(p);
                sum -= double.CreateTruncating(p[label] - max - logSum);
            }
            else
                sum -= double.CreateTruncating(T.Log(Clip(p[label] / Sum(p))));
        }
        return sum / n;
    }

    /// <summary>Overwrites <paramref name="dPrediction"/> with d(<see cref="SparseForward"/>)/d(prediction).</summary>
    /// <exception cref="ArgumentException">As <see cref="SparseForward"/>, or a gradient span of another length.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SparseBackward<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<long> labels, int n, int classes, bool fromLogits, Span<T> dPrediction)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSparse(prediction, labels, n, classes);
        SpanChecks.Length(Kernel, dPrediction.Length, (long)n * classes, nameof(dPrediction), $"(n, classes) = ({n}, {classes})");
        T samples = T.CreateChecked(n);
        for (int r = 0; r < n; r++)
        {
            var p = prediction.Slice(r * classes, classes);
            var dp = dPrediction.Slice(r * classes, classes);
            int label = (int)labels[r];
            if (fromLogits)
            {
                var (max, total) = ExpSum(p);
                for (int j = 0; j < classes; j++)
                    dp[j] = (T.Exp(p[j] - max) / total - (j == label ? T.One : T.Zero)) / samples;
            }
            else
            {
                T s = Sum(p), q = p[label] / s;
                T dq = -T.One / Clip(q) * Mask(q);
                T dot = dq * q, denominator = s * samples;
                for (int j = 0; j < classes; j++) dp[j] = ((j == label ? dq : T.Zero) - dot) / denominator;
            }
        }
    }

    /// <summary>The first label outside [0, classes), as <see cref="LossKernel"/> reports it; null when all are class indices.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static string? FirstInvalidLabel(ReadOnlySpan<long> labels, int classes)
    {
        for (int r = 0; r < labels.Length; r++)
            if (labels[r] < 0 || labels[r] >= classes)
                return labels[r].ToString(CultureInfo.InvariantCulture) + " at row " + r.ToString(CultureInfo.InvariantCulture);
        return null;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Check<T>(Loss loss, ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, int n, int width, double huberDelta, bool fromLogits)
    {
        SpanChecks.Sizes(Kernel, n, nameof(n));
        SpanChecks.Positive(Kernel, width, nameof(width));
        bool crossEntropy = loss is Loss.BinaryCrossentropy or Loss.CategoricalCrossentropy or Loss.SparseCategoricalCrossentropy;
        if (fromLogits && !crossEntropy)
            throw new ArgumentException($"{Kernel}: fromLogits applies to the cross-entropy losses only; {loss} has no logits form.", nameof(fromLogits));
        if (loss == Loss.SparseCategoricalCrossentropy)
            throw new ArgumentException($"{Kernel}: {loss} takes class labels: call SparseForward/SparseBackward.", nameof(loss));
        if (loss is not (Loss.MeanSquaredError or Loss.MeanAbsoluteError or Loss.Huber or Loss.BinaryCrossentropy or Loss.CategoricalCrossentropy))
            throw new ArgumentOutOfRangeException(nameof(loss), loss, $"Unknown loss '{loss}'.");
        if (loss == Loss.Huber && !(huberDelta > 0))
            throw new ArgumentOutOfRangeException(nameof(huberDelta), huberDelta, "The Huber delta must be positive.");
        SpanChecks.Length(Kernel, prediction.Length, (long)n * width, nameof(prediction), $"(n, width) = ({n}, {width})");
        SpanChecks.Length(Kernel, target.Length, (long)n * width, nameof(target), $"(n, width) = ({n}, {width})");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CheckSparse<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<long> labels, int n, int classes)
    {
        SpanChecks.Sizes(Kernel, n, nameof(n));
        SpanChecks.Positive(Kernel, classes, nameof(classes));
        SpanChecks.Length(Kernel, prediction.Length, (long)n * classes, nameof(prediction), $"(n, classes) = ({n}, {classes})");
        SpanChecks.Length(Kernel, labels.Length, n, nameof(labels), $"(n) = ({n})");
        if (FirstInvalidLabel(labels, classes) is { } bad)
            throw new ArgumentException(
                $"{nameof(Loss.SparseCategoricalCrossentropy)}: label {bad} is not a class index: labels must be integers in [0, {classes}) for yPred's " +
                $"{classes} classes. Check the targets and the output layer's units.", nameof(labels));
    }

    /// <summary>Element-wise BCE: TF's stable logits form max(x, 0) − x·y + ln(1 + e^−|x|), or −[y ln p + (1−y) ln(1−p)] on the clipped p.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T Binary<T>(T x, T y, bool fromLogits) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (fromLogits) return Clamp(x, T.Zero, T.PositiveInfinity) - x * y + T.LogP1(T.Exp(-T.Abs(x)));
        T p = Clip(x);
        return -(y * T.Log(p) + (T.One - y) * T.Log(T.One - p));
    }

    /// <summary>d(element-wise BCE)/dx: σ(x) − y, or (−y/p + (1−y)/(1−p)) where the clip passes the gradient.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T BinaryGradient<T>(T x, T y, bool fromLogits) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (fromLogits) return T.One / (T.One + T.Exp(-x)) - y;
        T p = Clip(x);
        return (-y / p + (T.One - y) / (T.One - p)) * Mask(x);
    }

    /// <summary>The row's maximum and ln Σ e^(x − max), as torch's log_softmax computes them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (T Max, T LogSum) LogSumExp<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (max, sum) = ExpSum(x);
        return (max, T.Log(sum));
    }

    /// <summary>The row's maximum and Σ e^(x − max), as torch's softmax computes them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (T Max, T Sum) ExpSum<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T max = x[0];
        for (int j = 1; j < x.Length; j++)
            if (x[j] > max || T.IsNaN(x[j])) max = x[j];
        T sum = T.Zero;
        for (int j = 0; j < x.Length; j++) sum += T.Exp(x[j] - max);
        return (max, sum);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T Sum<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        foreach (T v in x) sum += v;
        return sum;
    }

    /// <summary>clamp(v, ε, 1 − ε) in T (NaN stays NaN, as torch's clamp).</summary>
    private static T Clip<T>(T v) where T : unmanaged, IFloatingPointIeee754<T> => Clamp(v, T.CreateChecked(LossKernel.Epsilon), T.CreateChecked(1 - LossKernel.Epsilon));

    /// <summary>1 where clamp(v, ε, 1 − ε) passes its gradient (ε ≤ v ≤ 1 − ε), else 0 (a factor, as LossKernel multiplies by it).</summary>
    private static T Mask<T>(T v) where T : unmanaged, IFloatingPointIeee754<T> =>
        v >= T.CreateChecked(LossKernel.Epsilon) && v <= T.CreateChecked(1 - LossKernel.Epsilon) ? T.One : T.Zero;

    private static T Clamp<T>(T v, T low, T high) where T : unmanaged, IFloatingPointIeee754<T> => v < low ? low : v > high ? high : v;

}
