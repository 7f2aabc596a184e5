namespace ModelDsl.Optimizers;

/// <summary>The same rate at every step; lets every optimizer hold a schedule.</summary>
/// <exception cref="ArgumentOutOfRangeException">A negative, NaN or infinite value.</exception>
public sealed class ConstantLearningRate(double value) : LearningRateSchedule
{
    /// <summary>The rate returned at every step.</summary>
    public double Value { get; } = Require.NonNegative(value, nameof(value));

    /// <inheritdoc />
    public override double At(long step) => Value;

    /// <inheritdoc />
    public override string ToString() => $"ConstantLearningRate({Value})";
}
