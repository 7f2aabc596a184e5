using System.Diagnostics;

namespace ModelDsl.Runtime.Tests.Native;

/// <summary>TorchSharp must initialise from <c>dotnet fsi</c> too, where no deps.json tells the host where natives are.</summary>
public class FSharpScriptLoadingTests
{
    [Fact]
    public void Torch_initialises_from_an_fsharp_script_that_references_the_built_runtime()
    {
        string bin = AppContext.BaseDirectory;
        string script = Path.Combine(Path.GetTempPath(), $"modeldsl-load-{Guid.NewGuid():N}.fsx");
        File.WriteAllText(script, $$"""
            #r "{{Path.Combine(bin, "TorchSharp.dll")}}"
            #r "{{Path.Combine(bin, "ModelDsl.Runtime.dll")}}"
            let status = ModelDsl.TorchRuntime.Initialize()
            let total = TorchSharp.torch.arange(1L, 5L).sum().item<int64>()
            printfn "status=%A total=%d" status total
            """);
        try
        {
            var (exitCode, output) = Run("dotnet", $"fsi --quiet --exec \"{script}\"");
            Assert.True(exitCode == 0, $"dotnet fsi exited {exitCode}:\n{output}");
            Assert.Contains("total=10", output);
            Assert.Contains($"status={TorchRuntime.Status}", output); // the script repairs exactly when this host did
        }
        finally
        {
            File.Delete(script);
        }
    }

    private static (int ExitCode, string Output) Run(string file, string arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            return (-1, "timed out after 3 minutes\n" + stdout.Result + stderr.Result);
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
