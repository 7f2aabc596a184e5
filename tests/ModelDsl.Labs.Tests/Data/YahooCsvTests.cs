using ModelDsl.Labs.Data;

namespace ModelDsl.Labs.Tests.Data;

public class YahooCsvTests
{
    private const string Header = "Date,Open,High,Low,Close,Adj Close,Volume";

    private static DataFormatException Fails(string text, YahooNullRows nullRows = YahooNullRows.Error) =>
        Assert.Throws<DataFormatException>(() => YahooCsv.Parse(text, "quotes.csv", nullRows));

    [Fact]
    public void Reads_the_ko_2018_file_as_printed_in_the_stock_lab()
    {
        string path = LabData.Ko2018;
        var series = YahooCsv.Read(path);

        Assert.Equal(251, series.Count);
        // The lab's head() and tail(): Open, High, Low, Close, Volume match exactly; the lab's Adj Close is this file's
        // times 0.934413 (dividends adjusted at a later download).
        Assert.Equal(new DateOnly(2018, 1, 2), series.Dates[0]);
        Assert.Equal((45.910000, 45.939999, 45.509998, 45.540001, 10872200.0),
            (series.Open[0], series.High[0], series.Low[0], series.Close[0], series.Volume[0]));
        Assert.Equal(1.0, 38.548206 / (series.AdjClose[0] * 0.934413), 5);   // 0.934413 is itself rounded
        Assert.Equal(new DateOnly(2018, 1, 8), series.Dates[4]);
        Assert.Equal((45.950001, 7068600.0), (series.Open[4], series.Volume[4]));

        Assert.Equal(new DateOnly(2018, 12, 31), series.Dates[^1]);
        Assert.Equal((47.490002, 47.540001, 46.959999, 47.349998, 10576300.0),
            (series.Open[^1], series.High[^1], series.Low[^1], series.Close[^1], series.Volume[^1]));
        Assert.Equal(1.0, 41.466545 / (series.AdjClose[^1] * 0.934413), 5);
        Assert.Equal(new DateOnly(2018, 12, 24), series.Dates[^5]);
        Assert.Equal(45.959999, series.Close[^5]);

        // The lab's split: 125 / 62 / 64 rows.
        var december = series.Slice(new DateOnly(2018, 12, 24), new DateOnly(2018, 12, 31));
        Assert.Equal(5, december.Count);
        Assert.Equal(series.Close.TakeLast(5), december.Close);
    }

    [Fact]
    public void Parses_text_with_crlf_bom_and_trailing_newline()
    {
        var series = YahooCsv.Parse("\uFEFF" + Header + "\r\n2018-01-02,1,2,0.5,1.5,1.4,100\r\n2018-01-03,2,3,1,2.5,2.4,200\r\n\r\n");
        Assert.Equal(2, series.Count);
        Assert.Equal([1.4, 2.4], series.AdjClose);
        Assert.Equal([100.0, 200.0], series.Volume);
    }

    [Fact]
    public void A_malformed_number_names_line_and_column()
    {
        var e = Fails($"{Header}\n2018-01-02,1,2,0.5,1.5,1.4,100\n2018-01-03,2,3,1,2,5,2.4,200\n");
        Assert.Equal("quotes.csv", e.Source);
        Assert.Equal(3, e.Line);
        Assert.Null(e.Column);
        Assert.Contains("quotes.csv, line 3: expected 7 comma-separated fields as in the header, found 8", e.Message);

        var number = Fails($"{Header}\n2018-01-02,1,2,0.5,1.5,1.4,100\n2018-01-03,2,3,1,2;5,2.4,200\n");
        Assert.Equal((3, "Close"), (number.Line, number.Column));
        Assert.StartsWith("quotes.csv, line 3, column 'Close': '2;5' is not a number", number.Message);
    }

    [Fact]
    public void A_malformed_date_names_line_and_column()
    {
        var e = Fails($"{Header}\n02/01/2018,1,2,0.5,1.5,1.4,100\n");
        Assert.StartsWith("quotes.csv, line 2, column 'Date': '02/01/2018' is not a date in the form yyyy-MM-dd", e.Message);
    }

    [Fact]
    public void Null_rows_fail_with_advice_or_are_dropped_or_filled_on_request()
    {
        string text = $"{Header}\n2018-01-02,1,2,0.5,1.5,1.4,100\n2018-01-03,null,null,null,null,null,null\n2018-01-04,3,4,2,3.5,3.4,300\n";
        var e = Fails(text);
        Assert.Equal((3, "Open"), (e.Line, e.Column));
        Assert.StartsWith("quotes.csv, line 3, column 'Open': Yahoo reports no quote on 2018-01-03 (null)", e.Message);
        Assert.Contains("drop such rows (nullRows: YahooNullRows.Drop) or fill them from the previous day (nullRows: YahooNullRows.FillForward)", e.Message);

        var dropped = YahooCsv.Parse(text, "quotes.csv", YahooNullRows.Drop);
        Assert.Equal([new DateOnly(2018, 1, 2), new DateOnly(2018, 1, 4)], dropped.Dates);

        var filled = YahooCsv.Parse(text, "quotes.csv", YahooNullRows.FillForward);
        Assert.Equal(3, filled.Count);
        Assert.Equal([1.5, 1.5, 3.5], filled.Close);
        Assert.Equal([100.0, 0, 300], filled.Volume);

        var firstRow = Fails($"{Header}\n2018-01-02,null,null,null,null,null,null\n", YahooNullRows.FillForward);
        Assert.Contains("line 2", firstRow.Message);
        Assert.Contains("no earlier day to fill it from", firstRow.Message);
    }

    [Fact]
    public void Dates_out_of_order_or_duplicated_name_both_lines()
    {
        var order = Fails($"{Header}\n2018-01-03,1,2,0.5,1.5,1.4,100\n2018-01-02,1,2,0.5,1.5,1.4,100\n");
        Assert.StartsWith("quotes.csv, line 3, column 'Date': the date 2018-01-02 comes after 2018-01-03 (line 2); dates must increase", order.Message);

        var twice = Fails($"{Header}\n2018-01-02,1,2,0.5,1.5,1.4,100\n2018-01-02,1,2,0.5,1.5,1.4,100\n");
        Assert.StartsWith("quotes.csv, line 3, column 'Date': the date 2018-01-02 appears twice (also at line 2)", twice.Message);
    }

    [Fact]
    public void A_missing_column_or_wrong_header_is_named()
    {
        var missing = Fails("Date,Open,High,Low,Close,Volume\n2018-01-02,1,2,0.5,1.5,100\n");
        Assert.Equal((1, "Adj Close"), (missing.Line, missing.Column));
        Assert.StartsWith("quotes.csv, line 1, column 'Adj Close': the header has no column 'Adj Close'", missing.Message);
        Assert.Contains("expected 'Date,Open,High,Low,Close,Adj Close,Volume'", missing.Message);

        var wrong = Fails("2018-01-02,1,2,0.5,1.5,1.4,100\n");
        Assert.Equal((1, "Date"), (wrong.Line, wrong.Column));

        var empty = Fails("");
        Assert.Contains("quotes.csv, line 1: the file is empty", empty.Message);
    }

    [Fact]
    public void Read_names_the_file_path()
    {
        string path = Path.Combine(Path.GetTempPath(), $"modeldsl-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, $"{Header}\n2018-01-02,1,2,x,1.5,1.4,100\n");
        try
        {
            var e = Assert.Throws<DataFormatException>(() => YahooCsv.Read(path));
            Assert.StartsWith($"{path}, line 2, column 'Low'", e.Message);
        }
        finally { File.Delete(path); }
    }
}
