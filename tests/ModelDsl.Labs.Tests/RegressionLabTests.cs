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
    }
}
