using ScottPlot;

namespace ModelDsl.Plotting;

/// <summary>How a series is drawn.</summary>
public enum SeriesStyle
{
    /// <summary>Points joined by a line, no markers.</summary>
    Line,
    /// <summary>Markers only (matplotlib's <c>"o"</c> or <c>scatter</c>).</summary>
    Markers,
    /// <summary>Markers joined by a line.</summary>
    LineAndMarkers,
}

/// <summary>What <see cref="Figure.Save"/> wrote.</summary>
public sealed record SavedFigure(string Path, int Width, int Height);

/// <summary>
/// A small, boring figure builder over ScottPlot that saves PNG files: line and marker series over numbers or dates,
/// box plots, a title, axis labels and a legend. Text is drawn with the font <see cref="PlotFonts.Family"/>
/// (DejaVu Sans where installed), which covers Latin with accents and Cyrillic.
/// </summary>
/// <remarks>
/// Calls chain (<c>new Figure("t").Line(xs, ys, "a").Save("a.png")</c>). A figure holds either numeric or date
/// x values, never both: mixing them throws <see cref="InvalidOperationException"/>.
/// </remarks>
public sealed class Figure
{
    private enum XKind { None, Numbers, Dates, Categories }

    // Before any ScottPlot type initializes: SkiaSharp's natives must be loadable (see PlotNatives).
    static Figure() => PlotNatives.Ensure();

    private readonly Plot _plot = new();
    private readonly List<double> _boxPositions = [];
    private readonly List<string> _boxLabels = [];
    private XKind _xKind = XKind.None;
    private int _seriesCount;
    private bool _hasLegend;

    /// <summary>A figure with a title and axis labels (empty strings leave them out).</summary>
    public Figure(string title = "", string xLabel = "", string yLabel = "", int width = 800, int height = 600)
    {
        if (width < 50 || height < 50)
            throw new ArgumentOutOfRangeException(nameof(width), $"A figure needs at least 50×50 pixels; got {width}×{height}.");
        Width = width;
        Height = height;
        Title = title;
        XLabel = xLabel;
        YLabel = yLabel;
    }

    public int Width { get; }
    public int Height { get; }
    public string Title { get; }
    public string XLabel { get; }
    public string YLabel { get; }

    /// <summary>Number of series and boxes added so far.</summary>
    public int SeriesCount => _seriesCount;

    /// <summary>Adds a series over numeric x values.</summary>
    public Figure Line(IReadOnlyList<double> x, IReadOnlyList<double> y, string? label = null,
        SeriesStyle style = SeriesStyle.Line, string? color = null, double lineWidth = 1.5, double markerSize = 5)
    {
        UseX(XKind.Numbers);
        AddScatter(x.ToArray(), y, label, style, color, lineWidth, markerSize);
        return this;
    }

    /// <summary>Adds a series over y alone, with x = 1, 2, … (matplotlib's <c>plt.plot(y)</c> counts from 0; pass x for that).</summary>
    public Figure Line(IReadOnlyList<double> y, string? label = null, SeriesStyle style = SeriesStyle.Line,
        string? color = null, double lineWidth = 1.5, double markerSize = 5) =>
        Line(Enumerable.Range(1, y.Count).Select(i => (double)i).ToArray(), y, label, style, color, lineWidth, markerSize);

    /// <summary>Adds a series over dates; the bottom axis shows dates.</summary>
    public Figure Line(IReadOnlyList<DateOnly> x, IReadOnlyList<double> y, string? label = null,
        SeriesStyle style = SeriesStyle.Line, string? color = null, double lineWidth = 1.5, double markerSize = 5)
    {
        UseX(XKind.Dates);
        AddScatter(x.Select(d => d.ToDateTime(TimeOnly.MinValue).ToOADate()).ToArray(), y, label, style, color, lineWidth, markerSize);
        return this;
    }

    /// <summary>Adds one box (Tukey: quartiles, whiskers to the furthest point within 1.5 IQR, outliers as points).</summary>
    public Figure Box(IReadOnlyList<double> values, string? label = null, string? color = null)
    {
        UseX(XKind.Categories);
        var stats = BoxStatistics.Of(values);
        double position = _boxPositions.Count;
        var box = new ScottPlot.Box
        {
            Position = position,
            BoxMin = stats.Q1,
            BoxMax = stats.Q3,
            BoxMiddle = stats.Median,
            WhiskerMin = stats.WhiskerLow,
            WhiskerMax = stats.WhiskerHigh,
        };
        var plottable = _plot.Add.Box(box);
        if (color is not null) plottable.FillColor = Color.FromHex(color).WithAlpha(0.4);
        if (stats.Outliers.Count > 0)
        {
            var fliers = _plot.Add.ScatterPoints(Enumerable.Repeat(position, stats.Outliers.Count).ToArray(), stats.Outliers.ToArray());
            fliers.MarkerShape = MarkerShape.OpenCircle;
            fliers.MarkerSize = 6;
            fliers.Color = Colors.Black;
        }
        _boxPositions.Add(position);
        _boxLabels.Add(label ?? "");
        _seriesCount++;
        return this;
    }

    /// <summary>Fixes the y range (otherwise fitted to the data).</summary>
    public Figure YLimits(double min, double max)
    {
        _plot.Axes.SetLimitsY(min, max);
        return this;
    }

    /// <summary>Writes the PNG, creating its directory; returns where and how large.</summary>
    public SavedFigure Save(string path)
    {
        var full = PrepareFile(path);
        Prepared().SavePng(full, Width, Height);
        return new SavedFigure(full, Width, Height);
    }

    /// <summary>
    /// Writes the figures as panels of one PNG, left to right (ScottPlot's <see cref="Multiplot"/> in columns). The panels
    /// must be of one size; the image is that tall and as wide as the panels together. Each keeps its title, labels and legend.
    /// </summary>
    public static SavedFigure SaveSideBySide(string path, params IReadOnlyList<Figure> panels)
    {
        ArgumentNullException.ThrowIfNull(panels);
        if (panels.Count == 0) throw new ArgumentException("Side-by-side figures need at least one panel.", nameof(panels));
        if (panels.Any(p => p.Width != panels[0].Width || p.Height != panels[0].Height))
            throw new ArgumentException($"Side-by-side panels must be of one size; got {string.Join(", ", panels.Select(p => $"{p.Width}×{p.Height}"))}.", nameof(panels));
        var full = PrepareFile(path, panels);
        int width = panels[0].Width * panels.Count, height = panels[0].Height;
        // Multiplot() starts with an empty plot of its own; the Plot constructor makes the first panel the first subplot.
        var multiplot = new Multiplot(panels[0].Prepared());
        foreach (var p in panels.Skip(1)) multiplot.AddPlot(p.Prepared());
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        multiplot.SavePng(full, width, height);
        return new SavedFigure(full, width, height);
    }

    /// <summary>Checks the figures have something to draw and creates the file's directory; returns the full path.</summary>
    private string PrepareFile(string path) => PrepareFile(path, [this]);

    private static string PrepareFile(string path, IReadOnlyList<Figure> figures)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        foreach (var f in figures)
            if (f._seriesCount == 0) throw new InvalidOperationException($"Figure '{f.Title}' has nothing to draw.");
        var full = System.IO.Path.GetFullPath(path);
        var dir = System.IO.Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        return full;
    }

    /// <summary>The plot with font, axes, labels and legend applied, ready to render.</summary>
    private Plot Prepared()
    {
        _plot.Font.Set(PlotFonts.Family);
        if (_xKind == XKind.Dates)
        {
            // Replaces the bottom axis, so labels are set after it.
            var axis = _plot.Axes.DateTimeTicksBottom();
            if (axis.TickGenerator is ScottPlot.TickGenerators.DateTimeAutomatic auto)
                auto.LabelFormatter = d => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        }
        if (Title.Length > 0) _plot.Title(Title);
        if (XLabel.Length > 0) _plot.XLabel(XLabel);
        if (YLabel.Length > 0) _plot.YLabel(YLabel);
        if (_xKind == XKind.Categories)
        {
            _plot.Axes.Bottom.SetTicks(_boxPositions.ToArray(), _boxLabels.ToArray());
            _plot.Axes.SetLimitsX(-0.75, _boxPositions.Count - 0.25);
        }
        if (_hasLegend) _plot.ShowLegend(Alignment.UpperRight);
        return _plot;
    }

    private void AddScatter(double[] x, IReadOnlyList<double> y, string? label, SeriesStyle style, string? color,
        double lineWidth, double markerSize)
    {
        if (x.Length != y.Count)
            throw new ArgumentException($"x has {x.Length} values but y has {y.Count}.", nameof(y));
        var s = _plot.Add.Scatter(x, y.ToArray());
        if (color is not null) s.Color = Color.FromHex(color);
        s.LineWidth = style == SeriesStyle.Markers ? 0 : (float)lineWidth;
        s.MarkerSize = style == SeriesStyle.Line ? 0 : (float)markerSize;
        if (!string.IsNullOrEmpty(label))
        {
            s.LegendText = label;
            _hasLegend = true;
        }
        _seriesCount++;
    }

    private void UseX(XKind kind)
    {
        if (_xKind != XKind.None && _xKind != kind)
            throw new InvalidOperationException($"Figure '{Title}' already plots over {_xKind}; cannot add a series over {kind}.");
        _xKind = kind;
    }
}
