using ScottPlot;

namespace ModelDsl.Plotting;

/// <summary>
/// The font every <see cref="Figure"/> uses, chosen explicitly so that Cyrillic and accented Latin render on any
/// machine that has the font, rather than whatever ScottPlot's default resolves to.
/// </summary>
/// <remarks>
/// Order: the file named by the environment variable <c>MODELDSL_PLOT_FONT</c> (a .ttf path); DejaVu Sans from the
/// usual Linux, macOS and Windows locations; otherwise ScottPlot's detection for Cyrillic text. Set
/// <see cref="Family"/> to override.
/// </remarks>
public static class PlotFonts
{
    public const string DejaVuSans = "DejaVu Sans";

    private static readonly string[] Candidates =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/local/share/fonts/DejaVuSans.ttf",
        "/Library/Fonts/DejaVuSans.ttf",
        @"C:\Windows\Fonts\DejaVuSans.ttf",
    ];

    private static readonly Lazy<string> Resolved = new(Resolve);
    private static string? _override;

    /// <summary>The font family name figures are drawn with.</summary>
    public static string Family
    {
        get => _override ?? Resolved.Value;
        set => _override = value;
    }

    /// <summary>The font file registered with ScottPlot, or null when the family came from the system or detection.</summary>
    public static string? FontFile { get; private set; }

    private static string Resolve()
    {
        var fromEnv = Environment.GetEnvironmentVariable("MODELDSL_PLOT_FONT");
        foreach (var path in (fromEnv is { Length: > 0 } ? [fromEnv] : Array.Empty<string>()).Concat(Candidates))
        {
            if (!File.Exists(path)) continue;
            var bold = Path.Combine(Path.GetDirectoryName(path)!, "DejaVuSans-Bold.ttf");
            Fonts.AddFontFile(DejaVuSans, path, bold: false, italic: false);
            if (File.Exists(bold)) Fonts.AddFontFile(DejaVuSans, bold, bold: true, italic: false);
            FontFile = path;
            return DejaVuSans;
        }
        return Fonts.Detect("Котировки акций Función");
    }
}
