using System.Reflection;
using System.Runtime.InteropServices;

namespace ModelDsl.Plotting;

/// <summary>
/// Lets SkiaSharp (ScottPlot's renderer) find its native libraries where no deps.json says where they are, as in
/// <c>dotnet fsi</c> scripts that <c>#r</c> a build output: there the libraries sit under
/// <c>runtimes/&lt;rid&gt;/native/</c> beside the managed assemblies and the default probing misses them.
/// </summary>
internal static class PlotNatives
{
    private static readonly object Gate = new();
    private static bool _done;

    public static void Ensure()
    {
        lock (Gate)
        {
            if (_done) return;
            _done = true;
            Register(typeof(SkiaSharp.SKCanvas).Assembly, "libSkiaSharp");
        }
    }

    private static void Register(Assembly assembly, string library)
    {
        if (NativeLibrary.TryLoad(library, assembly, null, out _)) return;   // the host already knows where it is
        var path = Candidates(Path.GetDirectoryName(assembly.Location), library).FirstOrDefault(File.Exists);
        if (path is null || !NativeLibrary.TryLoad(path, out var handle)) return;   // ScottPlot then reports the original error
        try
        {
            NativeLibrary.SetDllImportResolver(assembly, (name, _, _) => name == library ? handle : IntPtr.Zero);
        }
        catch (InvalidOperationException)
        {
            // The assembly has a resolver already; it is in charge.
        }
    }

    private static IEnumerable<string> Candidates(string? directory, string library)
    {
        if (string.IsNullOrEmpty(directory)) yield break;
        string file = OperatingSystem.IsWindows() ? library + ".dll" : OperatingSystem.IsMacOS() ? library + ".dylib" : library + ".so";
        string arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        string os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        foreach (var rid in new[] { RuntimeInformation.RuntimeIdentifier, $"{os}-{arch}", os, $"{os}-musl-{arch}" }.Distinct())
            yield return Path.Combine(directory, "runtimes", rid, "native", file);
        yield return Path.Combine(directory, file);
    }
}
