using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Managed;

/// <summary>
/// Helpers of the span-kernel tests: the truth is always the torch kernel (ModelDsl.Kernels) on the same values, in
/// the same dtype; float64 within 1e-12 of the tensor's scale (1e-10 where a reduction's order differs), float32
/// within 1e-5.
/// </summary>
internal static class SpanTest
{
    public const double Exact = 1e-12, Reordered = 1e-10, Single = 1e-5;

    static SpanTest() => TorchRuntime.Initialize();

    public static ScalarType Dtype<T>() => typeof(T) == typeof(float) ? ScalarType.Float32 : ScalarType.Float64;

    /// <summary>The float64 tolerance given, or 1e-5 for float32.</summary>
    public static double Tolerance<T>(double float64) => typeof(T) == typeof(float) ? Single : float64;

    public static Generator Rng(ulong seed) => new(seed);

    /// <summary>Standard normal values (drawn in float64, then cast) of dtype T.</summary>
    public static Tensor Randn<T>(Generator g, params long[] shape) => randn(shape, ScalarType.Float64, generator: g).to_type(Dtype<T>());

    public static T[] Values<T>(Tensor t) where T : unmanaged => t.contiguous().data<T>().ToArray();

    public static Tensor ToTensor<T>(T[] values, params long[] shape) where T : unmanaged =>
        typeof(T) == typeof(float) ? tensor((float[])(object)values, shape) : tensor((double[])(object)values, shape);

    /// <summary>max |actual − expected| / max |expected| ≤ tolerance (relative to the tensor's scale).</summary>
    public static void Close<T>(Tensor expected, ReadOnlySpan<T> actual, double tolerance, string what) where T : unmanaged, INumberBase<T>
    {
        var e = expected.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        Assert.True(e.Length == actual.Length, $"{what}: {actual.Length} values, expected {e.Length}");
        double scale = 0, diff = 0;
        for (int i = 0; i < e.Length; i++)
        {
            double a = double.CreateTruncating(actual[i]);
            scale = Math.Max(scale, Math.Abs(e[i]));
            diff = Math.Max(diff, double.IsNaN(a) != double.IsNaN(e[i]) ? double.PositiveInfinity : double.IsNaN(a) ? 0 : Math.Abs(a - e[i]));
        }
        double error = diff / Math.Max(scale, 1e-300);
        Assert.True(error <= tolerance, $"{what}: relative error {error:E3} exceeds {tolerance:E1}");
    }

    /// <summary>A prefilled gradient buffer (random values) and the tensor of its prefill, for the accumulate checks.</summary>
    public static (T[] Buffer, Tensor Prefill) Prefilled<T>(Generator g, params long[] shape) where T : unmanaged
    {
        var prefill = Randn<T>(g, shape);
        return (Values<T>(prefill), prefill);
    }
}
