using ModelDsl.Plotting;

namespace ModelDsl.Labs.Classification;

/// <summary>
/// The lab's figures: loss and accuracy per epoch of each model's seed-0 run (training and test), and for the digits
/// model with the best median the confusion matrix and the misclassified test images, pooled over the seeds.
/// </summary>
public static class ClassificationFigures
{
    public const string Prefix = "classification_";
    private const string TrainColor = "#1f77b4", TestColor = "#d62728";
    /// <summary>The misclassified-digits grid shows at most this many images.</summary>
    public const int MaxMisclassified = 60;

    /// <summary>Writes every figure into <paramref name="outDir"/>; returns their paths.</summary>
    public static IReadOnlyList<string> Save(IReadOnlyList<ClassificationDatasetResult> datasets, IReadOnlyDictionary<string, LabeledTable> tables, string outDir)
    {
        var paths = new List<string>();
        foreach (var d in datasets)
            foreach (var m in d.Models)
                paths.Add(Curves(d, m, Path.Combine(outDir, $"{Prefix}curves_{d.Name}_{m.Name}.png")).Path);

        if (datasets.FirstOrDefault(d => d.Name == DatasetSpec.Digits.Name) is { Models.Count: > 0 } digitsResult)
        {
            var best = digitsResult.Models.MaxBy(m => m.TestAccuracyMedian)!;
            paths.Add(Confusion(best, Path.Combine(outDir, $"{Prefix}confusion_digits.png")).Path);
            if (tables.TryGetValue(DatasetSpec.Digits.Name, out var digits) && Misclassified(best, digits, Path.Combine(outDir, $"{Prefix}misclassified_digits.png")) is { } grid)
                paths.Add(grid.Path);
        }
        return paths;
    }

    /// <summary>Two panels: loss (with the legend) and accuracy, per epoch, of the first seed's run.</summary>
    public static SavedFigure Curves(ClassificationDatasetResult d, ClassificationModelResult m, string path)
    {
        var run = m.Runs[0];
        var epochs = Enumerable.Range(1, run.Loss.Count).Select(e => (double)e).ToArray();
        string name = $"{Words(d.Name)}, {Words(m.Name)}, seed {run.Seed}";
        var loss = new Figure($"{name}: loss", "epoch", "cross-entropy loss", 700, 500)
            .Line(epochs, run.Loss, "training (mean over the epoch's batches)", color: TrainColor)
            .Line(epochs, run.TestLoss, "test (after the epoch)", color: TestColor);
        var accuracy = new Figure($"{name}: accuracy (blue training, red test)", "epoch", "accuracy", 700, 500)
            .Line(epochs, run.Accuracy, color: TrainColor)
            .Line(epochs, run.TestAccuracyCurve, color: TestColor);
        return Figure.SaveSideBySide(path, loss, accuracy);
    }

    /// <summary>The confusion matrix of <paramref name="m"/>, summed over its seeds' test sets (true classes down).</summary>
    public static SavedFigure Confusion(ClassificationModelResult m, string path)
    {
        var counts = ConfusionMatrix(m.Runs, 10);
        int total = m.Runs.Sum(r => r.TrueLabels.Length), correct = m.Runs.Sum(r => r.Correct);
        string[] labels = [.. Enumerable.Range(0, 10).Select(i => i.ToString())];
        return new Heatmap($"digits, {Words(m.Name)}: test predictions of seeds {m.Runs[0].Seed}–{m.Runs[^1].Seed} pooled ({correct:N0}/{total:N0} correct)",
                "predicted digit", "true digit", 760, 720)
            .Cells(counts, labels, labels, zeroText: "")
            .Save(path);
    }

    private static string Words(string name) => name.Replace('_', ' ');

    /// <summary>counts[true, predicted] over the runs' test sets.</summary>
    public static double[,] ConfusionMatrix(IEnumerable<SeedRun> runs, int classes)
    {
        var counts = new double[classes, classes];
        foreach (var r in runs)
            for (int i = 0; i < r.TrueLabels.Length; i++)
                counts[r.TrueLabels[i], r.Predicted[i]]++;
        return counts;
    }

    /// <summary>The misclassified test digits of every seed (seed, then test order) as 8×8 images, captioned "true → predicted"; null when there are none.</summary>
    public static SavedFigure? Misclassified(ClassificationModelResult m, LabeledTable digits, string path)
    {
        var wrong = m.Runs.SelectMany(r => Enumerable.Range(0, r.TrueLabels.Length)
            .Where(i => r.TrueLabels[i] != r.Predicted[i])
            .Select(i => (r.Seed, Row: r.TestSourceRows[i], True: r.TrueLabels[i], Predicted: r.Predicted[i]))).ToList();
        if (wrong.Count == 0) return null;
        var shown = wrong.Take(MaxMisclassified).ToList();
        string what = shown.Count < wrong.Count ? $"the first {shown.Count} of {wrong.Count}" : $"all {wrong.Count}";
        var grid = new ImageGrid($"digits, {Words(m.Name)}: {what} misclassified test digits, seeds {m.Runs[0].Seed}–{m.Runs[^1].Seed} (true → predicted)",
            columns: 10, minValue: 0, maxValue: digits.Spec.MaxFeature ?? 16, cellPixels: 110);
        foreach (var w in shown)
        {
            var row = digits.Row((int)w.Row);
            var pixels = new double[8, 8];
            for (int p = 0; p < 64; p++) pixels[p / 8, p % 8] = row[p];
            grid.Add(pixels, $"{w.True} → {w.Predicted}\nseed {w.Seed}");
        }
        return grid.Save(path);
    }
}
