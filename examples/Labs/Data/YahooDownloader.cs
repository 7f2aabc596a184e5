using System.Globalization;
using System.Net.Http.Headers;

namespace ModelDsl.Labs.Data;

/// <summary>
/// Downloads daily quotes from Yahoo's chart API and keeps each response in <c>cacheDirectory</c>; a cached response
/// is read instead of asking the network again. Only responses that parse are cached.
/// </summary>
public sealed class YahooDownloader(HttpClient http, string cacheDirectory)
{
    private readonly HttpClient _http = http ?? throw new ArgumentNullException(nameof(http));
    private readonly string _cacheDirectory = cacheDirectory ?? throw new ArgumentNullException(nameof(cacheDirectory));

    /// <summary>The API's base address; the ticker, escaped, follows it.</summary>
    public string BaseUrl { get; init; } = "https://query1.finance.yahoo.com/v8/finance/chart/";

    /// <summary>The days <paramref name="from"/> to <paramref name="to"/>, both inclusive.</summary>
    /// <exception cref="HttpRequestException">Yahoo answered with an error status (the message holds its description when it sent one).</exception>
    /// <exception cref="DataFormatException">The response is not a usable chart document.</exception>
    public async Task<PriceSeries> DailyAsync(string ticker, DateOnly from, DateOnly to, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(ticker);
        if (to < from) throw new ArgumentException($"The range ends ({to:yyyy-MM-dd}) before it starts ({from:yyyy-MM-dd}).", nameof(to));

        string cachePath = CachePath(ticker, from, to);
        if (File.Exists(cachePath))
            return YahooChartJson.Parse(await File.ReadAllTextAsync(cachePath, ct).ConfigureAwait(false), cachePath).Slice(from, to);

        var url = ChartUrl(ticker, from, to);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (_http.DefaultRequestHeaders.UserAgent.Count == 0)
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("ModelDsl", "0.1"));   // Yahoo refuses requests without one
        using var response = await _http.SendAsync(request, ct).ConfigureAwait(false);
        string body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            string detail;
            try { YahooChartJson.Parse(body, url.AbsoluteUri); detail = ""; }
            catch (DataFormatException e) { detail = ": " + e.Problem; }
            throw new HttpRequestException(
                $"Yahoo answered {(int)response.StatusCode} {response.ReasonPhrase} for {url.AbsoluteUri}{detail}", null, response.StatusCode);
        }
        var series = YahooChartJson.Parse(body, url.AbsoluteUri);
        Directory.CreateDirectory(_cacheDirectory);
        string temporary = cachePath + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await File.WriteAllTextAsync(temporary, body, ct).ConfigureAwait(false);
        File.Move(temporary, cachePath, overwrite: true);
        return series.Slice(from, to);
    }

    /// <summary>The request for the days <paramref name="from"/> to <paramref name="to"/> inclusive (period2 is exclusive, so the day after).</summary>
    public Uri ChartUrl(string ticker, DateOnly from, DateOnly to)
    {
        long period1 = UnixSeconds(from), period2 = UnixSeconds(to.AddDays(1));
        return new Uri(string.Create(CultureInfo.InvariantCulture,
            $"{BaseUrl}{Uri.EscapeDataString(ticker)}?period1={period1}&period2={period2}&interval=1d&events=history&includeAdjustedClose=true"));
    }

    /// <summary>Where the response for this request is cached.</summary>
    public string CachePath(string ticker, DateOnly from, DateOnly to)
    {
        string safe = Uri.EscapeDataString(ticker.ToUpperInvariant());   // "^GSPC" -> "%5EGSPC": no path separators or wildcards
        return Path.Combine(_cacheDirectory, $"{safe}_{from:yyyyMMdd}_{to:yyyyMMdd}_1d.json");
    }

    private static long UnixSeconds(DateOnly day) => new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeSeconds();
}
