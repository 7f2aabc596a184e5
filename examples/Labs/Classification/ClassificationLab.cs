using System.Diagnostics;
using ModelDsl.Data;
using ModelDsl.Training;
using static ModelDsl.Labs.TextTable;
using static TorchSharp.torch;

namespace ModelDsl.Labs.Classification;

/// <summary>The lab's JSON: <c>{"lab": "classification", "datasets": [...]}</c>.</summary>
public sealed record ClassificationResult(string Lab, IReadOnlyList<ClassificationDatasetResult> Datasets)
{
    internal IReadOnlyList<string> Figures { get; init; } = [];
}

public sealed record ClassificationDatasetResult(string Name, int Rows, int Train, int Test, IReadOnlyList<ClassificationModelResult> Models);

/// <summary>One model over the seeds: test accuracy per seed (seed 0 first), their median, PyTorch 1.13's median where known, the generated <c>Summary()</c>.</summary>
public sealed record ClassificationModelResult(
    string Name, long Params, int Epochs, IReadOnlyList<double> TestAccuracy, double TestAccuracyMedian, double? PytorchMedian, string Summary)
{
    internal IReadOnlyList<SeedRun> Runs { get; init; } = [];
}

/// <summary>
/// One training run: per-epoch training and test curves (the test set is evaluated after every epoch but never used
/// for training or selection), the test predictions and where each test sample came from in the file.
/// </summary>
public sealed record SeedRun(
    int Seed, IReadOnlyList<double> Loss, IReadOnlyList<double> Accuracy, IReadOnlyList<double> TestLoss, IReadOnlyList<double> TestAccuracyCurve,
    long[] TrueLabels, long[] Predicted, long[] TestSourceRows, double Seconds)
{
    public int Correct => TrueLabels.Zip(Predicted).Count(p => p.First == p.Second);
    public double TestAccuracy => (double)Correct / TrueLabels.Length;
}

/// <summary>
/// The classification lab (issue 7, "Proof"): the 8×8 digits with an MLP, a CNN and a regularised MLP, and breast
/// cancer with logistic regression; seeds 0–4 of the PyTorch anchor's protocol (<see cref="ClassificationSplit"/>):
/// Adam 0.001, batches of 32 shuffled per epoch, 50 epochs (digits) and 100 (breast cancer).
/// </summary>
public static class ClassificationLab
{
    public static readonly IReadOnlyList<int> Seeds = [0, 1, 2, 3, 4];
    public const int BatchSize = 32;

    public static ClassificationResult Run(LabOptions options, TextWriter log)
    {
        log.WriteLine("== Classification: digits (UCI 8×8) and breast cancer (Wisconsin), PyTorch 1.13's protocol");
        log.WriteLine($"   seeds {Seeds[0]}–{Seeds[^1]} (--seed is not used): rows in torch.randperm(n) order after torch.manual_seed(seed), first 75 % train, rest test;");
        log.WriteLine($"   Adam 0.001, batches of {BatchSize} reshuffled every epoch; digit pixels / 16; breast-cancer features standardised with the training rows' mean and population std");
        var datasets = new List<ClassificationDatasetResult>();
        var tables = new Dictionary<string, LabeledTable>();
        foreach (var (spec, models) in Classifiers.Plan)
        {
            var table = tables[spec.Name] = ClassificationData.Load(options, spec);
            log.WriteLine();
            log.WriteLine($"   -- {spec.Name}: {table.Source}, {table.Rows:N0} rows × {table.Columns} features, classes {ClassCounts(table)}");
            var splits = Seeds.Select(seed => ClassificationSplit.Make(table, seed)).ToList();
            try
            {
                log.WriteLine($"      split: {splits[0].TrainRows:N0} train, {splits[0].TestRows:N0} test");
                var results = new List<ClassificationModelResult>();
                foreach (var model in models)
                {
                    int epochs = options.Epochs ?? model.Epochs;
                    log.WriteLine();
                    log.WriteLine($"      {model.Name}: {model.Label}, {epochs} epochs");
                    var runs = new List<SeedRun>();
                    Classifier? first = null;
                    foreach (var split in splits)
                    {
                        var run = Train(model, split, epochs, out var trained);
                        if (first is null)
                            foreach (var line in trained.Summary.TrimEnd('\n').Split('\n')) log.WriteLine("         " + line);
                        first ??= trained;
                        runs.Add(run);
                        log.WriteLine($"         seed {run.Seed}: test accuracy {F(run.TestAccuracy)} ({run.Correct}/{run.TrueLabels.Length}), "
                                      + $"final training loss {F(run.Loss[^1])}, test loss {F(run.TestLoss[^1])} ({run.Seconds:F1} s)");
                    }
                    var accuracies = runs.Select(r => r.TestAccuracy).ToArray();
                    results.Add(new ClassificationModelResult(model.Name, first!.Params, epochs, accuracies, Median(accuracies), model.PytorchMedian, first.Summary) { Runs = runs });
                }
                datasets.Add(new ClassificationDatasetResult(spec.Name, table.Rows, splits[0].TrainRows, splits[0].TestRows, results));
            }
            finally
            {
                foreach (var s in splits) s.Dispose();
            }
        }

        log.WriteLine();
        log.Write(Format(["dataset / model", "params", "epochs", .. Seeds.Select(s => $"seed {s}"), "median", "PyTorch 1.13", "difference"],
            datasets.SelectMany(d => d.Models.Select(m => (IReadOnlyList<string>)
            [
                $"{d.Name} / {m.Name}", m.Params.ToString("N0"), m.Epochs.ToString(), .. m.TestAccuracy.Select(a => F(a)), F(m.TestAccuracyMedian),
                m.PytorchMedian is { } p ? F(p, 3) : "—", m.PytorchMedian is { } q ? $"{(m.TestAccuracyMedian - q) * 100:+0.00;-0.00} pt" : "—",
            ]))));
        foreach (var m in datasets.SelectMany(d => d.Models).Where(m => m.PytorchMedian is not null))
        {
            double gap = Math.Abs(m.TestAccuracyMedian - m.PytorchMedian!.Value);
            log.WriteLine($"   {m.Name}: median {F(m.TestAccuracyMedian)} vs PyTorch {F(m.PytorchMedian.Value, 3)}: "
                          + (gap <= 0.01 ? "within one point" : $"{gap * 100:F2} points away (more than one)"));
        }
        log.WriteLine("   test accuracy = correct / test rows; the medians of PyTorch 1.13 are issue 7's, on the same splits");

        var figures = options.Plots ? ClassificationFigures.Save(datasets, tables, options.OutDir) : [];
        foreach (var f in figures) log.WriteLine($"   figure: {f}");
        log.WriteLine();
        return new ClassificationResult("classification", datasets) { Figures = figures };
    }

    /// <summary>
    /// One run of the protocol: <see cref="Determinism.Seed"/>, the model initialised from <c>split.Seed</c>, trained
    /// <paramref name="epochs"/> epochs on the training rows in shuffled batches of 32 (seeded by <c>split.Seed</c>), the
    /// test rows evaluated after every epoch (never used for training), then predicted.
    /// </summary>
    public static SeedRun Train(ClassifierSpec spec, ClassificationSplit split, int epochs, out Classifier model)
    {
        var watch = Stopwatch.StartNew();
        Determinism.Seed(split.Seed);
        model = spec.Create(split.Seed);
        var train = new TensorDataset(split.XTrain, split.YTrain, batchSize: BatchSize, shuffle: true, seed: split.Seed);
        var test = new TensorDataset(split.XTest, split.YTest, batchSize: 256);
        var history = TrainingLoop.Fit(model.Model, train, epochs, validation: test);
        long[] predicted, truth;
        using (var output = model.Predict(split.XTest))
        using (var classes = output.shape[1] == 1 ? output.gt(0.5).to_type(ScalarType.Int64).reshape(-1) : output.argmax(1))
        using (var labels = split.YTest.to_type(ScalarType.Int64).reshape(-1))
        {
            predicted = classes.data<long>().ToArray();
            truth = labels.data<long>().ToArray();
        }
        var sources = Enumerable.Range(0, split.TestRows).Select(split.TestSourceRow).ToArray();
        return new SeedRun(split.Seed, history["loss"], history["accuracy"], history["val_loss"], history["val_accuracy"],
            truth, predicted, sources, watch.Elapsed.TotalSeconds);
    }

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static string ClassCounts(LabeledTable table) =>
        string.Join(", ", table.Labels.GroupBy(l => l).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}"));
}
