using System.Text.Json;

namespace ModelDsl.Labs.Data;

/// <summary>
/// Parses the JSON of Yahoo's chart API (<c>/v8/finance/chart/{ticker}?interval=1d</c>): dates from
/// <c>chart.result[0].timestamp</c> (shifted by <c>meta.gmtoffset</c> to the exchange's day), prices from
/// <c>indicators.quote[0]</c> and <c>indicators.adjclose[0].adjclose</c>; a non-null <c>chart.error</c> is reported.
/// </summary>
public static class YahooChartJson
{
    private const string Result = "chart.result[0]";
    private static readonly string[] QuoteFields = ["open", "high", "low", "close", null!, "volume"];

    public static PriceSeries Parse(string json) => Parse(json, "<json>");

    /// <summary>Parses <c>json</c>; <c>source</c> names the document in errors (a URL or cache file), <c>nullRows</c>
    /// says what to do with days whose quotes are <c>null</c>.</summary>
    public static PriceSeries Parse(string json, string source, YahooNullRows nullRows = YahooNullRows.Error)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(source);
        JsonDocument document;
        try { document = JsonDocument.Parse(json); }
        catch (JsonException e)
        {
            throw new DataFormatException(source, (int)(e.LineNumber ?? -1) + 1, null, $"not valid JSON: {e.Message}");
        }
        using (document)
        {
            var chart = Property(document.RootElement, "chart", "chart", source);
            if (chart.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null)
            {
                string code = error.TryGetProperty("code", out var c) ? c.ToString() : "?";
                string description = error.TryGetProperty("description", out var d) ? d.ToString() : error.ToString();
                throw new DataFormatException(source, 0, "chart.error", $"Yahoo answered with an error: {code}: {description}");
            }
            var results = Property(chart, "result", "chart.result", source);
            if (results.ValueKind != JsonValueKind.Array || results.GetArrayLength() == 0)
                throw new DataFormatException(source, 0, "chart.result", "expected a non-empty array of results.");
            var result = results[0];

            long offset = 0;
            if (result.TryGetProperty("meta", out var meta) && meta.TryGetProperty("gmtoffset", out var gmt) && gmt.ValueKind == JsonValueKind.Number)
                offset = gmt.GetInt64();
            var timestamps = Array(result, "timestamp", $"{Result}.timestamp", source);
            var indicators = Property(result, "indicators", $"{Result}.indicators", source);
            var quote = First(indicators, "quote", $"{Result}.indicators.quote", source);
            var adj = First(indicators, "adjclose", $"{Result}.indicators.adjclose", source);

            int n = timestamps.GetArrayLength();
            var columns = new JsonElement[QuoteFields.Length];
            var paths = new string[QuoteFields.Length];
            for (int c = 0; c < QuoteFields.Length; c++)
            {
                bool isAdj = QuoteFields[c] is null;
                paths[c] = isAdj ? $"{Result}.indicators.adjclose[0].adjclose" : $"{Result}.indicators.quote[0].{QuoteFields[c]}";
                columns[c] = Array(isAdj ? adj : quote, isAdj ? "adjclose" : QuoteFields[c], paths[c], source);
                if (columns[c].GetArrayLength() != n)
                    throw new DataFormatException(source, 0, paths[c],
                        $"has {columns[c].GetArrayLength()} entries but {Result}.timestamp has {n}.");
            }

            var builder = new PriceSeriesBuilder(source, nullRows);
            for (int i = 0; i < n; i++)
            {
                int row = i;
                if (timestamps[i].ValueKind != JsonValueKind.Number || !timestamps[i].TryGetInt64(out long seconds))
                    throw new DataFormatException(source, 0, $"{Result}.timestamp[{i}]", $"'{timestamps[i]}' is not a Unix time in seconds.");
                var date = DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeSeconds(seconds + offset).UtcDateTime);
                var values = new double?[columns.Length];
                for (int c = 0; c < columns.Length; c++)
                {
                    var v = columns[c][i];
                    if (v.ValueKind == JsonValueKind.Null) continue;
                    if (v.ValueKind != JsonValueKind.Number)
                        throw new DataFormatException(source, 0, $"{paths[c]}[{i}]", $"'{v}' is not a number.");
                    values[c] = v.GetDouble();
                }
                builder.Add(date, values, 0, c => c < 0 ? $"{Result}.timestamp[{row}]" : $"{paths[c]}[{row}]");
            }
            return builder.Build();
        }
    }

    private static JsonElement Property(JsonElement parent, string name, string path, string source)
    {
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            throw new DataFormatException(source, 0, path, "missing; is this a response of Yahoo's chart API (v8/finance/chart)?");
        return value;
    }

    private static JsonElement Array(JsonElement parent, string name, string path, string source)
    {
        var value = Property(parent, name, path, source);
        if (value.ValueKind != JsonValueKind.Array)
            throw new DataFormatException(source, 0, path, $"expected an array, found {value.ValueKind}.");
        return value;
    }

    private static JsonElement First(JsonElement parent, string name, string path, string source)
    {
        var value = Array(parent, name, path, source);
        if (value.GetArrayLength() == 0)
            throw new DataFormatException(source, 0, path + "[0]", "missing: the array is empty.");
        return value[0];
    }
}
