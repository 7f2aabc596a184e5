using ModelDsl.Data;
using ModelDsl.Labs.Data;
using static TorchSharp.torch;

namespace ModelDsl.Labs.Stock;

/// <summary>Window counts of the three splits.</summary>
public sealed record WindowCounts(long Train, long Val, long Test);

/// <summary>
/// The report's protocol exactly: features Open, High, Low, Close, Volume (float32); the target is Adj Close 12 days
/// after a 25-day window (<c>delay = 25 + 12 - 1 = 36</c>: data <c>rows[:-36]</c>, targets <c>adj[36:]</c>); splits by
/// rows 50% / 25% / rest (<c>int(0.5 n)</c>, <c>int(0.25 n)</c>); Keras windows, shuffled, batches of 256.
/// </summary>
public sealed class StockWindows : IDisposable
{
    public const int SequenceLength = 25, Horizon = 12, Delay = SequenceLength + Horizon - 1, BatchSize = 256;
    /// <summary>The fewest rows that give every split (train, validation, test) at least one window.</summary>
    public const int MinimumRows = 2 * (Delay + SequenceLength) + 4;

    /// <param name="standardizeFeatures">Standardize each feature with the mean and population standard deviation of the
    /// training rows (for models without a Normalization layer); the report's protocol leaves features raw.</param>
    /// <param name="relativeToLastClose">Targets become Adj Close 12 days later minus the window's last Close (then shifted and scaled):
    /// the model predicts the change from what it last saw.</param>
    public StockWindows(PriceSeries series, int seed, double targetShift = 0, double targetScale = 1, bool standardizeFeatures = false,
        bool relativeToLastClose = false)
    {
        Series = series;
        int rows = series.Count;
        if (rows < MinimumRows)
            throw LabException.BadData($"the stock lab needs at least {MinimumRows} rows for its windows; the data has {rows}");
        NumTrain = (int)(0.5 * rows);
        NumVal = (int)(0.25 * rows);
        NumTest = rows - NumTrain - NumVal;
        TargetShift = targetShift;
        TargetScale = targetScale;

        var features = new float[rows * 5];
        for (int i = 0; i < rows; i++)
        {
            features[i * 5] = (float)series.Open[i];
            features[i * 5 + 1] = (float)series.High[i];
            features[i * 5 + 2] = (float)series.Low[i];
            features[i * 5 + 3] = (float)series.Close[i];
            features[i * 5 + 4] = (float)series.Volume[i];
        }
        Features = tensor(features, [rows, 5], ScalarType.Float32);
        if (standardizeFeatures)
        {
            using var train = Features.narrow(0, 0, NumTrain);
            using var mean = train.mean([0L]);
            using var std = train.std([0L], unbiased: false).clamp_min(1e-7);
            Features.sub_(mean).div_(std);
        }
        Data = Features.narrow(0, 0, rows - Delay);
        RelativeToLastClose = relativeToLastClose;
        Targets = tensor(Enumerable.Range(0, rows - Delay).Select(i => (float)((series.AdjClose[i + Delay] - Offset(i) - targetShift) / targetScale)).ToArray(),
            ScalarType.Float32);

        Train = Windows(0, NumTrain, shuffle: true, seed);
        Val = Windows(NumTrain, NumTrain + NumVal, shuffle: true, seed + 1);
        Test = Windows(NumTrain + NumVal, null, shuffle: true, seed + 2);
        TrainOrdered = Windows(0, NumTrain, shuffle: false, 0);
        All = Windows(0, null, shuffle: false, 0, batchSize: 4096);
    }

    public PriceSeries Series { get; }
    public int NumTrain { get; }
    public int NumVal { get; }
    public int NumTest { get; }
    public double TargetShift { get; }
    public double TargetScale { get; }
    public bool RelativeToLastClose { get; }

    /// <summary>What was subtracted from the target of the window starting at <paramref name="start"/> before shifting and scaling.</summary>
    public double Offset(long start) => RelativeToLastClose ? Series.Close[LastRow(start)] : 0;

    /// <summary>A model output for the window starting at <paramref name="start"/>, in dollars of Adj Close.</summary>
    public double ToDollars(long start, double output) => output * TargetScale + TargetShift + Offset(start);

    /// <summary>Every row's five features, (rows, 5): what the report's Normalization adapts on.</summary>
    public Tensor Features { get; }
    /// <summary><c>Features[:-36]</c>.</summary>
    public Tensor Data { get; }
    /// <summary><c>(adj[36:] - shift) / scale</c>; shift 0 and scale 1 for the report's protocol.</summary>
    public Tensor Targets { get; }

    public TimeseriesDataset Train { get; }
    public TimeseriesDataset Val { get; }
    public TimeseriesDataset Test { get; }
    public TimeseriesDataset TrainOrdered { get; }
    /// <summary>Every window from row 0, in date order (the report's <c>all_data</c>, but not shuffled).</summary>
    public TimeseriesDataset All { get; }

    public WindowCounts Counts => new(Train.Count, Val.Count, Test.Count);

    /// <summary>The row whose Adj Close is the target of the window starting at <paramref name="start"/>.</summary>
    public static int TargetRow(long start) => (int)start + Delay;

    /// <summary>The last row of the window starting at <paramref name="start"/>.</summary>
    public static int LastRow(long start) => (int)start + SequenceLength - 1;

    private TimeseriesDataset Windows(int start, int? end, bool shuffle, int seed, int batchSize = BatchSize) =>
        Timeseries.FromArray(Data, Targets, SequenceLength, startIndex: start, endIndex: end, shuffle: shuffle, seed: seed, batchSize: batchSize);

    public void Dispose()
    {
        Features.Dispose();
        Data.Dispose();
        Targets.Dispose();
    }
}

/// <summary>The two naive forecasts the models must beat, on the test windows, in dollars of the data's Adj Close.</summary>
public sealed record Baselines(double PersistenceMae, double PersistenceAdjMae, double TrainMeanMae, double TrainMean)
{
    /// <summary>
    /// Persistence: the window's last Close (what the models see), as specified. PersistenceAdj: the window's last Adj Close
    /// (the target's own series, which the models do not see; Close and Adj Close differ by the dividend adjustment).
    /// TrainMean: the mean of the training windows' targets.
    /// </summary>
    public static Baselines Of(StockWindows w)
    {
        var s = w.Series;
        double trainMean = w.TrainOrdered.WindowStarts.Average(p => s.AdjClose[StockWindows.TargetRow(p)]);
        var test = w.Test.WindowStarts;
        double Mae(Func<long, double> predict) => test.Average(p => Math.Abs(predict(p) - s.AdjClose[StockWindows.TargetRow(p)]));
        return new Baselines(
            Mae(p => s.Close[StockWindows.LastRow(p)]),
            Mae(p => s.AdjClose[StockWindows.LastRow(p)]),
            Mae(_ => trainMean),
            trainMean);
    }
}
