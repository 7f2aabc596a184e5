namespace ModelDsl.Optimizers;

/// <summary>A learning rate as a function of the optimizer's iteration counter (Keras' <c>LearningRateSchedule</c>).</summary>
public abstract class LearningRateSchedule
{
    /// <summary>The learning rate used by the update whose zero-based index is <paramref name="step"/> (0 at the first update).</summary>
    public abstract double At(long step);

    internal static void RequirePositive(long value, string name) => Require.Positive(value, name);

    internal static void RequireStep(long step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "The step counts updates and cannot be negative.");
    }
}
