using ScottPlot;

namespace ModelDsl.Plotting.Tests;

/// <summary>What a figure's ScottPlot plot holds, read from its plot objects (not from pixels).</summary>
public sealed record PlotContents(string Title, string XLabel, string YLabel, IReadOnlyList<string> Legend,
    IReadOnlyList<PlotContents.ScatterContents> Series, IReadOnlyList<Coordinates> Markers)
{
    public sealed record ScatterContents(int Count, (double Min, double Max) XRange, (double Min, double Max) YRange, string Colour);

    public static PlotContents Of(Figure figure)
    {
        var plot = figure.ToPlot();
        var scatters = plot.GetPlottables<ScottPlot.Plottables.Scatter>().Select(s =>
        {
            var points = s.Data.GetScatterPoints();
            return new ScatterContents(points.Count,
                points.Count == 0 ? (double.NaN, double.NaN) : (points.Min(p => p.X), points.Max(p => p.X)),
                points.Count == 0 ? (double.NaN, double.NaN) : (points.Min(p => p.Y), points.Max(p => p.Y)),
                s.Color.ToHex()[..7].ToUpperInvariant());
        }).ToList();
        return new PlotContents(plot.Axes.Title.Label.Text, plot.Axes.Bottom.Label.Text, plot.Axes.Left.Label.Text,
            plot.Legend.GetItems().Select(i => i.LabelText).Where(t => !string.IsNullOrEmpty(t)).ToList(), scatters,
            plot.GetPlottables<ScottPlot.Plottables.Marker>().Select(m => m.Location).ToList());
    }
}
