using ModelDsl.Labs.Regression;

namespace ModelDsl.Labs.Tests;

public class RegressionLabTests
{
    [Fact]
    public void Four_epochs_reach_the_textbooks_loss_and_weights()
    {
        var log = new StringWriter();
        var r = RegressionLab.Run(new LabOptions(LabName.Regression, OutDir: LabData.OutDir()), log);
        Assert.Equal(4, r.EpochLoss.Count);
        Assert.True(r.EpochLoss[^1] < 0.045, $"final loss {r.EpochLoss[^1]}");
        Assert.True(r.EpochLoss[^1] > 0.03, $"final loss {r.EpochLoss[^1]} is below the noise floor 0.04: the data is wrong");
        double[] expected = [0.3, 0.3, 0.4];
        for (int i = 0; i < 3; i++) Assert.True(Math.Abs(r.Weights[i] - expected[i]) < 0.01, $"w{i + 1} = {r.Weights[i]}");
        Assert.True(Math.Abs(r.Bias) < 0.05, $"b = {r.Bias}");
        Assert.Matches(@"época 4, pérdida 0\.0\d{5}", log.ToString());
        Assert.Single(r.Figures);
        PinnedFigures.AssertRegression(r);

        // Recomputed here in doubles on the same data: Keras' MSE, mean((x·w + b − y)²), not halved.
        using var d = GradesData.Generate(RegressionLab.Samples, 42);
        var x = d.X.to_type(TorchSharp.torch.ScalarType.Float64).data<double>().ToArray();
        var y = d.Y.to_type(TorchSharp.torch.ScalarType.Float64).data<double>().ToArray();
        double Mse(IReadOnlyList<double> w, double b) =>
            Enumerable.Range(0, y.Length).Average(i => Math.Pow(x[3 * i] * w[0] + x[3 * i + 1] * w[1] + x[3 * i + 2] * w[2] + b - y[i], 2));
        Assert.Equal(Mse(r.Weights, r.Bias), r.EpochLoss[^1], 5);
        // Least squares by the normal equations: no epoch can go below its loss, and SGD ends near its weights.
        var (ols, olsBias) = LeastSquares(x, y);
        double floor = Mse(ols, olsBias);
        Assert.InRange(floor, 0.038, 0.042);
        Assert.All(r.EpochLoss, l => Assert.True(l >= floor - 1e-6, $"epoch loss {l} below the least-squares minimum {floor}"));
        for (int i = 0; i < 3; i++) Assert.True(Math.Abs(r.Weights[i] - ols[i]) < 0.02, $"w{i + 1} = {r.Weights[i]}, least squares {ols[i]}");
        // The textbook's printed losses: each epoch within 0.003 (SGD at 0.002 in batches of 8 wanders by about ±0.002).
        for (int e = 0; e < 4; e++) Assert.True(Math.Abs(r.EpochLoss[e] - RegressionLab.TextbookEpochLoss[e]) < 0.003, $"epoch {e + 1}: {r.EpochLoss[e]}");
        Assert.Equal([0.041337, 0.040648, 0.040433, 0.040402], RegressionLab.TextbookEpochLoss);
    }

    /// <summary>Solves (AᵀA) θ = Aᵀy for A = (x1, x2, x3, 1) by Gaussian elimination.</summary>
    private static (double[] Weights, double Bias) LeastSquares(double[] x, double[] y)
    {
        var m = new double[4, 5];
        for (int i = 0; i < y.Length; i++)
        {
            double[] row = [x[3 * i], x[3 * i + 1], x[3 * i + 2], 1];
            for (int a = 0; a < 4; a++)
            {
                for (int b = 0; b < 4; b++) m[a, b] += row[a] * row[b];
                m[a, 4] += row[a] * y[i];
            }
        }
        for (int p = 0; p < 4; p++)
            for (int r = p + 1; r < 4; r++)
            {
                double f = m[r, p] / m[p, p];
                for (int c = p; c < 5; c++) m[r, c] -= f * m[p, c];
            }
        var theta = new double[4];
        for (int p = 3; p >= 0; p--)
            theta[p] = (m[p, 4] - Enumerable.Range(p + 1, 3 - p).Sum(c => m[p, c] * theta[c])) / m[p, p];
        return (theta[..3], theta[3]);
    }

    [Fact]
    public void Grades_data_follow_the_textbooks_recipe()
    {
        using var d = GradesData.Generate(10_000, 7);
        Assert.Equal([10_000L, 3], d.X.shape);
        Assert.Equal([10_000L, 1], d.Y.shape);
        Assert.InRange(d.X.min().item<float>(), 0f, 0.01f);
        Assert.InRange(d.X.max().item<float>(), 4.99f, 5f);
        // y − Xw is the noise: mean 0, std 0.2.
        using var w = TorchSharp.torch.tensor(new float[] { 0.3f, 0.3f, 0.4f }).reshape(3, 1);
        using var noise = d.Y - d.X.matmul(w);
        Assert.InRange(noise.mean().item<float>(), -0.01f, 0.01f);
        Assert.InRange(noise.std().item<float>(), 0.19f, 0.21f);
        // Uniform on [0, 5): mean 2.5, variance 25/12.
        Assert.InRange(d.X.mean().item<float>(), 2.47f, 2.53f);
        Assert.InRange(d.X.var().item<float>(), 25f / 12 * 0.97f, 25f / 12 * 1.03f);
    }
}
