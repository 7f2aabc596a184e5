using ModelDsl.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Data;

/// <summary>Shuffled datasets resume at any epoch with the orders of an uninterrupted run, and a fresh run keeps the
/// orders it always had (one System.Random seeded once, Random.Shuffle over 0..n-1 per epoch).</summary>
public class EpochPositionTests
{
    public EpochPositionTests() => TorchRuntime.Initialize();

    /// <summary>The order algorithm as it was before epoch positions existed, written out again.</summary>
    private static List<long[]> PreviousOrders(int count, int seed, int epochs)
    {
        var random = new Random(seed);
        var orders = new List<long[]>();
        for (int e = 0; e < epochs; e++)
        {
            var order = Enumerable.Range(0, count).Select(i => (long)i).ToArray();
            random.Shuffle(order);
            orders.Add(order);
        }
        return orders;
    }

    /// <summary>The sample order of one epoch of a TensorDataset whose x holds the sample index.</summary>
    private static long[] Epoch(IDataset data)
    {
        var order = new List<long>();
        foreach (var batch in data)
        {
            order.AddRange(batch.X.data<long>().ToArray());
            batch.X.Dispose();
            batch.Y.Dispose();
        }
        return [.. order];
    }

    private static TensorDataset Indexed(int count, int seed) =>
        new(arange(count, dtype: ScalarType.Int64), arange(count, dtype: ScalarType.Int64), batchSize: 4, shuffle: true, seed: seed);

    [Fact]
    public void A_fresh_run_keeps_the_previous_orders()
    {
        var expected = PreviousOrders(10, 42, 5);
        var data = Indexed(10, 42);
        for (int e = 0; e < 5; e++)
        {
            Assert.Equal(e, data.EpochPosition);
            Assert.Equal(expected[e], Epoch(data));
        }
        Assert.Equal(5, data.EpochPosition);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(7)]
    public void Setting_the_position_resumes_the_uninterrupted_sequence(int k)
    {
        var expected = PreviousOrders(13, 7, k + 3);
        var resumed = Indexed(13, 7);
        resumed.EpochPosition = k;
        for (int e = k; e < k + 3; e++) Assert.Equal(expected[e], Epoch(resumed));
    }

    [Fact]
    public void Seeking_backwards_and_forwards_from_a_used_dataset()
    {
        var expected = PreviousOrders(9, 3, 8);
        var data = Indexed(9, 3);
        for (int e = 0; e < 5; e++) Epoch(data);
        data.EpochPosition = 2;
        Assert.Equal(expected[2], Epoch(data));
        data.EpochPosition = 6;
        Assert.Equal(expected[6], Epoch(data));
        Assert.Equal(expected[7], Epoch(data));
        Assert.Throws<ArgumentOutOfRangeException>(() => data.EpochPosition = -1);
    }

    [Fact]
    public void Timeseries_windows_resume_likewise()
    {
        var series = arange(40, dtype: ScalarType.Float64).reshape(-1, 1);
        TimeseriesDataset Make() => Timeseries.FromArray(series, series, sequenceLength: 3, shuffle: true, seed: 11, batchSize: 5);
        static double[] Firsts(IDataset d) => [.. d.SelectMany(b => b.X.select(1, 0).flatten().data<double>().ToArray())];

        var uninterrupted = Make();
        var orders = Enumerable.Range(0, 4).Select(_ => Firsts(uninterrupted)).ToList();
        var resumed = Make();
        resumed.EpochPosition = 3;
        Assert.Equal(orders[3], Firsts(resumed));
        Assert.NotEqual(orders[2], orders[3]);
    }

    [Fact]
    public void An_unshuffled_dataset_counts_epochs_and_keeps_its_order()
    {
        var data = new TensorDataset(arange(5, dtype: ScalarType.Int64), arange(5, dtype: ScalarType.Int64), batchSize: 2);
        Epoch(data);
        Assert.Equal(1, data.EpochPosition);
        data.EpochPosition = 9;
        Assert.Equal([0L, 1, 2, 3, 4], Epoch(data));
        Assert.Equal(10, data.EpochPosition);
    }
}
