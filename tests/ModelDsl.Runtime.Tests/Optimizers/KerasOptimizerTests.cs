using ModelDsl.Optimizers;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Optimizers;

/// <summary>RMSprop and AdamW against scalar re-computations of Keras 3's update formulas (keras/src/optimizers/
/// rmsprop.py, adamw.py, as the catalogue §8 writes them) over two or three steps, plus literal first steps.</summary>
public class KerasOptimizerTests
{
    private const int Digits = 12;
    private static readonly double[] W0 = [1.0, -2.0, 0.0];
    private static readonly double[][] Grads = [[0.5, -1.0, 1e-4], [0.1, 0.2, 1e-4], [-0.3, 0.0, 1e-4]];

    public KerasOptimizerTests() => TorchRuntime.Initialize();

    private static Tensor Vector(params double[] values) => tensor((double[])values.Clone(), dtype: ScalarType.Float64);

    private static double[] Values(Tensor t) => t.data<double>().ToArray();

    /// <summary>Runs the optimizer and the scalar reference side by side, comparing after every step.</summary>
    private static void Follows(Optimizer optimizer, Func<int, int, double, double, double> reference)
    {
        double[] w = [.. W0];
        var tw = Vector(w);
        for (int t = 0; t < Grads.Length; t++)
        {
            for (int i = 0; i < w.Length; i++) w[i] = reference(t, i, w[i], Grads[t][i]);
            optimizer.Step([tw], [Vector(Grads[t])]);
            Assert.Equal(w, Values(tw), new Tolerance(Digits));
        }
    }

    [Theory]
    [InlineData(0.0, false)]
    [InlineData(0.9, false)]
    [InlineData(0.0, true)]
    [InlineData(0.5, true)]
    public void RmsProp_follows_keras(double momentum, bool centered)
    {
        const double lr = 0.1, rho = 0.9, eps = 1e-7;
        var v = new double[3];
        var average = new double[3];
        var mom = new double[3];
        Follows(new RmsProp(lr, rho, momentum, eps, centered), (_, i, w, g) =>
        {
            v[i] = rho * v[i] + (1 - rho) * g * g;
            double den;
            if (centered)
            {
                average[i] = rho * average[i] + (1 - rho) * g;
                den = v[i] - average[i] * average[i] + eps;
            }
            else den = v[i] + eps;
            double inc = lr * g / Math.Sqrt(den);
            if (momentum > 0)
            {
                mom[i] = momentum * mom[i] + inc;
                return w - mom[i];
            }
            return w - inc;
        });
    }

    [Fact]
    public void RmsProp_first_step_is_about_lr_over_root_of_one_minus_rho_with_epsilon_inside_the_root()
    {
        // g = 0.5: v = 0.025, w = 1 - 0.1 * 0.5 / sqrt(0.025 + 1e-7) = 0.68377286643679... (|Δw| ≈ lr / sqrt(0.1)).
        var w = Vector(1.0);
        new RmsProp(0.1).Step([w], [Vector(0.5)]);
        Assert.Equal(0.6837728664367967, Values(w)[0], Digits);

        // g = 1e-4: v = 1e-9. Keras: lr g / sqrt(v + eps) = 0.0314...; torch's lr g / (sqrt(v) + eps) would be 0.0969...
        var small = Vector(0.0);
        new RmsProp(0.1).Step([small], [Vector(1e-4)]);
        Assert.Equal(-0.1 * 1e-4 / Math.Sqrt(1e-9 + 1e-7), Values(small)[0], Digits);
        Assert.NotEqual(-0.1 * 1e-4 / (Math.Sqrt(1e-9) + 1e-7), Values(small)[0], 3);
    }

    [Fact]
    public void AdamW_decays_before_the_adam_update()
    {
        const double lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-7, wd = 0.004;
        var m = new double[3];
        var v = new double[3];
        Follows(new AdamW(lr, weightDecay: wd), (t, i, w, g) =>
        {
            w -= w * wd * lr;
            m[i] += (g - m[i]) * (1 - b1);
            v[i] += (g * g - v[i]) * (1 - b2);
            double alpha = lr * Math.Sqrt(1 - Math.Pow(b2, t + 1)) / (1 - Math.Pow(b1, t + 1));
            return w - alpha * m[i] / (Math.Sqrt(v[i]) + eps);
        });

        // Literal: w = 1 → 0.9996 by the decay, then Adam's first step of about lr: 0.89960063245153...
        var one = Vector(1.0);
        new AdamW(0.1).Step([one], [Vector(0.5)]);
        Assert.Equal(0.899600632451532, Values(one)[0], Digits);
    }

    [Fact]
    public void AdamW_decays_at_the_scheduled_rate()
    {
        // Rates 0.1 then 0.01; zero gradients leave Adam's step at 0, so w = (1 - 0.004 * 0.1)(1 - 0.004 * 0.01).
        var w = Vector(1.0);
        var adamW = new AdamW(new PiecewiseConstantDecay([0], [0.1, 0.01]));
        adamW.Step([w], [Vector(0.0)]);
        adamW.Step([w], [Vector(0.0)]);
        Assert.Equal((1 - 0.0004) * (1 - 0.00004), Values(w)[0], 15);
    }

    [Fact]
    public void Defaults_are_keras_defaults()
    {
        var rms = new RmsProp();
        Assert.Equal((0.001, 0.9, 0.0, 1e-7, false), (rms.CurrentLearningRate, rms.Rho, rms.Momentum, rms.Epsilon, rms.Centered));
        var adamW = new AdamW();
        Assert.Equal((0.001, 0.9, 0.999, 1e-7, 0.004), (adamW.CurrentLearningRate, adamW.Beta1, adamW.Beta2, adamW.Epsilon, adamW.WeightDecay));
    }

    public static TheoryData<string, Func<object>, string, string> BadArguments => new()
    {
        { "Sgd lr NaN", () => new Sgd(double.NaN), "learningRate", "[0, ∞)" },
        { "Sgd lr -1", () => new Sgd(-1), "learningRate", "[0, ∞)" },
        { "Sgd momentum 1.5", () => new Sgd(0.1, momentum: 1.5), "momentum", "[0, 1]" },
        { "Adam lr ∞", () => new Adam(double.PositiveInfinity), "learningRate", "[0, ∞)" },
        { "Adam beta1 1", () => new Adam(0.1, beta1: 1), "beta1", "[0, 1)" },
        { "Adam beta2 NaN", () => new Adam(0.1, beta2: double.NaN), "beta2", "[0, 1)" },
        { "Adam epsilon -1e-7", () => new Adam(0.1, epsilon: -1e-7), "epsilon", "[0, ∞)" },
        { "AdamW weightDecay NaN", () => new AdamW(0.1, weightDecay: double.NaN), "weightDecay", "[0, ∞)" },
        { "AdamW beta1 -0.1", () => new AdamW(beta1: -0.1), "beta1", "[0, 1)" },
        { "RmsProp lr -0.1", () => new RmsProp(-0.1), "learningRate", "[0, ∞)" },
        { "RmsProp rho 1", () => new RmsProp(rho: 1), "rho", "[0, 1)" },
        { "RmsProp momentum -1", () => new RmsProp(momentum: -1), "momentum", "[0, 1]" },
        { "RmsProp epsilon ∞", () => new RmsProp(epsilon: double.PositiveInfinity), "epsilon", "[0, ∞)" },
        { "Constant NaN", () => new ConstantLearningRate(double.NaN), "value", "[0, ∞)" },
        { "Exponential lr -1", () => new ExponentialDecay(-1, 10, 0.9), "initialLearningRate", "[0, ∞)" },
        { "Exponential rate NaN", () => new ExponentialDecay(0.1, 10, double.NaN), "decayRate", "[0, ∞)" },
        { "Exponential steps 0", () => new ExponentialDecay(0.1, 0, 0.9), "decaySteps", "[1, " },
        { "InverseTime rate -1", () => new InverseTimeDecay(0.1, 10, -1), "decayRate", "[0, ∞)" },
        { "Polynomial end ∞", () => new PolynomialDecay(0.1, 10, double.PositiveInfinity), "endLearningRate", "[0, ∞)" },
        { "Polynomial power -1", () => new PolynomialDecay(0.1, 10, power: -1), "power", "[0, ∞)" },
        { "Piecewise value NaN", () => new PiecewiseConstantDecay([10], [0.1, double.NaN]), "values", "values[1]" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void Constructors_name_the_argument_and_its_range(string label, Func<object> construct, string parameter, string range)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(construct);
        Assert.Equal(parameter, e.ParamName);
        Assert.Contains(range, e.Message);
        Assert.False(string.IsNullOrEmpty(label));
    }

    private sealed class Tolerance(int digits) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Round(x - y, digits) == 0;
        public int GetHashCode(double obj) => 0;
    }
}
