using System.Globalization;

namespace ModelDsl.Labs.Data;

/// <summary>
/// Reads Yahoo Finance's daily CSV (<c>Date,Open,High,Low,Close,Adj Close,Volume</c>). Columns are found by header
/// name; every problem is a <see cref="DataFormatException"/> naming the source, line and column.
/// </summary>
public static class YahooCsv
{
    private const string DateColumn = "Date";

    public static PriceSeries Read(string path) => Read(path, YahooNullRows.Error);

    /// <summary>Reads the file at <c>path</c>; <c>nullRows</c> says what to do with Yahoo's <c>null</c> rows (days without quotes).</summary>
    public static PriceSeries Read(string path, YahooNullRows nullRows)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(File.ReadAllText(path), path, nullRows);
    }

    public static PriceSeries Parse(string text, string source = "<text>") => Parse(text, source, YahooNullRows.Error);

    public static PriceSeries Parse(string text, string source, YahooNullRows nullRows)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(source);
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++) lines[i] = lines[i].TrimEnd('\r');
        int count = lines.Length;
        while (count > 0 && lines[count - 1].Trim().Length == 0) count--;   // trailing newline(s)
        if (count == 0)
            throw new DataFormatException(source, 1, null, $"the file is empty; expected the header {Expected}.");

        string[] header = [.. lines[0].TrimStart('\uFEFF').Split(',').Select(h => h.Trim())];
        string[] wanted = [DateColumn, .. PriceSeriesBuilder.ValueColumns];
        int[] position = new int[wanted.Length];
        for (int w = 0; w < wanted.Length; w++)
        {
            position[w] = Array.FindIndex(header, h => string.Equals(h, wanted[w], StringComparison.OrdinalIgnoreCase));
            if (position[w] < 0)
                throw new DataFormatException(source, 1, wanted[w],
                    $"the header has no column '{wanted[w]}': found [{string.Join(", ", header)}], expected {Expected}.");
        }

        var builder = new PriceSeriesBuilder(source, nullRows);
        for (int i = 1; i < count; i++)
        {
            int line = i + 1;
            string[] fields = lines[i].Split(',');
            if (fields.Length != header.Length)
                throw new DataFormatException(source, line, null,
                    $"expected {header.Length} comma-separated fields as in the header, found {fields.Length}: '{lines[i]}'.");
            string dateText = fields[position[0]].Trim();
            if (!DateOnly.TryParseExact(dateText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                throw new DataFormatException(source, line, DateColumn, $"'{dateText}' is not a date in the form yyyy-MM-dd.");
            var values = new double?[PriceSeriesBuilder.ValueColumns.Length];
            for (int c = 0; c < values.Length; c++)
            {
                string field = fields[position[c + 1]].Trim();
                if (field == "null") continue;
                if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
                    throw new DataFormatException(source, line, PriceSeriesBuilder.ValueColumns[c],
                        $"'{field}' is not a number (use '.' as the decimal separator and no thousands separators).");
                values[c] = value;
            }
            builder.Add(date, values, line, c => c < 0 ? DateColumn : PriceSeriesBuilder.ValueColumns[c]);
        }
        if (count == 1)
            throw new DataFormatException(source, 2, null,
                $"the file has the header but no quotes: add one line per trading day after it, as {Expected}.");
        return builder.Build();
    }

    private static string Expected => "'" + string.Join(",", [DateColumn, .. PriceSeriesBuilder.ValueColumns]) + "'";
}
