using ModelDsl.Data;
using ModelDsl.Labs.Data;

namespace ModelDsl.Labs.Stock;

/// <summary>Where the quotes came from: "file", "download" (Yahoo, cached) or "synthetic".</summary>
public sealed record LoadedQuotes(PriceSeries Series, string Kind, string Source);

/// <summary>
/// The stock lab's data, in order: <c>--csv</c>; the environment variable <c>MODELDSL_KO_CSV</c>; <c>KO-2018.csv</c> in
/// the data folder (<c>MODELDSL_DATA_DIR</c>, else <c>shared/data</c> beside the repository, found by walking up from
/// the current folder and from the program's); a Yahoo download of KO for 2018 (cached under the user's cache folder,
/// 10-second timeout) unless <c>--offline</c>; else a synthetic price series, which the report, the figures and the
/// JSON announce.
/// </summary>
public static class StockData
{
    public const string EnvironmentVariable = "MODELDSL_KO_CSV";
    public const string DataDirVariable = "MODELDSL_DATA_DIR";
    public const string Ko2018File = "KO-2018.csv", KoLongFile = "KO.csv";
    public static readonly DateOnly LabFrom = new(2018, 1, 1), LabTo = new(2018, 12, 31);

    public static LoadedQuotes Load(LabOptions options, TextWriter log)
    {
        var quotes = LoadUnsliced(options, log);
        if (options.From is not null || options.To is not null)
        {
            var from = options.From ?? DateOnly.MinValue;
            var to = options.To ?? DateOnly.MaxValue;
            var sliced = quotes.Series.Slice(from, to);
            if (sliced.Count == 0)
                throw LabException.BadArguments($"{quotes.Source} has no rows between {from:yyyy-MM-dd} and {to:yyyy-MM-dd} "
                    + $"(it covers {quotes.Series.Dates[0]:yyyy-MM-dd} … {quotes.Series.Dates[^1]:yyyy-MM-dd}); change --from/--to.");
            quotes = quotes with { Series = sliced };
        }
        if (quotes.Series.Count < StockWindows.MinimumRows)
            throw LabException.BadData($"{quotes.Source} has {quotes.Series.Count} rows"
                + (options.From is not null || options.To is not null ? " in the chosen dates" : "")
                + $"; the stock lab's 25-day windows with a 12-day horizon, split 50/25/25, need at least {StockWindows.MinimumRows}: "
                + "give a longer history (--csv) or a wider --from/--to.");
        return quotes;
    }

    private static LoadedQuotes LoadUnsliced(LabOptions options, TextWriter log)
    {
        if (options.Csv is { } csv) return ReadFile(csv, "--csv");
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } env) return ReadFile(env, EnvironmentVariable);
        if (FindData(Ko2018File) is { } shared) return ReadFile(shared, "data folder");
        if (!options.Offline)
        {
            try
            {
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                var cache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "modeldsl", "yahoo");
                var downloader = new YahooDownloader(http, cache);
                var series = downloader.DailyAsync("KO", LabFrom, LabTo, cts.Token).GetAwaiter().GetResult();
                return new LoadedQuotes(series, "download", downloader.ChartUrl("KO", LabFrom, LabTo).ToString());
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or OperationCanceledException or DataFormatException or IOException)
            {
                log.WriteLine($"   (no Yahoo download: {e.GetType().Name}: {e.Message})");
            }
        }
        return new LoadedQuotes(SyntheticQuotes.Generate(options.Seed), "synthetic", $"synthetic geometric random walk, seed {options.Seed}");
    }

    private static LoadedQuotes ReadFile(string path, string origin)
    {
        if (!File.Exists(path))
            throw LabException.BadArguments($"{origin}: no such file '{path}'; give the path of a Yahoo-layout CSV (Date,Open,High,Low,Close,Adj Close,Volume).");
        try
        {
            return new LoadedQuotes(YahooCsv.Read(path), "file", Path.GetFullPath(path));
        }
        catch (DataFormatException e)
        {
            throw LabException.BadData($"{origin}: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw LabException.BadArguments($"{origin}: cannot read '{path}': {e.Message}", e);
        }
    }

    /// <summary>
    /// <paramref name="file"/> in the data folder: <c>MODELDSL_DATA_DIR</c> when set (an error if that folder does not
    /// exist; null if it lacks the file), else <c>shared/data/&lt;file&gt;</c> in the current folder or any above it, or
    /// in the program's folder or any above it (the repository sits beside <c>shared</c>).
    /// </summary>
    public static string? FindData(string file)
    {
        if (Environment.GetEnvironmentVariable(DataDirVariable) is { Length: > 0 } dir)
        {
            if (!Directory.Exists(dir))
                throw LabException.BadArguments($"{DataDirVariable}={dir}: no such folder; point it at the folder that holds {file}, or unset it.");
            var candidate = Path.Combine(dir, file);
            return File.Exists(candidate) ? Path.GetFullPath(candidate) : null;
        }
        return FindSharedData(file, Directory.GetCurrentDirectory()) ?? FindSharedData(file);
    }

    /// <summary>Finds <c>shared/data/&lt;file&gt;</c> in this folder or any above it (the repository sits beside <c>shared</c>).</summary>
    public static string? FindSharedData(string file, string? start = null)
    {
        for (var dir = new DirectoryInfo(start ?? AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data", file);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}

/// <summary>
/// A stand-in for KO 2018 when no data is at hand: 251 business days from 2018-01-02 of a geometric random walk
/// (start 45.91, daily volatility 1%), High/Low around Open/Close, log-normal volume near 12.5 million, Adj Close
/// 0.85 × Close. Nothing about its numbers says anything about Coca-Cola.
/// </summary>
public static class SyntheticQuotes
{
    public static PriceSeries Generate(int seed, int rows = 251)
    {
        var random = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var dates = new List<DateOnly>();
        for (var d = new DateOnly(2018, 1, 2); dates.Count < rows; d = d.AddDays(1))
            if (d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday)) dates.Add(d);
        double[] open = new double[rows], high = new double[rows], low = new double[rows], close = new double[rows], adj = new double[rows], volume = new double[rows];
        double previous = 45.91;
        for (int i = 0; i < rows; i++)
        {
            open[i] = previous * Math.Exp(0.003 * Normal());
            close[i] = open[i] * Math.Exp(0.01 * Normal());
            high[i] = Math.Max(open[i], close[i]) * (1 + Math.Abs(0.004 * Normal()));
            low[i] = Math.Min(open[i], close[i]) * (1 - Math.Abs(0.004 * Normal()));
            adj[i] = 0.85 * close[i];
            volume[i] = Math.Round(12.5e6 * Math.Exp(0.3 * Normal()));
            previous = close[i];
        }
        return new PriceSeries(dates, open, high, low, close, adj, volume);
    }
}
