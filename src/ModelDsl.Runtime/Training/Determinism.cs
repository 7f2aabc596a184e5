using static TorchSharp.torch;

namespace ModelDsl.Training;

/// <summary>Makes CPU runs repeatable bit for bit.</summary>
public static class Determinism
{
    /// <summary>The intra-op thread count <see cref="Seed"/> fixes: one, so reductions never split differently.</summary>
    public const int Threads = 1;

    /// <summary>
    /// Seeds torch's global generator and fixes the intra-op thread count, so the same program gives the same bits.
    /// </summary>
    /// <remarks>Global state: tests that call this must not run beside tests that use torch's global generator.</remarks>
    public static void Seed(int seed)
    {
        TorchRuntime.Initialize();
        manual_seed(seed);
        set_num_threads(Threads);
    }
}
