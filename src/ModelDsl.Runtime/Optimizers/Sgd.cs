using static TorchSharp.torch;

namespace ModelDsl.Optimizers;

/// <summary>
/// Keras' SGD: <c>w -= lr * g</c>; with momentum <c>v = momentum * v - lr * g; w += v</c>;
/// Nesterov: <c>w += momentum * v - lr * g</c> with the updated <c>v</c>.
/// </summary>
public sealed class Sgd : Optimizer
{
    private readonly List<Tensor> _velocities = [];

    public Sgd(LearningRateSchedule learningRate, double momentum = 0, bool nesterov = false) : base(learningRate)
    {
        if (momentum is < 0 or > 1 || double.IsNaN(momentum))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "SGD momentum must lie in [0, 1].");
        Momentum = momentum;
        Nesterov = nesterov;
    }

    public Sgd(double learningRate = 0.01, double momentum = 0, bool nesterov = false)
        : this(new ConstantLearningRate(learningRate), momentum, nesterov) { }

    public double Momentum { get; }
    public bool Nesterov { get; }

    /// <inheritdoc />
    protected override void Update(int index, Tensor parameter, Tensor gradient, double learningRate, long iteration)
    {
        if (Momentum == 0)
        {
            parameter.sub_(gradient.mul(learningRate));
            return;
        }
        var v = Slot(_velocities, index, parameter);
        v.mul_(Momentum).sub_(gradient.mul(learningRate));
        if (Nesterov)
            parameter.add_(v.mul(Momentum).sub_(gradient.mul(learningRate)));
        else
            parameter.add_(v);
    }
}
