using ModelDsl.Data;
using ModelDsl.Labs.Data;
using ModelDsl.Optimizers;
using ModelDsl.Plotting;
using ModelDsl.Training;
using static ModelDsl.Labs.TextTable;

namespace ModelDsl.Labs.Stock;

public sealed record StockBaselines(double PersistenceMae, double PersistenceAdjMae, double TrainMeanMae);

public sealed record StockResult(
    string Lab, string Data, string Source, string From, string To, int Rows, int Seed, int Epochs,
    SplitRows Split, WindowCounts Windows, IReadOnlyList<StockModelResult> Models, StockBaselines Baselines,
    string? BestImproved, bool ImprovedBeatsPersistence, double AdjCloseFactor, IReadOnlyList<string> Notes, IReadOnlyList<string> Figures)
{
    /// <summary>The figures as built (saved or not), by file name without extension: for inspection, never serialized.</summary>
    [System.Text.Json.Serialization.JsonIgnore] public IReadOnlyDictionary<string, Figure> Plots { get; init; } = new Dictionary<string, Figure>();
}

public sealed record SplitRows(int Train, int Val, int Test);

/// <summary>
/// The stock lab (RUDN, lab 5, variant 15): KO quotes, 25-day windows, Adj Close 12 days later, three models
/// (MLP with Normalization, SELU MLP, LSTM), MSE loss, MAE metric, 50 epochs; plus baselines and an improved configuration.
/// </summary>
public static class StockLab
{
    public const int DefaultEpochs = 50, ImprovedMaxEpochs = 300, ImprovedPatience = 25;
    /// <summary>The lab's Adj Close is this file's Adj Close times 0.934413 (shared/data/README.md).</summary>
    public const double LabAdjCloseFactor = 0.934413;
    public static readonly DateOnly LongFrom = new(2010, 1, 1), LongTo = new(2019, 12, 31);
    public static readonly IReadOnlyDictionary<string, double> ReportTestMae = new Dictionary<string, double> { ["mlp"] = 16.22, ["selu_mlp"] = 10.08 };

    public static StockResult Run(LabOptions options, TextWriter log)
    {
        log.WriteLine("== Котировки KO (РУДН, лаб. 5, вариант 15): окно 25 дней → Adj Close через 12 дней");
        return RunOn(StockData.Load(options, log), options, log, "stock", "stock_");
    }

    /// <summary>The same protocol on a longer KO history: <c>--csv</c> or shared/data/KO.csv, 2010–2019 unless --from/--to say otherwise.</summary>
    public static StockResult RunLong(LabOptions options, TextWriter log)
    {
        string csv = options.Csv ?? StockData.FindData(StockData.KoLongFile)
            ?? throw LabException.BadArguments($"stock-long needs the long KO history: --csv PATH, or {StockData.KoLongFile} in {StockData.DataDirVariable} or in shared/data beside the repository (not found).");
        var o = options with { Csv = csv, From = options.From ?? LongFrom, To = options.To ?? LongTo };
        log.WriteLine($"== Котировки KO, длинная история {o.From:yyyy-MM-dd} … {o.To:yyyy-MM-dd}: тот же протокол");
        return RunOn(StockData.Load(o, log), o, log, "stock_long", "stock_long_");
    }

    private static StockResult RunOn(LoadedQuotes quotes, LabOptions options, TextWriter log, string lab, string prefix)
    {
        int epochs = options.Epochs ?? DefaultEpochs;
        var s = quotes.Series;
        var notes = new List<string>();
        var figures = new List<string>();
        var plots = new Dictionary<string, Figure>();
        bool synthetic = quotes.Kind == "synthetic";
        void Save(Figure f, string name)
        {
            // Synthetic prices are labelled on every figure drawn from them.
            if (synthetic) f.Note(SyntheticFigureNote);
            plots[Path.GetFileNameWithoutExtension(prefix + name)] = f;
            if (options.Plots) figures.Add(f.Save(Path.Combine(options.OutDir, prefix + name)).Path);
        }

        if (synthetic)
        {
            const string banner = "!!! SYNTHETIC DATA: no --csv, no MODELDSL_KO_CSV and no Yahoo download. The prices below are a random walk, not KO; the report's figures cannot be compared. !!!";
            log.WriteLine(banner);
            notes.Add(banner);
        }
        log.WriteLine($"   data: {quotes.Kind} ({quotes.Source}), {s.Count} rows, {s.Dates[0]:yyyy-MM-dd} … {s.Dates[^1]:yyyy-MM-dd}");

        string period = $"{s.Dates[0]:yyyy-MM-dd} … {s.Dates[^1]:yyyy-MM-dd}", ticker = synthetic ? "синтетические" : "KO";
        Save(new Figure($"Котировки акций cocacola ({ticker}, {period})", "Дата", "Adj Close, $").Line(s.Dates, s.AdjClose), "adj_close.png");
        var dailyLoss = Enumerable.Range(1, s.Count - 1).Select(i => s.AdjClose[i - 1] - s.AdjClose[i]).ToArray();
        var box = BoxStatistics.Of(dailyLoss);
        log.WriteLine($"   Дневной убыток (Adj Close[t-1] − Adj Close[t]): median {box.Median:F3}, IQR [{box.Q1:F3}, {box.Q3:F3}], whiskers [{box.WhiskerLow:F3}, {box.WhiskerHigh:F3}], {box.Outliers.Count} outliers");
        Save(new Figure("Дневной убыток", "", "Adj Close[t−1] − Adj Close[t], $", width: 500, height: 600)
            .Box(dailyLoss, $"{ticker}, {s.Count - 1} дней"), "daily_loss_box.png");

        using var w = new StockWindows(s, options.Seed);
        log.WriteLine($"   num_train_samples: {w.NumTrain}, num_val_samples: {w.NumVal}, num_test_samples: {w.NumTest}");
        log.WriteLine($"   windows (25 days, delay 36, batch 256, shuffled): train {w.Train.Count}, val {w.Val.Count}, test {w.Test.Count}");
        var b = Baselines.Of(w);

        var models = new List<StockModelResult>();
        log.WriteLine();
        log.WriteLine($"   -- the report's configuration, {epochs} epochs (Normalization adapted on ALL rows' features, as the report's df_normalizer.adapt(raw_data) does)");
        foreach (var make in new Func<StockModel>[]
                 {
                     () => LabModels.StockMlp(options.Seed, w.Features),
                     () => LabModels.StockSeluMlp(options.Seed),
                     () => LabModels.StockLstm(options.Seed, w.Features),
                 })
        {
            Determinism.Seed(options.Seed);
            var model = make();
            // As the notebook's model.summary(), before training.
            foreach (var line in model.Summary.TrimEnd('\n').Split('\n')) log.WriteLine("      " + line);
            models.Add(Train(model, w, epochs, "faithful", null, log, withReport: lab == "stock"));
        }

        log.WriteLine();
        log.WriteLine("   -- improved: target = Adj Close 12 days later minus the window's last Close, standardized with the training windows' mean/std;");
        log.WriteLine("      Normalization adapted on the TRAINING rows only (no look-ahead)");
        log.WriteLine($"      (SELU model: features standardized with training-row statistics, LecunNormal kernels), Adam 0.001, early stopping on val_loss (patience {ImprovedPatience}, best weights), ≤ {ImprovedMaxEpochs} epochs");
        // Targets: Adj Close 12 days later minus the window's last Close, standardized with the training windows' statistics.
        using (var changes = new StockWindows(s, options.Seed, relativeToLastClose: true))
        {
            var trainChanges = changes.TrainOrdered.WindowStarts.Select(p => s.AdjClose[StockWindows.TargetRow(p)] - s.Close[StockWindows.LastRow(p)]).ToArray();
            double shift = trainChanges.Average(), scale = Math.Sqrt(trainChanges.Average(v => (v - shift) * (v - shift)));
            if (!(scale > 1e-9)) scale = 1;
            using var scaled = new StockWindows(s, options.Seed, shift, scale, relativeToLastClose: true);
            using var standardized = new StockWindows(s, options.Seed, shift, scale, standardizeFeatures: true, relativeToLastClose: true);
            using var trainRows = scaled.Features.narrow(0, 0, scaled.NumTrain);
            foreach (var (make, windows) in new (Func<StockModel>, StockWindows)[]
                     {
                         (() => LabModels.StockMlp(options.Seed, trainRows, new Adam(0.001)), scaled),
                         (() => LabModels.StockSeluMlpLecun(options.Seed, new Adam(0.001)), standardized),
                         (() => LabModels.StockLstm(options.Seed, trainRows, new Adam(0.001)), scaled),
                     })
            {
                Determinism.Seed(options.Seed);
                var stop = new EarlyStopping("val_loss", patience: ImprovedPatience, restoreBestWeights: true);
                var r = Train(make(), windows, Math.Max(epochs, ImprovedMaxEpochs), "improved", stop, log);
                models.Add(r with { Name = r.Name + "_improved", BestEpoch = stop.BestEpoch >= 0 ? stop.BestEpoch + 1 : null });
            }
        }

        var improved = models.Where(m => m.Variant == "improved" && m.Diverged is null).ToList();
        var best = improved.Count == 0 ? null : improved.MinBy(m => m.ValMae.Min());
        bool beats = best is not null && best.TestMae < b.PersistenceMae;
        bool beatsAdj = best is not null && best.TestMae < b.PersistenceAdjMae;

        log.WriteLine();
        log.Write(Format(["model", "variant", "params", "optimizer", "epochs", "test MAE", "report (lab $)", "report × 1/0.934413"],
            models.Select(m => (IReadOnlyList<string>)[m.Name, m.Variant, m.Params.ToString("N0"), m.Optimizer, m.EpochsRun.ToString(),
                m.Diverged is null ? F(m.TestMae, 2) : "diverged",
                m.ReportTestMae is { } r ? F(r, 2) : "—", m.ReportTestMae is { } r2 ? F(r2 / LabAdjCloseFactor, 2) : "—"])
            .Concat(
            [
                ["persistence (last Close)", "baseline", "0", "—", "—", F(b.PersistenceMae, 2), "—", "—"],
                ["persistence (last Adj Close)", "baseline", "0", "—", "—", F(b.PersistenceAdjMae, 2), "—", "—"],
                ["training-target mean", "baseline", "1", "—", "—", F(b.TrainMeanMae, 2), "—", "—"],
            ])));
        notes.Add($"Test MAE over {w.Test.Count} test windows, in dollars of this data's Adj Close; the report's dollars are these × {LabAdjCloseFactor} (its Adj Close was adjusted at an earlier date).");
        notes.Add("Persistence (last Close) predicts the window's last Close; Close is not dividend-adjusted, so it is biased against Adj Close targets. Persistence (last Adj Close) uses the target's own series, which the models do not see.");
        var ratios = Enumerable.Range(0, s.Count).Select(i => s.AdjClose[i] / s.Close[i]).ToArray();
        notes.Add($"The features are unadjusted (Open, High, Low, Close, Volume) but the target is Adj Close; Adj Close / Close runs from {ratios.Min():F3} to {ratios.Max():F3} over these rows, so part of every target is invisible to the models.");
        notes.Add("Relative learning curves divide each model's curves by its OWN first-epoch value; the report divided model 1's by model 3's and model 2's training curve by its second epoch.");
        notes.Add("The prediction figure plots predictions in date order at each window's target date; the report predicted a shuffled dataset (shuffle=True) and drew the predictions in that shuffled order against unshuffled prices.");
        if (best is not null)
        {
            string verdict = beats
                ? $"The best improved model by validation MAE ({best.Name}, test MAE {best.TestMae:F2}) beats persistence on the last Close ({b.PersistenceMae:F2})"
                  + (beatsAdj ? $" and on the last Adj Close ({b.PersistenceAdjMae:F2})." : $" but not persistence on the last Adj Close ({b.PersistenceAdjMae:F2}).")
                : $"No improved model beats persistence on the test windows: best by validation {best.Name} has test MAE {best.TestMae:F2} against {b.PersistenceMae:F2} (last Close) and {b.PersistenceAdjMae:F2} (last Adj Close).";
            if (w.Test.Count < 30) verdict += $" With {w.Test.Count} test windows (consecutive days, strongly correlated) any such ranking is noise-level evidence.";
            notes.Add(verdict);
        }
        foreach (var n in notes.Skip(quotes.Kind == "synthetic" ? 1 : 0)) log.WriteLine("   note: " + n);

        var faithful = models.Where(m => m.Variant == "faithful").ToList();
        foreach (var m in faithful.Concat(models.Where(m => m.Variant == "improved")))
            Save(LearningCurves(m), $"learning_curves_{m.Name}.png");
        Save(RelativeLearningCurves(faithful), "relative_learning_curves.png");
        Save(Predictions(s, w, faithful, best), "predictions.png");
        foreach (var f in figures) log.WriteLine($"   figure: {f}");
        log.WriteLine();

        return new StockResult(lab, quotes.Kind, quotes.Source, s.Dates[0].ToString("yyyy-MM-dd"), s.Dates[^1].ToString("yyyy-MM-dd"),
            s.Count, options.Seed, epochs, new SplitRows(w.NumTrain, w.NumVal, w.NumTest), w.Counts, models,
            new StockBaselines(b.PersistenceMae, b.PersistenceAdjMae, b.TrainMeanMae), best?.Name, beats, LabAdjCloseFactor, notes, figures) { Plots = plots };
    }

    /// <summary>Written under the title of every figure drawn from the synthetic fallback series.</summary>
    public const string SyntheticFigureNote = "СИНТЕТИЧЕСКИЕ ДАННЫЕ: случайное блуждание, не KO (synthetic)";

    /// <summary>The report's names of the three faithful models in its legends.</summary>
    private static readonly IReadOnlyDictionary<string, string> ReportLegend = new Dictionary<string, string>
    {
        ["mlp"] = "MLP", ["selu_mlp"] = "MLP 2.0", ["lstm"] = "LSTM",
    };

    private static string Legend(StockModelResult m) => ReportLegend.TryGetValue(m.Name, out var l) ? l : m.Name;

    private static double[] Epochs(int count, int from = 1) => Enumerable.Range(from, Math.Max(0, count - from + 1)).Select(e => (double)e).ToArray();

    /// <summary>Training MAE from epoch 2 (as the report's <c>[1:]</c>) and validation MAE per epoch, in dollars; a log axis
    /// when they span orders of magnitude (the faithful SELU starts in the millions); a diverged run marked at its epoch.</summary>
    public static Figure LearningCurves(StockModelResult m)
    {
        var figure = new Figure($"Ошибка MAE на обучающей и валидационной выборках: {m.Name}", "Эпоха", "MAE, $ (Adj Close)")
            .IntegerX().LogYWhenSpanning();
        if (m.TrainMae.Count > 1)
            figure.Line(Epochs(m.TrainMae.Count, 2), m.TrainMae.Skip(1).ToArray(), "MAE на обучающей выборке", SeriesStyle.Markers, color: "#1f77b4");
        if (m.ValMae.Count > 0)
            figure.Line(Epochs(m.ValMae.Count), m.ValMae, "MAE на валидационной выборке", color: "#1f77b4");
        if (m.BestEpoch is { } best && m.ValMae.Count >= best)
            figure.Line([best], [m.ValMae[best - 1]], $"лучшая эпоха {best} (ранняя остановка)", SeriesStyle.Markers, color: "#2ca02c");
        if (m.Diverged is not null) figure.Diverged(m.DivergedEpoch ?? m.EpochsRun + 1, DivergedLabel(m));
        return figure;
    }

    private static string DivergedLabel(StockModelResult m) => $"{m.Name}: расходится в эпохе {m.DivergedEpoch} (loss {m.DivergedLoss})";

    /// <summary>Each faithful model's curves divided by its own first value (dimensionless), on a log axis when they span
    /// orders of magnitude; the legend beside the data; diverged models marked.</summary>
    public static Figure RelativeLearningCurves(IReadOnlyList<StockModelResult> faithful)
    {
        var figure = new Figure("Ошибка MAE на обучающей и валидационной выборках, относительно первой эпохи", "Эпоха",
            "MAE / MAE первой эпохи (безразмерная)", 1200, 800).IntegerX().LogYWhenSpanning();
        for (int i = 0; i < faithful.Count; i++)
        {
            var m = faithful[i];
            string colour = Figure.Palette[i];
            if (m.Diverged is not null)
            {
                figure.Diverged(m.DivergedEpoch ?? m.EpochsRun + 1, DivergedLabel(m), colour);
                continue;
            }
            if (m.TrainMae.Count == 0) continue;
            double t0 = m.TrainMae[0], v0 = m.ValMae[0];
            figure.Line(Epochs(m.TrainMae.Count, 2), m.TrainMae.Skip(1).Select(v => v / t0).ToArray(), $"MAE на обучающей выборке {Legend(m)}", SeriesStyle.Markers, colour);
            figure.Line(Epochs(m.ValMae.Count), m.ValMae.Select(v => v / v0).ToArray(), $"MAE на валидационной выборке {Legend(m)}", color: colour);
        }
        return figure;
    }

    /// <summary>How far outside the real prices' range (in multiples of that range) predictions may go before the y axis is cut.</summary>
    public const double PredictionRangeFactor = 5;

    /// <summary>The real Adj Close and each faithful model's (and the best improved model's) predictions at their target
    /// dates. Predictions far outside the prices (a model that learned nothing on synthetic data can reach −90,000) would
    /// flatten the prices to a line: the y axis is then cut at <see cref="PredictionRangeFactor"/> times the price range
    /// either side, and the figure says so. Diverged models have no predictions, and the figure says that too.</summary>
    public static Figure Predictions(PriceSeries s, StockWindows w, IReadOnlyList<StockModelResult> faithful, StockModelResult? best)
    {
        var targetDates = w.All.WindowStarts.Select(p => s.Dates[StockWindows.TargetRow(p)]).ToArray();
        var figure = new Figure("Регрессия котировок акций: прогнозы на дату цели (через 12 дней после окна)", "Дата", "Adj Close, $", 1200, 700)
            .Line(s.Dates, s.AdjClose, "real");
        string[] predictionLegend = ["mlp1", "mlp2", "rnn"];
        var shown = new List<double>();
        for (int i = 0; i < faithful.Count; i++)
        {
            var m = faithful[i];
            if (m.Diverged is not null) figure.Note($"{predictionLegend[i]} ({m.Name}): обучение разошлось, прогнозов нет");
            else if (m.Predictions.Count == targetDates.Length)
            {
                figure.Line(targetDates, m.Predictions, predictionLegend[i]);
                shown.AddRange(m.Predictions);
            }
        }
        if (best is not null && best.Predictions.Count == targetDates.Length)
        {
            figure.Line(targetDates, best.Predictions, best.Name);
            shown.AddRange(best.Predictions);
        }
        double low = s.AdjClose.Min(), high = s.AdjClose.Max(), span = Math.Max(high - low, 1e-9);
        var finite = shown.Where(double.IsFinite).ToArray();
        if (finite.Length > 0 && (finite.Min() < low - PredictionRangeFactor * span || finite.Max() > high + PredictionRangeFactor * span))
        {
            double min = Math.Max(finite.Min(), low - PredictionRangeFactor * span), max = Math.Min(finite.Max(), high + PredictionRangeFactor * span);
            figure.YLimits(min, max);
            figure.Note($"ось y обрезана: прогнозы от {finite.Min():N0} до {finite.Max():N0} $ выходят за {min:N0} … {max:N0} $");
        }
        return figure;
    }

    private static StockModelResult Train(StockModel m, StockWindows w, int epochs, string variant, ICallback? callback, TextWriter log,
        bool withReport = false)
    {
        double scale = w.TargetScale;
        // Recorded epoch by epoch, so that a run that diverges keeps the curves it had until then.
        var recorder = new EpochRecorder();
        NonFiniteLossException? diverged = null;
        try
        {
            TrainingLoop.Fit(m.Model, w.Train, epochs, w.Val, callback is null ? [recorder] : [recorder, callback]);
        }
        catch (NonFiniteLossException e)
        {
            diverged = e;
        }
        var trainMae = recorder.Values("mae").Select(v => v * scale).ToList();
        var valMae = recorder.Values("val_mae").Select(v => v * scale).ToList();
        double testMae = diverged is null ? TrainingLoop.Evaluate(m.Model, w.Test).Metrics["mae"] * scale : double.NaN;
        var predictions = new List<double>();
        if (diverged is null)
        {
            foreach (var batch in w.All)
            {
                using (batch.X)
                using (batch.Y)
                using (var y = m.Predict(batch.X))
                {
                    var values = y.to_type(TorchSharp.torch.ScalarType.Float64).data<double>().ToArray();
                    int first = predictions.Count;
                    predictions.AddRange(values.Select((v, k) => w.ToDollars(w.All.WindowStarts[first + k], v)));
                }
            }
        }
        log.WriteLine($"      {m.Name,-10} {m.Label}: {m.Params:N0} params ({m.TrainableParams:N0} trainable), {m.Optimizer}; "
                      + (diverged is not null
                          ? $"DIVERGED in epoch {diverged.Epoch}, batch {diverged.Batch} (loss {diverged.Loss}) after {trainMae.Count} complete epochs; the lab goes on with the other models"
                          : $"{trainMae.Count} epochs, val MAE {valMae[^1]:F2} (min {valMae.Min():F2}), test MAE {testMae:F2}"));
        return new StockModelResult(m.Name, variant, m.Label, m.Params, m.TrainableParams, m.Optimizer, m.LearningRate, trainMae.Count, null,
            testMae, trainMae, valMae, withReport && ReportTestMae.TryGetValue(m.Name, out var r) ? r : null, diverged?.Message, m.Summary)
        {
            Predictions = predictions,
            DivergedEpoch = diverged?.Epoch,
            DivergedLoss = diverged?.Loss,
        };
    }

    /// <summary>Keeps each epoch's logs as training goes.</summary>
    private sealed class EpochRecorder : ICallback
    {
        private readonly List<IReadOnlyDictionary<string, double>> _epochs = [];

        public void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs, TrainingControl control) =>
            _epochs.Add(new Dictionary<string, double>(logs));

        public IReadOnlyList<double> Values(string key) => [.. _epochs.Select(e => e.TryGetValue(key, out var v) ? v : double.NaN)];
    }
}
