using System.Runtime.CompilerServices;
using System.Numerics;
using System.Numerics.Tensors;

namespace ModelDsl.Managed;

/// <summary>Scalar functions the element-wise span kernels need beyond <see cref="IFloatingPointIeee754{TSelf}"/>:
/// erf (for the exact GELU), and log1p/expm1 accurate near 0 (.NET's LogP1/ExpM1 are log(1 + x)/exp(x) − 1).</summary>
// Chunk buffers on the stack are written before they are read: no zeroing.
[System.Runtime.CompilerServices.SkipLocalsInit]
internal static class ElementMath
{
    /// <summary>2/√π.</summary>
    private const double TwoOverSqrtPi = 1.12837916709551257390;

    /// <summary>1/√π.</summary>
    private const double InverseSqrtPi = 0.56418958354775628695;

    /// <summary>
    /// The error function in double, within a few ulp: for |x| &lt; 2.5 the series
    /// erf(x) = (2/√π)·e^(−x²)·Σ 2ⁿx^(2n+1)/(1·3·…·(2n+1)) (positive terms, no cancellation); above, 1 − erfc(x) with
    /// erfc from its continued fraction e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))); ±1 beyond 6.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return x;
        double ax = Math.Abs(x);
        double result;
        if (ax < 2.5)
        {
            double square = ax * ax, term = ax, sum = ax;
            for (int n = 0; n < 200 && term > sum * 1e-17; n++)
            {
                term *= 2 * square / (2 * n + 3);
                sum += term;
            }
            result = TwoOverSqrtPi * Math.Exp(-square) * sum;
        }
        else if (ax < 6)
        {
            double f = ax;
            for (int k = 60; k >= 1; k--) f = ax + 0.5 * k / f;
            result = 1 - InverseSqrtPi * Math.Exp(-ax * ax) / f;
        }
        else result = 1;
        return x < 0 ? -result : result;
    }

    /// <summary>log(1 + u), accurate for small u (the rounding of 1 + u corrected).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T LogOnePlus<T>(T u) where T : IFloatingPointIeee754<T>
    {
        T w = T.One + u;
        if (w == T.One) return u;
        T logW = T.Log(w);
        return T.IsInfinity(w) ? logW : logW * (u / (w - T.One));
    }

    /// <summary>exp(x) − 1, accurate for small x (Kahan's correction).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T ExpMinusOne<T>(T x) where T : IFloatingPointIeee754<T>
    {
        T u = T.Exp(x);
        if (u == T.One) return x;
        T um1 = u - T.One;
        if (um1 == -T.One || T.IsInfinity(u)) return um1;
        return um1 * (x / T.Log(u));
    }

    /// <summary>−1, 0 or 1 by the sign of x (0 for ±0), NaN for NaN: torch's sign (T.Sign throws on NaN).</summary>
    public static T Sign<T>(T x) where T : IFloatingPointIeee754<T> =>
        x > T.Zero ? T.One : x < T.Zero ? -T.One : x == T.Zero ? T.Zero : x;


    /// <summary>
    /// The sum of <paramref name="x"/> accumulated in double (float values widened a chunk at a time): a reduction of
    /// many float terms keeps the precision torch's float64 reference has, whatever the order of the terms.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Sum<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double)) return double.CreateTruncating(TensorPrimitives.Sum(x));
        Span<double> wide = stackalloc double[ActivationSpans.Chunk];
        double sum = 0;
        for (int start = 0; start < x.Length; start += wide.Length)
        {
            int length = Math.Min(wide.Length, x.Length - start);
            TensorPrimitives.ConvertTruncating<T, double>(x.Slice(start, length), wide[..length]);
            sum += TensorPrimitives.Sum<double>(wide[..length]);
        }
        return sum;
    }
}
