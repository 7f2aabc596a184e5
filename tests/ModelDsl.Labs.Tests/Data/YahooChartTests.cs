using System.Net;
using ModelDsl.Labs.Data;

namespace ModelDsl.Labs.Tests.Data;

public class YahooChartTests
{
    // Hand-written in the shape of https://query1.finance.yahoo.com/v8/finance/chart/KO?interval=1d: three trading days,
    // timestamps at 09:30 New York time (14:30 UTC), exchange offset -5 h.
    private const string ThreeDays = """
        {"chart":{"result":[{
          "meta":{"currency":"USD","symbol":"KO","exchangeName":"NYQ","gmtoffset":-18000,"timezone":"EST"},
          "timestamp":[1514903400,1514989800,1515076200],
          "indicators":{
            "quote":[{"open":[45.91,45.49,45.56],"high":[45.94,45.69,46.22],"low":[45.51,45.34,45.45],
                      "close":[45.54,45.44,46.08],"volume":[10872200,12635600,12709400]}],
            "adjclose":[{"adjclose":[41.25,41.16,41.70]}]}}],
          "error":null}}
        """;

    [Fact]
    public void Parses_the_chart_json()
    {
        var series = YahooChartJson.Parse(ThreeDays);
        Assert.Equal([new DateOnly(2018, 1, 2), new DateOnly(2018, 1, 3), new DateOnly(2018, 1, 4)], series.Dates);
        Assert.Equal([45.91, 45.49, 45.56], series.Open);
        Assert.Equal([45.94, 45.69, 46.22], series.High);
        Assert.Equal([45.51, 45.34, 45.45], series.Low);
        Assert.Equal([45.54, 45.44, 46.08], series.Close);
        Assert.Equal([41.25, 41.16, 41.70], series.AdjClose);
        Assert.Equal([10872200.0, 12635600, 12709400], series.Volume);
    }

    [Fact]
    public void Dates_are_taken_in_the_exchange_time_zone()
    {
        // 2018-01-03 00:30 UTC is still 2018-01-02 in New York.
        var series = YahooChartJson.Parse(ThreeDays.Replace("1514903400", "1514939400"));
        Assert.Equal(new DateOnly(2018, 1, 2), series.Dates[0]);
    }

    [Fact]
    public void Chart_errors_and_missing_parts_are_reported_with_their_path()
    {
        var error = Assert.Throws<DataFormatException>(() => YahooChartJson.Parse(
            """{"chart":{"result":null,"error":{"code":"Not Found","description":"No data found, symbol may be delisted"}}}"""));
        Assert.Equal("chart.error", error.Column);
        Assert.Equal("<json>, column 'chart.error': Yahoo answered with an error: Not Found: No data found, symbol may be delisted", error.Message);

        var noAdj = Assert.Throws<DataFormatException>(() => YahooChartJson.Parse(ThreeDays.Replace("\"adjclose\":[{", "\"other\":[{"), "ko.json"));
        Assert.Equal("ko.json, column 'chart.result[0].indicators.adjclose': missing; is this a response of Yahoo's chart API (v8/finance/chart)?", noAdj.Message);

        var short_ = Assert.Throws<DataFormatException>(() => YahooChartJson.Parse(ThreeDays.Replace("[45.91,45.49,45.56]", "[45.91,45.49]")));
        Assert.Contains("column 'chart.result[0].indicators.quote[0].open': has 2 entries but chart.result[0].timestamp has 3", short_.Message);

        var text = Assert.Throws<DataFormatException>(() => YahooChartJson.Parse(ThreeDays.Replace("45.49,45.56]", "\"x\",45.56]")));
        Assert.Contains("column 'chart.result[0].indicators.quote[0].open[1]': 'x' is not a number", text.Message);

        var broken = Assert.Throws<DataFormatException>(() => YahooChartJson.Parse("{\"chart\":\n{", "ko.json"));
        Assert.StartsWith("ko.json, line 2: not valid JSON", broken.Message);
    }

    [Fact]
    public void Null_quotes_and_date_order_use_the_csv_rules()
    {
        string withNull = ThreeDays.Replace("[45.91,45.49,45.56]", "[45.91,null,45.56]");
        var e = Assert.Throws<DataFormatException>(() => YahooChartJson.Parse(withNull));
        Assert.StartsWith("<json>, column 'chart.result[0].indicators.quote[0].open[1]': Yahoo reports no quote on 2018-01-03 (null)", e.Message);
        Assert.Equal(2, YahooChartJson.Parse(withNull, "<json>", YahooNullRows.Drop).Count);

        var order = Assert.Throws<DataFormatException>(() => YahooChartJson.Parse(ThreeDays.Replace("1514989800", "1514903400")));
        Assert.Contains("column 'chart.result[0].timestamp[1]': the date 2018-01-02 appears twice", order.Message);
    }

    [Fact]
    public async Task Downloader_builds_the_url_caches_and_reads_the_cache_first()
    {
        string cache = Path.Combine(Path.GetTempPath(), $"modeldsl-cache-{Guid.NewGuid():N}");
        var handler = new FakeHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(ThreeDays) });
        try
        {
            var downloader = new YahooDownloader(new HttpClient(handler), cache);
            var series = await downloader.DailyAsync("KO", new DateOnly(2018, 1, 2), new DateOnly(2018, 1, 3));

            Assert.Equal(2, series.Count);   // the range is inclusive; the extra day in the response is cut
            var request = Assert.Single(handler.Requests);
            // period1 = 2018-01-02T00:00Z = 1514851200; period2 = the day after the end, 2018-01-04T00:00Z = 1515024000.
            Assert.Equal("https://query1.finance.yahoo.com/v8/finance/chart/KO?period1=1514851200&period2=1515024000&interval=1d&events=history&includeAdjustedClose=true",
                request.RequestUri!.ToString());
            Assert.NotEmpty(request.Headers.UserAgent);
            string cached = downloader.CachePath("KO", new DateOnly(2018, 1, 2), new DateOnly(2018, 1, 3));
            Assert.Equal(ThreeDays, File.ReadAllText(cached));

            var again = await new YahooDownloader(new HttpClient(handler), cache).DailyAsync("KO", new DateOnly(2018, 1, 2), new DateOnly(2018, 1, 3));
            Assert.Single(handler.Requests);   // served from the cache
            Assert.Equal(series.Close, again.Close);
            Assert.Equal(series.Dates, again.Dates);
        }
        finally
        {
            if (Directory.Exists(cache)) Directory.Delete(cache, recursive: true);
        }
    }

    [Fact]
    public async Task Downloader_reports_yahoo_errors_and_caches_nothing()
    {
        string cache = Path.Combine(Path.GetTempPath(), $"modeldsl-cache-{Guid.NewGuid():N}");
        var handler = new FakeHandler(_ => new HttpResponseMessage(HttpStatusCode.NotFound)
        {
            Content = new StringContent("""{"chart":{"result":null,"error":{"code":"Not Found","description":"No data found, symbol may be delisted"}}}"""),
        });
        try
        {
            var downloader = new YahooDownloader(new HttpClient(handler), cache);
            var e = await Assert.ThrowsAsync<HttpRequestException>(() => downloader.DailyAsync("^NOPE", new DateOnly(2018, 1, 2), new DateOnly(2018, 1, 3)));
            Assert.Equal(HttpStatusCode.NotFound, e.StatusCode);
            Assert.Contains("Yahoo answered 404", e.Message);
            Assert.Contains("/chart/%5ENOPE?", e.Message);
            Assert.Contains("No data found, symbol may be delisted", e.Message);
            Assert.False(Directory.Exists(cache) && Directory.EnumerateFiles(cache).Any());
        }
        finally
        {
            if (Directory.Exists(cache)) Directory.Delete(cache, recursive: true);
        }
    }

    private sealed class FakeHandler(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
    {
        public List<HttpRequestMessage> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            return Task.FromResult(respond(request));
        }
    }
}
