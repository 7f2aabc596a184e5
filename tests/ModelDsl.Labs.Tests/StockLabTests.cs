using ModelDsl.Data;
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
    }

    [Fact]
    public void Stock_lab_runs_on_ko_2018_with_finite_maes_and_every_figure()
    {
        var options = new LabOptions(LabName.Stock, Epochs: 3, Csv: LabData.Ko2018, OutDir: LabData.OutDir());
        var log = new StringWriter();
        var r = StockLab.Run(options, log);
        Assert.Equal("file", r.Data);
        Assert.Equal(251, r.Rows);
        Assert.Equal(new WindowCounts(101, 38, 4), r.Windows);
        Assert.Equal(["mlp", "selu_mlp", "lstm"], r.Models.Where(m => m.Variant == "faithful").Select(m => m.Name));
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
    }

    [Fact]
    public void Without_data_the_lab_runs_on_a_synthetic_series_and_says_so()
    {
        string? saved = Environment.GetEnvironmentVariable(StockData.EnvironmentVariable);
        Environment.SetEnvironmentVariable(StockData.EnvironmentVariable, null);
        try
        {
            var log = new StringWriter();
            var r = StockLab.Run(new LabOptions(LabName.Stock, Epochs: 1, Offline: true, Plots: false), log);
            Assert.Equal("synthetic", r.Data);
            Assert.Contains("SYNTHETIC DATA", log.ToString());
            Assert.Contains(r.Notes, n => n.Contains("SYNTHETIC"));
            Assert.Equal(new WindowCounts(101, 38, 4), r.Windows);
        }
        finally
        {
            Environment.SetEnvironmentVariable(StockData.EnvironmentVariable, saved);
        }
    }
}
