namespace ModelDsl.Kernels;

/// <summary>
/// What one batch adds to a Keras stateful metric, so that an epoch pools batches as Keras does: a mean metric adds
/// (Σ per-sample values, samples), precision (true positives, predicted positives), recall (true positives, actual
/// positives). The result is <c>Total / Count</c> (0 when Count is 0), or its square root for
/// <see cref="RootOfMean"/> metrics (RMSE pools the squares, not the batches' roots).
/// </summary>
public readonly record struct MetricTotals(double Total, double Count, bool RootOfMean = false)
{
    public double Result => Count == 0 ? 0 : RootOfMean ? Math.Sqrt(Total / Count) : Total / Count;

    public static MetricTotals operator +(MetricTotals a, MetricTotals b) => new(a.Total + b.Total, a.Count + b.Count, a.RootOfMean || b.RootOfMean);
}
