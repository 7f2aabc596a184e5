using static TorchSharp.torch;

namespace ModelDsl.Optimizers;

/// <summary>
/// Keras' Adam. With <c>t = iterations + 1</c>: <c>alpha = lr * sqrt(1 - beta2^t) / (1 - beta1^t)</c>,
/// <c>m += (g - m)(1 - beta1)</c>, <c>v += (g² - v)(1 - beta2)</c>, <c>w -= alpha * m / (sqrt(v) + epsilon)</c>.
/// Epsilon is added to the uncorrected <c>sqrt(v)</c>, unlike <c>torch.optim.Adam</c>. Slots: "momentum" (m) and
/// "velocity" (v), Keras' names.
/// </summary>
public class Adam : Optimizer
{
    private protected const string MomentumSlot = "momentum", VelocitySlot = "velocity";

    /// <exception cref="ArgumentOutOfRangeException">A beta outside [0, 1), or a negative, NaN or infinite epsilon.</exception>
    public Adam(LearningRateSchedule learningRate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7) : base(learningRate)
    {
        Beta1 = Require.UnitOpen(beta1, nameof(beta1));
        Beta2 = Require.UnitOpen(beta2, nameof(beta2));
        Epsilon = Require.NonNegative(epsilon, nameof(epsilon));
    }

    /// <exception cref="ArgumentOutOfRangeException">A negative, NaN or infinite <paramref name="learningRate"/> or
    /// epsilon, or a beta outside [0, 1).</exception>
    public Adam(double learningRate = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7)
        : this(new ConstantLearningRate(Require.NonNegative(learningRate, nameof(learningRate))), beta1, beta2, epsilon) { }

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Epsilon { get; }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, double> Hyperparameters =>
        new Dictionary<string, double> { ["beta_1"] = Beta1, ["beta_2"] = Beta2, ["epsilon"] = Epsilon };

    /// <inheritdoc />
    public override IReadOnlyList<string> SlotNames => [MomentumSlot, VelocitySlot];

    /// <inheritdoc />
    protected override void Update(int index, Tensor parameter, Tensor gradient, double learningRate, long iteration)
    {
        var m = Slot(MomentumSlot, index, parameter);
        var v = Slot(VelocitySlot, index, parameter);
        double t = iteration + 1;
        double alpha = learningRate * Math.Sqrt(1 - Math.Pow(Beta2, t)) / (1 - Math.Pow(Beta1, t));
        m.add_(gradient.sub(m).mul_(1 - Beta1));
        v.add_(gradient.square().sub_(v).mul_(1 - Beta2));
        parameter.sub_(m.mul(alpha).div_(v.sqrt().add_(Epsilon)));
    }
}
