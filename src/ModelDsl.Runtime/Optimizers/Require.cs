using System.Globalization;

namespace ModelDsl.Optimizers;

/// <summary>Argument checks shared by the optimizers and schedules: each message names the argument, the allowed
/// range and the value received.</summary>
internal static class Require
{
    /// <summary>A finite value of at least 0 (learning rates, epsilon, weight decay).</summary>
    public static double NonNegative(double value, string name)
    {
        if (!double.IsFinite(value) || value < 0)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and lie in [0, ∞); got {Show(value)}.");
        return value;
    }

    /// <summary>A value in [0, 1) (Adam's betas, RMSprop's rho).</summary>
    public static double UnitOpen(double value, string name)
    {
        if (double.IsNaN(value) || value < 0 || value >= 1)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must lie in [0, 1); got {Show(value)}.");
        return value;
    }

    /// <summary>A value in [0, 1] (momentum).</summary>
    public static double UnitClosed(double value, string name)
    {
        if (double.IsNaN(value) || value < 0 || value > 1)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must lie in [0, 1]; got {Show(value)}.");
        return value;
    }

    /// <summary>A positive count (decay steps).</summary>
    public static long Positive(long value, string name)
    {
        if (value <= 0) throw new ArgumentOutOfRangeException(name, value, $"{name} must lie in [1, {long.MaxValue}]; got {value}.");
        return value;
    }

    public static string Show(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
