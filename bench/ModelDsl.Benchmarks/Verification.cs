using ModelDsl.Examples;
using static TorchSharp.torch;

namespace ModelDsl.Benchmarks;

/// <summary>
/// `--verify`: from the same seeded weights and batch, runs the generated step, the TorchSharp autograd step and the
/// managed prototype, and compares the updated weights (and the loss) after each of the first steps.
/// </summary>
public static class Verification
{
    public const double Tolerance = 1e-4;
    private const int Steps = 3;

    /// <summary>0 when every comparison is within <see cref="Tolerance"/>, 1 otherwise.</summary>
    public static int Run(TextWriter log)
    {
        Setup.Torch();
        var failures = new List<string>();
        VerifyRegression(failures, log);
        VerifyMlp(failures, log);
        foreach (var failure in failures) log.WriteLine($"MISMATCH {failure}");
        log.WriteLine(failures.Count == 0 ? $"verify: OK (tolerance {Tolerance})" : $"verify: {failures.Count} mismatches");
        return failures.Count == 0 ? 0 : 1;
    }

    private static void VerifyRegression(List<string> failures, TextWriter log)
    {
        var batch = Batch.Create(Setup.Seed, Setup.RegressionBatch, 3);
        var generated = new GradesRegression(Setup.Seed);
        var autograd = new TorchAutogradRegressionStep(generated);
        var managed = new PrototypeManagedRegressionStep(generated);
        for (int step = 1; step <= Steps; step++)
        {
            double loss = generated.TrainStep(batch.XTensor, batch.YTensor).Loss;
            string at = $"regression step {step}";
            Compare(failures, $"{at} autograd loss", [loss], [autograd.TrainStep(batch.XTensor, batch.YTensor)]);
            Compare(failures, $"{at} managed loss", [loss], [managed.TrainStep(batch.X, batch.Y)]);
            float[] expected = [.. Setup.ToArray(generated.Weights.W), .. Setup.ToArray(generated.Weights.B)];
            Compare(failures, $"{at} autograd W, B", expected, [.. Setup.ToArray(autograd.W), .. Setup.ToArray(autograd.B)]);
            Compare(failures, $"{at} managed W, B", expected, [.. managed.W, .. managed.B]);
        }
        log.WriteLine($"regression: {Steps} steps compared");
    }

    private static void VerifyMlp(List<string> failures, TextWriter log)
    {
        var batch = Batch.Create(Setup.Seed, Setup.MlpBatch, 25, 5);
        var generated = new StockMlp(Setup.Seed);
        generated.Adapt(batch.XTensor);
        var autograd = new TorchAutogradMlpStep(generated);
        var managed = new PrototypeManagedMlpStep(generated);
        for (int step = 1; step <= Steps; step++)
        {
            var result = generated.TrainStep(batch.XTensor, batch.YTensor);
            double[] expectedLoss = [result.Loss, result.Metrics["mae"]];
            string at = $"mlp step {step}";
            var (autogradLoss, autogradMae) = autograd.TrainStep(batch.XTensor, batch.YTensor);
            var (managedLoss, managedMae) = managed.TrainStep(batch.X, batch.Y);
            Compare(failures, $"{at} autograd loss, mae", expectedLoss, [autogradLoss, autogradMae]);
            Compare(failures, $"{at} managed loss, mae", expectedLoss, [managedLoss, managedMae]);
            var names = new[] { "HiddenKernel", "HiddenBias", "OutputKernel", "OutputBias" };
            for (int i = 0; i < names.Length; i++)
            {
                float[] expected = Setup.ToArray(generated.Weights.Trainable[i]);
                Compare(failures, $"{at} autograd {names[i]}", expected, Setup.ToArray(autograd.Trainable[i]));
                Compare(failures, $"{at} managed {names[i]}", expected, managed.Trainable[i]);
            }
        }
        log.WriteLine($"mlp: {Steps} steps compared");
    }

    private static void Compare(List<string> failures, string what, IReadOnlyList<float> expected, IReadOnlyList<float> actual) =>
        Compare(failures, what, [.. expected.Select(v => (double)v)], [.. actual.Select(v => (double)v)]);

    private static void Compare(List<string> failures, string what, double[] expected, double[] actual)
    {
        if (expected.Length != actual.Length)
        {
            failures.Add($"{what}: {expected.Length} values expected, {actual.Length} found");
            return;
        }
        int worst = -1;
        double worstDifference = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double difference = Math.Abs(expected[i] - actual[i]);
            if (!(difference <= worstDifference)) (worst, worstDifference) = (i, difference);
        }
        if (worstDifference > Tolerance || double.IsNaN(worstDifference))
            failures.Add($"{what}: index {worst} expected {expected[worst]} found {actual[worst]} (|Δ| {worstDifference:G3})");
    }
}
