using ModelDsl.Checkpoints;
using ModelDsl.ProcessHost;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Checkpoints;

/// <summary>
/// A child process saves checkpoint after checkpoint (6 MB each, every tensor holding the save's number k) and is
/// killed with SIGKILL at 20 random moments; after every kill the file loads and is complete: every weight, every
/// optimizer slot and the step counter hold the epoch the file records. The moments are drawn from a seeded generator
/// (reproducible), and the assertion does not depend on where a kill lands.
/// </summary>
public sealed class KillTests(ITestOutputHelper output) : FileTests
{
    private const int Kills = 20, Parallel = 4, MaxSaves = 40;
    [Fact]
    public async Task The_last_checkpoint_loads_complete_after_every_kill()
    {
        var results = await KillAll();

        using var model = new TinyModel(Program.LoopInputs, Program.LoopOutputs);
        int midWrite = results.Count(r => Directory.GetFiles(Path.GetDirectoryName(r.Path)!, "*.tmp").Length > 0);
        output.WriteLine($"{midWrite} of {Kills} kills landed while a temporary file was being written; files hold epochs " +
                         string.Join(", ", results.Select(r => r.LastPrinted)));
        output.WriteLine($"first save after {results.Average(r => r.FirstSaveSeconds):F1} s on average (child start-up included)");
        foreach (var (trial, path, lastPrinted, _) in results)
        {
            var info = Checkpoint.Load(model, path);
            int k = info.Epoch;
            Assert.True(k >= lastPrinted && k <= lastPrinted + 1, $"trial {trial}: file epoch {k}, last printed save {lastPrinted}");
            foreach (var t in model.NamedTensors)
                Assert.True(t.Tensor.to_type(ScalarType.Float64).eq(k).all().item<bool>(), $"trial {trial}: {t.Name} does not hold {k} everywhere");
            foreach (var slot in model.Optimizer.GetState().Slots)
                Assert.True(slot.Value.eq(k).all().item<bool>(), $"trial {trial}: slot {slot.Slot}/{slot.Index} does not hold {k}");
        }
    }

    private async Task<(int Trial, string Path, int LastPrinted, double FirstSaveSeconds)[]> KillAll()
    {
        var random = new Random(20250101);
        int[] delays = [.. Enumerable.Range(0, Kills).Select(_ => random.Next(0, 300))];
        using var gate = new SemaphoreSlim(Parallel);
        return await Task.WhenAll(Enumerable.Range(0, Kills).Select(async trial =>
        {
            await gate.WaitAsync().ConfigureAwait(false);
            try { return await KillOnce(trial, delays[trial]).ConfigureAwait(false); }
            finally { gate.Release(); }
        })).ConfigureAwait(false);
    }

    private async Task<(int Trial, string Path, int LastPrinted, double FirstSaveSeconds)> KillOnce(int trial, int delayMs)
    {
        string path = PathOf($"trial-{trial}", "model.safetensors");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var process = ChildProcess.Start("save-loop", path, MaxSaves.ToString(System.Globalization.CultureInfo.InvariantCulture));
        int lastPrinted = 0;
        var firstSave = new TaskCompletionSource();
        var reading = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
                if (line.StartsWith("saved ", StringComparison.Ordinal))
                {
                    Volatile.Write(ref lastPrinted, int.Parse(line[6..]));
                    firstSave.TrySetResult();
                }
            firstSave.TrySetException(new InvalidOperationException(
                $"trial {trial}: the child ended before its first save: {await process.StandardError.ReadToEndAsync().ConfigureAwait(false)}"));
        });
        await firstSave.Task.WaitAsync(TimeSpan.FromMinutes(2)).ConfigureAwait(false);
        double firstSaveSeconds = clock.Elapsed.TotalSeconds;
        await Task.Delay(delayMs).ConfigureAwait(false);
        if (!process.HasExited) process.Kill(entireProcessTree: true);   // SIGKILL
        await process.WaitForExitAsync().ConfigureAwait(false);
        await reading.ConfigureAwait(false);
        return (trial, path, Volatile.Read(ref lastPrinted), firstSaveSeconds);
    }
}
