using System.Numerics;
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

    /// <summary>The decoupled weight decay applied before the Adam step (AdamW's), 0 for Adam.</summary>
    private protected virtual double DecoupledDecay => 0;

    private protected override bool FusedUpdate(int index, Tensor parameter, Span<float> w, ReadOnlySpan<float> g, double learningRate, long iteration)
        => Fused(index, parameter, w, g, learningRate, iteration);

    private protected override bool FusedUpdate(int index, Tensor parameter, Span<double> w, ReadOnlySpan<double> g, double learningRate, long iteration)
        => Fused(index, parameter, w, g, learningRate, iteration);

    private bool Fused<T>(int index, Tensor parameter, Span<T> w, ReadOnlySpan<T> g, double learningRate, long iteration)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!TrySlotSpan<T>(MomentumSlot, index, parameter, w.Length, out var m) ||
            !TrySlotSpan<T>(VelocitySlot, index, parameter, w.Length, out var v)) return false;
        double t = iteration + 1;
        double alpha = learningRate * Math.Sqrt(1 - Math.Pow(Beta2, t)) / (1 - Math.Pow(Beta1, t));
        FusedLoop.Run(new Rule<T>(alpha, 1 - Beta1, 1 - Beta2, Epsilon, DecoupledDecay * learningRate, DecoupledDecay != 0), w, g, m, v, default);
        return true;
    }

    /// <summary>[w ← w − w·(λ·lr)]; m ← m + (g − m)(1 − β1); v ← v + (g² − v)(1 − β2); w ← w − m·α / (√v + ε).</summary>
    private readonly struct Rule<T>(double alpha, double oneMinusBeta1, double oneMinusBeta2, double epsilon, double decay, bool decays)
        : IFusedRule<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly Vector<T> _alpha = FusedLoop.Constant<T>(alpha), _b1 = FusedLoop.Constant<T>(oneMinusBeta1),
            _b2 = FusedLoop.Constant<T>(oneMinusBeta2), _epsilon = FusedLoop.Constant<T>(epsilon), _decay = FusedLoop.Constant<T>(decay);

        public void Apply(ref Vector<T> w, Vector<T> g, ref Vector<T> m, ref Vector<T> v, ref Vector<T> c)
        {
            if (decays) w -= w * _decay;
            m += (g - m) * _b1;
            v += (g * g - v) * _b2;
            w -= m * _alpha / (Vector.SquareRoot(v) + _epsilon);
        }
    }
}
