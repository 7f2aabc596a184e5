using System.Globalization;
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

/// <summary>One series as it was given to the figure (x as numbers; dates as OLE automation dates).</summary>
public sealed record FigureSeries(string? Label, IReadOnlyList<double> X, IReadOnlyList<double> Y, SeriesStyle Style, string? Color);

/// <summary>A run that diverged at <paramref name="X"/>: drawn as a cross at the top of the plot and a dashed line, with its legend entry.</summary>
public sealed record DivergenceMark(double X, string Label, string? Color);

/// <summary>One box of a box plot, with its statistics.</summary>
public sealed record FigureBox(string? Label, BoxStatistics Statistics, string? Color);

/// <summary>
/// A small, boring figure builder over ScottPlot that saves PNG files: line and marker series over numbers or dates,
/// box plots, a title, axis labels, a legend beside the data (never over it), log y axes, integer x ticks, marks for runs
/// that diverged and notes under the title. Text is drawn with <see cref="PlotFonts.Family"/> (DejaVu Sans where
/// installed), which covers Latin with accents and Cyrillic.
/// </summary>
/// <remarks>
/// Calls chain (<c>new Figure("t", "Epoch", "Loss").Line(xs, ys, "a").Save("a.png")</c>). The figure keeps what it was
/// given (<see cref="Series"/>, <see cref="Marks"/>, <see cref="Boxes"/>, <see cref="Notes"/>) and builds the ScottPlot
/// plot when it is saved or asked for (<see cref="ToPlot"/>). A figure holds numeric, date or box x values, never two
/// kinds: mixing them throws <see cref="InvalidOperationException"/>.
/// </remarks>
public sealed class Figure
{
    private enum XKind { None, Numbers, Dates, Categories }

    // Before any ScottPlot type initializes: SkiaSharp's natives must be loadable (see PlotNatives).
    static Figure() => PlotNatives.Ensure();

    /// <summary>Matplotlib's default colour cycle ("tab10"), so that series keep their colour from figure to figure.</summary>
    public static readonly IReadOnlyList<string> Palette =
        ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    private readonly List<FigureSeries> _series = [];
    private readonly List<DivergenceMark> _marks = [];
    private readonly List<FigureBox> _boxes = [];
    private readonly List<string> _notes = [];
    private XKind _xKind = XKind.None;
    private (double Min, double Max)? _yLimits;
    private double? _logWhenSpanning;
    private bool _logX;

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

    /// <summary>The series, as given.</summary>
    public IReadOnlyList<FigureSeries> Series => _series;
    /// <summary>The diverged runs marked on the figure.</summary>
    public IReadOnlyList<DivergenceMark> Marks => _marks;
    /// <summary>The boxes of a box plot.</summary>
    public IReadOnlyList<FigureBox> Boxes => _boxes;
    /// <summary>Lines shown under the title (for example that the data are synthetic).</summary>
    public IReadOnlyList<string> Notes => _notes;
    /// <summary>True when the y axis is logarithmic: <see cref="LogY"/>, or <see cref="LogYWhenSpanning"/> and the data span that many orders of magnitude.</summary>
    public bool IsLogY => _logY || (_logWhenSpanning is { } orders && SpansOrders(orders));
    private bool _logY;
    /// <summary>True when the x axis shows whole numbers only (<see cref="IntegerX"/>).</summary>
    public bool HasIntegerXTicks { get; private set; }
    /// <summary>True when the x values are dates.</summary>
    public bool HasDateX => _xKind == XKind.Dates;

    /// <summary>Number of series and boxes added so far (marks not counted).</summary>
    public int SeriesCount => _series.Count + _boxes.Count;

    /// <summary>Adds a series over numeric x values.</summary>
    public Figure Line(IReadOnlyList<double> x, IReadOnlyList<double> y, string? label = null,
        SeriesStyle style = SeriesStyle.Line, string? color = null)
    {
        UseX(XKind.Numbers);
        Add(x.ToArray(), y, label, style, color);
        return this;
    }

    /// <summary>Adds a series over y alone, with x = 1, 2, … (epochs; matplotlib's <c>plt.plot(y)</c> counts from 0: pass x for that).</summary>
    public Figure Line(IReadOnlyList<double> y, string? label = null, SeriesStyle style = SeriesStyle.Line, string? color = null) =>
        Line(Enumerable.Range(1, y.Count).Select(i => (double)i).ToArray(), y, label, style, color);

    /// <summary>Adds a series over dates; the bottom axis shows dates (yyyy-MM-dd).</summary>
    public Figure Line(IReadOnlyList<DateOnly> x, IReadOnlyList<double> y, string? label = null,
        SeriesStyle style = SeriesStyle.Line, string? color = null)
    {
        UseX(XKind.Dates);
        Add(x.Select(d => d.ToDateTime(TimeOnly.MinValue).ToOADate()).ToArray(), y, label, style, color);
        return this;
    }

    /// <summary>Adds one box (Tukey: quartiles, whiskers to the furthest point within 1.5 IQR, outliers as points).
    /// An empty <paramref name="label"/> leaves the box's tick unlabelled.</summary>
    public Figure Box(IReadOnlyList<double> values, string? label = null, string? color = null)
    {
        UseX(XKind.Categories);
        _boxes.Add(new FigureBox(label, BoxStatistics.Of(values), color));
        return this;
    }

    /// <summary>
    /// Marks a run that diverged (its loss became infinite or NaN) at <paramref name="x"/> (an epoch, a step): a cross at
    /// the top of the plot and a dashed vertical line, with <paramref name="label"/> in the legend. Works on a figure
    /// with no series at all, so a run that diverged in its first epoch still gets its figure.
    /// </summary>
    public Figure Diverged(double x, string label, string? color = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        if (_xKind is XKind.Dates or XKind.Categories)
            throw new InvalidOperationException($"Figure '{Title}' plots over {_xKind}; divergence marks need a numeric x axis.");
        _xKind = XKind.Numbers;
        _marks.Add(new DivergenceMark(x, label, color));
        return this;
    }

    /// <summary>Adds a line under the title, for what a reader must know before reading the data (e.g. "synthetic data").</summary>
    public Figure Note(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        _notes.Add(text);
        return this;
    }

    /// <summary>A logarithmic y axis, for values spanning orders of magnitude; ticks are labelled with the values
    /// themselves (0.01, 1, 100, 10⁶). Values ≤ 0 and non-finite ones cannot be drawn there and are left out.</summary>
    public Figure LogY()
    {
        _logY = true;
        return this;
    }

    /// <summary>A logarithmic y axis if, when drawn, the finite y values are all positive and the largest is more than
    /// 10^<paramref name="orders"/> times the smallest (a learning curve that starts in the millions, a loss that falls to
    /// the noise floor); otherwise a linear one.</summary>
    public Figure LogYWhenSpanning(double orders = 2)
    {
        _logWhenSpanning = orders;
        return this;
    }

    private bool SpansOrders(double orders)
    {
        var values = _series.SelectMany(s => s.Y).Where(double.IsFinite).ToArray();
        return values.Length > 1 && values.All(v => v > 0) && Math.Log10(values.Max() / values.Min()) > orders;
    }

    /// <summary>A logarithmic x axis (steps or seconds spanning orders of magnitude); x values ≤ 0 are left out.</summary>
    public Figure LogX()
    {
        if (_xKind is XKind.Dates or XKind.Categories) throw new InvalidOperationException($"Figure '{Title}' plots over {_xKind}; a log x axis needs numbers.");
        _logX = true;
        return this;
    }

    /// <summary>True when the x axis is logarithmic (<see cref="LogX"/>).</summary>
    public bool IsLogX => _logX;

    /// <summary>Whole-number ticks only on the x axis (epochs, steps): no "1.5 epochs".</summary>
    public Figure IntegerX()
    {
        HasIntegerXTicks = true;
        return this;
    }

    /// <summary>Fixes the y range (otherwise fitted to the data), in data units also on a log axis.</summary>
    public Figure YLimits(double min, double max)
    {
        if (!(min < max)) throw new ArgumentException($"The y range must increase; got {min} to {max}.", nameof(max));
        _yLimits = (min, max);
        return this;
    }

    /// <summary>Writes the PNG, creating its directory; returns where and how large.</summary>
    public SavedFigure Save(string path)
    {
        var full = PrepareFile(path, [this]);
        ToPlot().SavePng(full, Width, Height);
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
        var multiplot = new Multiplot(panels[0].ToPlot());
        foreach (var p in panels.Skip(1)) multiplot.AddPlot(p.ToPlot());
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        multiplot.SavePng(full, width, height);
        return new SavedFigure(full, width, height);
    }

    /// <summary>
    /// The ScottPlot plot this figure draws, built anew on each call: title (with the notes), axis labels, one scatter per
    /// series (on a log axis its y values are log₁₀ of the data), markers and lines for divergence marks, boxes, and the
    /// legend in a panel right of the data. For inspection and for anything this class does not offer.
    /// </summary>
    public Plot ToPlot()
    {
        var plot = new Plot();
        plot.Font.Set(PlotFonts.Family);
        if (_xKind == XKind.Dates)
        {
            // Replaces the bottom axis, so labels are set after it.
            var axis = plot.Axes.DateTimeTicksBottom();
            if (axis.TickGenerator is ScottPlot.TickGenerators.DateTimeAutomatic auto)
                auto.LabelFormatter = d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        }
        string title = string.Join("\n", new[] { Title }.Concat(_notes).Where(t => t.Length > 0));
        if (title.Length > 0) plot.Title(title);
        plot.Axes.Title.FullFigureCenter = true;   // centred on the image, so a long title is not cut at the left edge
        if (XLabel.Length > 0) plot.XLabel(XLabel);
        if (YLabel.Length > 0) plot.YLabel(YLabel);

        int colour = 0;
        string NextColour(string? given) => given ?? Palette[colour++ % Palette.Count];
        foreach (var s in _series) AddScatter(plot, s, NextColour(s.Color));
        foreach (var b in _boxes) AddBox(plot, b);
        if (_marks.Count > 0) AddMarks(plot);

        if (_xKind == XKind.Categories)
        {
            var positions = Enumerable.Range(0, _boxes.Count).Select(i => (double)i).ToArray();
            if (_boxes.Any(b => !string.IsNullOrEmpty(b.Label)))
                plot.Axes.Bottom.SetTicks(positions, [.. _boxes.Select(b => b.Label ?? "")]);
            else
                plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.EmptyTickGenerator();
            plot.Axes.SetLimitsX(-0.75, _boxes.Count - 0.25);
        }
        if (_logX) plot.Axes.Bottom.TickGenerator = LogTicks();
        else if (HasIntegerXTicks && _xKind == XKind.Numbers)
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        if (IsLogY) plot.Axes.Left.TickGenerator = LogTicks();
        if (_yLimits is { } limits)
        {
            if (IsLogY) plot.Axes.SetLimitsY(Math.Log10(limits.Min), Math.Log10(limits.Max));
            else plot.Axes.SetLimitsY(limits.Min, limits.Max);
        }

        bool hasLegend = _series.Any(s => !string.IsNullOrEmpty(s.Label)) || _marks.Count > 0;
        // Beside the data, never over it: right of a wide figure, under a narrow one (where it would squeeze the data).
        if (hasLegend) plot.ShowLegend(Width >= WideFigure ? Edge.Right : Edge.Bottom);
        // Room on the right for the last tick label (a date such as 2019-01-01 is centred on its tick) when no legend is there.
        else plot.Axes.Right.MinimumSize = 45;
        return plot;
    }

    /// <summary>Figures at least this wide show their legend right of the data, narrower ones under it.</summary>
    public const int WideFigure = 1000;

    /// <summary>Ticks at whole powers of ten labelled with the values, minor ticks at 2…9 of each decade.</summary>
    private static ScottPlot.TickGenerators.NumericAutomatic LogTicks() => new()
    {
        IntegerTicksOnly = true,
        MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
        LabelFormatter = PowerOfTenLabel,
    };

    /// <summary>The label of a tick at log₁₀ value <paramref name="exponent"/>: the value itself, as a power of ten when long.</summary>
    public static string PowerOfTenLabel(double exponent)
    {
        int k = (int)Math.Round(exponent);
        if (k is >= -3 and <= 4) return Math.Pow(10, k).ToString(k < 0 ? "0.###" : "#,0", CultureInfo.InvariantCulture);
        const string superscripts = "⁰¹²³⁴⁵⁶⁷⁸⁹";
        string digits = string.Concat(Math.Abs(k).ToString(CultureInfo.InvariantCulture).Select(c => superscripts[c - '0']));
        return "10" + (k < 0 ? "⁻" : "") + digits;
    }

    /// <summary>The y values as drawn: log₁₀ on a log axis; points that cannot be drawn (NaN, ∞, ≤ 0 on a log axis) left out.</summary>
    private (double[] X, double[] Y) Drawable(FigureSeries s) => Drawable(s, _logX, IsLogY);

    private static (double[] X, double[] Y) Drawable(FigureSeries s, bool logX, bool log)
    {
        var x = new List<double>(s.X.Count);
        var y = new List<double>(s.Y.Count);
        for (int i = 0; i < s.X.Count; i++)
        {
            double v = s.Y[i];
            if (!double.IsFinite(v) || !double.IsFinite(s.X[i]) || (log && v <= 0) || (logX && s.X[i] <= 0)) continue;
            x.Add(logX ? Math.Log10(s.X[i]) : s.X[i]);
            y.Add(log ? Math.Log10(v) : v);
        }
        return (x.ToArray(), y.ToArray());
    }

    private void AddScatter(Plot plot, FigureSeries s, string colour)
    {
        var (x, y) = Drawable(s);
        var scatter = plot.Add.Scatter(x, y);
        scatter.Color = Color.FromHex(colour);
        scatter.LineWidth = s.Style == SeriesStyle.Markers ? 0 : 1.5f;
        scatter.MarkerSize = s.Style == SeriesStyle.Line ? 0 : 5;
        if (!string.IsNullOrEmpty(s.Label)) scatter.LegendText = s.Label;
    }

    private static void AddBox(Plot plot, FigureBox b)
    {
        double position = plot.GetPlottables<ScottPlot.Plottables.BoxPlot>().Count();
        var stats = b.Statistics;
        var box = new ScottPlot.Box
        {
            Position = position,
            BoxMin = stats.Q1,
            BoxMax = stats.Q3,
            BoxMiddle = stats.Median,
            WhiskerMin = stats.WhiskerLow,
            WhiskerMax = stats.WhiskerHigh,
        };
        var plottable = plot.Add.Box(box);
        if (b.Color is not null) plottable.FillColor = Color.FromHex(b.Color).WithAlpha(0.4);
        if (stats.Outliers.Count > 0)
        {
            var fliers = plot.Add.ScatterPoints(Enumerable.Repeat(position, stats.Outliers.Count).ToArray(), stats.Outliers.ToArray());
            fliers.MarkerShape = MarkerShape.OpenCircle;
            fliers.MarkerSize = 6;
            fliers.Color = Colors.Black;
        }
    }

    /// <summary>Crosses at the top of the data (or of the fixed y range) and dashed lines at each mark's x.</summary>
    private void AddMarks(Plot plot)
    {
        var drawn = _series.Select(Drawable).SelectMany(d => d.Y).ToArray();
        double top = _yLimits is { } l ? (IsLogY ? Math.Log10(l.Max) : l.Max) : drawn.Length > 0 ? drawn.Max() : 1;
        double bottom = _yLimits is { } l2 ? (IsLogY ? Math.Log10(l2.Min) : l2.Min) : drawn.Length > 0 ? drawn.Min() : 0;
        if (drawn.Length == 0 && _yLimits is null)
        {
            // Nothing else to draw: the marks alone, on an axis with no numbers (there are none to read).
            plot.Axes.SetLimitsY(bottom, top + 0.1);
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.EmptyTickGenerator();
            var xs = _marks.Select(m => m.X).ToArray();
            plot.Axes.SetLimitsX(Math.Min(0, xs.Min() - 1), xs.Max() + 1);
        }
        foreach (var m in _marks)
        {
            var colour = Color.FromHex(m.Color ?? "#d62728");
            var line = plot.Add.VerticalLine(m.X, 1.5f, colour, LinePattern.Dashed);
            line.LegendText = "";
            var marker = plot.Add.Marker(m.X, top, MarkerShape.Eks, 14, colour);
            marker.MarkerLineWidth = 3;
            marker.LegendText = m.Label;
        }
    }

    private static string PrepareFile(string path, IReadOnlyList<Figure> figures)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        foreach (var f in figures)
            if (f.SeriesCount == 0 && f._marks.Count == 0) throw new InvalidOperationException($"Figure '{f.Title}' has nothing to draw.");
        var full = System.IO.Path.GetFullPath(path);
        var dir = System.IO.Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        return full;
    }

    private void Add(double[] x, IReadOnlyList<double> y, string? label, SeriesStyle style, string? color)
    {
        if (x.Length != y.Count)
            throw new ArgumentException($"x has {x.Length} values but y has {y.Count}.", nameof(y));
        _series.Add(new FigureSeries(label, x, y.ToArray(), style, color));
    }

    private void UseX(XKind kind)
    {
        if (_xKind != XKind.None && _xKind != kind)
            throw new InvalidOperationException($"Figure '{Title}' already plots over {_xKind}; cannot add a series over {kind}.");
        _xKind = kind;
    }
}
