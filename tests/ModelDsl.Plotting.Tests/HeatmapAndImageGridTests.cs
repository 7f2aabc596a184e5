using ModelDsl.Plotting;
using SkiaSharp;

namespace ModelDsl.Plotting.Tests;

public sealed class HeatmapAndImageGridTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "modeldsl-plot-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    /// <summary>The mean position, as fractions of the image's width and height, of the pixels <paramref name="select"/> picks.</summary>
    private static (double X, double Y, int Count) Centroid(string path, Func<SKColor, bool> select)
    {
        using var bitmap = SKBitmap.Decode(path);
        double sx = 0, sy = 0;
        int n = 0;
        for (int y = 0; y < bitmap.Height; y++)
            for (int x = 0; x < bitmap.Width; x++)
                if (select(bitmap.GetPixel(x, y)))
                {
                    sx += x;
                    sy += y;
                    n++;
                }
        return (sx / Math.Max(n, 1) / bitmap.Width, sy / Math.Max(n, 1) / bitmap.Height, n);
    }

    [Fact]
    public void Heatmap_draws_row_0_on_top_and_column_0_on_the_left_at_the_requested_size()
    {
        var values = new double[3, 4];
        values[0, 0] = 9;   // the only dark cell
        var saved = new Heatmap("", "predicted", "true", 400, 300).Cells(values, ["a", "b", "c"], ["0", "1", "2", "3"], zeroText: "").Save(Path.Combine(_dir, "h", "m.png"));
        using (var bitmap = SKBitmap.Decode(saved.Path)) Assert.Equal((400, 300), (bitmap.Width, bitmap.Height));
        var (x, y, n) = Centroid(saved.Path, c => c.Blue - c.Red > 60);
        Assert.True(n > 500, $"{n} blue pixels");
        Assert.InRange(x, 0, 0.4);
        Assert.InRange(y, 0, 0.45);
    }

    [Fact]
    public void Heatmap_refuses_labels_that_do_not_fit_and_saving_without_cells()
    {
        Assert.Throws<ArgumentException>(() => new Heatmap().Cells(new double[2, 2], ["a"], ["a", "b"]));
        Assert.Throws<InvalidOperationException>(() => new Heatmap("empty").Save(Path.Combine(_dir, "e.png")));
    }

    [Fact]
    public void Image_grid_draws_pixel_0_0_at_the_top_left_in_black_and_sizes_the_png_by_its_cells()
    {
        var image = new double[8, 8];
        image[0, 0] = 16;
        var grid = new ImageGrid("", columns: 3, minValue: 0, maxValue: 16, cellPixels: 100);
        for (int i = 0; i < 5; i++) grid.Add(i == 0 ? image : new double[8, 8], "");
        var saved = grid.Save(Path.Combine(_dir, "g.png"));
        Assert.Equal(3 * 100 + 20, saved.Width);
        var (x, y, n) = Centroid(saved.Path, c => c.Red < 40 && c.Green < 40 && c.Blue < 40);
        Assert.True(n > 50, $"{n} black pixels");
        // The first image's top-left pixel: within the first third of the width and the top half of two rows.
        Assert.InRange(x, 0, 0.1);
        Assert.InRange(y, 0, 0.2);
        Assert.Throws<InvalidOperationException>(() => new ImageGrid("none", 2, 0, 1).Save(Path.Combine(_dir, "n.png")));
        Assert.Throws<ArgumentException>(() => new ImageGrid("flat", 2, 1, 1));
    }
}
