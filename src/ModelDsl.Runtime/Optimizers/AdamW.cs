using static TorchSharp.torch;

namespace ModelDsl.Optimizers;

/// <summary>
/// Keras' AdamW: decoupled weight decay <c>w ← w − w·weightDecay·lr</c> (at the current, scheduled rate) applied to
/// every parameter before <see cref="Adam"/>'s update. torch's AdamW defaults differ (weight decay 0.01, epsilon 1e-8).
/// </summary>
public sealed class AdamW : Adam
{
    /// <exception cref="ArgumentOutOfRangeException">A beta outside [0, 1), or a negative, NaN or infinite epsilon or
    /// weight decay.</exception>
    public AdamW(LearningRateSchedule learningRate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7, double weightDecay = 0.004)
        : base(learningRate, beta1, beta2, epsilon)
    {
        WeightDecay = Require.NonNegative(weightDecay, nameof(weightDecay));
    }

    /// <exception cref="ArgumentOutOfRangeException">A negative, NaN or infinite learning rate, epsilon or weight decay,
    /// or a beta outside [0, 1).</exception>
    public AdamW(double learningRate = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7, double weightDecay = 0.004)
        : this(new ConstantLearningRate(Require.NonNegative(learningRate, nameof(learningRate))), beta1, beta2, epsilon, weightDecay) { }

    public double WeightDecay { get; }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, double> Hyperparameters =>
        new Dictionary<string, double>(base.Hyperparameters) { ["weight_decay"] = WeightDecay };

    /// <inheritdoc />
    protected override void Update(int index, Tensor parameter, Tensor gradient, double learningRate, long iteration)
    {
        if (WeightDecay != 0) parameter.sub_(parameter.mul(WeightDecay * learningRate));
        base.Update(index, parameter, gradient, learningRate, iteration);
    }
}
