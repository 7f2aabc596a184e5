using System.Diagnostics;

namespace ModelDsl.Runtime.Tests;

/// <summary>Starts ModelDsl.ProcessHost (built beside the tests) as a child process.</summary>
/// <remarks>Awaits use ConfigureAwait(false): xUnit's synchronization context runs continuations on as many threads
/// as there are cores, which other tests keep busy, and a child must not wait for a free one to be read or killed.</remarks>
internal static class ChildProcess
{
    private static string HostDll => Path.Combine(AppContext.BaseDirectory, "ModelDsl.ProcessHost.dll");

    public static Process Start(params string[] args)
    {
        Assert.True(File.Exists(HostDll), $"{HostDll} is missing: the test project references ModelDsl.ProcessHost, which should have been copied here.");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(HostDll);
        foreach (var a in args) info.ArgumentList.Add(a);
        return Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start.");
    }

    /// <summary>Runs the host to completion; returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var process = Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2)).ConfigureAwait(false);
        return (process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }
}
