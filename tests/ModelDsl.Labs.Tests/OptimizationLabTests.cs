using ModelDsl.Labs.Optimization;
using ModelDsl.Optimizers;

namespace ModelDsl.Labs.Tests;

public class OptimizationLabTests
{
    /// <summary>The textbook's table (x, α, f(x), f′(x), x − α f′(x)), as printed.</summary>
    private static readonly double[,] Printed =
    {
        { -1, 0.05, 1.3246, -0.6823, -0.9659 }, { -0.9659, 0.5, 1.3018, -0.6546, -0.6386 },
        { -0.6386, 0.5, 1.1284, -0.4106, -0.4333 }, { -0.4333, 0.5, 1.0585, -0.2724, -0.2970 },
        { -0.2970, 0.5, 1.0273, -0.1849, -0.2046 }, { -0.2046, 0.5, 1.0129, -0.1267, -0.1412 },
        { -0.1412, 0.5, 1.0062, -0.0873, -0.0976 }, { -0.0976, 0.5, 1.0029, -0.0602, -0.0675 },
        { -0.0675, 0.5, 1.0014, -0.0416, -0.0466 }, { -0.0466, 0.5, 1.0007, -0.0288, -0.0322 },
        { -0.0322, 0.5, 1.0003, -0.0199, -0.0223 }, { -0.0223, 0.5, 1.0002, -0.0138, -0.0154 },
        { -0.0154, 0.5, 1.0001, -0.0095, -0.0107 }, { -0.0107, 0.5, 1.0000, -0.0066, -0.0074 },
        { -0.0074, 0.5, 1.0000, -0.0046, -0.0051 }, { -0.0051, 0.5, 1.0000, -0.0031, -0.0035 },
        { -0.0035, 0.5, 1.0000, -0.0022, -0.0024 }, { -0.0024, 0.5, 1.0000, -0.0015, -0.0017 },
        { -0.0017, 0.5, 1.0000, -0.0010, -0.0012 }, { -0.0012, 0.5, 1.0000, -0.0007, -0.0008 },
    };

    private static double R4(double v) => Math.Round(v, 4, MidpointRounding.AwayFromZero);

    /// <summary>PNG width and height from the IHDR chunk.</summary>
    private static (int Width, int Height) PngSize(string path)
    {
        var b = File.ReadAllBytes(path);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(b, 12, 4));
        return (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(16)), System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(20)));
    }

    [Fact]
    public void Cosh_table_matches_the_textbook_to_four_decimals_on_all_twenty_rows()
    {
        var table = OptimizationLab.CoshTable();
        Assert.Equal(20, table.Count);
        for (int i = 0; i < 20; i++)
        {
            var r = table[i];
            Assert.Equal(Printed[i, 0], R4(r.X), 4);
            Assert.Equal(Printed[i, 1], r.Alpha);
            Assert.Equal(Printed[i, 2], R4(r.F), 4);
            Assert.Equal(Printed[i, 3], R4(r.Grad), 4);
            Assert.Equal(Printed[i, 4], R4(r.Next), 4);
        }
    }

    [Fact]
    public void Cosh_table_agrees_with_an_independent_recomputation_from_the_formula()
    {
        // f(x) = cosh(πx/4), f′(x) = π/4·sinh(πx/4): recomputed here, not through the lab.
        var table = OptimizationLab.CoshTable();
        double x = -1;
        for (int i = 0; i < 20; i++)
        {
            double alpha = i == 0 ? 0.05 : 0.5;
            double f = Math.Cosh(Math.PI * x / 4), g = Math.PI / 4 * Math.Sinh(Math.PI * x / 4), next = x - alpha * g;
            Assert.Equal(x, table[i].X, 12);
            Assert.Equal(f, table[i].F, 12);
            Assert.Equal(g, table[i].Grad, 12);
            Assert.Equal(next, table[i].Next, 12);
            x = next;
        }
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(-0.3)]
    [InlineData(0.1)]
    [InlineData(0.25)]
    [InlineData(0.7)]
    public void Generated_sinc_derivative_matches_finite_differences_and_the_textbook_formula_does_not(double x)
    {
        double generated = LabModels.SincDerivative(x);
        double fd = GradientDescent.CentralDifference(LabModels.Sinc, x);
        Assert.Equal(fd, generated, 4);
        double trueDerivative = (3 * Math.PI * x * Math.Cos(3 * Math.PI * x) - Math.Sin(3 * Math.PI * x)) / (x * x);
        Assert.Equal(trueDerivative, generated, 9);
        Assert.True(Math.Abs(TextbookFormulas.SincDerivative(x) - generated) > 0.1, "the textbook's eq. 37 drops the factor 3π");
    }

    [Fact]
    public void Gradient_descent_iterates_follow_the_textbook_gd_function()
    {
        var xs = GradientDescent.Iterates(LabModels.CoshQuarterDerivative, 0.01, -1);
        Assert.Equal(11, xs.Count);
        Assert.True(xs[^1] > -1 && xs[^1] < -0.9, "α = 0.01 converges slowly");
        // The textbook's gd(alpha, valor_ini): ten steps of x -= alpha * gradf(x), gradf = π/4·sinh(πx/4), recomputed here.
        foreach (double alpha in new[] { 0.01, 0.5 })
        {
            var iterates = GradientDescent.Iterates(LabModels.CoshQuarterDerivative, alpha, -1);
            double x = -1;
            Assert.Equal(x, iterates[0]);
            for (int k = 1; k <= 10; k++)
            {
                x -= alpha * Math.PI / 4 * Math.Sinh(Math.PI * x / 4);
                Assert.Equal(x, iterates[k], 12);
            }
        }
    }

    [Fact]
    public void Hessian_eigenvalue_matches_a_power_iteration_here_and_the_population_value()
    {
        // 2·E[x̃x̃ᵀ] with x̃ = (x1, x2, x3, 1): recomputed in plain doubles and its largest eigenvalue found by power iteration.
        using var data = Regression.GradesData.Generate(10_000, 42);
        var x = data.X.to_type(TorchSharp.torch.ScalarType.Float64).data<double>().ToArray();
        int n = (int)data.Count;
        var m = new double[4, 4];
        for (int i = 0; i < n; i++)
        {
            double[] row = [x[3 * i], x[3 * i + 1], x[3 * i + 2], 1];
            for (int a = 0; a < 4; a++)
                for (int b = 0; b < 4; b++) m[a, b] += 2.0 * row[a] * row[b] / n;
        }
        double LargestEigenvalue(double[,] matrix)
        {
            double[] v = [1, 1, 1, 1];
            double norm = 0;
            for (int it = 0; it < 500; it++)
            {
                var w = Enumerable.Range(0, 4).Select(a => Enumerable.Range(0, 4).Sum(b => matrix[a, b] * v[b])).ToArray();
                norm = Math.Sqrt(w.Sum(c => c * c));
                v = w.Select(c => c / norm).ToArray();
            }
            return norm;
        }
        double lambda = OptimizationLab.HessianLargestEigenvalue(data);
        Assert.Equal(LargestEigenvalue(m), lambda, 6);
        // Population value for x uniform on [0, 5): E[x²] = 25/3, E[xi xj] = 6.25, E[x] = 2.5.
        var population = new double[4, 4];
        for (int a = 0; a < 4; a++)
            for (int b = 0; b < 4; b++)
                population[a, b] = 2 * (a == 3 && b == 3 ? 1 : a == 3 || b == 3 ? 2.5 : a == b ? 25.0 / 3 : 6.25);
        Assert.Equal(43.475, LargestEigenvalue(population), 3);
        Assert.InRange(lambda, 43.475 * 0.99, 43.475 * 1.01);
    }

    [Fact]
    public void Schedules_use_the_textbook_parameters_with_keras_step_semantics()
    {
        var s = OptimizationLab.Schedules().ToDictionary(p => p.Name, p => p.Schedule);
        Assert.Equal(0.05, s["exponential"].At(19_999), 12);
        Assert.Equal(0.045, s["exponential"].At(20_000), 12);
        Assert.Equal(0.1, s["piecewise"].At(1000), 12);
        Assert.Equal(0.01, s["piecewise"].At(1001), 12);
        Assert.Equal(0.001, s["piecewise"].At(5001), 12);
        Assert.Equal((0.05 - 0.005) * Math.Sqrt(0.5) + 0.005, s["polynomial"].At(2500), 12);
        Assert.Equal(0.005, s["polynomial"].At(9000), 12);
        Assert.Equal(0.01 / (1 + 0.5 * 250 / 100.0), s["inverse_time"].At(250), 12);
        Assert.IsType<InverseTimeDecay>(s["inverse_time"]);
    }

    [Fact]
    public void Optimization_lab_runs_and_reports_every_part()
    {
        var options = new LabOptions(LabName.Optimization, Epochs: 1, OutDir: LabData.OutDir());
        var log = new StringWriter();
        var r = OptimizationLab.Run(options, log);
        Assert.Equal(20, r.CoshTable.Count);
        Assert.Equal(3, r.SincRuns.Count);
        Assert.All(r.SincRuns, run => Assert.Equal(11, run.Iterates.Count));
        Assert.Equal(3, r.GradientDescentVariants.Count);
        Assert.All(r.GradientDescentVariants, v => Assert.True(v.Loss[^1] < v.Loss[0], $"{v.Method} did not reduce the loss"));
        Assert.Equal(["exponential", "piecewise", "polynomial", "inverse_time"], r.Schedules.Keys);
        Assert.Equal(4, r.ScheduleTraining.Count);
        var inverse = r.ScheduleTraining.Single(t => t.Schedule == "inverse_time");
        Assert.Null(inverse.DivergedAtStep);
        Assert.True(inverse.EpochLoss[^1] < 0.05);
        Assert.Equal(8, r.Figures.Count);
        Assert.All(r.Figures, f => Assert.True(new FileInfo(f).Length > 1000));
        Assert.Contains("Figura 8", log.ToString());

        // Every iterate is one step of the textbook's gd with the true derivative (3πx·cos 3πx − sin 3πx)/x², recomputed here.
        foreach (var run in r.SincRuns)
            for (int k = 0; k < 10; k++)
            {
                double x = run.Iterates[k];
                double derivative = (3 * Math.PI * x * Math.Cos(3 * Math.PI * x) - Math.Sin(3 * Math.PI * x)) / (x * x);
                Assert.Equal(x - run.Alpha * derivative, run.Iterates[k + 1], 9);
                Assert.Equal(Math.Sin(3 * Math.PI * x) / x, run.Values[k], 12);
            }
        // Steps: full batch one per epoch (200), SGD capped at 4,000, minibatches of 8 over 10,000 samples: 1,250 per epoch.
        Assert.Equal([200L, 4000L, 10_000L / 8], r.GradientDescentVariants.Select(v => v.Steps[^1]));
        // Both figures of the issue in one: loss against steps and against wall time, two 800×600 panels side by side.
        var variants = Assert.Single(r.Figures, f => Path.GetFileName(f) == "gd_variants.png");
        Assert.Equal((1600, 600), PngSize(variants));
        // Plain descent is stable only for α < 2/λmax: the schedules starting at 0.1 and 0.05 diverge, the one at 0.01 does not.
        double limit;
        using (var grades = Regression.GradesData.Generate(10_000, 42)) limit = 2 / OptimizationLab.HessianLargestEigenvalue(grades);
        Assert.InRange(limit, 0.01, 0.05);
        Assert.NotNull(r.ScheduleTraining.Single(t => t.Schedule == "piecewise").DivergedAtStep);
        Assert.NotNull(r.ScheduleTraining.Single(t => t.Schedule == "exponential").DivergedAtStep);
        PinnedFigures.AssertOptimization(r);
    }
}
