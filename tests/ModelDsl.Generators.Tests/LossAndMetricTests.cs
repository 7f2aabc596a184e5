using ModelDsl.Data;
using ModelDsl.Generators.Tests.Models;
using ModelDsl.Training;
using TorchSharp;
using static ModelDsl.Generators.Tests.Infrastructure.Reference;
using static TorchSharp.torch;

namespace ModelDsl.Generators.Tests;

/// <summary>
/// Each loss of a generated model against its formula, computed here from Forward's output (Keras: the mean over every
/// element, not halved); the gradient one TrainStep applies against autograd of that formula; each metric over a
/// multi-batch dataset against its formula over every sample.
/// </summary>
public class LossAndMetricTests
{
    private const double HuberDelta = 0.7;

    /// <summary>Prediction minus target for 6 samples × 2 outputs: both signs, on both sides of the Huber delta 0.7 and of 1.</summary>
    private static readonly double[] Errors = [-2.1, -1.3, -0.9, -0.65, -0.3, -0.05, 0.08, 0.35, 0.6, 0.75, 1.2, 2.4];

    private static readonly Tensor X = Random(31, 6, 3);

    private static double Huber(double e) => Math.Abs(e) <= HuberDelta ? 0.5 * e * e : HuberDelta * Math.Abs(e) - 0.5 * HuberDelta * HuberDelta;

    private static Tensor Huber(Tensor e) => where(e.abs() <= HuberDelta, 0.5 * e.square(), HuberDelta * e.abs() - 0.5 * HuberDelta * HuberDelta);

    /// <summary>
    /// TestStep's loss equals <paramref name="perElement"/> averaged over the 12 errors; the weights one TrainStep (SGD at
    /// rate 1) moves equal autograd's gradient of <paramref name="loss"/> over x·kernel + bias.
    /// </summary>
    private static void AssertLoss(ITrainableModel model, Func<Tensor, Tensor> forward, Tensor kernel, Tensor bias,
        Func<double, double> perElement, Func<Tensor, Tensor> loss)
    {
        Tensor y = forward(X) - tensor(Errors, dtype: F64).reshape(6, 2);
        Close(Errors.Average(perElement), model.TestStep(X, y).Loss, 1e-12, "TestStep loss");

        Tensor k = Leaf(kernel), b = Leaf(bias);
        loss(X.matmul(k) + b - y).backward();
        Tensor kernelBefore = kernel.clone(), biasBefore = bias.clone();
        double trainLoss = model.TrainStep(X, y).Loss;
        Close(Errors.Average(perElement), trainLoss, 1e-12, "TrainStep loss");
        Close(k.grad!, kernelBefore - kernel, 1e-10, "kernel gradient");
        Close(b.grad!, biasBefore - bias, 1e-10, "bias gradient");
    }

    [Fact]
    public void Mean_squared_error_is_the_mean_of_the_squares_and_trains_on_their_gradient()
    {
        var model = new MeanSquaredErrorModel(seed: 1, dtype: F64);
        AssertLoss(model, model.Forward, model.Weights.OutputKernel, model.Weights.OutputBias, e => e * e, e => e.square().mean());
    }

    [Fact]
    public void Mean_absolute_error_is_the_mean_of_the_magnitudes_and_trains_on_their_gradient()
    {
        var model = new MeanAbsoluteErrorModel(seed: 2, dtype: F64);
        AssertLoss(model, model.Forward, model.Weights.OutputKernel, model.Weights.OutputBias, Math.Abs, e => e.abs().mean());
    }

    [Fact]
    public void Huber_uses_the_declared_delta_on_both_sides_of_it()
    {
        var model = new HuberModel(seed: 3, dtype: F64);
        Assert.Contains(Errors, e => Math.Abs(e) < HuberDelta);
        Assert.Contains(Errors, e => Math.Abs(e) > HuberDelta && Math.Abs(e) < 1);   // where delta 0.7 and Keras' default 1 disagree
        AssertLoss(model, model.Forward, model.Weights.OutputKernel, model.Weights.OutputBias, Huber, e => Huber(e).mean());
    }

    [Fact]
    public void Evaluate_over_several_batches_gives_each_metric_over_every_sample()
    {
        var model = new MeanSquaredErrorModel(seed: 4, dtype: F64);
        Tensor x = Random(32, 10, 3);
        // Errors that grow from batch to batch, so that RMSE pooled over the epoch differs from the mean of the batches' RMSEs.
        Tensor errors = Random(33, 10, 2) * arange(1, 11, dtype: F64).reshape(10, 1);
        Tensor y = model.Forward(x) - errors;
        double[] e = Values(errors);
        double mse = e.Average(v => v * v);

        var result = model.Evaluate(new TensorDataset(x, y, batchSize: 4));   // batches of 4, 4 and 2 samples

        Assert.Equal(["mae", "mse", "root_mean_squared_error"], model.MetricNames);
        Close(mse, result.Loss, 1e-12, "loss");
        Close(e.Average(Math.Abs), result.Metrics["mae"], 1e-12, "mae");
        Close(mse, result.Metrics["mse"], 1e-12, "mse");
        Close(Math.Sqrt(mse), result.Metrics["root_mean_squared_error"], 1e-12, "root_mean_squared_error");
        double meanOfBatchRoots = (4 * Rms(e[..8]) + 4 * Rms(e[8..16]) + 2 * Rms(e[16..])) / 10;
        Assert.True(Math.Abs(meanOfBatchRoots - Math.Sqrt(mse)) > 1e-3, "the data must tell pooled RMSE from the mean of the batches'");

        static double Rms(double[] v) => Math.Sqrt(v.Average(a => a * a));
    }
}
