using ModelDsl.Labs.Regression;
using ModelDsl.Optimizers;
using ModelDsl.Plotting;
using ModelDsl.Training;
using static ModelDsl.Labs.TextTable;

namespace ModelDsl.Labs.Optimization;

public sealed record GdRun(string Name, double Alpha, double Start, IReadOnlyList<double> Iterates, IReadOnlyList<double> Values, string? Figure);
public sealed record GradientCheckRow(double X, double Textbook, double Generated, double FiniteDifference);
public sealed record MethodTrace(string Method, int BatchSize, double LearningRate, int Epochs, IReadOnlyList<long> Steps,
    IReadOnlyList<double> Seconds, IReadOnlyList<double> Loss);
public sealed record ScheduleRun(string Schedule, IReadOnlyList<double> EpochLoss, IReadOnlyList<double> Weights, double Bias,
    long? DivergedAtStep, double FinalLearningRate);

public sealed record OptimizationResult(
    string Lab, IReadOnlyList<GdRow> CoshTable, IReadOnlyList<GdRun> CoshRuns, IReadOnlyList<GdRun> SincRuns,
    IReadOnlyList<GradientCheckRow> SincGradientCheck, IReadOnlyList<MethodTrace> GradientDescentVariants,
    IReadOnlyList<long> ScheduleSteps, IReadOnlyDictionary<string, IReadOnlyList<double>> Schedules,
    IReadOnlyList<ScheduleRun> ScheduleTraining, IReadOnlyList<string> Figures)
{
    /// <summary>The figures as built (saved or not), by file name without extension: for inspection, never serialized.</summary>
    [System.Text.Json.Serialization.JsonIgnore] public IReadOnlyDictionary<string, Figure> Plots { get; init; } = new Dictionary<string, Figure>();
}

/// <summary>
/// The textbook's optimization section: gradient descent on cosh(πx/4) and sin(3πx)/x with the generated derivatives,
/// GD against SGD against minibatch SGD on the grades data, and the four Keras learning-rate schedules.
/// </summary>
public static class OptimizationLab
{
    /// <summary>The table's step sizes: the first step at α = 0.05, the next nineteen at 0.5, as printed.</summary>
    public static readonly double[] CoshTableAlphas = [0.05, .. Enumerable.Repeat(0.5, 19)];
    public static readonly double[] GradientCheckPoints = [-1.0, -0.3, 0.1, 0.25, 0.3, 0.5, 1.0];
    public const int ScheduleHorizon = 25_000, ScheduleSampleEvery = 100;

    public static IReadOnlyList<GdRow> CoshTable() =>
        GradientDescent.Table(LabModels.CoshQuarter, LabModels.CoshQuarterDerivative, -1.0, CoshTableAlphas);

    /// <summary>The four schedules with the textbook's parameters.</summary>
    public static IReadOnlyList<(string Name, LearningRateSchedule Schedule)> Schedules() =>
    [
        ("exponential", new ExponentialDecay(0.05, 20_000, 0.9, staircase: true)),
        ("piecewise", new PiecewiseConstantDecay([1000L, 5000L], [0.1, 0.01, 0.001])),
        ("polynomial", new PolynomialDecay(0.05, 5_000, 0.005, power: 0.5)),
        ("inverse_time", new InverseTimeDecay(0.01, 100, 0.5)),
    ];

    public static OptimizationResult Run(LabOptions options, TextWriter log)
    {
        var figures = new List<string>();
        var plots = new Dictionary<string, Figure>();
        string? Save(Figure f, string file)
        {
            plots[Path.GetFileNameWithoutExtension(file)] = f;
            if (!options.Plots) return null;
            var path = f.Save(Path.Combine(options.OutDir, file)).Path;
            figures.Add(path);
            return path;
        }

        log.WriteLine("== Optimización (libro, cap. 2): descenso de gradiente sobre f(x) = cosh(πx/4), derivada generada");
        var table = CoshTable();
        log.Write(Format(["x", "α", "f(x)", "f'(x)", "x - α f'(x)"],
            table.Select(r => (IReadOnlyList<string>)[F(r.X), r.Alpha.ToString("0.0#"), F(r.F), F(r.Grad), F(r.Next)])));

        var coshRuns = new List<GdRun>();
        foreach (var (alpha, file, caption) in new[] { (0.5, "fig08_cosh_alpha0.5.png", "Figura 8"), (0.01, "fig09_cosh_alpha0.01.png", "Figura 9") })
        {
            var run = Descend("cosh", "cosh(πx/4)", caption, LabModels.CoshQuarter, LabModels.CoshQuarterDerivative, alpha, -1.0, -1.0, file, Save);
            coshRuns.Add(run);
            log.WriteLine($"   {caption}: α = {alpha}, x0 = -1 → x10 = {run.Iterates[^1]:F4}{(alpha < 0.1 ? " (lento)" : "")}");
        }

        log.WriteLine();
        log.WriteLine("== f(x) = sin(3πx)/x, derivada generada (figuras 10-12)");
        var sincRuns = new List<GdRun>();
        foreach (var (alpha, start, grid, file, caption) in new[]
                 {
                     (0.001, 0.1, -1.0, "fig10_sinc_alpha0.001.png", "Figura 10"),
                     (1.0, -1.0, -4.0, "fig11_sinc_alpha1.png", "Figura 11"),
                     (0.1, 0.3, -3.0, "fig12_sinc_alpha0.1.png", "Figura 12"),
                 })
        {
            var run = Descend("sinc", "sin(3πx)/x", caption, LabModels.Sinc, LabModels.SincDerivative, alpha, start, grid, file, Save);
            sincRuns.Add(run);
            log.WriteLine($"   {caption}: α = {alpha}, x0 = {start} → x10 = {run.Iterates[^1]:F4}, f = {run.Values[^1]:F4}");
        }

        var check = GradientCheckPoints.Select(x => new GradientCheckRow(x, TextbookFormulas.SincDerivative(x),
            LabModels.SincDerivative(x), GradientDescent.CentralDifference(LabModels.Sinc, x))).ToList();
        log.WriteLine("   f'(x): el libro (ec. 37) frente a la derivada generada y diferencias centrales (h = 1e-6):");
        log.Write(Format(["x", "libro", "generada", "dif. centrales"],
            check.Select(c => (IReadOnlyList<string>)[F(c.X, 2), F(c.Textbook), F(c.Generated), F(c.FiniteDifference)])));
        log.WriteLine("   La ec. 37 omite el factor 3π del término en coseno: f'(x) = (3πx·cos(3πx) − sin(3πx))/x².");

        log.WriteLine();
        log.WriteLine("== GD, SGD y SGD por minilotes sobre las calificaciones (pérdida en todo el conjunto)");
        Determinism.Seed(options.Seed);
        using var data = GradesData.Generate(RegressionLab.Samples, options.Seed);
        var variants = new List<MethodTrace>();
        foreach (var (method, batch, lr, epochs, every, maxSteps) in new[]
                 {
                     ("GD (lote completo)", RegressionLab.Samples, 0.02, 200, 2L, (long?)null),
                     ("SGD (lote 1)", 1, 0.002, 1, 20L, 4000L),
                     ("SGD minilotes (8)", 8, 0.002, 1, 5L, null),
                 })
        {
            var model = LabModels.Grades(options.Seed, new Sgd(lr));
            var t = Trainer.Run(model, data, batch, epochs, options.Seed, evaluateEvery: every, maxSteps: maxSteps);
            variants.Add(new MethodTrace(method, batch, lr, epochs, t.Steps, t.Seconds, t.Loss));
        }
        log.Write(Format(["método", "lote", "α", "épocas", "pasos", "tiempo (s)", "pérdida final"],
            variants.Select(v => (IReadOnlyList<string>)[v.Method, v.BatchSize.ToString(), v.LearningRate.ToString(), F(v.Steps[^1] * (double)v.BatchSize / RegressionLab.Samples, 1),
                v.Steps[^1].ToString(), F(v.Seconds[^1], 3), F(v.Loss[^1], 6)])));
        var (bySteps, byTime) = VariantFigures(variants);
        plots["gd_variants"] = bySteps;
        plots["gd_variants_time"] = byTime;
        if (options.Plots)
            figures.Add(Figure.SaveSideBySide(Path.Combine(options.OutDir, "gd_variants.png"), bySteps, byTime).Path);

        log.WriteLine();
        log.WriteLine("== Tasas de aprendizaje programadas (parámetros del libro) y entrenamiento con cada una (SGD, lotes de 8)");
        var steps = Enumerable.Range(0, ScheduleHorizon / ScheduleSampleEvery + 1).Select(i => (long)i * ScheduleSampleEvery).ToArray();
        var curves = new Dictionary<string, IReadOnlyList<double>>();
        var scheduleFigure = new Figure("Tasas de aprendizaje programadas (parámetros del libro)", "Paso del optimizador", "Tasa de aprendizaje α")
            .LogY().IntegerX();
        foreach (var (name, schedule) in Schedules())
        {
            curves[name] = steps.Select(schedule.At).ToArray();
            scheduleFigure.Line(steps.Select(s => (double)s).ToArray(), curves[name], name, color: ScheduleColour(name));
        }
        Save(scheduleFigure, "schedules.png");

        int scheduleEpochs = options.Epochs ?? RegressionLab.DefaultEpochs;
        var scheduleRuns = new List<ScheduleRun>();
        long stepsPerEpoch = (RegressionLab.Samples + RegressionLab.BatchSize - 1) / RegressionLab.BatchSize;
        foreach (var (name, schedule) in Schedules())
        {
            var optimizer = new Sgd(schedule);
            var model = LabModels.Grades(options.Seed, optimizer);
            var t = Trainer.Run(model, data, RegressionLab.BatchSize, scheduleEpochs, options.Seed);
            var (w, b) = LabModels.LinearWeights(model);
            scheduleRuns.Add(new ScheduleRun(name, t.EpochLoss, w, b, t.DivergedAtStep, optimizer.CurrentLearningRate));
        }
        var scheduleLoss = ScheduleTrainingFigure(scheduleRuns, stepsPerEpoch);
        log.Write(Format(["programa", "α inicial", "α final", "pérdida por época", "w1", "w2", "w3", "b"],
            scheduleRuns.Select(r => (IReadOnlyList<string>)[r.Schedule, F(curves[r.Schedule][0]), F(r.FinalLearningRate),
                .. r.DivergedAtStep is { } d
                    ? [$"diverge en el paso {d}", "—", "—", "—", "—"]
                    : new[] { string.Join(" ", r.EpochLoss.Select(l => F(l, 6))), F(r.Weights[0]), F(r.Weights[1]), F(r.Weights[2]), F(r.Bias) }])));
        Save(scheduleLoss, "schedules_training_loss.png");
        double lambdaMax = HessianLargestEigenvalue(data);
        log.WriteLine($"   La hessiana de la MSE, 2·E[x̃x̃ᵀ] con x̃ = (x1, x2, x3, 1), tiene λmax = {lambdaMax:F2} en estos datos: el descenso de gradiente");
        log.WriteLine($"   es estable solo con α < 2/λmax = {2 / lambdaMax:F4}; los programas que empiezan en 0.05 o 0.1 están en el límite o por encima.");
        foreach (var f in figures) log.WriteLine($"   figura: {f}");
        log.WriteLine();
        return new OptimizationResult("optimization", table, coshRuns, sincRuns, check, variants, steps, curves, scheduleRuns, figures) { Plots = plots };
    }

    /// <summary>The largest eigenvalue of the MSE loss's Hessian for a linear model with bias: 2·E[x̃x̃ᵀ], x̃ = (x, 1).</summary>
    public static double HessianLargestEigenvalue(GradesData data)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        var x = TorchSharp.torch.cat([data.X, TorchSharp.torch.ones(data.Count, 1)], 1).to_type(TorchSharp.torch.ScalarType.Float64);
        var hessian = x.t().matmul(x).mul(2.0 / data.Count);
        return TorchSharp.torch.linalg.eigvalsh(hessian).max().item<double>();
    }

    /// <summary>One colour per schedule, the same in both schedule figures.</summary>
    public static string ScheduleColour(string schedule) =>
        Figure.Palette[Schedules().Select(s => s.Name).ToList().IndexOf(schedule) is var i and >= 0 ? i : 0];

    /// <summary>Loss after each epoch with each schedule, on a log axis (one run starts at 4·10⁷); a run that diverged is
    /// marked where it did, at its step as a fraction of the epochs.</summary>
    public static Figure ScheduleTrainingFigure(IReadOnlyList<ScheduleRun> runs, long stepsPerEpoch)
    {
        var figure = new Figure("Pérdida por época con cada programa (SGD, lotes de 8)", "Época", "Pérdida: MSE en todo el conjunto (puntos²)")
            .Note(RegressionLab.SyntheticNote).LogY().IntegerX();
        foreach (var r in runs)
        {
            if (r.DivergedAtStep is { } step)
                figure.Diverged((double)step / stepsPerEpoch, $"{r.Schedule}: diverge en el paso {step} (época {(step - 1) / stepsPerEpoch + 1})", ScheduleColour(r.Schedule));
            else if (r.EpochLoss.Count > 0)
                figure.Line(Enumerable.Range(1, r.EpochLoss.Count).Select(i => (double)i).ToArray(), r.EpochLoss, r.Schedule, SeriesStyle.LineAndMarkers, ScheduleColour(r.Schedule));
        }
        return figure;
    }

    /// <summary>GD, SGD and minibatch SGD: the loss on the whole set against optimizer steps and against training time,
    /// on log-log axes (the loss falls from about 7 to the noise floor 0.04 within tens of steps, then the methods run
    /// for 200 to 4,000 steps); the first evaluation at step 0 has no place on a log axis.</summary>
    public static (Figure BySteps, Figure ByTime) VariantFigures(IReadOnlyList<MethodTrace> variants)
    {
        const string loss = "Pérdida: MSE en todo el conjunto (puntos²)";
        var bySteps = new Figure("Pérdida frente a pasos del optimizador", "Pasos del optimizador (escala logarítmica)", loss)
            .Note(RegressionLab.SyntheticNote).LogY().LogX();
        var byTime = new Figure("Pérdida frente a tiempo de entrenamiento", "Tiempo de entrenamiento, s (escala logarítmica)", loss)
            .Note(RegressionLab.SyntheticNote).LogY().LogX();
        foreach (var v in variants)
        {
            bySteps.Line(v.Steps.Select(s => (double)s).ToArray(), v.Loss, v.Method);
            byTime.Line(v.Seconds, v.Loss, v.Method);
        }
        return (bySteps, byTime);
    }

    private static GdRun Descend(string name, string function, string caption, Func<double, double> f, Func<double, double> df, double alpha,
        double start, double gridStart, string file, Func<Figure, string, string?> save)
    {
        var xs = GradientDescent.Iterates(df, alpha, start);
        var values = xs.Select(f).ToArray();
        var (cx, cy) = GradientDescent.Curve(f, gridStart);
        var figure = new Figure($"{caption}: descenso de gradiente sobre f(x) = {function}, α = {alpha}, x₀ = {start}", "Argumento x", $"Función de costo f(x) = {function}")
            .Line(cx, cy, "Función de costo")
            .Line(xs, values, $"Minimización iterativa ({xs.Count - 1} pasos)", SeriesStyle.LineAndMarkers, color: "#2ca02c");
        return new GdRun(name, alpha, start, xs, values, save(figure, file));
    }
}
