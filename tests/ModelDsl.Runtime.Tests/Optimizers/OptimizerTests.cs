using ModelDsl.Optimizers;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Optimizers;

public class OptimizerTests
{
    private const int Digits = 12;

    public OptimizerTests() => TorchRuntime.Initialize();

    private static Tensor Vector(params double[] values) => tensor((double[])values.Clone(), dtype: ScalarType.Float64);   // a copy: tests keep mutating their arrays

    private static double[] Values(Tensor t) => t.data<double>().ToArray();

    [Fact]
    public void Plain_sgd_subtracts_the_scaled_gradient()
    {
        var w = Vector(1.0, -2.0);
        var sgd = new Sgd(0.1);
        sgd.Step([w], [Vector(0.5, -1.0)]);
        Assert.Equal([0.95, -1.9], Values(w), new Tolerance(Digits));
        sgd.Step([w], [Vector(0.1, 0.2)]);
        Assert.Equal([0.94, -1.92], Values(w), new Tolerance(Digits));
        Assert.Equal(2, sgd.Iterations);
        Assert.Equal(0.01, new Sgd().CurrentLearningRate);
    }

    [Fact]
    public void Momentum_sgd_follows_keras()
    {
        // v1 = -0.1*0.5 = -0.05, w = 0.95; v2 = 0.9*(-0.05) - 0.1*0.1 = -0.055, w = 0.895; v3 = 0.9*(-0.055) - 0.1*(-0.2) = -0.0295, w = 0.8655.
        var w = Vector(1.0);
        var sgd = new Sgd(0.1, momentum: 0.9);
        sgd.Step([w], [Vector(0.5)]);
        Assert.Equal(0.95, Values(w)[0], Digits);
        sgd.Step([w], [Vector(0.1)]);
        Assert.Equal(0.895, Values(w)[0], Digits);
        sgd.Step([w], [Vector(-0.2)]);
        Assert.Equal(0.8655, Values(w)[0], Digits);
    }

    [Fact]
    public void Nesterov_sgd_follows_keras()
    {
        // v1 = -0.05, w += 0.9*(-0.05) - 0.05 = -0.095 -> 0.905; v2 = -0.055, w += 0.9*(-0.055) - 0.01 = -0.0595 -> 0.8455.
        var w = Vector(1.0);
        var sgd = new Sgd(0.1, momentum: 0.9, nesterov: true);
        sgd.Step([w], [Vector(0.5)]);
        Assert.Equal(0.905, Values(w)[0], Digits);
        sgd.Step([w], [Vector(0.1)]);
        Assert.Equal(0.8455, Values(w)[0], Digits);
    }

    [Fact]
    public void Adam_follows_keras_with_epsilon_on_the_uncorrected_root()
    {
        const double lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-7;
        double[] w = [1.0, -2.0, 0.0];
        double[][] grads = [[0.5, -1.0, 1e-4], [0.1, 0.2, 1e-4], [-0.3, 0.0, 1e-4]];
        double[] m = new double[3], v = new double[3];
        var tw = Vector(w);
        var adam = new Adam(lr);
        for (int t = 1; t <= grads.Length; t++)
        {
            double alpha = lr * Math.Sqrt(1 - Math.Pow(b2, t)) / (1 - Math.Pow(b1, t));
            for (int i = 0; i < w.Length; i++)
            {
                double g = grads[t - 1][i];
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                w[i] -= alpha * m[i] / (Math.Sqrt(v[i]) + eps);
            }
            adam.Step([tw], [Vector(grads[t - 1])]);
            Assert.Equal(w, Values(tw), new Tolerance(Digits));
        }
    }

    [Fact]
    public void Adam_adds_epsilon_before_bias_correction_unlike_torch()
    {
        // One step from 0 with g = 1e-4, lr = 0.1: m = 1e-5, v = 1e-11, alpha = 0.1 * sqrt(0.001) / 0.1.
        double keras = -Math.Sqrt(0.001) * 1e-5 / (Math.Sqrt(1e-11) + 1e-7);   // -0.096935...
        double torchStyle = -0.1 * 1e-4 / (1e-4 + 1e-7);                        // -0.0999000..., epsilon after correction
        var w = Vector(0.0);
        new Adam(0.1).Step([w], [Vector(1e-4)]);
        Assert.Equal(keras, Values(w)[0], Digits);
        Assert.NotEqual(torchStyle, Values(w)[0], 3);
    }

    [Fact]
    public void Adam_defaults_are_keras_defaults()
    {
        var adam = new Adam();
        Assert.Equal(0.001, adam.CurrentLearningRate);
        Assert.Equal((0.9, 0.999, 1e-7), (adam.Beta1, adam.Beta2, adam.Epsilon));
    }

    [Fact]
    public void A_scheduled_optimizer_uses_the_rate_of_its_current_iteration()
    {
        // Rates by iteration: 0 -> 0.1 (0 <= 1), 1 -> 0.1 (1 <= 1), 2 -> 0.01.
        var sgd = new Sgd(new PiecewiseConstantDecay([1], [0.1, 0.01]));
        var w = Vector(1.0);
        double[] expected = [0.9, 0.8, 0.79];
        double[] rates = [0.1, 0.1, 0.01];
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(i, sgd.Iterations);
            Assert.Equal(rates[i], sgd.CurrentLearningRate);
            sgd.Step([w], [Vector(1.0)]);
            Assert.Equal(expected[i], Values(w)[0], Digits);
        }
    }

    [Fact]
    public void Shape_mismatches_name_the_index()
    {
        var sgd = new Sgd(0.1, momentum: 0.5);
        var a = Vector(1, 2);
        var b = Vector(1, 2, 3);
        var e = Assert.Throws<ArgumentException>(() => sgd.Step([a, b], [Vector(1, 1), Vector(1, 1)]));
        Assert.Contains("Gradient 1 has shape (2) but parameter 1 has shape (3)", e.Message);
        Assert.Equal(0, sgd.Iterations);

        sgd.Step([a, b], [Vector(1, 1), Vector(1, 1, 1)]);
        var moved = Assert.Throws<ArgumentException>(() => sgd.Step([b, a], [Vector(1, 1, 1), Vector(1, 1)]));
        Assert.Contains("Parameter 0 has shape (3) but had shape (2)", moved.Message);
        var count = Assert.Throws<ArgumentException>(() => sgd.Step([a], [Vector(1, 1)]));
        Assert.Contains("first stepped with 2 parameters", count.Message);
    }

    [Fact]
    public void Updates_are_in_place_and_work_on_float32()
    {
        var w = tensor(new float[] { 1f, 2f });
        var before = w.Handle;
        new Adam(0.01).Step([w], [tensor(new float[] { 1f, -1f })]);
        Assert.Equal(before, w.Handle);
        Assert.Equal(ScalarType.Float32, w.dtype);
        // |step| of Adam's first update is lr * |g| / (|g| + eps * ...) ~ lr.
        Assert.Equal([0.99f, 2.01f], w.data<float>().ToArray(), new FloatTolerance(1e-6f));
    }

    private sealed class Tolerance(int digits) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Round(x - y, digits) == 0;
        public int GetHashCode(double obj) => 0;
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(float obj) => 0;
    }
}
