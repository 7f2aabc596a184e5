using ModelDsl.Labs.Data;
using ModelDsl.Labs.Stock;

namespace ModelDsl.Labs.Tests;

public class StockLabTests
{
    [Fact]
    public void Ko_2018_gives_the_reports_splits_and_windows()
    {
        var series = YahooCsv.Read(LabData.Ko2018);
        Assert.Equal(251, series.Count);
        using var w = new StockWindows(series, seed: 1);
        Assert.Equal((125, 62, 64), (w.NumTrain, w.NumVal, w.NumTest));
        Assert.Equal(new WindowCounts(101, 38, 4), w.Counts);
        Assert.Equal(191, w.All.Count);
        Assert.Equal([187L, 188, 189, 190], w.Test.WindowStarts.Order());
    }

    [Fact]
    public void Baselines_are_computed_from_the_windows()
    {
        var s = YahooCsv.Read(LabData.Ko2018);
        using var w = new StockWindows(s, seed: 1);
        var b = Baselines.Of(w);
        // Recomputed here: test windows start at rows 187..190 of data[:-36]; last row start + 24, target row start + 36.
        double persistence = Enumerable.Range(187, 4).Average(p => Math.Abs(s.Close[p + 24] - s.AdjClose[p + 36]));
        double mean = Enumerable.Range(0, 101).Average(p => s.AdjClose[p + 36]);
        Assert.Equal(persistence, b.PersistenceMae, 9);
        Assert.Equal(Enumerable.Range(187, 4).Average(p => Math.Abs(mean - s.AdjClose[p + 36])), b.TrainMeanMae, 9);
        Assert.Equal(Enumerable.Range(187, 4).Average(p => Math.Abs(s.AdjClose[p + 24] - s.AdjClose[p + 36])), b.PersistenceAdjMae, 9);
        Assert.Equal(mean, b.TrainMean, 9);
    }

    [Fact]
    public void Models_have_the_reports_parameter_counts()
    {
        var s = YahooCsv.Read(LabData.Ko2018);
        using var w = new StockWindows(s, seed: 1);
        Assert.Equal(2044, LabModels.StockMlp(1, w.Features).Params);
        Assert.Equal(2033, LabModels.StockMlp(1, w.Features).TrainableParams);
        Assert.Equal(2577, LabModels.StockSeluMlp(1).Params);
        Assert.Equal(1436, LabModels.StockLstm(1, w.Features).Params);
        Assert.Equal(1425, LabModels.StockLstm(1, w.Features).TrainableParams);
        Assert.Equal(2577, LabModels.StockSeluMlp(1).TrainableParams);
        Assert.Equal(2577, LabModels.StockSeluMlpLecun(1, new Optimizers.Adam(0.001)).TrainableParams);

        // Keras' rules, recomputed: Dense(in → out) has in·out + out; LSTM(u) on f features 4·u·(f + u + 1);
        // Normalization on f features keeps mean, variance (f each) and a count, none trainable.
        static long Dense(long inputs, long units) => inputs * units + units;
        const long features = 5, window = 25, normalization = 2 * features + 1;
        Assert.Equal(normalization + Dense(window * features, 16) + Dense(16, 1), LabModels.StockMlp(1, w.Features).Params);
        Assert.Equal(Dense(window * features, 16) + 2 * Dense(16, 16) + Dense(16, 1), LabModels.StockSeluMlp(1).Params);
        Assert.Equal(normalization + 4 * 16 * (features + 16 + 1) + Dense(16, 1), LabModels.StockLstm(1, w.Features).Params);
        Assert.Equal(normalization, LabModels.StockLstm(1, w.Features).Params - LabModels.StockLstm(1, w.Features).TrainableParams);
    }

    /// <summary>The totals the report's model.summary() printed (notebook cells In [..], "Total params: 2,044" ...).</summary>
    public static TheoryData<string, string[]> ReportSummaries => new()
    {
        { "mlp", ["Total params: 2,044", "Trainable params: 2,033", "Non-trainable params: 11", "(None, 125)", "2,016"] },
        { "selu_mlp", ["Total params: 2,577", "Trainable params: 2,577", "Non-trainable params: 0", "(None, 125)", "272"] },
        { "lstm", ["Total params: 1,436", "Trainable params: 1,425", "Non-trainable params: 11", "1,408"] },
    };

    [Theory]
    [MemberData(nameof(ReportSummaries))]
    public void Generated_summaries_read_the_reports_totals(string name, string[] lines)
    {
        var s = YahooCsv.Read(LabData.Ko2018);
        using var w = new StockWindows(s, seed: 1);
        var model = name switch
        {
            "mlp" => LabModels.StockMlp(1, w.Features),
            "selu_mlp" => LabModels.StockSeluMlp(1),
            _ => LabModels.StockLstm(1, w.Features),
        };
        var summaryLines = model.Summary.Split('\n').Select(l => l.Trim()).ToArray();
        foreach (var line in lines)
        {
            if (line.Contains("params:")) Assert.Contains(line, summaryLines);   // the whole line, as printed
            else Assert.Contains(line, model.Summary);
        }
    }

    [Fact]
    public void Stock_lab_runs_on_ko_2018_with_its_pinned_figures_and_every_figure()
    {
        var options = new LabOptions(LabName.Stock, Epochs: 3, Csv: LabData.Ko2018, OutDir: LabData.OutDir());
        var log = new StringWriter();
        var r = StockLab.Run(options, log);
        Assert.Equal("file", r.Data);
        Assert.Equal(251, r.Rows);
        Assert.Equal(new WindowCounts(101, 38, 4), r.Windows);
        Assert.Equal(["mlp", "selu_mlp", "lstm"], r.Models.Where(m => m.Variant == "faithful").Select(m => m.Name));
        PinnedFigures.AssertStock(r);
        Assert.Equal(3, r.Models.Count(m => m.Variant == "improved"));
        Assert.All(r.Models.Where(m => m.Diverged is null), m =>
        {
            Assert.True(double.IsFinite(m.TestMae), $"{m.Name} test MAE {m.TestMae}");
            Assert.True(m.TrainMae.Count == m.EpochsRun && m.ValMae.Count == m.EpochsRun);
        });
        Assert.All(r.Models.Where(m => m.Variant == "faithful"), m => Assert.Equal(3, m.EpochsRun));
        Assert.True(double.IsFinite(r.Baselines.PersistenceMae) && double.IsFinite(r.Baselines.TrainMeanMae));
        string[] expected = ["adj_close", "daily_loss_box", "learning_curves_mlp", "learning_curves_selu_mlp", "learning_curves_lstm", "relative_learning_curves", "predictions"];
        foreach (var name in expected) Assert.Contains(r.Figures, f => Path.GetFileName(f) == $"stock_{name}.png");
        Assert.Contains("16.22", log.ToString());

        // Each faithful model's generated summary is printed before its training line, as the notebook's model.summary().
        string text = log.ToString();
        int previous = 0;
        foreach (var (name, total) in new[] { ("mlp", "Total params: 2,044"), ("selu_mlp", "Total params: 2,577"), ("lstm", "Total params: 1,436") })
        {
            var m = r.Models.Single(x => x.Name == name);
            Assert.Contains(total, m.Summary);
            int summaryAt = text.IndexOf(m.Summary.Split('\n')[0], StringComparison.Ordinal);
            int trainedAt = text.IndexOf($"      {name,-10} ", StringComparison.Ordinal);
            Assert.InRange(summaryAt, previous, trainedAt);
            Assert.Contains(total, text[summaryAt..trainedAt]);
            previous = trainedAt;
        }
        Assert.All(r.Models, m => Assert.StartsWith("Model: ", m.Summary));

        // Test MAE recomputed here: mean |prediction − Adj Close at the target row| over the test windows, in dollars.
        var series = YahooCsv.Read(LabData.Ko2018);
        long[] testStarts = [187, 188, 189, 190];
        foreach (var m in r.Models.Where(m => m.Diverged is null))
        {
            Assert.Equal(191, m.Predictions.Count);
            double mae = testStarts.Average(p => Math.Abs(m.Predictions[(int)p] - series.AdjClose[(int)p + 36]));
            Assert.True(Math.Abs(mae - m.TestMae) <= 1e-4 * Math.Max(1, mae), $"{m.Name}: recomputed {mae}, reported {m.TestMae}");
        }

        // Keras' EarlyStopping(patience=25): training stops 25 epochs after the best one, unless the epoch limit comes first.
        foreach (var m in r.Models.Where(m => m.Variant == "improved" && m.Diverged is null))
        {
            Assert.NotNull(m.BestEpoch);
            Assert.True(m.EpochsRun == m.BestEpoch + StockLab.ImprovedPatience || m.EpochsRun == StockLab.ImprovedMaxEpochs,
                $"{m.Name}: best epoch {m.BestEpoch}, ran {m.EpochsRun}");
        }
    }

    [Fact]
    public void Without_data_the_lab_runs_on_a_synthetic_series_and_says_so_in_the_report_and_on_every_figure()
    {
        string? saved = Environment.GetEnvironmentVariable(StockData.EnvironmentVariable);
        string? savedDir = Environment.GetEnvironmentVariable(StockData.DataDirVariable);
        string empty = LabData.OutDir();
        Directory.CreateDirectory(empty);
        Environment.SetEnvironmentVariable(StockData.EnvironmentVariable, null);
        Environment.SetEnvironmentVariable(StockData.DataDirVariable, empty);   // a data folder without KO-2018.csv
        try
        {
            var log = new StringWriter();
            var r = StockLab.Run(new LabOptions(LabName.Stock, Epochs: 1, Offline: true, Plots: false), log);
            Assert.Equal("synthetic", r.Data);
            Assert.Contains("SYNTHETIC DATA", log.ToString());
            Assert.Contains(r.Notes, n => n.Contains("SYNTHETIC"));
            Assert.Equal(new WindowCounts(101, 38, 4), r.Windows);
            Assert.Equal(10, r.Plots.Count);
            Assert.All(r.Plots, p => Assert.Contains(StockLab.SyntheticFigureNote, p.Value.ToPlot().Axes.Title.Label.Text));
        }
        finally
        {
            Environment.SetEnvironmentVariable(StockData.EnvironmentVariable, saved);
            Environment.SetEnvironmentVariable(StockData.DataDirVariable, savedDir);
            Directory.Delete(empty);
        }
    }
}
