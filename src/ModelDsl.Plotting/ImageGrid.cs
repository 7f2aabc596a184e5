using ScottPlot;

namespace ModelDsl.Plotting;

/// <summary>
/// Small greyscale images in a grid, each with a caption under it (misclassified digits: the 8×8 pixels and
/// "true → predicted"). Low values are white, high values black, on one scale for every image. Saved as PNG with the
/// font <see cref="PlotFonts.Family"/>.
/// </summary>
public sealed class ImageGrid
{
    static ImageGrid() => PlotNatives.Ensure();

    // In plot units every cell is 1 wide: the image takes ImageSize of it, the caption CaptionHeight below the image.
    private const double ImageSize = 0.8, CaptionHeight = 0.45, CellHeight = ImageSize + CaptionHeight + 0.05;
    private readonly List<(double[,] Pixels, string Caption)> _images = [];

    /// <param name="title">Drawn above the grid (empty leaves it out).</param>
    /// <param name="columns">Images per row.</param>
    /// <param name="minValue">The value drawn white.</param>
    /// <param name="maxValue">The value drawn black.</param>
    /// <param name="cellPixels">The width of one cell in pixels.</param>
    public ImageGrid(string title, int columns, double minValue, double maxValue, int cellPixels = 90)
    {
        if (columns < 1) throw new ArgumentOutOfRangeException(nameof(columns), columns, "An image grid needs at least one column.");
        if (!(maxValue > minValue)) throw new ArgumentException($"maxValue ({maxValue}) must exceed minValue ({minValue}).", nameof(maxValue));
        if (cellPixels < 20) throw new ArgumentOutOfRangeException(nameof(cellPixels), cellPixels, "Cells need at least 20 pixels.");
        Title = title;
        Columns = columns;
        MinValue = minValue;
        MaxValue = maxValue;
        CellPixels = cellPixels;
    }

    public string Title { get; }
    public int Columns { get; }
    public double MinValue { get; }
    public double MaxValue { get; }
    public int CellPixels { get; }

    /// <summary>Images added so far.</summary>
    public int Count => _images.Count;

    /// <summary>Adds an image (pixel [0, 0] at the top left) and its caption (two lines at most, split by '\n').</summary>
    public ImageGrid Add(double[,] pixels, string caption)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.Length == 0) throw new ArgumentException("An image needs at least one pixel.", nameof(pixels));
        _images.Add((pixels, caption ?? ""));
        return this;
    }

    /// <summary>Writes the PNG, creating its directory; returns where and how large.</summary>
    public SavedFigure Save(string path)
    {
        if (_images.Count == 0) throw new InvalidOperationException($"Image grid '{Title}' has no images.");
        var full = PngFile.Prepare(path);
        int columns = Math.Min(Columns, _images.Count), rows = (_images.Count + columns - 1) / columns;
        int titlePixels = Title.Length > 0 ? 60 : 10;
        int width = columns * CellPixels + 20, height = (int)Math.Ceiling(rows * CellHeight * CellPixels) + titlePixels + 10;

        using var plot = new Plot();
        plot.Font.Set(PlotFonts.Family);
        for (int i = 0; i < _images.Count; i++)
        {
            var (pixels, caption) = _images[i];
            double left = i % columns + (1 - ImageSize) / 2, top = -(i / columns) * CellHeight;
            var map = plot.Add.Heatmap(pixels);
            map.Colormap = new ScottPlot.Colormaps.GrayscaleReversed();
            map.ManualRange = new ScottPlot.Range(MinValue, MaxValue);
            map.Rectangle = new CoordinateRect(left, left + ImageSize, top - ImageSize, top);
            var frame = plot.Add.Rectangle(left, left + ImageSize, top - ImageSize, top);
            frame.FillColor = Colors.Transparent;
            frame.LineColor = Colors.Gray;
            frame.LineWidth = 1;
            var text = plot.Add.Text(caption, left + ImageSize / 2, top - ImageSize - 0.04);
            text.Alignment = Alignment.UpperCenter;
            text.LabelFontSize = Math.Max(9, CellPixels / 8f);
            text.LabelFontColor = Colors.Black;
        }
        plot.HideAxesAndGrid();
        plot.Layout.Fixed(new PixelPadding(10, 10, 10, titlePixels));
        plot.Axes.SetLimits(0, columns, -rows * CellHeight, 0);
        if (Title.Length > 0) plot.Title(Title);

        plot.SavePng(full, width, height);
        return new SavedFigure(full, width, height);
    }
}
