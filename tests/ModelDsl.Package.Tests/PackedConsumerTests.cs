using System.Diagnostics;

namespace ModelDsl.Package.Tests;

/// <summary>
/// Issue 10's proof: eng/packed-consumer-test.sh packs the solution into a temporary feed and, from it alone, builds and
/// runs a fresh console project that references only the ModelDsl package (no using lines, a plain torch call first) and
/// an F# script with <c>#r "nuget: ModelDsl"</c> that trains a C# library's model and saves a figure with ModelDsl.Plotting,
/// and an F# console program that starts with a plain torch call.
/// </summary>
public class PackedConsumerTests
{
    [Fact]
    public void A_console_app_and_an_fsharp_script_build_and_train_from_the_packed_packages_alone()
    {
        string root = RepositoryRoot();
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        // The packages are made from the configuration this test was built in (dotnet test builds the solution first).
        var (exitCode, output) = Run("bash", $"\"{Path.Combine(root, "eng", "packed-consumer-test.sh")}\" --configuration {configuration}",
            TimeSpan.FromMinutes(8));
        Assert.True(exitCode == 0, $"eng/packed-consumer-test.sh exited {exitCode}:\n{output}");
        Assert.Matches(@"packed consumer: GradesRegression trained 4 epochs, loss 0\.0[345]\d\d", output);
        Assert.Contains("packed F# program: first torch call gives 10", output);
        Assert.Matches(@"packed F# script: loss [\d.]+ -> [\d.]+ over 60 epochs; figure .*loss\.png \(800 x 600\)", output);
        Assert.Contains("packed F# torch-only script: 10", output);
        Assert.Contains("packed consumers passed", output);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ModelDsl.sln"))) return dir.FullName;
        throw new InvalidOperationException($"ModelDsl.sln not found above {AppContext.BaseDirectory}");
    }

    private static (int ExitCode, string Output) Run(string file, string arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"timed out after {timeout}\n" + stdout.Result + stderr.Result);
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
