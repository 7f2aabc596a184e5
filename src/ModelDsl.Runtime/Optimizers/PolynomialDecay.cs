namespace ModelDsl.Optimizers;

/// <summary>
/// Keras' <c>PolynomialDecay</c>: <c>(lr0 - end) * (1 - s / D)^power + end</c>. Without <c>cycle</c>,
/// <c>s = min(step, decaySteps)</c> and <c>D = decaySteps</c>; with it, <c>s = step</c> and <c>D</c> is the first
/// multiple of <c>decaySteps</c> not below the step (<c>decaySteps</c> itself at step 0).
/// </summary>
public sealed class PolynomialDecay : LearningRateSchedule
{
    /// <exception cref="ArgumentOutOfRangeException">A negative, NaN or infinite rate or power, or decay steps below 1.</exception>
    public PolynomialDecay(double initialLearningRate, long decaySteps, double endLearningRate = 1e-4, double power = 1.0, bool cycle = false)
    {
        InitialLearningRate = Require.NonNegative(initialLearningRate, nameof(initialLearningRate));
        DecaySteps = Require.Positive(decaySteps, nameof(decaySteps));
        EndLearningRate = Require.NonNegative(endLearningRate, nameof(endLearningRate));
        Power = Require.NonNegative(power, nameof(power));
        Cycle = cycle;
    }

    public double InitialLearningRate { get; }
    public long DecaySteps { get; }
    public double EndLearningRate { get; }
    public double Power { get; }
    public bool Cycle { get; }

    /// <inheritdoc />
    public override double At(long step)
    {
        RequireStep(step);
        double s = step, d = DecaySteps;
        if (Cycle)
            d *= step == 0 ? 1 : Math.Ceiling(s / DecaySteps);
        else
            s = Math.Min(s, d);
        return (InitialLearningRate - EndLearningRate) * Math.Pow(1 - s / d, Power) + EndLearningRate;
    }
}
