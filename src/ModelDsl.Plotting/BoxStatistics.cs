namespace ModelDsl.Plotting;

/// <summary>
/// The numbers a box plot draws, as matplotlib/pandas compute them: quartiles by linear interpolation
/// (numpy's default percentile), whiskers at the furthest data points within 1.5 IQR of the box, the rest outliers.
/// </summary>
public sealed record BoxStatistics(double Q1, double Median, double Q3, double WhiskerLow, double WhiskerHigh,
    IReadOnlyList<double> Outliers)
{
    public static BoxStatistics Of(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sorted = values.Where(v => !double.IsNaN(v)).OrderBy(v => v).ToArray();
        if (sorted.Length == 0) throw new ArgumentException("A box plot needs at least one number.", nameof(values));
        double q1 = Percentile(sorted, 0.25), median = Percentile(sorted, 0.5), q3 = Percentile(sorted, 0.75);
        double iqr = q3 - q1, lowFence = q1 - 1.5 * iqr, highFence = q3 + 1.5 * iqr;
        double low = sorted.First(v => v >= lowFence), high = sorted.Last(v => v <= highFence);
        var outliers = sorted.Where(v => v < lowFence || v > highFence).ToArray();
        return new BoxStatistics(q1, median, q3, low, high, outliers);
    }

    /// <summary>numpy's linear-interpolation percentile of sorted values, p in [0, 1].</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        double pos = p * (sorted.Count - 1);
        int lo = (int)Math.Floor(pos), hi = (int)Math.Ceiling(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }
}
