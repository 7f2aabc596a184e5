using ModelDsl.Native;
using TorchSharp;

namespace ModelDsl.Runtime.Tests.Native;

public class TorchRuntimeTests
{
    [Fact]
    public void Torch_initialises_in_the_test_host_and_computes()
    {
        TorchRuntime.Initialize();
        using var x = torch.arange(1, 5, dtype: torch.float64);
        Assert.Equal(10.0, x.sum().item<double>());
    }

    [Fact]
    public void Repair_happens_exactly_when_the_system_libstdcxx_lacks_the_version()
    {
        // Independent truth: ask the system's libstdc++ file itself (not the loader) which versions it defines.
        string? libstdcxx = new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6" }
            .FirstOrDefault(File.Exists);
        if (!OperatingSystem.IsLinux() || libstdcxx is null) return;
        bool systemHasVersion = System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(libstdcxx)).Contains(TorchRuntime.MissingVersion + "\0");

        var status = TorchRuntime.Initialize();

        Assert.Equal(systemHasVersion ? TorchNativeRepair.NotNeeded : TorchNativeRepair.Repaired, status);
        if (status == TorchNativeRepair.Repaired)
        {
            var patched = ElfVersionNeeds.Read(File.ReadAllBytes(TorchRuntime.PatchedLibraryPath!));
            Assert.Contains(patched, n => n.Version == TorchRuntime.MissingVersion && n.IsWeak);
        }
    }

    [Fact]
    public void The_patch_changes_only_the_flag_of_the_one_requirement()
    {
        var original = File.ReadAllBytes(FindShippedLibTorchSharp());
        var before = ElfVersionNeeds.Read(original);
        Assert.Contains(before, n => n.Version == TorchRuntime.MissingVersion && !n.IsWeak && n.File == "libstdc++.so.6");

        var patched = (byte[])original.Clone();
        Assert.Equal(1, ElfVersionNeeds.MakeWeak(patched, TorchRuntime.MissingVersion));

        var after = ElfVersionNeeds.Read(patched);
        Assert.Equal(before.Count, after.Count);
        for (int i = 0; i < before.Count; i++)
            Assert.Equal(before[i] with { IsWeak = before[i].IsWeak || before[i].Version == TorchRuntime.MissingVersion }, after[i]);
        int changedBytes = original.Zip(patched).Count(p => p.First != p.Second);
        Assert.Equal(1, changedBytes);
        Assert.Equal(0, ElfVersionNeeds.MakeWeak(patched, TorchRuntime.MissingVersion)); // idempotent
    }

    [Fact]
    public void Bad_input_is_refused_with_a_message()
    {
        var notElf = new byte[128];
        var e = Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.Read(notElf));
        Assert.Contains("Not an ELF file", e.Message);

        var lib = File.ReadAllBytes(FindShippedLibTorchSharp());
        var missing = Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.MakeWeak(lib, "GLIBCXX_99.0"));
        Assert.Contains("does not require version 'GLIBCXX_99.0'", missing.Message);
    }

    private static string FindShippedLibTorchSharp()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(path), $"expected the build to copy TorchSharp's natives to {path}");
        return path;
    }
}
