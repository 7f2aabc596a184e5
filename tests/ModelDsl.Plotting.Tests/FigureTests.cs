using System.Buffers.Binary;
using ModelDsl.Plotting;

namespace ModelDsl.Plotting.Tests;

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
    public void Numeric_series_with_spanish_text_writes_png_of_requested_size_and_holds_what_was_given()
    {
        double[] x = [-1, -0.5, 0, 0.5, 1];
        var figure = new Figure("Optimización", "Argumento (x)", "Función de costo", width: 640, height: 480)
            .Line(x, x.Select(v => Math.Cosh(Math.PI * v / 4)).ToArray(), "Función de costo")
            .Line(x, x.Select(v => v * v).ToArray(), "Minimización iterativa", SeriesStyle.LineAndMarkers, color: "#2ca02c");
        var saved = figure.Save(Path.Combine(_dir, "nested", "es.png"));
        Assert.True(File.Exists(saved.Path));
        Assert.Equal((640, 480), PngSize(saved.Path));
        Assert.Equal((640, 480), (saved.Width, saved.Height));

        var plot = PlotContents.Of(figure);
        Assert.Equal("Optimización", plot.Title);
        Assert.Equal(("Argumento (x)", "Función de costo"), (plot.XLabel, plot.YLabel));
        Assert.Equal(["Función de costo", "Minimización iterativa"], plot.Legend);
        Assert.Equal(2, plot.Series.Count);
        Assert.Equal((-1, 1), plot.Series[1].XRange);
        Assert.Equal((0, 1), plot.Series[1].YRange);
        Assert.Equal("#2CA02C", plot.Series[1].Colour);
    }

    [Fact]
    public void Date_series_and_box_plot_with_russian_text_write_pngs()
    {
        var dates = Enumerable.Range(0, 30).Select(i => new DateOnly(2018, 1, 2).AddDays(i)).ToArray();
        var prices = dates.Select((_, i) => 45 + Math.Sin(i / 3.0)).ToArray();
        var line = new Figure("Котировки акций cocacola", "date", "Adj Close", 800, 500).Line(dates, prices);
        Assert.Equal((800, 500), PngSize(line.Save(Path.Combine(_dir, "ru.png")).Path));
        Assert.True(line.HasDateX);
        var dateRange = PlotContents.Of(line).Series.Single().XRange;
        Assert.Equal((new DateTime(2018, 1, 2).ToOADate(), new DateTime(2018, 1, 31).ToOADate()), dateRange);

        var box = new Figure("Дневной убыток", "", "$", width: 400, height: 600).Box(prices.Append(60).ToArray());
        Assert.Equal((400, 600), PngSize(box.Save(Path.Combine(_dir, "box.png")).Path));
        var plot = box.ToPlot();
        Assert.Single(plot.GetPlottables<ScottPlot.Plottables.BoxPlot>());
        // No label for the single box: no stray tick such as "0" under it.
        Assert.IsType<ScottPlot.TickGenerators.EmptyTickGenerator>(plot.Axes.Bottom.TickGenerator);
        Assert.Equal(60, Assert.Single(box.Boxes).Statistics.Outliers.Single());
    }

    [Fact]
    public void Log_axis_draws_log10_of_the_values_and_labels_ticks_with_the_values()
    {
        var figure = new Figure("Loss", "Epoch", "Loss (MSE)").Line([4.3e7, 0.12, 0.06, 0.04], "polynomial").LogY().IntegerX();
        var plot = PlotContents.Of(figure);
        Assert.True(figure.IsLogY);
        var (low, high) = plot.Series.Single().YRange;
        Assert.Equal(Math.Log10(0.04), low, 12);
        Assert.Equal(Math.Log10(4.3e7), high, 12);
        Assert.Equal((1, 4), plot.Series.Single().XRange);
        Assert.Equal(["0.001", "0.01", "1", "10", "10,000", "10⁵", "10⁷", "10⁻⁵"],
            new[] { -3.0, -2, 0, 1, 4, 5, 7, -5 }.Select(Figure.PowerOfTenLabel));
        var ticks = figure.ToPlot().Axes.Bottom.TickGenerator;
        Assert.True(Assert.IsType<ScottPlot.TickGenerators.NumericAutomatic>(ticks).IntegerTicksOnly);
        // Values a log axis cannot show are left out, not drawn at a made-up place.
        var withZero = PlotContents.Of(new Figure().Line([1.0, 0, double.NaN, 10], "x").LogY());
        Assert.Equal(2, withZero.Series.Single().Count);
    }

    [Fact]
    public void Diverged_runs_are_marked_with_a_legend_entry_even_on_a_figure_without_series()
    {
        var figure = new Figure("Loss per epoch", "Epoch", "Loss")
            .Line([0.5, 0.2, 0.1], "inverse_time")
            .Diverged(1, "piecewise: diverged at step 39");
        var plot = PlotContents.Of(figure);
        Assert.Equal(["inverse_time", "piecewise: diverged at step 39"], plot.Legend);
        Assert.Equal(0.5, plot.Markers.Single().Y);              // at the top of the data
        Assert.Single(figure.ToPlot().GetPlottables<ScottPlot.Plottables.VerticalLine>());

        var alone = new Figure("MAE", "Epoch", "MAE ($)").Diverged(1, "lstm: diverged in epoch 1");
        Assert.True(File.Exists(alone.Save(Path.Combine(_dir, "diverged.png")).Path));
        Assert.Equal(["lstm: diverged in epoch 1"], PlotContents.Of(alone).Legend);
    }

    [Fact]
    public void Notes_are_shown_under_the_title()
    {
        var plot = PlotContents.Of(new Figure("Котировки", "date", "$").Line([1.0, 2], [3.0, 4]).Note("SYNTHETIC DATA"));
        Assert.Equal("Котировки\nSYNTHETIC DATA", plot.Title);
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
