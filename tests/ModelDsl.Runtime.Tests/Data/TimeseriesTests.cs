using ModelDsl.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Data;

public class TimeseriesTests
{
    public TimeseriesTests() => TorchRuntime.Initialize();

    /// <summary>Rows whose single feature is the row number, so a window's content names the rows it took.</summary>
    private static Tensor Rows(int n, int features = 1) =>
        arange(n * features, dtype: ScalarType.Float64).reshape(n, features).div(features).floor();

    private static double[] Flat(Tensor t) => t.to_type(ScalarType.Float64).data<double>().ToArray();

    [Fact]
    public void Stock_lab_split_gives_101_38_and_4_windows()
    {
        // The lab: 251 rows, 5 features, sequence 25, delay = 25 + 12 - 1 = 36, data = rows[:-36], targets = adj[36:],
        // split 125 / 62 / 64. Keras' rule: windows = end - start - (L - 1) * rate, clipped to len(targets).
        const int rows = 251, sequence = 25, delay = sequence + 12 - 1, train = 125, val = 62;
        var raw = arange(rows * 5, dtype: ScalarType.Float64).reshape(rows, 5);   // row r holds 5r .. 5r+4
        var adj = arange(rows, dtype: ScalarType.Float64).mul(10);                // adj[r] = 10 r
        var data = raw[..(rows - delay)];
        var targets = adj[delay..];
        Assert.Equal(215, data.shape[0]);

        int Windows(int start, int end) => Math.Min(end - start - (sequence - 1), (int)targets.shape[0]);
        var trainSet = Timeseries.FromArray(data, targets, sequence, startIndex: 0, endIndex: train, shuffle: true, batchSize: 256);
        var valSet = Timeseries.FromArray(data, targets, sequence, startIndex: train, endIndex: train + val, shuffle: true, batchSize: 256);
        var testSet = Timeseries.FromArray(data, targets, sequence, startIndex: train + val, shuffle: true, batchSize: 256);

        Assert.Equal(Windows(0, 125), trainSet.Count);
        Assert.Equal(101, trainSet.Count);
        Assert.Equal(38, valSet.Count);
        Assert.Equal(Windows(187, 215), testSet.Count);
        Assert.Equal(4, testSet.Count);
        Assert.Equal(Enumerable.Range(0, 101).Select(i => (long)i), trainSet.WindowStarts);
        Assert.Equal(Enumerable.Range(125, 38).Select(i => (long)i), valSet.WindowStarts);
        Assert.Equal(Enumerable.Range(187, 4).Select(i => (long)i), testSet.WindowStarts);
        Assert.Equal((1, 1, 1), (trainSet.BatchCount, valSet.BatchCount, testSet.BatchCount));

        // Unshuffled, the first training window is rows 0..24 and its target is the Adj Close of row 36.
        var first = Timeseries.FromArray(data, targets, sequence, startIndex: 0, endIndex: train, batchSize: 256).First();
        Assert.Equal([101L, 25, 5], first.X.shape);
        Assert.Equal([101L], first.Y.shape);
        Assert.Equal(Flat(raw[..25]), Flat(first.X[0]));
        Assert.Equal(10.0 * 36, first.Y[0].item<double>());
        Assert.Equal(10.0 * (100 + 36), first.Y[100].item<double>());
        // The last training window ends at row 124, inside the training rows.
        Assert.Equal(5.0 * 124, first.X[100, 24, 0].item<double>());
    }

    [Fact]
    public void Stock_lab_windows_on_the_real_quotes()
    {
        // raw_data = Open, High, Low, Close, Volume (the lab's normalizer means 45.41, 45.72, 45.10, 45.41, 1.25e7).
        var ko = TestData.ReadKo2018();
        const int delay = 25 + 12 - 1;
        var raw = tensor(Enumerable.Range(0, ko.Count).SelectMany(r => new[] { ko.Open[r], ko.High[r], ko.Low[r], ko.Close[r], ko.Volume[r] }).ToArray(),
            dtype: ScalarType.Float64).reshape(ko.Count, 5);
        var adj = tensor(ko.AdjClose.ToArray(), dtype: ScalarType.Float64);
        var data = raw[..(ko.Count - delay)];
        var targets = adj[delay..];

        var train = Timeseries.FromArray(data, targets, 25, startIndex: 0, endIndex: 125, batchSize: 256).Single();
        Assert.Equal([101L, 25, 5], train.X.shape);
        Assert.Equal(ko.AdjClose[36], train.Y[0].item<double>());             // 2018-02-23's Adj Close for the window of Jan 2 .. Feb 6
        Assert.Equal(ko.Open[0], train.X[0, 0, 0].item<double>());
        Assert.Equal(ko.Volume[24], train.X[0, 24, 4].item<double>());
        var test = Timeseries.FromArray(data, targets, 25, startIndex: 187, batchSize: 256).Single();
        Assert.Equal(4, test.X.shape[0]);
        // The last window (rows 190 .. 214, the last of data) is paired with adj[190 + 36]: the lab's setup never
        // uses the Adj Close of the year's last 24 days as a target.
        Assert.Equal(ko.AdjClose[190 + delay], test.Y[3].item<double>());
        Assert.Equal(ko.Close[214], test.X[3, 24, 3].item<double>());
    }

    [Fact]
    public void Sampling_rate_and_stride_follow_the_documented_example()
    {
        // Keras' docstring: indices 0..98, sequence_length 10, sampling_rate 2, stride 3:
        // [0 2 .. 18], [3 5 .. 21], [6 8 .. 24], ..., last [78 80 .. 96].
        var set = Timeseries.FromArray(Rows(99), null, 10, samplingRate: 2, sequenceStride: 3, batchSize: 1000);
        var batch = set.Single();
        long last = Enumerable.Range(0, 99).Where(s => s % 3 == 0 && s + 9 * 2 <= 98).Max();
        Assert.Equal(78, last);
        Assert.Equal(last / 3 + 1, set.Count);
        Assert.Equal([set.Count, 10L, 1], batch.X.shape);
        Assert.Equal(Enumerable.Range(0, 10).Select(k => 2.0 * k), Flat(batch.X[0]));
        Assert.Equal(Enumerable.Range(0, 10).Select(k => 3.0 + 2 * k), Flat(batch.X[1]));
        Assert.Equal(Enumerable.Range(0, 10).Select(k => 78.0 + 2 * k), Flat(batch.X[-1]));
        Assert.Equal([set.Count, 0L], batch.Y.shape);   // no targets
    }

    [Fact]
    public void Start_and_end_index_bound_the_rows_and_targets_are_absolute()
    {
        // Rows [3, 12), L = 5: starts 3 .. 7 (7 + 4 = 11 < 12); target of the window at row i is targets[i].
        var targets = arange(20, dtype: ScalarType.Float64).mul(10);
        var set = Timeseries.FromArray(Rows(20), targets, 5, startIndex: 3, endIndex: 12, batchSize: 2);
        Assert.Equal([3L, 4, 5, 6, 7], set.WindowStarts);
        var batches = set.ToList();
        Assert.Equal([2, 2, 1], batches.Select(b => (int)b.X.shape[0]));    // last partial batch kept
        Assert.Equal([30.0, 40, 50, 60, 70], batches.SelectMany(b => Flat(b.Y)));
        Assert.Equal(Enumerable.Range(7, 5).Select(r => (double)r), Flat(batches[2].X[0]));
        Assert.Equal(3, set.BatchCount);
    }

    [Fact]
    public void Window_count_is_clipped_to_the_targets_and_target_dims_trail()
    {
        var targets = arange(10 * 2, dtype: ScalarType.Float64).reshape(10, 2);
        var set = Timeseries.FromArray(Rows(20, features: 3), targets, 3, batchSize: 4);
        Assert.Equal(10, set.Count);                                      // 20 - 2 = 18 windows, clipped to 10 targets
        var first = set.First();
        Assert.Equal([4L, 3, 3], first.X.shape);
        Assert.Equal([4L, 2], first.Y.shape);
        Assert.Equal([0.0, 1, 2, 3, 4, 5, 6, 7], Flat(first.Y));
    }

    [Fact]
    public void Shuffle_is_a_seeded_permutation_redrawn_each_epoch()
    {
        var targets = arange(60, dtype: ScalarType.Float64);
        TimeseriesDataset Make(int seed) => Timeseries.FromArray(Rows(60), targets, 4, shuffle: true, seed: seed, batchSize: 8);
        var set = Make(7);
        double[] epoch1 = [.. set.SelectMany(b => Flat(b.Y))];
        double[] epoch2 = [.. set.SelectMany(b => Flat(b.Y))];
        Assert.Equal(Enumerable.Range(0, 57).Select(i => (double)i), epoch1.Order());
        Assert.Equal(Enumerable.Range(0, 57).Select(i => (double)i), epoch2.Order());
        Assert.NotEqual(epoch1, epoch1.Order());
        Assert.NotEqual(epoch1, epoch2);

        var again = Make(7);
        Assert.Equal(epoch1, again.SelectMany(b => Flat(b.Y)));
        Assert.Equal(epoch2, again.SelectMany(b => Flat(b.Y)));
        Assert.NotEqual(epoch1, Make(8).SelectMany(b => Flat(b.Y)));

        // Each shuffled window still pairs with its own target: the window starting at row r begins with r.
        foreach (var batch in Make(3))
            Assert.Equal(Flat(batch.Y), Flat(batch.X[.., 0, 0]));
    }

    [Fact]
    public void Arguments_keras_refuses_are_refused()
    {
        var data = Rows(20);
        Assert.Contains("endIndex must be lower than the length of the data (20)",
            Assert.Throws<ArgumentOutOfRangeException>(() => Timeseries.FromArray(data, null, 3, endIndex: 20)).Message);
        Assert.Contains("startIndex must be lower",
            Assert.Throws<ArgumentOutOfRangeException>(() => Timeseries.FromArray(data, null, 3, startIndex: 20)).Message);
        Assert.Contains("higher than startIndex",
            Assert.Throws<ArgumentOutOfRangeException>(() => Timeseries.FromArray(data, null, 3, startIndex: 5, endIndex: 5)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Timeseries.FromArray(data, null, 3, samplingRate: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Timeseries.FromArray(data, null, 3, sequenceStride: 20));
        Assert.Throws<ArgumentOutOfRangeException>(() => Timeseries.FromArray(data, null, 3, batchSize: 0));
        // Rows [10, 20), L = 3: 8 windows (min(8, len(targets) = 13)), the last at row 17 needs targets[17].
        Assert.Contains("The window starting at row 17 needs targets[17], but targets has only 13 rows",
            Assert.Throws<ArgumentException>(() => Timeseries.FromArray(data, arange(13), 3, startIndex: 10)).Message);
    }

    [Fact]
    public void Tensor_dataset_keeps_the_last_partial_batch_and_reshuffles()
    {
        var x = arange(10, dtype: ScalarType.Float64).reshape(10, 1);
        var y = arange(10, dtype: ScalarType.Float64).mul(2);
        var plain = new TensorDataset(x, y, batchSize: 4);
        Assert.Equal((10L, 3), (plain.Count, plain.BatchCount));
        var batches = plain.ToList();
        Assert.Equal([4L, 4, 2], batches.Select(b => b.X.shape[0]));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => 2.0 * i), batches.SelectMany(b => Flat(b.Y)));

        var shuffled = new TensorDataset(x, y, batchSize: 4, shuffle: true, seed: 1);
        double[] e1 = [.. shuffled.SelectMany(b => Flat(b.X))], e2 = [.. shuffled.SelectMany(b => Flat(b.X))];
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (double)i), e1.Order());
        Assert.NotEqual(e1, e2);
        Assert.Equal(e1, new TensorDataset(x, y, batchSize: 4, shuffle: true, seed: 1).SelectMany(b => Flat(b.X)));
        foreach (var b in shuffled) Assert.Equal(Flat(b.X).Select(v => 2 * v), Flat(b.Y));

        Assert.Contains("same first (sample) axis", Assert.Throws<ArgumentException>(() => new TensorDataset(x, y[..9])).Message);
    }
}
