namespace ModelDsl.Labs.Data;

/// <summary>Collects rows for the Yahoo readers: checks date order and applies the null-row policy, with errors that
/// name the source, line and column.</summary>
internal sealed class PriceSeriesBuilder(string source, YahooNullRows nullRows)
{
    /// <summary>The value columns in <see cref="PriceSeries"/> order, under Yahoo's CSV header names.</summary>
    public static readonly string[] ValueColumns = ["Open", "High", "Low", "Close", "Adj Close", "Volume"];

    private readonly List<DateOnly> _dates = [];
    private readonly List<double>[] _columns = [.. ValueColumns.Select(_ => new List<double>())];
    private int _lastLine;

    /// <summary>Adds one day. <c>values</c> are in <see cref="ValueColumns"/> order, null where Yahoo wrote <c>null</c>;
    /// <c>columnName</c> names value column <c>c</c> (and the date, as <c>-1</c>) in errors.</summary>
    public void Add(DateOnly date, IReadOnlyList<double?> values, int line, Func<int, string> columnName)
    {
        if (_dates.Count > 0)
        {
            var previous = _dates[^1];
            if (date == previous)
                throw new DataFormatException(source, line, columnName(-1),
                    $"the date {date:yyyy-MM-dd} appears twice (also at line {_lastLine}); each trading day must appear once.");
            if (date < previous)
                throw new DataFormatException(source, line, columnName(-1),
                    $"the date {date:yyyy-MM-dd} comes after {previous:yyyy-MM-dd} (line {_lastLine}); dates must increase: sort the rows by date.");
        }
        int firstNull = Enumerable.Range(0, values.Count).FirstOrDefault(c => values[c] is null, -1);
        if (firstNull >= 0)
        {
            switch (nullRows)
            {
                case YahooNullRows.Drop:
                    return;
                case YahooNullRows.FillForward when _dates.Count > 0:
                    for (int c = 0; c < _columns.Length; c++)
                        _columns[c].Add(values[c] ?? (c == _columns.Length - 1 ? 0 : _columns[c][^1]));
                    Append(date, line);
                    return;
                default:
                    string fill = nullRows == YahooNullRows.FillForward
                        ? "there is no earlier day to fill it from: drop it (nullRows: YahooNullRows.Drop)"
                        : "drop such rows (nullRows: YahooNullRows.Drop) or fill them from the previous day (nullRows: YahooNullRows.FillForward)";
                    throw new DataFormatException(source, line, columnName(firstNull),
                        $"Yahoo reports no quote on {date:yyyy-MM-dd} (null); {fill}.");
            }
        }
        CheckPlausible(date, values, line, columnName);
        for (int c = 0; c < _columns.Length; c++) _columns[c].Add(values[c]!.Value);
        Append(date, line);
    }

    /// <summary>Prices must be positive, High at least Low and Volume not negative: anything else is a broken row, and
    /// a model trained on it would be silently wrong.</summary>
    private void CheckPlausible(DateOnly date, IReadOnlyList<double?> values, int line, Func<int, string> columnName)
    {
        for (int c = 0; c < 5; c++)
            if (values[c]!.Value <= 0)
                throw new DataFormatException(source, line, columnName(c),
                    $"{ValueColumns[c]} is {values[c]!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)} on {date:yyyy-MM-dd}; a price must be positive: correct the row or delete it.");
        double high = values[1]!.Value, low = values[2]!.Value;
        if (high < low)
            throw new DataFormatException(source, line, columnName(1),
                $"High {high.ToString(System.Globalization.CultureInfo.InvariantCulture)} is below Low {low.ToString(System.Globalization.CultureInfo.InvariantCulture)} on {date:yyyy-MM-dd}: the columns are swapped or the row is corrupt; correct it or delete it.");
        if (values[5]!.Value < 0)
            throw new DataFormatException(source, line, columnName(5),
                $"Volume is {values[5]!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)} on {date:yyyy-MM-dd}; a traded volume cannot be negative: correct the row or delete it.");
    }

    private void Append(DateOnly date, int line)
    {
        _dates.Add(date);
        _lastLine = line;
    }

    public PriceSeries Build() => new([.. _dates], [.. _columns[0]], [.. _columns[1]], [.. _columns[2]], [.. _columns[3]], [.. _columns[4]], [.. _columns[5]]);
}
