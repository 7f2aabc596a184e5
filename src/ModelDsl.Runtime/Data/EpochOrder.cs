namespace ModelDsl.Data;

/// <summary>
/// The sample order of successive epochs: identity without shuffling, otherwise a fresh permutation per epoch drawn
/// from one generator seeded once, so the sequence of epochs is reproducible from the seed.
/// </summary>
/// <remarks>
/// Epoch <c>k</c>'s permutation depends on the <c>k</c> drawn before it (one <see cref="Random"/> shuffles every
/// epoch, as it always has: the labs' figures are pinned to these orders). <see cref="Seek"/> therefore replays the
/// draws: positioning at epoch <c>k</c> shuffles a scratch array <c>k</c> times from the seed (or from the current
/// position when seeking forward), which costs what <c>k</c> epochs of shuffling cost and nothing else.
/// </remarks>
internal sealed class EpochOrder
{
    private readonly long _count;
    private readonly int _seed;
    private readonly object _gate = new();
    private Random? _random;
    private long _epoch;

    public EpochOrder(long count, bool shuffle, int seed)
    {
        _count = count;
        _seed = seed;
        _random = shuffle ? new Random(seed) : null;
    }

    /// <summary>Orders drawn so far: the next <see cref="Next"/> returns the order of epoch <see cref="Epoch"/> (0-based).</summary>
    public long Epoch
    {
        get { lock (_gate) return _epoch; }
    }

    public long[] Next()
    {
        var order = Identity();
        lock (_gate)
        {
            _random?.Shuffle(order);
            _epoch++;
        }
        return order;
    }

    /// <summary>Makes the next <see cref="Next"/> return the order a fresh instance returns on its call number
    /// <paramref name="epoch"/> + 1.</summary>
    public void Seek(long epoch)
    {
        if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "The epoch position cannot be negative.");
        lock (_gate)
        {
            if (_random is not null)
            {
                if (epoch < _epoch)
                {
                    _random = new Random(_seed);
                    _epoch = 0;
                }
                var scratch = Identity();
                for (long e = _epoch; e < epoch; e++) _random.Shuffle(scratch);
            }
            _epoch = epoch;
        }
    }

    private long[] Identity()
    {
        var order = new long[_count];
        for (long i = 0; i < _count; i++) order[i] = i;
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
