using static TorchSharp.torch;

namespace ModelDsl.Optimizers;

/// <summary>
/// Keras' Adam. With <c>t = iterations + 1</c>: <c>alpha = lr * sqrt(1 - beta2^t) / (1 - beta1^t)</c>,
/// <c>m += (g - m)(1 - beta1)</c>, <c>v += (g² - v)(1 - beta2)</c>, <c>w -= alpha * m / (sqrt(v) + epsilon)</c>.
/// Epsilon is added to the uncorrected <c>sqrt(v)</c>, unlike <c>torch.optim.Adam</c>.
/// </summary>
public sealed class Adam : Optimizer
{
    private readonly List<Tensor> _m = [], _v = [];

    public Adam(LearningRateSchedule learningRate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7) : base(learningRate)
    {
        if (beta1 is < 0 or >= 1 || double.IsNaN(beta1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must lie in [0, 1).");
        if (beta2 is < 0 or >= 1 || double.IsNaN(beta2)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must lie in [0, 1).");
        if (epsilon < 0 || double.IsNaN(epsilon)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon cannot be negative.");
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    public Adam(double learningRate = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7)
        : this(new ConstantLearningRate(learningRate), beta1, beta2, epsilon) { }

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Epsilon { get; }

    /// <inheritdoc />
    protected override void Update(int index, Tensor parameter, Tensor gradient, double learningRate, long iteration)
    {
        var m = Slot(_m, index, parameter);
        var v = Slot(_v, index, parameter);
        double t = iteration + 1;
        double alpha = learningRate * Math.Sqrt(1 - Math.Pow(Beta2, t)) / (1 - Math.Pow(Beta1, t));
        m.add_(gradient.sub(m).mul_(1 - Beta1));
        v.add_(gradient.square().sub_(v).mul_(1 - Beta2));
        parameter.sub_(m.mul(alpha).div_(v.sqrt().add_(Epsilon)));
    }
}
