using System.Numerics;
using static TorchSharp.torch;

namespace ModelDsl.Optimizers;

/// <summary>
/// Keras' RMSprop: <c>v ← ρ·v + (1−ρ)·g²</c>; centered: <c>ḡ ← ρ·ḡ + (1−ρ)·g</c>, <c>den = v − ḡ² + ε</c>, else
/// <c>den = v + ε</c>; <c>inc = lr·g / √den</c> (epsilon inside the root, unlike torch); with momentum
/// <c>mom ← momentum·mom + inc; w ← w − mom</c> (the buffer holds lr), else <c>w ← w − inc</c>. Slots, Keras' names:
/// "velocity" (v), "momentum" when momentum &gt; 0, "average_gradient" (ḡ) when centered. The iteration counter is
/// not used by the update (only by a schedule).
/// </summary>
public sealed class RmsProp : Optimizer
{
    private const string VelocitySlot = "velocity", MomentumSlot = "momentum", AverageGradientSlot = "average_gradient";

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rho"/> outside [0, 1), <paramref name="momentum"/>
    /// outside [0, 1], or a negative, NaN or infinite epsilon.</exception>
    public RmsProp(LearningRateSchedule learningRate, double rho = 0.9, double momentum = 0, double epsilon = 1e-7, bool centered = false)
        : base(learningRate)
    {
        Rho = Require.UnitOpen(rho, nameof(rho));
        Momentum = Require.UnitClosed(momentum, nameof(momentum));
        Epsilon = Require.NonNegative(epsilon, nameof(epsilon));
        Centered = centered;
    }

    /// <exception cref="ArgumentOutOfRangeException">A negative, NaN or infinite learning rate or epsilon,
    /// <paramref name="rho"/> outside [0, 1) or <paramref name="momentum"/> outside [0, 1].</exception>
    public RmsProp(double learningRate = 0.001, double rho = 0.9, double momentum = 0, double epsilon = 1e-7, bool centered = false)
        : this(new ConstantLearningRate(Require.NonNegative(learningRate, nameof(learningRate))), rho, momentum, epsilon, centered) { }

    public double Rho { get; }
    public double Momentum { get; }
    public double Epsilon { get; }
    public bool Centered { get; }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, double> Hyperparameters => new Dictionary<string, double>
    {
        ["rho"] = Rho, ["momentum"] = Momentum, ["epsilon"] = Epsilon, ["centered"] = Centered ? 1 : 0,
    };

    /// <inheritdoc />
    public override IReadOnlyList<string> SlotNames => [VelocitySlot, MomentumSlot, AverageGradientSlot];

    /// <inheritdoc />
    protected override void Update(int index, Tensor parameter, Tensor gradient, double learningRate, long iteration)
    {
        var v = Slot(VelocitySlot, index, parameter);
        v.mul_(Rho).add_(gradient.square().mul_(1 - Rho));
        Tensor denominator;
        if (Centered)
        {
            var average = Slot(AverageGradientSlot, index, parameter);
            average.mul_(Rho).add_(gradient.mul(1 - Rho));
            denominator = v.sub(average.square()).add_(Epsilon);
        }
        else
            denominator = v.add(Epsilon);
        var increment = gradient.mul(learningRate).div_(denominator.sqrt_());
        if (Momentum > 0)
        {
            var momentum = Slot(MomentumSlot, index, parameter);
            momentum.mul_(Momentum).add_(increment);
            parameter.sub_(momentum);
        }
        else
            parameter.sub_(increment);
    }

    private protected override bool FusedUpdate(int index, Tensor parameter, Span<float> w, ReadOnlySpan<float> g, double learningRate, long iteration)
        => Fused(index, parameter, w, g, learningRate, iteration);

    private protected override bool FusedUpdate(int index, Tensor parameter, Span<double> w, ReadOnlySpan<double> g, double learningRate, long iteration)
        => Fused(index, parameter, w, g, learningRate, iteration);

    private bool Fused<T>(int index, Tensor parameter, Span<T> w, ReadOnlySpan<T> g, double learningRate, long iteration)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Slots in the order the torch update first uses them (velocity, average gradient, momentum): GetState lists them so.
        Span<T> average = default, momentum = default;
        if (!TrySlotSpan<T>(VelocitySlot, index, parameter, w.Length, out var velocity) ||
            (Centered && !TrySlotSpan(AverageGradientSlot, index, parameter, w.Length, out average)) ||
            (Momentum > 0 && !TrySlotSpan(MomentumSlot, index, parameter, w.Length, out momentum))) return false;
        FusedLoop.Run(new Rule<T>(learningRate, Rho, 1 - Rho, Epsilon, Momentum, Centered, Momentum > 0), w, g, velocity, average, momentum);
        return true;
    }

    /// <summary>v ← v·ρ + g²(1 − ρ); [a ← a·ρ + g(1 − ρ)]; d = √(v [− a²] + ε); increment g·lr / d, through the momentum
    /// slot m ← m·μ + increment when μ &gt; 0; w ← w − increment (or m).</summary>
    private readonly struct Rule<T>(double learningRate, double rho, double oneMinusRho, double epsilon, double momentum, bool centered, bool hasMomentum)
        : IFusedRule<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly Vector<T> _rate = FusedLoop.Constant<T>(learningRate), _rho = FusedLoop.Constant<T>(rho),
            _oneMinusRho = FusedLoop.Constant<T>(oneMinusRho), _epsilon = FusedLoop.Constant<T>(epsilon), _momentum = FusedLoop.Constant<T>(momentum);

        public void Apply(ref Vector<T> w, Vector<T> g, ref Vector<T> v, ref Vector<T> a, ref Vector<T> m)
        {
            v = v * _rho + g * g * _oneMinusRho;
            Vector<T> denominator;
            if (centered)
            {
                a = a * _rho + g * _oneMinusRho;
                denominator = Vector.SquareRoot(v - a * a + _epsilon);
            }
            else
                denominator = Vector.SquareRoot(v + _epsilon);
            var increment = g * _rate / denominator;
            if (hasMomentum)
            {
                m = m * _momentum + increment;
                w -= m;
            }
            else
                w -= increment;
        }
    }
}
