using ModelDsl;

namespace ModelDsl.Examples;

/// <summary>The lab's one-dimensional functions; the generator writes each derivative beside it.</summary>
public static partial class OptimizationFunctions
{
    /// <summary>f(x) = cosh(πx/4): a smooth bowl with its minimum at 0.</summary>
    [Differentiable]
    public static double CoshBowl(double x) => Math.Cosh(Math.PI * x / 4);

    /// <summary>f(x) = sin(3πx)/x: many local minima.</summary>
    [Differentiable]
    public static double SinOverX(double x) => Math.Sin(3 * Math.PI * x) / x;
}
