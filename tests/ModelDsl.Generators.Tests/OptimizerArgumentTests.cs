using ModelDsl.Generators.Tests.Infrastructure;
using ModelDsl.Generators.Tests.Models;
using ModelDsl.Optimizers;
using ModelDsl.Training;
using TorchSharp;
using static ModelDsl.Generators.Tests.Infrastructure.Reference;
using static TorchSharp.torch;

namespace ModelDsl.Generators.Tests;

/// <summary>
/// The optimizer a model gets from its attribute, by what it does: two TrainSteps in float64 on a fixed batch against
/// Keras' update formulas applied here by hand to the autograd gradient of the MSE loss (relative error ≤ 1e-12).
/// </summary>
public class OptimizerArgumentTests
{
    private const double Tolerance = 1e-12;
    private static readonly Tensor X = Random(21, 6, 3), Y = Random(22, 6, 1);

    /// <summary>Keras' optimizers written out over plain doubles: one update of every weight from its gradient.</summary>
    private interface IHandRule
    {
        void Update(double[][] weights, double[][] gradients, int t);
    }

    /// <summary>Keras' Adam with t = iterations + 1; epsilon is added to the uncorrected sqrt(v).</summary>
    private sealed class HandAdam(double lr, double beta1, double beta2, double epsilon) : IHandRule
    {
        private double[][]? _m, _v;

        public void Update(double[][] weights, double[][] gradients, int t)
        {
            _m ??= weights.Select(w => new double[w.Length]).ToArray();
            _v ??= weights.Select(w => new double[w.Length]).ToArray();
            double alpha = lr * Math.Sqrt(1 - Math.Pow(beta2, t)) / (1 - Math.Pow(beta1, t));
            for (int i = 0; i < weights.Length; i++)
                for (int j = 0; j < weights[i].Length; j++)
                {
                    double g = gradients[i][j];
                    _m[i][j] = beta1 * _m[i][j] + (1 - beta1) * g;
                    _v[i][j] = beta2 * _v[i][j] + (1 - beta2) * g * g;
                    weights[i][j] -= alpha * _m[i][j] / (Math.Sqrt(_v[i][j]) + epsilon);
                }
        }
    }

    /// <summary>Keras' SGD: v = momentum·v − lr·g; w += v, or w += momentum·v − lr·g with Nesterov.</summary>
    private sealed class HandSgd(double lr, double momentum, bool nesterov) : IHandRule
    {
        private double[][]? _velocity;

        public void Update(double[][] weights, double[][] gradients, int t)
        {
            _velocity ??= weights.Select(w => new double[w.Length]).ToArray();
            for (int i = 0; i < weights.Length; i++)
                for (int j = 0; j < weights[i].Length; j++)
                {
                    double g = gradients[i][j];
                    _velocity[i][j] = momentum * _velocity[i][j] - lr * g;
                    weights[i][j] += nesterov ? momentum * _velocity[i][j] - lr * g : _velocity[i][j];
                }
        }
    }

    /// <summary>d mean((tanh(x·K1 + b1)·K2 + b2 − y)²) / d(K1, b1, K2, b2) by autograd, at the given weights.</summary>
    private static double[][] Gradient(double[][] weights, long[][] shapes)
    {
        Tensor[] w = weights.Select((v, i) => tensor(v, dtype: F64).reshape(shapes[i]).requires_grad_(true)).ToArray();
        Tensor output = (X.matmul(w[0]) + w[1]).tanh().matmul(w[2]) + w[3];
        (output - Y).square().mean().backward();
        return w.Select(t => Values(t.grad!)).ToArray();
    }

    /// <summary>
    /// Steps the model twice and the hand rule twice from the model's initial weights; they must agree after each step.
    /// The trainable tensors are in Keras' order (InitialisationTests): HiddenKernel, HiddenBias, OutputKernel, OutputBias.
    /// </summary>
    private static void AssertTwoSteps(ITrainableModel model, IHandRule rule)
    {
        string[] names = ["HiddenKernel", "HiddenBias", "OutputKernel", "OutputBias"];
        IReadOnlyList<Tensor> weights = model.TrainableTensors;
        long[][] shapes = weights.Select(t => t.shape).ToArray();
        double[][] expected = weights.Select(Values).ToArray();
        for (int t = 1; t <= 2; t++)
        {
            rule.Update(expected, Gradient(expected, shapes), t);
            model.TrainStep(X, Y);
            for (int i = 0; i < weights.Count; i++)
                Close(tensor(expected[i], dtype: F64).reshape(shapes[i]), weights[i], Tolerance, $"{names[i]} after step {t}");
        }
    }

    private static void AssertSgd(ITrainableModel model, Optimizer optimizer, double learningRate, double momentum, bool nesterov)
    {
        var sgd = Assert.IsType<Sgd>(optimizer);
        Assert.Equal((learningRate, momentum, nesterov), (sgd.CurrentLearningRate, sgd.Momentum, sgd.Nesterov));
        AssertTwoSteps(model, new HandSgd(learningRate, momentum, nesterov));
    }

    [Fact]
    public void Adam_attribute_betas_and_epsilon_drive_the_update()
    {
        var model = new AdamArgumentsModel(seed: 1, dtype: F64);
        var adam = Assert.IsType<Adam>(model.Optimizer);
        Assert.Equal((0.01, 0.8, 0.95, 1e-3), (adam.CurrentLearningRate, adam.Beta1, adam.Beta2, adam.Epsilon));
        AssertTwoSteps(model, new HandAdam(0.01, 0.8, 0.95, 1e-3));
    }

    [Fact]
    public void Sgd_attribute_momentum_with_nesterov_drives_the_update()
    {
        var model = new NesterovSgdModel(seed: 2, dtype: F64);
        AssertSgd(model, model.Optimizer, 0.05, momentum: 0.7, nesterov: true);
    }

    [Fact]
    public void Sgd_attribute_momentum_without_nesterov_drives_the_update()
    {
        var model = new MomentumSgdModel(seed: 3, dtype: F64);
        AssertSgd(model, model.Optimizer, 0.05, momentum: 0.7, nesterov: false);
    }

    [Fact]
    public void Plain_sgd_attribute_drives_the_update()
    {
        var model = new PlainSgdModel(seed: 4, dtype: F64);
        AssertSgd(model, model.Optimizer, 0.05, momentum: 0, nesterov: false);
    }
}
