using ModelDsl.Examples;
using ModelDsl.Generators.Tests.Infrastructure;
using ModelDsl.Generators.Tests.Models;

namespace ModelDsl.Generators.Tests;

/// <summary>The generated derivatives of [Differentiable] functions against analytic derivatives and central differences.</summary>
public class DerivativeTests
{
    private static readonly double[] Points = Enumerable.Range(0, 97).Select(i => -4.8 + i * 0.1 + 0.0123).ToArray();

    private static void Close(double expected, double actual, double tolerance, string what)
    {
        double scale = Math.Max(1, Math.Abs(expected));
        Assert.True(Math.Abs(expected - actual) <= tolerance * scale, $"{what}: expected {expected:R}, got {actual:R}");
    }

    private static double Central(Func<double, double> f, double x, double h = 1e-5) => (f(x + h) - f(x - h)) / (2 * h);

    [Fact]
    public void CoshBowl_matches_its_analytic_derivative_and_central_differences()
    {
        foreach (double x in Points)
        {
            double analytic = Math.PI / 4 * Math.Sinh(Math.PI * x / 4);
            Close(analytic, OptimizationFunctions.CoshBowlDerivative(x), 1e-12, $"f'({x})");
            Close(Central(OptimizationFunctions.CoshBowl, x), OptimizationFunctions.CoshBowlDerivative(x), 1e-7, $"FD at {x}");
            var (value, derivative) = OptimizationFunctions.CoshBowlWithDerivative(x);
            Assert.Equal(OptimizationFunctions.CoshBowl(x), value);
            Assert.Equal(OptimizationFunctions.CoshBowlDerivative(x), derivative);
            ValueAndDerivative<double> named = OptimizationFunctions.CoshBowlWithDerivative(x);
            Assert.Equal(new ValueAndDerivative<double>(value, derivative), named);
            Assert.Equal(derivative, named.Derivative);
        }
    }

    [Fact]
    public void SinOverX_matches_its_analytic_derivative_and_central_differences()
    {
        foreach (double x in Points)
        {
            double analytic = (3 * Math.PI * x * Math.Cos(3 * Math.PI * x) - Math.Sin(3 * Math.PI * x)) / (x * x);
            Close(analytic, OptimizationFunctions.SinOverXDerivative(x), 1e-11, $"f'({x})");
            Close(Central(OptimizationFunctions.SinOverX, x, 1e-6), OptimizationFunctions.SinOverXDerivative(x), 1e-6, $"FD at {x}");
        }
    }

    [Fact]
    public void The_textbook_gradient_of_SinOverX_drops_the_factor_3pi_and_disagrees()
    {
        // The lab's hand-written gradient: (x·cos(3πx) − sin(3πx)) / x². The chain rule gives 3π·x·cos(3πx) on the cos term.
        static double Textbook(double x) => (x * Math.Cos(3 * Math.PI * x) - Math.Sin(3 * Math.PI * x)) / (x * x);
        int disagreements = 0;
        foreach (double x in Points)
        {
            double generated = OptimizationFunctions.SinOverXDerivative(x);
            double finite = Central(OptimizationFunctions.SinOverX, x, 1e-6);
            Close(finite, generated, 1e-6, $"generated vs FD at {x}");
            if (Math.Abs(Textbook(x) - finite) > 1e-3 * Math.Max(1, Math.Abs(finite))) disagreements++;
        }
        Assert.True(disagreements > Points.Length * 9 / 10, $"the textbook formula agreed at {Points.Length - disagreements} of {Points.Length} points");
        // At x = 0.5: cos(1.5π) = 0, so both agree there only by accident; at x = 1/3 they differ by 3π·x·cos/x² - x·cos/x² ≠ 0.
        double third = 1.0 / 3;
        Assert.NotEqual(Textbook(third), OptimizationFunctions.SinOverXDerivative(third), 6);
    }

    [Fact]
    public void Polynomial_and_locals_match_analytic_derivatives()
    {
        foreach (double x in Points)
        {
            Close(9 * x * x - 2, TestFunctions.PolynomialDerivative(x), 1e-12, $"poly'({x})");
            double s = Math.Sin(x), c = Math.Cos(x), t = s * c + Math.Tan(x / 3), e = Math.Exp(-x / 4);
            double dt = c * c - s * s + 1 / (3 * Math.Cos(x / 3) * Math.Cos(x / 3));
            double analytic = dt * e - t * e / 4 + 2 * x / (x * x + 1) - x / Math.Sqrt(x * x + 2);
            Close(analytic, TestFunctions.LocalsDerivative(x), 1e-11, $"locals'({x})");
        }
    }

    [Fact]
    public void Every_rule_matches_central_differences()
    {
        foreach (double x in Points)
        {
            if (Math.Abs(x - 0.3) < 1e-3) continue;
            Close(Central(TestFunctions.Hyperbolic, x), TestFunctions.HyperbolicDerivative(x), 1e-7, $"hyperbolic at {x}");
            if (Math.Abs(Math.Cos(x / 3)) > 0.1) // away from the pole of tan(x/3)
                Close(Central(TestFunctions.Locals, x), TestFunctions.LocalsDerivative(x), 1e-6, $"locals at {x}");
            float xf = (float)x;
            if (Math.Abs(x + 3) > 0.5)
                Close(Central(v => TestFunctions.Single((float)v), x, 1e-2), TestFunctions.SingleDerivative(xf), 2e-3, $"float at {x}");
        }
    }

    [Fact]
    public void Gradients_of_two_parameters_match_analytic_and_central_differences()
    {
        foreach (double x in Points.Where(p => p > 0.05))
        {
            foreach (double y in new[] { -1.3, 0.2, 1.7, 2.9 })
            {
                var (gx, gy) = TestFunctions.PowerGradient(x, y);
                Close(y * Math.Pow(x, y - 1) - Math.Pow(y, 3) / (x * x), gx, 1e-10, "dPower/dx");
                Close(Math.Pow(x, y) * Math.Log(x) + 3 * y * y / x, gy, 1e-10, "dPower/dy");

                var rosen = TestFunctions.RosenbrockGradient(x, y);
                Close(-2 * (1 - x) - 400 * x * (y - x * x), rosen.X, 1e-10, "dRosenbrock/dx");
                Close(200 * (y - x * x), rosen.Y, 1e-10, "dRosenbrock/dy");
                var (value, gradient) = TestFunctions.RosenbrockWithGradient(x, y);
                Assert.Equal(TestFunctions.Rosenbrock(x, y), value);
                Assert.Equal(rosen, gradient);
                ValueAndGradient<double, TestFunctions.RosenbrockGradientValue> named = TestFunctions.RosenbrockWithGradient(x, y);
                Assert.Equal(rosen.Y, named.Gradient.Y);
            }
        }
    }

    [Fact]
    public void Float_functions_return_float_records()
    {
        foreach (float x in new[] { -1.5f, 0.25f, 2f })
        {
            ValueAndDerivative<float> single = TestFunctions.SingleWithDerivative(x);
            Assert.Equal(TestFunctions.Single(x), single.Value);
            Assert.Equal(TestFunctions.SingleDerivative(x), single.Derivative);
            foreach (float y in new[] { -0.5f, 0f, 1.2f })
            {
                ValueAndGradient<float, TestFunctions.SingleProductGradientValue> both = TestFunctions.SingleProductWithGradient(x, y);
                Assert.Equal(TestFunctions.SingleProduct(x, y), both.Value);
                Close(MathF.Exp(y), both.Gradient.X, 1e-6, $"dSingleProduct/dx at ({x}, {y})");
                Close(x * MathF.Exp(y) - 1, both.Gradient.Y, 1e-6, $"dSingleProduct/dy at ({x}, {y})");
                var (gx, gy) = TestFunctions.SingleProductGradient(x, y);
                Assert.Equal(both.Gradient, new TestFunctions.SingleProductGradientValue(gx, gy));
            }
        }
    }

    [Fact]
    public void Overloads_of_several_parameters_get_distinct_gradient_records()
    {
        const string source = """
            using System;
            using ModelDsl;
            public static partial class Overloads
            {
                [Differentiable] public static double F(double x, double y) => x * y;
                [Differentiable] public static float F(float x, float y) => x * y;
                [Differentiable] public static double F(double x, double y, double z) => x * y * z;
                [Differentiable] public static double F(double x) => x * x;
            }
            """;
        GeneratorRun run = GeneratorHarness.Run<ModelDslGenerator>(source);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationErrors);
        string text = run.GeneratedText("Overloads.Derivatives.g.cs");
        Assert.Contains("public readonly record struct FGradientValue(double X, double Y);", text);
        Assert.Contains("public readonly record struct FGradientValue2(float X, float Y);", text);
        Assert.Contains("public readonly record struct FGradientValue3(double X, double Y, double Z);", text);
        Assert.Contains("public static global::ModelDsl.ValueAndDerivative<double> FWithDerivative(double x)", text);
    }

    [Fact]
    public void The_chain_rule_runs_through_calls_of_other_differentiable_methods()
    {
        foreach (double x in Points.Where((p, i) => i % 3 == 0 && Math.Abs(p) < 2.5))
        {
            foreach (double y in new[] { -0.7, 0.4, 1.1 })
            {
                var (gx, gy) = TestFunctions.CompositeGradient(x, y);
                Close(Central(v => TestFunctions.Composite(v, y), x, 1e-6), gx, 1e-6, $"dComposite/dx at ({x}, {y})");
                Close(Central(v => TestFunctions.Composite(x, v), y, 1e-6), gy, 1e-6, $"dComposite/dy at ({x}, {y})");
            }
        }
    }
}
