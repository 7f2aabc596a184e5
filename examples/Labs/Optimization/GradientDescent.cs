namespace ModelDsl.Labs.Optimization;

/// <summary>One row of the textbook's table: x, α, f(x), f′(x) and x − α f′(x).</summary>
public sealed record GdRow(double X, double Alpha, double F, double Grad, double Next);

/// <summary>Scalar gradient descent, as the textbook's <c>gd(alpha, valor_ini)</c>.</summary>
public static class GradientDescent
{
    /// <summary>One row per entry of <paramref name="alphas"/>, each starting where the previous ended.</summary>
    public static IReadOnlyList<GdRow> Table(Func<double, double> f, Func<double, double> derivative, double x0, IReadOnlyList<double> alphas)
    {
        var rows = new List<GdRow>(alphas.Count);
        double x = x0;
        foreach (double alpha in alphas)
        {
            double grad = derivative(x), next = x - alpha * grad;
            rows.Add(new GdRow(x, alpha, f(x), grad, next));
            x = next;
        }
        return rows;
    }

    /// <summary>The start and <paramref name="steps"/> iterates (the textbook's <c>gd</c> runs 10 steps: 11 values).</summary>
    public static IReadOnlyList<double> Iterates(Func<double, double> derivative, double alpha, double x0, int steps = 10)
    {
        var xs = new List<double>(steps + 1) { x0 };
        double x = x0;
        for (int i = 0; i < steps; i++)
        {
            x -= alpha * derivative(x);
            xs.Add(x);
        }
        return xs;
    }

    /// <summary>Central finite difference (f(x+h) − f(x−h)) / 2h.</summary>
    public static double CentralDifference(Func<double, double> f, double x, double h = 1e-6) => (f(x + h) - f(x - h)) / (2 * h);

    /// <summary>The textbook's grid <c>tf.range(valor_ini, -valor_ini, 0.01)</c>, leaving out points where f is not finite (x = 0 for sin(3πx)/x).</summary>
    public static (double[] X, double[] Y) Curve(Func<double, double> f, double start, double step = 0.01)
    {
        int n = (int)Math.Ceiling((-start - start) / step);
        var xs = Enumerable.Range(0, n).Select(i => start + i * step).Where(x => Math.Abs(x) > 1e-9).ToArray();
        return (xs, xs.Select(f).ToArray());
    }
}

/// <summary>The textbook's hand-written formulas, kept to compare with the generated derivatives.</summary>
public static class TextbookFormulas
{
    /// <summary>Eq. 35: f′(x) = π/4 · sinh(πx/4). Correct.</summary>
    public static double CoshQuarterDerivative(double x) => Math.PI / 4 * Math.Sinh(Math.PI * x / 4);

    /// <summary>Eq. 37: (x cos(3πx) − sin(3πx)) / x². Drops the factor 3π of the cosine term: the true derivative is (3πx cos(3πx) − sin(3πx)) / x².</summary>
    public static double SincDerivative(double x) => (x * Math.Cos(3 * Math.PI * x) - Math.Sin(3 * Math.PI * x)) / (x * x);
}
