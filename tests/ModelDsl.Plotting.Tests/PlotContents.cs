using ScottPlot;

namespace ModelDsl.Plotting.Tests;

/// <summary>
/// What a figure's ScottPlot plot holds, read from its plot objects (not from pixels): title, axis labels, legend
/// entries and where the legend is, each scatter's points, the markers, and the major ticks of a render at the
/// figure's size. Shared by the plotting and the lab tests.
/// </summary>
public sealed record PlotContents(string Title, string XLabel, string YLabel, IReadOnlyList<string> Legend, Edge? LegendEdge,
    IReadOnlyList<PlotContents.ScatterContents> Series, IReadOnlyList<Coordinates> Markers,
    IReadOnlyList<Tick> BottomTicks, IReadOnlyList<Tick> LeftTicks, float RightPadding)
{
    public sealed record ScatterContents(string Label, int Count, (double Min, double Max) XRange, (double Min, double Max) YRange, string Colour);

    public static PlotContents Of(Figure figure)
    {
        var plot = figure.ToPlot();
        plot.RenderInMemory(figure.Width, figure.Height);   // generates the ticks for this size
        var scatters = plot.GetPlottables<ScottPlot.Plottables.Scatter>().Select(s =>
        {
            var points = s.Data.GetScatterPoints();
            return new ScatterContents(s.LegendText ?? "", points.Count,
                points.Count == 0 ? (double.NaN, double.NaN) : (points.Min(p => p.X), points.Max(p => p.X)),
                points.Count == 0 ? (double.NaN, double.NaN) : (points.Min(p => p.Y), points.Max(p => p.Y)),
                s.Color.ToHex()[..7].ToUpperInvariant());
        }).ToList();
        var legendPanel = plot.Axes.GetPanels().OfType<ScottPlot.Panels.LegendPanel>().SingleOrDefault();
        return new PlotContents(plot.Axes.Title.Label.Text, plot.Axes.Bottom.Label.Text, plot.Axes.Left.Label.Text,
            plot.Legend.GetItems().Select(i => i.LabelText).Where(t => !string.IsNullOrEmpty(t)).ToList(),
            legendPanel?.Edge, scatters,
            plot.GetPlottables<ScottPlot.Plottables.Marker>().Select(m => m.Location).ToList(),
            plot.Axes.Bottom.TickGenerator.Ticks.Where(t => t.IsMajor).ToList(),
            plot.Axes.Left.TickGenerator.Ticks.Where(t => t.IsMajor).ToList(),
            plot.Axes.Right.MinimumSize);
    }

    /// <summary>The legend is drawn in a panel beside the data, not inside the data area.</summary>
    public bool LegendBesideData => Legend.Count > 0 && LegendEdge is Edge.Right or Edge.Bottom;

    /// <summary>Every major tick of the bottom axis inside the data sits on a whole number (epochs, steps).</summary>
    public bool WholeNumberBottomTicks => BottomTicks.All(t => Math.Abs(t.Position - Math.Round(t.Position)) < 1e-9);
}
