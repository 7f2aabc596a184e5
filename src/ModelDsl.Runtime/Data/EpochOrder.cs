namespace ModelDsl.Data;

/// <summary>
/// The sample order of successive epochs: identity without shuffling, otherwise a fresh permutation per epoch drawn
/// from one generator seeded once, so the sequence of epochs is reproducible from the seed.
/// </summary>
internal sealed class EpochOrder(long count, bool shuffle, int seed)
{
    private readonly Random? _random = shuffle ? new Random(seed) : null;
    private readonly object _gate = new();

    public long[] Next()
    {
        var order = new long[count];
        for (long i = 0; i < count; i++) order[i] = i;
        if (_random is not null)
            lock (_gate) _random.Shuffle(order);
        return order;
    }

    public static int BatchCount(long count, int batchSize) => checked((int)((count + batchSize - 1) / batchSize));

    public static void RequireBatchSize(int batchSize)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be positive.");
    }

    /// <summary>Consecutive slices of <paramref name="order"/>, the last one shorter when needed.</summary>
    public static IEnumerable<long[]> Chunks(long[] order, int batchSize)
    {
        for (long start = 0; start < order.LongLength; start += batchSize)
            yield return order[(int)start..(int)Math.Min(start + batchSize, order.LongLength)];
    }
}
