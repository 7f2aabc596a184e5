using ModelDsl.Labs.Optimization;
using ModelDsl.Labs.Regression;
using ModelDsl.Labs.Stock;
using ModelDsl.Plotting;
using ModelDsl.Plotting.Tests;
using ScottPlot;

namespace ModelDsl.Labs.Tests;

/// <summary>
/// Issue 10 §5: what every figure of the three labs holds, read from its ScottPlot objects: title, axis labels with
/// units, legend entries beside the data, the number of series and their ranges, log axes where values span orders
/// of magnitude, marked divergences, whole-number epoch ticks, room for the last date tick.
/// </summary>
public class LabFigureTests
{
    private static void AssertLabelled(PlotContents p, string title, string xLabel, string yLabel)
    {
        Assert.StartsWith(title, p.Title);
        Assert.Equal(xLabel, p.XLabel);
        Assert.Equal(yLabel, p.YLabel);
    }

    [Fact]
    public void Regression_loss_figure()
    {
        var r = RegressionLab.Run(new LabOptions(LabName.Regression, Epochs: 3, Plots: false), new StringWriter());
        var figure = Assert.Single(r.Plots).Value;
        var p = PlotContents.Of(figure);
        AssertLabelled(p, "Pérdida por época (regresión lineal", "Época", "Pérdida: MSE en todo el conjunto (puntos²)");
        Assert.Contains("datos sintéticos", p.Title);
        Assert.Equal(["ModelDsl", "libro (TensorFlow)", "piso de ruido 0.2² = 0.04"], p.Legend);
        Assert.True(p.LegendBesideData);
        Assert.Equal(3, p.Series.Count);
        Assert.Equal((1, 3), p.Series[0].XRange);
        Assert.Equal((r.EpochLoss.Min(), r.EpochLoss.Max()), p.Series[0].YRange);
        Assert.Equal((0.040402, 0.041337), p.Series[1].YRange);
        Assert.True(p.WholeNumberBottomTicks, string.Join(", ", p.BottomTicks.Select(t => t.Label)));
    }

    [Fact]
    public void Optimization_figures()
    {
        var r = OptimizationLab.Run(new LabOptions(LabName.Optimization, Plots: false), new StringWriter());
        Assert.Equal(["fig08_cosh_alpha0.5", "fig09_cosh_alpha0.01", "fig10_sinc_alpha0.001", "fig11_sinc_alpha1", "fig12_sinc_alpha0.1",
            "gd_variants", "gd_variants_time", "schedules", "schedules_training_loss"], r.Plots.Keys.Order());

        foreach (var (key, number, function) in new[] { ("fig08_cosh_alpha0.5", 8, "cosh(πx/4)"), ("fig11_sinc_alpha1", 11, "sin(3πx)/x") })
        {
            var p = PlotContents.Of(r.Plots[key]);
            AssertLabelled(p, $"Figura {number}: descenso de gradiente sobre f(x) = {function}", "Argumento x", $"Función de costo f(x) = {function}");
            Assert.Equal(["Función de costo", "Minimización iterativa (10 pasos)"], p.Legend);
            Assert.Equal(11, p.Series[1].Count);
        }
        var fig11 = PlotContents.Of(r.Plots["fig11_sinc_alpha1"]);
        Assert.Equal(r.SincRuns[1].Iterates.Min(), fig11.Series[1].XRange.Min);   // thrown far out to −13.8: still on the figure

        // GD variants: log-log, loss from about 7 to the noise floor, each method's last step on the axis.
        var steps = r.Plots["gd_variants"];
        Assert.True(steps.IsLogY && steps.IsLogX);
        var ps = PlotContents.Of(steps);
        AssertLabelled(ps, "Pérdida frente a pasos del optimizador", "Pasos del optimizador (escala logarítmica)", "Pérdida: MSE en todo el conjunto (puntos²)");
        Assert.Equal(["GD (lote completo)", "SGD (lote 1)", "SGD minilotes (8)"], ps.Legend);
        Assert.Equal([200.0, 4000, 1250], ps.Series.Select(s => Math.Round(Math.Pow(10, s.XRange.Max))));
        Assert.All(ps.Series, s => Assert.InRange(Math.Pow(10, s.YRange.Min), 0.035, 0.05));
        Assert.Equal("Tiempo de entrenamiento, s (escala logarítmica)", PlotContents.Of(r.Plots["gd_variants_time"]).XLabel);

        // Schedules: four rates over 25,000 steps on a log axis (0.1 down to 0.0004).
        var schedules = PlotContents.Of(r.Plots["schedules"]);
        Assert.True(r.Plots["schedules"].IsLogY);
        AssertLabelled(schedules, "Tasas de aprendizaje programadas", "Paso del optimizador", "Tasa de aprendizaje α");
        Assert.Equal(["exponential", "piecewise", "polynomial", "inverse_time"], schedules.Legend);
        Assert.Equal(Math.Log10(0.1), schedules.Series[1].YRange.Max, 9);
        Assert.Equal((0, 25_000), schedules.Series[3].XRange);

        // Training with each schedule: a log axis (one run starts at 4·10⁷), the two diverged runs marked, not missing.
        var training = r.Plots["schedules_training_loss"];
        var pt = PlotContents.Of(training);
        Assert.True(training.IsLogY);
        AssertLabelled(pt, "Pérdida por época con cada programa", "Época", "Pérdida: MSE en todo el conjunto (puntos²)");
        Assert.Equal(["polynomial", "inverse_time", "exponential: diverge en el paso 578 (época 1)", "piecewise: diverge en el paso 39 (época 1)"], pt.Legend);
        Assert.Equal(2, pt.Series.Count);
        Assert.Equal(2, pt.Markers.Count);
        Assert.InRange(Math.Pow(10, pt.Series[0].YRange.Max), 1e7, 1e8);
        Assert.All(training.Marks, m => Assert.InRange(m.X, 0, 1));   // within the first epoch
        Assert.True(pt.LegendBesideData);
        Assert.True(pt.WholeNumberBottomTicks, string.Join(", ", pt.BottomTicks.Select(t => t.Label)));
        // Each schedule keeps its colour in both figures.
        Assert.Equal(schedules.Series[2].Colour, pt.Series[0].Colour);
    }

    [Fact]
    public void Stock_figures()
    {
        var r = StockLab.Run(new LabOptions(LabName.Stock, Epochs: 4, Csv: LabData.Ko2018, Plots: false), new StringWriter());
        Assert.Equal(["stock_adj_close", "stock_daily_loss_box", "stock_learning_curves_lstm", "stock_learning_curves_lstm_improved",
            "stock_learning_curves_mlp", "stock_learning_curves_mlp_improved", "stock_learning_curves_selu_mlp",
            "stock_learning_curves_selu_mlp_improved", "stock_predictions", "stock_relative_learning_curves"], r.Plots.Keys.Order());
        Assert.All(r.Plots.Values, f => Assert.DoesNotContain(StockLab.SyntheticFigureNote, f.ToPlot().Axes.Title.Label.Text));

        var prices = PlotContents.Of(r.Plots["stock_adj_close"]);
        AssertLabelled(prices, "Котировки акций cocacola (KO, 2018-01-02 … 2018-12-31)", "Дата", "Adj Close, $");
        Assert.True(r.Plots["stock_adj_close"].HasDateX);
        Assert.Equal((new DateTime(2018, 1, 2).ToOADate(), new DateTime(2018, 12, 31).ToOADate()), prices.Series.Single().XRange);
        Assert.Equal(251, prices.Series.Single().Count);
        Assert.Empty(prices.Legend);
        Assert.True(prices.RightPadding >= 40, "room right of the data for the last date label");
        Assert.All(prices.BottomTicks, t => Assert.Matches(@"^\d{4}-\d\d-\d\d$", t.Label));

        var box = r.Plots["stock_daily_loss_box"];
        var pb = PlotContents.Of(box);
        AssertLabelled(pb, "Дневной убыток", "", "Adj Close[t−1] − Adj Close[t], $");
        Assert.Equal(["KO, 250 дней"], pb.BottomTicks.Select(t => t.Label));
        var adj = Labs.Data.YahooCsv.Read(LabData.Ko2018).AdjClose;
        var dailyLoss = Enumerable.Range(1, adj.Count - 1).Select(i => adj[i - 1] - adj[i]).Order().ToArray();
        Assert.Equal(BoxStatistics.Percentile(dailyLoss, 0.5), box.Boxes.Single().Statistics.Median, 12);
        Assert.Equal(dailyLoss.Count(v => v < box.Boxes.Single().Statistics.WhiskerLow || v > box.Boxes.Single().Statistics.WhiskerHigh),
            box.Boxes.Single().Statistics.Outliers.Count);

        foreach (var m in r.Models)
        {
            var figure = r.Plots[$"stock_learning_curves_{m.Name}"];
            var p = PlotContents.Of(figure);
            AssertLabelled(p, $"Ошибка MAE на обучающей и валидационной выборках: {m.Name}", "Эпоха", "MAE, $ (Adj Close)");
            Assert.True(p.LegendBesideData);
            Assert.True(p.WholeNumberBottomTicks, $"{m.Name}: {string.Join(", ", p.BottomTicks.Select(t => t.Label))}");
            var validation = p.Series.Single(s => s.Label == "MAE на валидационной выборке");
            Assert.Equal((1, m.EpochsRun), validation.XRange);
            double Drawn(double v) => figure.IsLogY ? Math.Log10(v) : v;
            Assert.Equal(Drawn(m.ValMae.Max()), validation.YRange.Max, 9);
            Assert.Equal((2, m.EpochsRun), p.Series.Single(s => s.Label == "MAE на обучающей выборке").XRange);
            // A log axis exactly when the curves span more than two orders of magnitude.
            var values = m.TrainMae.Skip(1).Concat(m.ValMae).ToArray();
            Assert.Equal(Math.Log10(values.Max() / values.Min()) > 2, figure.IsLogY);
            if (m.BestEpoch is { } best) Assert.Contains($"лучшая эпоха {best} (ранняя остановка)", p.Legend);
        }

        var relative = PlotContents.Of(r.Plots["stock_relative_learning_curves"]);
        AssertLabelled(relative, "Ошибка MAE на обучающей и валидационной выборках, относительно первой эпохи", "Эпоха", "MAE / MAE первой эпохи (безразмерная)");
        Assert.Equal(6, relative.Series.Count);
        Assert.Equal(Edge.Right, relative.LegendEdge);
        Assert.All(relative.Series.Where(s => s.Label.StartsWith("MAE на валидационной")), s => Assert.Equal(1, s.XRange.Min));
        Assert.Contains("MAE на валидационной выборке MLP 2.0", relative.Legend);

        var predictions = PlotContents.Of(r.Plots["stock_predictions"]);
        AssertLabelled(predictions, "Регрессия котировок акций", "Дата", "Adj Close, $");
        Assert.Equal(["real", "mlp1", "mlp2", "rnn", r.BestImproved!], predictions.Legend);
        Assert.All(predictions.Series.Skip(1), s => Assert.Equal(191, s.Count));
        Assert.Equal(Edge.Right, predictions.LegendEdge);
    }
}
