namespace ModelDsl.Optimizers;

/// <summary>
/// Keras' <c>PiecewiseConstantDecay</c>: <c>values[0]</c> while <c>step &lt;= boundaries[0]</c>, <c>values[i]</c> while
/// <c>boundaries[i-1] &lt; step &lt;= boundaries[i]</c>, and the last value after the last boundary.
/// </summary>
public sealed class PiecewiseConstantDecay : LearningRateSchedule
{
    private readonly long[] _boundaries;
    private readonly double[] _values;

    /// <exception cref="ArgumentException"><paramref name="values"/> does not have exactly one more entry than
    /// <paramref name="boundaries"/>, the boundaries do not increase, or a value is negative, NaN or infinite.</exception>
    public PiecewiseConstantDecay(IReadOnlyList<long> boundaries, IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(boundaries);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count != boundaries.Count + 1)
            throw new ArgumentException(
                $"PiecewiseConstantDecay needs one more value than boundaries (one rate before the first boundary and one after each): " +
                $"got {boundaries.Count} boundaries [{string.Join(", ", boundaries)}] and {values.Count} values [{string.Join(", ", values)}]; " +
                $"expected {boundaries.Count + 1} values.", nameof(values));
        for (int i = 1; i < boundaries.Count; i++)
            if (boundaries[i] <= boundaries[i - 1])
                throw new ArgumentException(
                    $"PiecewiseConstantDecay boundaries must increase: boundaries[{i - 1}] = {boundaries[i - 1]} and boundaries[{i}] = {boundaries[i]}.",
                    nameof(boundaries));
        for (int i = 0; i < values.Count; i++)
            if (!double.IsFinite(values[i]) || values[i] < 0)
                throw new ArgumentOutOfRangeException(nameof(values), values[i],
                    $"values[{i}] is a learning rate and must be finite and lie in [0, ∞); got {Require.Show(values[i])}.");
        _boundaries = [.. boundaries];
        _values = [.. values];
    }

    public IReadOnlyList<long> Boundaries => _boundaries;
    public IReadOnlyList<double> Values => _values;

    /// <inheritdoc />
    public override double At(long step)
    {
        RequireStep(step);
        for (int i = 0; i < _boundaries.Length; i++)
            if (step <= _boundaries[i]) return _values[i];
        return _values[^1];
    }
}
