namespace ModelDsl.Optimizers;

/// <summary>Keras' <c>ExponentialDecay</c>: <c>lr0 * rate^(step / decaySteps)</c>, the exponent floored when <c>staircase</c>.</summary>
public sealed class ExponentialDecay : LearningRateSchedule
{
    public ExponentialDecay(double initialLearningRate, long decaySteps, double decayRate, bool staircase = false)
    {
        RequirePositive(decaySteps, nameof(decaySteps));
        InitialLearningRate = initialLearningRate;
        DecaySteps = decaySteps;
        DecayRate = decayRate;
        Staircase = staircase;
    }

    public double InitialLearningRate { get; }
    public long DecaySteps { get; }
    public double DecayRate { get; }
    public bool Staircase { get; }

    /// <inheritdoc />
    public override double At(long step)
    {
        RequireStep(step);
        double p = (double)step / DecaySteps;
        if (Staircase) p = Math.Floor(p);
        return InitialLearningRate * Math.Pow(DecayRate, p);
    }
}
