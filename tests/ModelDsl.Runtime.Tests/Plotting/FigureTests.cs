using System.Buffers.Binary;
using ModelDsl.Plotting;

namespace ModelDsl.Runtime.Tests.Plotting;

public sealed class FigureTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "modeldsl-plot-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static (int Width, int Height) PngSize(string path)
    {
        var bytes = File.ReadAllBytes(path);
        byte[] signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        Assert.True(bytes.AsSpan(0, 8).SequenceEqual(signature), "not a PNG signature");
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }

    [Fact]
    public void Numeric_series_with_spanish_text_writes_png_of_requested_size()
    {
        double[] x = [-1, -0.5, 0, 0.5, 1];
        var saved = new Figure("Optimización", "Argumento (x)", "Función de costo", width: 640, height: 480)
            .Line(x, x.Select(v => Math.Cosh(Math.PI * v / 4)).ToArray(), "Función de costo")
            .Line(x, x.Select(v => v * v).ToArray(), "Minimización iterativa", SeriesStyle.LineAndMarkers, color: "#2ca02c")
            .Save(Path.Combine(_dir, "nested", "es.png"));
        Assert.True(File.Exists(saved.Path));
        Assert.Equal((640, 480), PngSize(saved.Path));
        Assert.Equal((640, 480), (saved.Width, saved.Height));
    }

    [Fact]
    public void Date_series_and_box_plot_with_russian_text_write_pngs()
    {
        var dates = Enumerable.Range(0, 30).Select(i => new DateOnly(2018, 1, 2).AddDays(i)).ToArray();
        var prices = dates.Select((_, i) => 45 + Math.Sin(i / 3.0)).ToArray();
        var a = new Figure("Котировки акций cocacola", "date", "Adj Close", 800, 500).Line(dates, prices).Save(Path.Combine(_dir, "ru.png"));
        Assert.Equal((800, 500), PngSize(a.Path));

        var b = new Figure("Дневной убыток", width: 400, height: 600).Box(prices.Append(60).ToArray(), "0").Save(Path.Combine(_dir, "box.png"));
        Assert.Equal((400, 600), PngSize(b.Path));
    }

    [Fact]
    public void Mixing_dates_and_numbers_or_saving_an_empty_figure_throws()
    {
        var f = new Figure("x").Line([1.0, 2.0], [1.0, 2.0]);
        Assert.Throws<InvalidOperationException>(() => f.Line([new DateOnly(2018, 1, 2)], [1.0]));
        Assert.Throws<InvalidOperationException>(() => new Figure("empty").Save(Path.Combine(_dir, "e.png")));
        Assert.Throws<ArgumentException>(() => new Figure().Line([1.0, 2.0], [1.0]));
    }

    [Fact]
    public void Side_by_side_panels_write_one_png_as_wide_as_the_panels_together()
    {
        var left = new Figure("Pérdida frente a pasos", "Pasos", "Pérdida", 400, 300).Line([0.0, 1, 2], [3.0, 1, 0.5], "GD");
        var right = new Figure("Pérdida frente a tiempo", "Tiempo (s)", "Pérdida", 400, 300).Line([0.0, 0.1, 0.2], [3.0, 1, 0.5], "GD");
        var saved = Figure.SaveSideBySide(Path.Combine(_dir, "panels", "two.png"), left, right);
        Assert.Equal((800, 300), PngSize(saved.Path));
        Assert.Equal((800, 300), (saved.Width, saved.Height));
        Assert.Throws<ArgumentException>(() => Figure.SaveSideBySide(Path.Combine(_dir, "bad.png"), left, new Figure("x", width: 500, height: 300).Line([1.0], [1.0])));
        Assert.Throws<InvalidOperationException>(() => Figure.SaveSideBySide(Path.Combine(_dir, "empty.png"), left, new Figure("empty", width: 400, height: 300)));
        Assert.Throws<ArgumentException>(() => Figure.SaveSideBySide(Path.Combine(_dir, "none.png")));
    }

    [Fact]
    public void Box_statistics_match_numpy_percentiles_and_tukey_whiskers()
    {
        // numpy.percentile([1..9, 100], [25, 50, 75]) = 3.25, 5.5, 7.75; IQR 4.5, fences -3.5 and 14.5.
        var s = BoxStatistics.Of([1, 2, 3, 4, 5, 6, 7, 8, 9, 100]);
        Assert.Equal(3.25, s.Q1, 12);
        Assert.Equal(5.5, s.Median, 12);
        Assert.Equal(7.75, s.Q3, 12);
        Assert.Equal(1, s.WhiskerLow);
        Assert.Equal(9, s.WhiskerHigh);
        Assert.Equal([100.0], s.Outliers);
    }

    [Fact]
    public void Font_is_dejavu_where_installed()
    {
        if (!File.Exists("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")) return;
        Assert.Equal(PlotFonts.DejaVuSans, PlotFonts.Family);
        Assert.NotNull(PlotFonts.FontFile);
    }
}
