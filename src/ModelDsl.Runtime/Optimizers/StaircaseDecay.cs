namespace ModelDsl.Optimizers;

/// <summary>The common shape of <see cref="ExponentialDecay"/> and <see cref="InverseTimeDecay"/>: a rate that decays
/// with <c>step / decaySteps</c>, that quotient floored when <see cref="Staircase"/>.</summary>
/// <remarks>The constructor throws <see cref="ArgumentOutOfRangeException"/>, naming the argument and its range, for a
/// negative, NaN or infinite initial rate or decay rate and for decay steps below 1.</remarks>
public abstract class StaircaseDecay : LearningRateSchedule
{
    private protected StaircaseDecay(double initialLearningRate, long decaySteps, double decayRate, bool staircase)
    {
        InitialLearningRate = Require.NonNegative(initialLearningRate, nameof(initialLearningRate));
        DecaySteps = Require.Positive(decaySteps, nameof(decaySteps));
        DecayRate = Require.NonNegative(decayRate, nameof(decayRate));
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
