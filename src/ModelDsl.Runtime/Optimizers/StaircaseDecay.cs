namespace ModelDsl.Optimizers;

/// <summary>The common shape of <see cref="ExponentialDecay"/> and <see cref="InverseTimeDecay"/>: a rate that decays
/// with <c>step / decaySteps</c>, that quotient floored when <see cref="Staircase"/>.</summary>
public abstract class StaircaseDecay : LearningRateSchedule
{
    private protected StaircaseDecay(double initialLearningRate, long decaySteps, double decayRate, bool staircase)
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
    public sealed override double At(long step)
    {
        RequireStep(step);
        double p = (double)step / DecaySteps;
        return Rate(Staircase ? Math.Floor(p) : p);
    }

    /// <summary>The rate after <paramref name="periods"/> decay periods (already floored when staircase).</summary>
    private protected abstract double Rate(double periods);
}
