using ModelDsl.Runtime.Tests.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Managed;

/// <summary>
/// The truths of the Family B span kernels' tests: the torch kernels (ModelDsl.Kernels) on the same values. Tensors
/// go to the span kernels as arrays (a private helper, not the runtime's TensorSpans) and come back as tensors to be
/// compared, relative to the largest expected magnitude as <see cref="GradientCheck.RelativeError"/> measures.
/// </summary>
internal static class SpanTesting
{
    /// <summary>Same operations in the same order as the torch kernel, float64.</summary>
    public const double Float64 = 1e-12;

    /// <summary>float64 where a sum runs in another order than torch's (matrix products, reductions).</summary>
    public const double Float64Reordered = 1e-10;

    /// <summary>float32 against the torch kernel in float32.</summary>
    public const double Float32 = 1e-5;

    static SpanTesting() => TorchRuntime.Initialize();

    /// <summary>The dtype of T's tensors.</summary>
    public static ScalarType DType<T>() => typeof(T) == typeof(float) ? ScalarType.Float32 : ScalarType.Float64;

    /// <summary>The tolerance for T: <see cref="Float32"/>, or the float64 one given.</summary>
    public static double Tolerance<T>(double float64 = Float64Reordered) => typeof(T) == typeof(float) ? Float32 : float64;

    /// <summary>A tensor's values in row-major order, as T (the tensor converted to T's dtype first).</summary>
    public static T[] Values<T>(Tensor t) where T : unmanaged =>
        t.to_type(DType<T>()).contiguous().data<T>().ToArray();

    /// <summary>A float64 tensor of <paramref name="shape"/> from span-kernel output.</summary>
    public static Tensor Tensor<T>(T[] values, params long[] shape) where T : unmanaged =>
        typeof(T) == typeof(float)
            ? tensor((float[])(object)values, dtype: ScalarType.Float32).reshape(shape).to_type(ScalarType.Float64)
            : tensor((double[])(object)values, dtype: ScalarType.Float64).reshape(shape);

    /// <summary>Asserts <paramref name="actual"/> (span-kernel output) equals <paramref name="expected"/> within <paramref name="tolerance"/>, relatively.</summary>
    public static void AssertClose<T>(Tensor expected, T[] actual, double tolerance, string what) where T : unmanaged
    {
        var e = expected.to_type(ScalarType.Float64);
        Assert.Equal(e.numel(), actual.Length);
        GradientCheck.AssertClose(e, Tensor(actual, e.shape), tolerance, what);
    }

    /// <summary>
    /// Asserts a gradient span that started as <paramref name="prefill"/> ended as prefill + <paramref name="expected"/>
    /// (the kernels add into gradient spans).
    /// </summary>
    public static void AssertAdded<T>(Tensor expected, T[] prefill, T[] actual, double tolerance, string what) where T : unmanaged
    {
        var e = expected.to_type(ScalarType.Float64);
        Assert.Equal(e.numel(), actual.Length);
        var added = Tensor(actual, e.shape) - Tensor(prefill, e.shape);
        GradientCheck.AssertClose(e, added, tolerance, what + " (added to the prefilled span)");
    }

    /// <summary>Nonzero values of the order of a gradient's, to prefill gradient spans with (so that += is told from =).</summary>
    public static T[] Prefill<T>(int length, ulong seed) where T : unmanaged =>
        Values<T>(GradientCheck.Randn(GradientCheck.Rng(seed), length).add(3));

    /// <summary>A copy of an array (for a second run on the same prefill).</summary>
    public static T[] Copy<T>(T[] values) => (T[])values.Clone();

    /// <summary>The exception's message contains every fragment.</summary>
    public static void AssertMessage(Exception e, params string[] fragments)
    {
        foreach (var fragment in fragments)
            Assert.True(e.Message.Contains(fragment, StringComparison.Ordinal), $"message \"{e.Message}\" lacks \"{fragment}\"");
    }
}
