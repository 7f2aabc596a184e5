using System.Numerics;
using static TorchSharp.torch;

namespace ModelDsl.Optimizers;

/// <summary>
/// Keras' SGD: <c>w -= lr * g</c>; with momentum <c>v = momentum * v - lr * g; w += v</c>;
/// Nesterov: <c>w += momentum * v - lr * g</c> with the updated <c>v</c>. Slot: "momentum" (the velocity <c>v</c>).
/// </summary>
public sealed class Sgd : Optimizer
{
    private const string MomentumSlot = "momentum";

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="momentum"/> outside [0, 1] or NaN.</exception>
    public Sgd(LearningRateSchedule learningRate, double momentum = 0, bool nesterov = false) : base(learningRate)
    {
        Momentum = Require.UnitClosed(momentum, nameof(momentum));
        Nesterov = nesterov;
    }

    /// <exception cref="ArgumentOutOfRangeException">A negative, NaN or infinite <paramref name="learningRate"/>, or
    /// <paramref name="momentum"/> outside [0, 1].</exception>
    public Sgd(double learningRate = 0.01, double momentum = 0, bool nesterov = false)
        : this(new ConstantLearningRate(Require.NonNegative(learningRate, nameof(learningRate))), momentum, nesterov) { }

    public double Momentum { get; }
    public bool Nesterov { get; }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, double> Hyperparameters =>
        new Dictionary<string, double> { ["momentum"] = Momentum, ["nesterov"] = Nesterov ? 1 : 0 };

    /// <inheritdoc />
    public override IReadOnlyList<string> SlotNames => [MomentumSlot];

    /// <inheritdoc />
    protected override void Update(int index, Tensor parameter, Tensor gradient, double learningRate, long iteration)
    {
        if (Momentum == 0)
        {
            parameter.sub_(gradient.mul(learningRate));
            return;
        }
        var v = Slot(MomentumSlot, index, parameter);
        v.mul_(Momentum).sub_(gradient.mul(learningRate));
        if (Nesterov)
            parameter.add_(v.mul(Momentum).sub_(gradient.mul(learningRate)));
        else
            parameter.add_(v);
    }

    private protected override bool FusedUpdate(int index, Tensor parameter, Span<float> w, ReadOnlySpan<float> g, double learningRate, long iteration)
        => Fused(index, parameter, w, g, learningRate, iteration);

    private protected override bool FusedUpdate(int index, Tensor parameter, Span<double> w, ReadOnlySpan<double> g, double learningRate, long iteration)
        => Fused(index, parameter, w, g, learningRate, iteration);

    private bool Fused<T>(int index, Tensor parameter, Span<T> w, ReadOnlySpan<T> g, double learningRate, long iteration)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Momentum == 0)
        {
            FusedLoop.Run(new PlainRule<T>(learningRate), w, g, default, default, default);
            return true;
        }
        if (!TrySlotSpan<T>(MomentumSlot, index, parameter, w.Length, out var v)) return false;
        FusedLoop.Run(new MomentumRule<T>(learningRate, Momentum, Nesterov), w, g, v, default, default);
        return true;
    }

    /// <summary>w − g·lr.</summary>
    private readonly struct PlainRule<T>(double learningRate) : IFusedRule<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly Vector<T> _rate = FusedLoop.Constant<T>(learningRate);

        public void Apply(ref Vector<T> w, Vector<T> g, ref Vector<T> a, ref Vector<T> b, ref Vector<T> c) => w -= g * _rate;
    }

    /// <summary>v ← v·μ − g·lr; w ← w + v, or with Nesterov w ← w + (v·μ − g·lr).</summary>
    private readonly struct MomentumRule<T>(double learningRate, double momentum, bool nesterov) : IFusedRule<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly Vector<T> _rate = FusedLoop.Constant<T>(learningRate), _momentum = FusedLoop.Constant<T>(momentum);

        public void Apply(ref Vector<T> w, Vector<T> g, ref Vector<T> v, ref Vector<T> b, ref Vector<T> c)
        {
            var step = g * _rate;
            v = v * _momentum - step;
            w += nesterov ? v * _momentum - step : v;
        }
    }
}
