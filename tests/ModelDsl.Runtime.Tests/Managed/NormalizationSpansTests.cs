using System.Numerics;
using ModelDsl.Kernels;
using ModelDsl.Managed;
using static ModelDsl.Runtime.Tests.Managed.SpanTest;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Managed;

public class NormalizationSpansTests
{
    [Theory]
    [InlineData(false, 6, 5)]
    [InlineData(true, 6, 5)]
    [InlineData(false, 3, 300)]
    [InlineData(true, 3, 300)]
    [InlineData(false, 1, 1)]
    // Narrow rows run over whole tiles of (features × vector lanes) and a tail; wide ones along each row with a tail.
    [InlineData(false, 101, 5)]
    [InlineData(true, 101, 5)]
    [InlineData(false, 9, 70)]
    [InlineData(true, 9, 70)]
    public void Forward_and_backward_equal_NormalizationKernel(bool float32, int rows, int features)
    {
        if (float32) Check<float>(rows, features); else Check<double>(rows, features);
    }

    private static void Check<T>(int rows, int features) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Rng((ulong)(rows * 1000 + features));
        var x = Randn<T>(g, rows, features);
        var mean = Randn<T>(g, features);
        var variance = Randn<T>(g, features).square() + 0.01;
        var dy = Randn<T>(g, rows, features);

        var y = new T[rows * features];
        NormalizationSpans.Forward<T>(Values<T>(x), Values<T>(mean), Values<T>(variance), y, rows, features);
        Close<T>(NormalizationKernel.Forward(x, mean, variance), y, Tolerance<T>(Exact), "y");

        var (dx, prefill) = Prefilled<T>(g, rows, features);
        NormalizationSpans.Backward<T>(Values<T>(dy), Values<T>(variance), dx, rows, features);
        Close<T>(prefill + NormalizationKernel.Backward(dy, variance), dx, Tolerance<T>(Exact), "dx");

        NormalizationSpans.Backward<T>(Values<T>(dy), Values<T>(variance), default, rows, features);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_zero_variance_is_floored_at_1e_7(bool float32)
    {
        if (float32) Floor<float>(); else Floor<double>();
    }

    private static void Floor<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = tensor(new[] { 1.0, 2.0, 1.0 + 1e-7, 2.5 }).to_type(Dtype<T>()).reshape(2, 2);
        var mean = tensor(new[] { 1.0, 2.0 }).to_type(Dtype<T>());
        var variance = tensor(new[] { 0.0, 1e-16 }).to_type(Dtype<T>());
        var y = new T[4];
        NormalizationSpans.Forward<T>(Values<T>(x), Values<T>(mean), Values<T>(variance), y, 2, 2);
        Close<T>(NormalizationKernel.Forward(x, mean, variance), y, Tolerance<T>(Exact), "y");
        var dx = new T[4];
        NormalizationSpans.Backward<T>(Values<T>(ones_like(x)), Values<T>(variance), dx, 2, 2);
        Close<T>(NormalizationKernel.Backward(ones_like(x), variance), dx, Tolerance<T>(Exact), "dx");
    }

    [Fact]
    public void A_wrong_length_names_the_span()
    {
        var e = Assert.Throws<ArgumentException>(() => NormalizationSpans.Forward<double>(new double[6], new double[3], new double[2], new double[6], 2, 3));
        Assert.Contains("NormalizationSpans: variance has 2 elements but its shape (features) needs 3", e.Message);
    }
}
