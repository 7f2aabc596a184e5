namespace ModelDsl.Plotting;

/// <summary>Where the figure builders beside <see cref="Figure"/> write: the full path, its directory created.</summary>
internal static class PngFile
{
    public static string Prepare(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        if (Path.GetDirectoryName(full) is { Length: > 0 } dir) Directory.CreateDirectory(dir);
        return full;
    }
}
