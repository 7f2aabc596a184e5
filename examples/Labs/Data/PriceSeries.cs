namespace ModelDsl.Labs.Data;

/// <summary>Daily quotes in Yahoo's layout, one entry per trading day, dates strictly increasing.</summary>
public sealed record PriceSeries(IReadOnlyList<DateOnly> Dates, IReadOnlyList<double> Open, IReadOnlyList<double> High,
    IReadOnlyList<double> Low, IReadOnlyList<double> Close, IReadOnlyList<double> AdjClose, IReadOnlyList<double> Volume)
{
    /// <summary>Trading days.</summary>
    public int Count { get; } = CheckLengths(Dates, Open, High, Low, Close, AdjClose, Volume);

    /// <summary>The days from <paramref name="from"/> to <paramref name="to"/>, both inclusive.</summary>
    public PriceSeries Slice(DateOnly from, DateOnly to)
    {
        if (to < from) throw new ArgumentException($"The slice ends ({to:yyyy-MM-dd}) before it starts ({from:yyyy-MM-dd}).", nameof(to));
        var keep = Enumerable.Range(0, Count).Where(i => Dates[i] >= from && Dates[i] <= to).ToArray();
        return Select(keep);
    }

    internal PriceSeries Select(IReadOnlyList<int> rows) => new(
        Pick(Dates, rows), Pick(Open, rows), Pick(High, rows), Pick(Low, rows), Pick(Close, rows), Pick(AdjClose, rows), Pick(Volume, rows));

    private static T[] Pick<T>(IReadOnlyList<T> values, IReadOnlyList<int> rows) => [.. rows.Select(i => values[i])];

    private static int CheckLengths(IReadOnlyList<DateOnly> dates, params IReadOnlyList<double>[] columns)
    {
        ArgumentNullException.ThrowIfNull(dates);
        string[] names = ["Open", "High", "Low", "Close", "AdjClose", "Volume"];
        for (int c = 0; c < columns.Length; c++)
        {
            ArgumentNullException.ThrowIfNull(columns[c], names[c]);
            if (columns[c].Count != dates.Count)
                throw new ArgumentException($"PriceSeries has {dates.Count} dates but {columns[c].Count} {names[c]} values.", names[c]);
        }
        return dates.Count;
    }
}
