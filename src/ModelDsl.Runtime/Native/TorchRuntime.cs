using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace ModelDsl;

/// <summary>What <see cref="TorchRuntime.Initialize"/> found and did.</summary>
public enum TorchNativeRepair
{
    /// <summary>Not Linux x64, or the system libstdc++ has every version TorchSharp asks for: nothing was touched.</summary>
    NotNeeded,
    /// <summary>The system libstdc++ lacks <c>GLIBCXX_3.4.32</c>; a patched copy of libLibTorchSharp was loaded.</summary>
    Repaired,
}

/// <summary>
/// Makes TorchSharp's natives load on Linux systems whose libstdc++ predates GCC 13 (Debian 12, Ubuntu 22.04), and in
/// F# Interactive, where TorchSharp's and libtorch's natives sit in separate NuGet package folders.
/// </summary>
/// <remarks>
/// <para>libLibTorchSharp.so requires the version <c>GLIBCXX_3.4.32</c> only for <c>std::ios_base_library_init()</c>,
/// which it never calls. Where the system libstdc++ lacks that version, we copy the library to a per-user cache,
/// mark that one requirement weak (<see cref="Native.ElfVersionNeeds"/>) and load the copy by full path after its
/// dependencies (libc10, libtorch_cpu, libtorch). The loader then matches TorchSharp's later <c>DllImport</c> of
/// <c>LibTorchSharp</c> to the already loaded copy by its soname. The original files (build output, NuGet cache)
/// are never written.</para>
/// <para>Runs before a program's first <c>torch</c> call in every way a program can start with the ModelDsl package: this
/// assembly's module initializer (any ModelDsl type used first), the module initializer the generator writes into every
/// C# assembly that references the package (a first plain <c>torch</c> call in C#), a .NET startup hook in F#
/// executables (<c>StartupHook</c>, named in their runtimeconfig by the package), and the package's F# Interactive script <c>content/ModelDsl.fsx</c> (<c>#r "nuget: ModelDsl"</c>). Call <see cref="Initialize"/> yourself only in a
/// script that <c>#r</c>s the assemblies by path and calls <c>torch</c> before any ModelDsl type.</para>
/// </remarks>
public static class TorchRuntime
{
    /// <summary>The libstdc++ version the shipped libLibTorchSharp.so asks for.</summary>
    public const string MissingVersion = "GLIBCXX_3.4.32";

    /// <summary>The one symbol bound to <see cref="MissingVersion"/> (<c>std::ios_base_library_init()</c>).</summary>
    private const string ProbeSymbol = "_ZSt21ios_base_library_initv";

    private static readonly object Gate = new();
    private static TorchNativeRepair? _status;

    /// <summary>Where the patched library was loaded from, when <see cref="Status"/> is <see cref="TorchNativeRepair.Repaired"/>.</summary>
    public static string? PatchedLibraryPath { get; private set; }

    /// <summary>What initialisation did; initialises first if needed.</summary>
    public static TorchNativeRepair Status => Initialize();

#pragma warning disable CA2255 // A library initialiser is the point: TorchSharp must not be touched before it.
    [ModuleInitializer]
    internal static void OnModuleLoad()
    {
        try { Initialize(); }
        catch (Exception) { /* Reported again, with its message, by the first explicit Initialize() or torch call. */ }
    }
#pragma warning restore CA2255

    /// <summary>Repairs TorchSharp's native loading where needed. Idempotent and thread-safe.</summary>
    /// <exception cref="TorchNativeLoadException">The natives were not found or could not be loaded; the message says where we looked.</exception>
    public static TorchNativeRepair Initialize()
    {
        lock (Gate)
        {
            if (_status is { } done) return done;
            if (NeedsRepair())
            {
                _status = Repair();
            }
            else
            {
                PreloadSplitPackages();
                _status = TorchNativeRepair.NotNeeded;
            }
            return _status.Value;
        }
    }

    /// <summary>True on Linux x64 when the process's libstdc++ does not define <see cref="MissingVersion"/>.</summary>
    public static bool NeedsRepair()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return false;
        if (!NativeLibrary.TryLoad("libstdc++.so.6", out var libstdcxx)) return false;
        try { return dlvsym(libstdcxx, ProbeSymbol, MissingVersion) == IntPtr.Zero; }
        catch (EntryPointNotFoundException) { return false; } // not glibc: nothing we know how to repair
        catch (DllNotFoundException) { return false; }
    }

    private static TorchNativeRepair Repair()
    {
        var searched = new List<string>();
        string torchSharpDir = FindDirectory("libLibTorchSharp.so", TorchSharpCandidates(), searched);
        string libtorchDir = FindDirectory("libtorch_cpu.so", LibTorchCandidates(torchSharpDir), searched);
        LoadLibTorch(libtorchDir);
        PatchedLibraryPath = PatchedCopy(Path.Combine(torchSharpDir, "libLibTorchSharp.so"));
        Load(PatchedLibraryPath);
        return TorchNativeRepair.Repaired;
    }

    /// <summary>
    /// Where the system needs no repair but TorchSharp's natives and libtorch's sit in different folders (F# Interactive
    /// with <c>#r "nuget: ModelDsl"</c> loads them from their NuGet package folders), libLibTorchSharp.so cannot find
    /// libtorch.so beside itself and TorchSharp falls back to copying ~600 MB of natives into the NuGet cache. Loading the
    /// libraries in dependency order first avoids that. Best effort: any failure leaves TorchSharp to its own loading.
    /// </summary>
    private static void PreloadSplitPackages()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return;
        try
        {
            var searched = new List<string>();
            string torchSharpDir = FindDirectory("libLibTorchSharp.so", TorchSharpCandidates(), searched);
            if (File.Exists(Path.Combine(torchSharpDir, "libtorch_cpu.so"))) return;   // one folder (an app's bin): the loader copes
            string libtorchDir = FindDirectory("libtorch_cpu.so", LibTorchCandidates(torchSharpDir), searched);
            LoadLibTorch(libtorchDir);
            NativeLibrary.Load(Path.Combine(torchSharpDir, "libLibTorchSharp.so"));
        }
        catch (Exception e) when (e is TorchNativeLoadException or DllNotFoundException or BadImageFormatException or IOException)
        {
            // TorchSharp's own loading then reports what is missing.
        }
    }

    /// <summary>Dependency order: each library's DT_NEEDED entries are then satisfied by sonames already loaded.</summary>
    private static void LoadLibTorch(string libtorchDir)
    {
        foreach (var name in new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so" })
            Load(Path.Combine(libtorchDir, name));
    }

    private static void Load(string path)
    {
        try { NativeLibrary.Load(path); }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            throw new TorchNativeLoadException($"Could not load '{path}': {e.Message}", e);
        }
    }

    /// <summary>Returns a cached patched copy of <paramref name="original"/>, writing it first if needed.</summary>
    private static string PatchedCopy(string original)
    {
        byte[] bytes = File.ReadAllBytes(original);
        string hash = Convert.ToHexString(SHA256.HashData(bytes))[..16].ToLowerInvariant();
        string dir = Path.Combine(CacheRoot(), "torchsharp-natives", hash);
        string target = Path.Combine(dir, "libLibTorchSharp.so");
        if (File.Exists(target)) return target;

        ModelDsl.Native.ElfVersionNeeds.MakeWeak(bytes, MissingVersion);
        Directory.CreateDirectory(dir);
        // Write beside, then rename: concurrent test hosts must never load a half-written file.
        string temp = Path.Combine(dir, $".libLibTorchSharp.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, target, overwrite: true);
        return target;
    }

    private static string CacheRoot()
    {
        var configured = Environment.GetEnvironmentVariable("MODELDSL_NATIVE_CACHE");
        if (!string.IsNullOrWhiteSpace(configured)) return configured;
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var root = !string.IsNullOrWhiteSpace(xdg) ? xdg : !string.IsNullOrEmpty(home) ? Path.Combine(home, ".cache") : Path.GetTempPath();
        return Path.Combine(root, "modeldsl");
    }

    private static IEnumerable<string> TorchSharpCandidates()
    {
        var overrideDir = Environment.GetEnvironmentVariable("MODELDSL_TORCH_NATIVE_DIR");
        if (!string.IsNullOrWhiteSpace(overrideDir)) yield return overrideDir;
        var torchSharp = typeof(TorchSharp.torch).Assembly;
        foreach (var baseDir in new[] { Path.GetDirectoryName(torchSharp.Location), AppContext.BaseDirectory })
        {
            if (string.IsNullOrEmpty(baseDir)) continue;
            yield return Path.Combine(baseDir, "runtimes", "linux-x64", "native");
            yield return baseDir;
        }
        var version = torchSharp.GetName().Version;
        if (version is not null)
            yield return Path.Combine(NuGetRoot(), "torchsharp", $"{version.Major}.{version.Minor}.{version.Build}", "runtimes", "linux-x64", "native");
    }

    private static IEnumerable<string> LibTorchCandidates(string torchSharpDir)
    {
        yield return torchSharpDir;
        foreach (var c in TorchSharpCandidates()) yield return c;
        // The NuGet cache: the CPU backend (the ModelDsl package's default), else a CUDA one the user chose instead
        // (libtorch-cuda-<version>-linux-x64, possibly split into -part packages).
        string root = NuGetRoot();
        if (!Directory.Exists(root)) yield break;
        var packages = new[] { "libtorch-cpu-linux-x64" }.Select(p => Path.Combine(root, p)).Where(Directory.Exists)
            .Concat(Directory.GetDirectories(root, "libtorch-cuda-*-linux-x64*").Order(StringComparer.Ordinal));
        foreach (var package in packages)
            foreach (var dir in Directory.GetDirectories(package).OrderByDescending(d => d, StringComparer.Ordinal))
                yield return Path.Combine(dir, "runtimes", "linux-x64", "native");
    }

    private static string NuGetRoot()
    {
        var configured = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        return !string.IsNullOrWhiteSpace(configured)
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
    }

    private static string FindDirectory(string file, IEnumerable<string> candidates, List<string> searched)
    {
        foreach (var dir in candidates)
        {
            searched.Add(dir);
            if (File.Exists(Path.Combine(dir, file))) return dir;
        }
        throw new TorchNativeLoadException(
            $"TorchSharp's native library '{file}' was not found. Looked in: {string.Join(", ", searched.Distinct())}. " +
            "Reference the ModelDsl package (it brings TorchSharp and libtorch-cpu, whose natives a build copies under runtimes/linux-x64/native), " +
            "or set MODELDSL_TORCH_NATIVE_DIR to the folder that holds them.");
    }

    [DllImport("libc.so.6", CharSet = CharSet.Ansi)]
    private static extern IntPtr dlvsym(IntPtr handle, string symbol, string version);
}

/// <summary>TorchSharp's native libraries could not be found or loaded; the message names the paths.</summary>
public sealed class TorchNativeLoadException(string message, Exception? inner = null) : Exception(message, inner);
