using ModelDsl.Optimizers;
using ModelDsl.Plotting;
using ModelDsl.Training;
using static ModelDsl.Labs.TextTable;

namespace ModelDsl.Labs.Regression;

public sealed record RegressionResult(
    string Lab, int Seed, int Samples, int BatchSize, double LearningRate, int Epochs,
    IReadOnlyList<double> EpochLoss, IReadOnlyList<double> Weights, double Bias,
    IReadOnlyList<double> TextbookEpochLoss, IReadOnlyList<string> Figures)
{
    /// <summary>The figures as built (saved or not), by file name without extension: for inspection, never serialized.</summary>
    [System.Text.Json.Serialization.JsonIgnore] public IReadOnlyDictionary<string, Figure> Plots { get; init; } = new Dictionary<string, Figure>();
}

/// <summary>
/// The textbook's linear regression: 10,000 synthetic grades, the generated <c>GradesRegression</c> model
/// (Dense(1) with RandomNormal(0.01) weights), shuffled minibatches of 8, SGD 0.002, 4 epochs, MSE on the whole set after each epoch.
/// </summary>
public static class RegressionLab
{
    public const int Samples = 10_000, BatchSize = 8, DefaultEpochs = 4;
    public const double LearningRate = 0.002;
    public static readonly double[] TextbookEpochLoss = [0.041337, 0.040648, 0.040433, 0.040402];

    public static RegressionResult Run(LabOptions options, TextWriter log)
    {
        int epochs = options.Epochs ?? DefaultEpochs;
        log.WriteLine("== Regresión lineal (libro, cap. 2): calificaciones sintéticas");
        log.WriteLine($"   {Samples} muestras, y = 0.3·x1 + 0.3·x2 + 0.4·x3 + N(0, 0.2²); lotes de {BatchSize} barajados; SGD {LearningRate}; {epochs} épocas; semilla {options.Seed}");
        Determinism.Seed(options.Seed);
        using var data = GradesData.Generate(Samples, options.Seed);
        var model = LabModels.Grades(options.Seed, new Sgd(LearningRate));
        var trace = Trainer.Run(model, data, BatchSize, epochs, options.Seed,
            onEpoch: (epoch, loss) => log.WriteLine($"época {epoch}, pérdida {loss:F6}"));
        var (weights, bias) = LabModels.LinearWeights(model);

        log.WriteLine();
        log.Write(Format(["", "w1", "w2", "w3", "b"],
        [
            ["aprendido", F(weights[0]), F(weights[1]), F(weights[2]), F(bias)],
            ["real", "0.3000", "0.3000", "0.4000", "0.0000"],
        ]));
        log.WriteLine($"   libro: {string.Join(", ", TextbookEpochLoss.Select(l => l.ToString("F6")))} (pérdida = MSE de Keras; el ruido N(0, 0.2²) fija el mínimo cerca de 0.04)");

        var figures = new List<string>();
        var figure = LossFigure(trace.EpochLoss);
        if (options.Plots)
        {
            figures.Add(figure.Save(Path.Combine(options.OutDir, "regression_loss.png")).Path);
            log.WriteLine($"   figura: {figures[^1]}");
        }
        log.WriteLine();
        return new RegressionResult("regression", options.Seed, Samples, BatchSize, LearningRate, epochs,
            trace.EpochLoss, weights, bias, TextbookEpochLoss, figures) { Plots = new Dictionary<string, Figure> { ["regression_loss"] = figure } };
    }

    /// <summary>The loss after each epoch beside the textbook's, with the noise floor they cannot go below.</summary>
    public static Figure LossFigure(IReadOnlyList<double> epochLoss)
    {
        var epochs = Enumerable.Range(1, Math.Max(epochLoss.Count, TextbookEpochLoss.Length)).Select(i => (double)i).ToArray();
        return new Figure("Pérdida por época (regresión lineal, SGD 0.002, lotes de 8)", "Época", "Pérdida: MSE en todo el conjunto (puntos²)")
            .Note(SyntheticNote)
            .Line(epochs[..epochLoss.Count], epochLoss, "ModelDsl", SeriesStyle.LineAndMarkers)
            .Line(epochs[..TextbookEpochLoss.Length], TextbookEpochLoss, "libro (TensorFlow)", SeriesStyle.Markers)
            .Line([1, epochs.Length], [NoiseFloor, NoiseFloor], "piso de ruido 0.2² = 0.04")
            .IntegerX();
    }

    /// <summary>The grades are the textbook's synthetic data, and every figure drawn from them says so.</summary>
    public const string SyntheticNote = "datos sintéticos: 10 000 calificaciones generadas, ruido N(0, 0.2²)";

    /// <summary>The noise variance, the lowest expected MSE.</summary>
    public const double NoiseFloor = GradesData.NoiseStddev * GradesData.NoiseStddev;
}
