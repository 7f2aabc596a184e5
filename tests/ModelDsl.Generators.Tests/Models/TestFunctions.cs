using System;
using ModelDsl;

namespace ModelDsl.Generators.Tests.Models;

/// <summary>[Differentiable] functions covering every rule, locals, several parameters, float and the chain rule through calls.</summary>
public static partial class TestFunctions
{
    private const double Half = 0.5;

    [Differentiable]
    public static double Polynomial(double x) => 3 * x * x * x - 2 * x + Half;

    [Differentiable]
    public static double Locals(double x)
    {
        var s = Math.Sin(x);
        var c = Math.Cos(x);
        var t = s * c + Math.Tan(x / 3);
        return t * Math.Exp(-x / 4) + Math.Log(x * x + 1) - Math.Sqrt(x * x + 2);
    }

    [Differentiable]
    public static double Hyperbolic(double x) => Math.Sinh(x / 2) + Math.Cosh(x / 3) * Math.Tanh(x) + Math.Atan(2 * x) + Math.Abs(x - 0.3);

    [Differentiable]
    public static double Power(double x, double y) => Math.Pow(x, y) + Math.Pow(y, 3) / x;

    [Differentiable]
    public static double Rosenbrock(double x, double y) => (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x);

    /// <summary>Chain rule through other [Differentiable] methods, of one and of two parameters, and across classes.</summary>
    [Differentiable]
    public static double Composite(double x, double y)
    {
        var inner = Polynomial(x) * Rosenbrock(y, x);
        return Examples.OptimizationFunctions.CoshBowl(inner / 10000) + Locals(y);
    }

    [Differentiable]
    public static float Single(float x) => MathF.Sin(x) * x + 2f / (x + 3f);

    /// <summary>Several float parameters: the gradient record is over float.</summary>
    [Differentiable]
    public static float SingleProduct(float x, float y) => x * MathF.Exp(y) - y;
}
