using System.Diagnostics;

namespace ModelDsl.Benchmarks;

/// <summary>
/// Round-robin timing: every round times each variant once, in an order rotated by one each round (no variant always
/// runs first), so that a shared machine's drifting load reaches every variant alike; summaries are medians.
/// </summary>
public static class Interleaved
{
    /// <summary>
    /// Rounds while <paramref name="more"/>(rounds done, time elapsed) holds; <paramref name="measure"/>(v) times variant
    /// v once. Returns each variant's times.
    /// </summary>
    public static List<double>[] Run(int variants, Func<int, double> measure, Func<int, TimeSpan, bool> more)
    {
        var times = Enumerable.Range(0, variants).Select(_ => new List<double>()).ToArray();
        var clock = Stopwatch.StartNew();
        for (int round = 0; more(round, clock.Elapsed); round++)
        {
            for (int j = 0; j < variants; j++)
            {
                int v = (round + j) % variants;
                times[v].Add(measure(v));
            }
        }
        return times;
    }

    /// <summary>
    /// Runs <paramref name="step"/> for at least <paramref name="time"/>: the JIT promotes a method to optimised code only
    /// after 30 calls and a pause in new compilations, so timing a step after two warm-up calls times tier-0 code.
    /// Returns the mean microseconds of a call over the warm-up.
    /// </summary>
    public static double WarmUp(Action step, TimeSpan time)
    {
        var clock = Stopwatch.StartNew();
        int calls = 0;
        do { step(); calls++; } while (clock.Elapsed < time);
        return clock.Elapsed.TotalMicroseconds / calls;
    }

    /// <summary>The upper median (the middle value of an odd count).</summary>
    public static double Median(IReadOnlyCollection<double> values) => values.Order().ElementAt(values.Count / 2);

    /// <summary>The 1, 5 and 15 minute load averages (Linux), "n/a" elsewhere.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec { public long Seconds; public long Nanoseconds; }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>CLOCK_THREAD_CPUTIME_ID on Linux; elsewhere the process's CPU time.</summary>
    public static double ThreadCpuMilliseconds()
    {
        const int ThreadCpuClock = 3;
        if (OperatingSystem.IsLinux() && ClockGetTime(ThreadCpuClock, out var t) == 0)
            return t.Seconds * 1e3 + t.Nanoseconds / 1e6;
        return System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
    }
}
