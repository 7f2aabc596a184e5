using System.Runtime.CompilerServices;
using System.Numerics;
using ModelDsl.Kernels;

namespace ModelDsl.Managed;

/// <summary>
/// Keras' metrics of one batch over spans, as the terms <see cref="MetricKernel.Accumulate"/> gives
/// (<see cref="MetricTotals"/>): the mean metrics (MAE, MSE, RMSE, the accuracies) Σ over the <c>n</c> rows of the
/// row's mean and the row count; precision (true positives, predicted positives) and recall (true positives, actual
/// positives) over every element, positive meaning prediction &gt; 0.5 and target ≠ 0. The prediction is (n, width)
/// row-major, n counting every leading position (for a prediction of rank 3 or more, Total and Count are both those of
/// MetricKernel times the middle sizes, so the Result is the same). No allocation.
/// </summary>
public static class MetricSpans
{
    private const string Kernel = nameof(MetricSpans);

    /// <summary>The terms of <paramref name="metric"/> for <paramref name="prediction"/> (n, width) against
    /// <paramref name="target"/> of the same length. Accuracy resolves as <see cref="MetricKernel.ResolveAccuracy"/>
    /// (binary when width is 1, else categorical).</summary>
    /// <exception cref="ArgumentException">Span lengths that do not fit the sizes, or SparseCategoricalAccuracy with
    /// targets of more than one column (the message of MetricKernel).</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static MetricTotals Accumulate<T>(Metric metric, ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, int n, int width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(prediction, n, width);
        SpanChecks.Length(Kernel, target.Length, (long)n * width, nameof(target), $"(n, width) = ({n}, {width})");
        if (metric == Metric.Accuracy) metric = width == 1 ? Metric.BinaryAccuracy : Metric.CategoricalAccuracy;
        switch (metric)
        {
            case Metric.CategoricalAccuracy:
            {
                int hits = 0;
                for (int r = 0; r < n; r++)
                    if (ArgMax(target.Slice(r * width, width)) == ArgMax(prediction.Slice(r * width, width))) hits++;
                return Fraction(hits, n);
            }
            case Metric.SparseCategoricalAccuracy:
            {
                // The targets, aligned to the prediction's shape, are labels only as a column (with a trailing 1).
                if (width != 1)
                    throw new ArgumentException(
                        $"{nameof(Metric.SparseCategoricalAccuracy)} needs one class label per sample: yTrue shaped ({n}) (or with a trailing 1) " +
                        $"for yPred ({n}, {width}); got yTrue ({n}, {width}). For one-hot targets use the categorical form.", nameof(target));
                int hits = 0;
                for (int r = 0; r < n; r++)
                    if (target[r] == T.Zero) hits++; // the argmax of one column is 0
                return Fraction(hits, n);
            }
            default:
                return Elementwise(metric, prediction, new Dense<T>(target), n, width);
        }
    }

    /// <summary>The terms of <paramref name="metric"/> for <paramref name="prediction"/> (n, classes) against one class
    /// label a row. SparseCategoricalAccuracy (and Accuracy when classes &gt; 1): label == argmax (ties to the first
    /// index); the element-wise metrics compare the labels as values, which fits a prediction of one column only (as
    /// MetricKernel aligns the targets).</summary>
    /// <exception cref="ArgumentException">Span lengths that do not fit the sizes, CategoricalAccuracy (it needs one-hot
    /// targets), or an element-wise metric with more than one class; the messages of MetricKernel.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static MetricTotals AccumulateSparse<T>(Metric metric, ReadOnlySpan<T> prediction, ReadOnlySpan<long> labels, int n, int classes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(prediction, n, classes);
        SpanChecks.Length(Kernel, labels.Length, n, nameof(labels), $"(n) = ({n})");
        if (metric == Metric.Accuracy) metric = classes == 1 ? Metric.BinaryAccuracy : Metric.SparseCategoricalAccuracy;
        switch (metric)
        {
            case Metric.SparseCategoricalAccuracy:
            {
                int hits = 0;
                for (int r = 0; r < n; r++)
                    if (labels[r] == ArgMax(prediction.Slice(r * classes, classes))) hits++;
                return Fraction(hits, n);
            }
            case Metric.CategoricalAccuracy:
                throw new ArgumentException(
                    $"{nameof(Metric.CategoricalAccuracy)} needs one-hot targets shaped like yPred ({n}, {classes}); got yTrue ({n}). " +
                    "For integer class labels use the sparse categorical form.", nameof(labels));
            default:
                if (classes != 1)
                    throw new ArgumentException(
                        $"yTrue shape ({n}) does not match yPred shape ({n}, {classes}): {n} and {(long)n * classes} elements.", nameof(labels));
                return Elementwise(metric, prediction, new Labels<T>(labels), n, classes);
        }
    }

    /// <summary>The targets as values: a span of T, or class labels converted to T.</summary>
    private interface ITargets<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        T this[int index] { get; }
    }

    private readonly ref struct Dense<T>(ReadOnlySpan<T> values) : ITargets<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly ReadOnlySpan<T> _values = values;
        public T this[int index] => _values[index];
    }

    private readonly ref struct Labels<T>(ReadOnlySpan<long> values) : ITargets<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly ReadOnlySpan<long> _values = values;
        public T this[int index] => T.CreateChecked(_values[index]);
    }

    /// <summary>MAE, MSE, RMSE, BinaryAccuracy (row means), Precision and Recall (counts over every element).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static MetricTotals Elementwise<T, TTargets>(Metric metric, ReadOnlySpan<T> prediction, TTargets target, int n, int width)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TTargets : ITargets<T>, allows ref struct
    {
        T threshold = T.CreateChecked(MetricKernel.Threshold);
        if (metric is Metric.Precision or Metric.Recall)
        {
            long truePositives = 0, positives = 0;
            for (int i = 0; i < prediction.Length; i++)
            {
                bool predicted = prediction[i] > threshold, actual = target[i] != T.Zero;
                if (predicted && actual) truePositives++;
                if (metric == Metric.Precision ? predicted : actual) positives++;
            }
            return new MetricTotals(truePositives, positives);
        }
        if (metric is not (Metric.MeanAbsoluteError or Metric.MeanSquaredError or Metric.RootMeanSquaredError or Metric.BinaryAccuracy))
            throw new ArgumentOutOfRangeException(nameof(metric), metric, $"Unknown metric '{metric}'.");
        if (n == 0) return new MetricTotals(0, 0);
        double total = 0;
        for (int r = 0; r < n; r++)
        {
            double row = 0;
            for (int i = r * width, end = i + width; i < end; i++)
            {
                T p = prediction[i], y = target[i], e = p - y;
                row += metric switch
                {
                    Metric.MeanAbsoluteError => double.CreateTruncating(T.Abs(e)),
                    Metric.BinaryAccuracy => (p > threshold ? T.One : T.Zero) == y ? 1 : 0,
                    _ => double.CreateTruncating(e * e),
                };
            }
            total += row / width;
        }
        return new MetricTotals(total, n, RootOfMean: metric == Metric.RootMeanSquaredError);
    }

    /// <summary>An accuracy's terms: the rows that match and the rows (none when there are no rows, as MetricKernel).</summary>
    private static MetricTotals Fraction(int hits, int n) => n == 0 ? new MetricTotals(0, 0) : new MetricTotals(hits, n);

    /// <summary>The index of the row's maximum, ties (and NaN, which wins) to the first, as torch's argmax.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int ArgMax<T>(ReadOnlySpan<T> row) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int best = 0;
        for (int j = 1; j < row.Length && !T.IsNaN(row[best]); j++)
            if (row[j] > row[best] || T.IsNaN(row[j])) best = j;
        return best;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Check<T>(ReadOnlySpan<T> prediction, int n, int width)
    {
        SpanChecks.Sizes(Kernel, n, nameof(n));
        SpanChecks.Positive(Kernel, width, nameof(width));
        SpanChecks.Length(Kernel, prediction.Length, (long)n * width, nameof(prediction), $"(n, width) = ({n}, {width})");
    }
}
