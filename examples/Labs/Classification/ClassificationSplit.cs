using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Labs.Classification;

/// <summary>
/// The lab's protocol for one seed, as the PyTorch anchor ran it: rows in the order of
/// <c>torch.manual_seed(seed); torch.randperm(n)</c>, the first 75 % (rounded down) for training, the rest for test;
/// then the features scaled (<see cref="FeatureScaling"/>; standardisation uses the training rows only).
/// </summary>
public sealed class ClassificationSplit : IDisposable
{
    public const double TrainFraction = 0.75;

    private ClassificationSplit(int seed, long[] order, int trainRows, double[]? mean, double[]? std, Tensor xTrain, Tensor yTrain, Tensor xTest, Tensor yTest)
    {
        Seed = seed;
        Order = order;
        TrainRows = trainRows;
        Mean = mean;
        Std = std;
        XTrain = xTrain;
        YTrain = yTrain;
        XTest = xTest;
        YTest = yTest;
    }

    public int Seed { get; }

    /// <summary>The permutation of the file's rows: training rows are <c>Order[..TrainRows]</c>, test rows the rest.</summary>
    public IReadOnlyList<long> Order { get; }

    public int TrainRows { get; }
    public int TestRows => Order.Count - TrainRows;

    /// <summary>The training rows' per-column mean and population standard deviation (null unless standardised).</summary>
    public IReadOnlyList<double>? Mean { get; }
    public IReadOnlyList<double>? Std { get; }

    /// <summary>Scaled features (float32, rows × features) and targets: int64 class indices, or float32 (n, 1) for two classes.</summary>
    public Tensor XTrain { get; }
    public Tensor YTrain { get; }
    public Tensor XTest { get; }
    public Tensor YTest { get; }

    /// <summary>The file row of test sample <paramref name="i"/> (0-based, in the file's data rows).</summary>
    public long TestSourceRow(int i) => Order[TrainRows + i];

    /// <summary><c>int(0.75 · n)</c>: 1,347 of the 1,797 digits, 426 of the 569 breast-cancer rows.</summary>
    public static int TrainCount(int rows) => (int)(rows * TrainFraction);

    /// <summary><c>torch.randperm(rows)</c> after <c>torch.manual_seed(seed)</c>: the same Mersenne Twister stream and Fisher–Yates swaps.</summary>
    public static long[] Permutation(int rows, int seed)
    {
        TorchRuntime.Initialize();
        using var generator = new Generator((ulong)seed);
        using var permutation = randperm(rows, generator: generator);
        return permutation.data<long>().ToArray();
    }

    public static ClassificationSplit Make(LabeledTable table, int seed)
    {
        var spec = table.Spec;
        int rows = table.Rows, columns = table.Columns, trainRows = TrainCount(rows);
        long[] order = Permutation(rows, seed);
        double[]? mean = null, std = null;
        if (spec.Scaling == FeatureScaling.StandardizeOnTrain)
        {
            mean = new double[columns];
            std = new double[columns];
            for (int c = 0; c < columns; c++)
            {
                double sum = 0;
                for (int i = 0; i < trainRows; i++) sum += table.Row((int)order[i])[c];
                mean[c] = sum / trainRows;
                double squares = 0;
                for (int i = 0; i < trainRows; i++)
                {
                    double d = table.Row((int)order[i])[c] - mean[c];
                    squares += d * d;
                }
                std[c] = Math.Sqrt(squares / trainRows);
                if (!(std[c] > 0)) std[c] = 1;   // a constant column stays at 0
            }
        }
        else if (spec.MaxFeature is null)
        {
            throw new ArgumentException($"{spec.Name}: dividing by the maximum needs DatasetSpec.MaxFeature.", nameof(table));
        }

        var scaled = new float[rows * columns];
        for (int i = 0; i < rows; i++)
        {
            var source = table.Row((int)order[i]);
            for (int c = 0; c < columns; c++)
                scaled[i * columns + c] = mean is null ? (float)(source[c] / spec.MaxFeature!.Value) : (float)((source[c] - mean[c]) / std![c]);
        }
        Tensor Features(int from, int count) => tensor(scaled.AsSpan(from * columns, count * columns).ToArray(), [count, columns]);
        Tensor Targets(int from, int count)
        {
            var labels = order.Skip(from).Take(count).Select(r => table.Labels[r]).ToArray();
            return spec.Binary ? tensor(labels.Select(l => (float)l).ToArray(), [count, 1]) : tensor(labels, [count]);
        }
        return new ClassificationSplit(seed, order, trainRows, mean, std,
            Features(0, trainRows), Targets(0, trainRows), Features(trainRows, rows - trainRows), Targets(trainRows, rows - trainRows));
    }

    public void Dispose()
    {
        XTrain.Dispose();
        YTrain.Dispose();
        XTest.Dispose();
        YTest.Dispose();
    }
}
