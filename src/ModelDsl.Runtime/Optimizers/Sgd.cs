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
}
