using System.Globalization;
using ScottPlot;

namespace ModelDsl.Plotting;

/// <summary>
/// A matrix drawn as coloured cells with each value written in its cell, row 0 at the top (a confusion matrix: true
/// classes down, predicted classes across). Saved as PNG with the font <see cref="PlotFonts.Family"/>.
/// </summary>
/// <remarks>Colours run from white (the smallest value) to dark blue (the largest); text turns white on dark cells.</remarks>
public sealed class Heatmap
{
    static Heatmap() => PlotNatives.Ensure();

    private double[,]? _values;
    private IReadOnlyList<string> _rowLabels = [], _columnLabels = [];
    private string _format = "0";
    private string? _zeroText;

    /// <summary>A heat map with a title and axis labels (empty strings leave them out).</summary>
    public Heatmap(string title = "", string xLabel = "", string yLabel = "", int width = 700, int height = 640)
    {
        if (width < 50 || height < 50)
            throw new ArgumentOutOfRangeException(nameof(width), $"A figure needs at least 50×50 pixels; got {width}×{height}.");
        Title = title;
        XLabel = xLabel;
        YLabel = yLabel;
        Width = width;
        Height = height;
    }

    public string Title { get; }
    public string XLabel { get; }
    public string YLabel { get; }
    public int Width { get; }
    public int Height { get; }

    /// <summary>
    /// The matrix (rows × columns) and the tick labels of its rows (left, top to bottom) and columns (bottom, left to
    /// right). Values are written with <paramref name="format"/>; zeros with <paramref name="zeroText"/> when given
    /// (say "" to leave empty cells blank).
    /// </summary>
    public Heatmap Cells(double[,] values, IReadOnlyList<string> rowLabels, IReadOnlyList<string> columnLabels, string format = "0", string? zeroText = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (rowLabels.Count != values.GetLength(0) || columnLabels.Count != values.GetLength(1))
            throw new ArgumentException(
                $"The matrix is {values.GetLength(0)}×{values.GetLength(1)} but there are {rowLabels.Count} row and {columnLabels.Count} column labels.", nameof(values));
        if (values.Length == 0) throw new ArgumentException("A heat map needs at least one cell.", nameof(values));
        _values = values;
        _rowLabels = rowLabels;
        _columnLabels = columnLabels;
        _format = format;
        _zeroText = zeroText;
        return this;
    }

    /// <summary>Writes the PNG, creating its directory; returns where and how large.</summary>
    public SavedFigure Save(string path)
    {
        if (_values is not { } values) throw new InvalidOperationException($"Heat map '{Title}' has no cells.");
        var full = PngFile.Prepare(path);
        int rows = values.GetLength(0), columns = values.GetLength(1);
        using var plot = new Plot();
        plot.Font.Set(PlotFonts.Family);

        // Cell (r, c) is centred on x = c, y = rows − 1 − r, so row 0 is on top.
        var map = plot.Add.Heatmap(values);
        map.Colormap = new ScottPlot.Colormaps.Reversed(new ScottPlot.Colormaps.Blues());   // ScottPlot's Blues runs dark to light
        map.Rectangle = new CoordinateRect(-0.5, columns - 0.5, -0.5, rows - 0.5);
        double min = values.Cast<double>().Min(), max = values.Cast<double>().Max();
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                double v = values[r, c];
                string text = v == 0 && _zeroText is not null ? _zeroText : v.ToString(_format, CultureInfo.InvariantCulture);
                if (text.Length == 0) continue;
                var label = plot.Add.Text(text, c, rows - 1 - r);
                label.Alignment = Alignment.MiddleCenter;
                label.LabelFontSize = 13;
                bool dark = max > min && (v - min) / (max - min) > 0.5;
                label.LabelFontColor = dark ? Colors.White : Colors.Black;
            }
        }

        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, columns).Select(c => (double)c).ToArray(), [.. _columnLabels]);
        plot.Axes.Left.SetTicks(Enumerable.Range(0, rows).Select(r => (double)(rows - 1 - r)).ToArray(), [.. _rowLabels]);
        plot.Axes.SetLimits(-0.5, columns - 0.5, -0.5, rows - 0.5);
        plot.HideGrid();
        if (Title.Length > 0) plot.Title(Title);
        if (XLabel.Length > 0) plot.XLabel(XLabel);
        if (YLabel.Length > 0) plot.YLabel(YLabel);

        plot.SavePng(full, Width, Height);
        return new SavedFigure(full, Width, Height);
    }
}
