using ModelDsl.Kernels;
using ModelDsl.Managed;
using static ModelDsl.Runtime.Tests.Managed.SpanTest;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Managed;

public class DenseSpansTests
{
    // Sizes that reach every path of the blocked product: 4-row blocks and the remainder rows, two-vector and
    // one-vector column blocks and the scalar tail (Vector<float> is 8 or 16 wide, Vector<double> 4 or 8), one unit
    // (dot products), and the lab's Dense(16) on 125 inputs.
    public static TheoryData<bool, int, int, int> Sizes => new()
    {
        { false, 5, 4, 3 }, { true, 5, 4, 3 }, { false, 7, 6, 1 }, { true, 7, 6, 1 }, { false, 9, 3, 37 }, { true, 9, 3, 37 },
        { false, 101, 125, 16 }, { true, 101, 125, 16 }, { false, 1, 2, 20 }, { true, 4, 16, 1 }, { false, 3, 1, 9 },
    };

    [Theory, MemberData(nameof(Sizes))]
    public void Forward_and_backward_equal_DenseKernel(bool float32, int n, int inputs, int units)
    {
        if (float32) Check<float>(n, inputs, units); else Check<double>(n, inputs, units);
    }

    private static void Check<T>(int n, int inputs, int units) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var g = Rng((ulong)(n * 1000 + inputs * 10 + units));
        var x = Randn<T>(g, n, inputs);
        var kernel = Randn<T>(g, inputs, units);
        var bias = Randn<T>(g, units);
        var dy = Randn<T>(g, n, units);
        double tolerance = Tolerance<T>(Reordered);

        var y = new T[n * units];
        DenseSpans.Forward<T>(Values<T>(x), Values<T>(kernel), Values<T>(bias), y, n, inputs, units);
        Close<T>(DenseKernel.Forward(x, kernel, bias), y, tolerance, "y");
        DenseSpans.Forward<T>(Values<T>(x), Values<T>(kernel), default, y, n, inputs, units);
        Close<T>(DenseKernel.Forward(x, kernel, null), y, tolerance, "y without bias");

        // Backward adds into prefilled gradients.
        var (dx, dxPrefill) = Prefilled<T>(g, n, inputs);
        var (dKernel, dKernelPrefill) = Prefilled<T>(g, inputs, units);
        var (dBias, dBiasPrefill) = Prefilled<T>(g, units);
        DenseSpans.Backward<T>(Values<T>(dy), Values<T>(x), Values<T>(kernel), dx, dKernel, dBias, n, inputs, units);
        var expected = DenseKernel.Backward(dy, x, kernel);
        Close<T>(dxPrefill + expected.Input!, dx, tolerance, "dx");
        Close<T>(dKernelPrefill + expected.Kernel, dKernel, tolerance, "dKernel");
        Close<T>(dBiasPrefill + expected.Bias!, dBias, tolerance, "dBias");
    }

    [Fact]
    public void Empty_gradient_spans_are_skipped_and_the_others_still_computed()
    {
        var g = Rng(3);
        var x = Randn<double>(g, 6, 5);
        var kernel = Randn<double>(g, 5, 12);
        var dy = Randn<double>(g, 6, 12);
        var dKernel = new double[60];
        DenseSpans.Backward<double>(Values<double>(dy), Values<double>(x), Values<double>(kernel), default, dKernel, default, 6, 5, 12);
        Close<double>(DenseKernel.Backward(dy, x, kernel).Kernel, dKernel, Reordered, "dKernel");
    }

    [Fact]
    public void An_empty_batch_does_nothing()
    {
        var y = Array.Empty<double>();
        DenseSpans.Forward<double>([], new double[6], new double[3], y, 0, 2, 3);
        var dKernel = new double[6];
        DenseSpans.Backward<double>([], [], new double[6], [], dKernel, new double[3], 0, 2, 3);
        Assert.All(dKernel, v => Assert.Equal(0, v));
    }

    [Fact]
    public void Lengths_and_sizes_are_checked_with_messages_naming_the_span()
    {
        var e = Assert.Throws<ArgumentException>(() => DenseSpans.Forward<float>(new float[9], new float[6], default, new float[15], 5, 2, 3));
        Assert.Contains("DenseSpans: x has 9 elements but its shape (n, inputs) needs 10", e.Message);
        e = Assert.Throws<ArgumentException>(() => DenseSpans.Forward<float>(new float[10], new float[6], new float[2], new float[15], 5, 2, 3));
        Assert.Contains("bias has 2 elements but its shape (units) needs 3", e.Message);
        e = Assert.Throws<ArgumentException>(() => DenseSpans.Backward<float>(new float[15], new float[10], new float[6], new float[3], default, default, 5, 2, 3));
        Assert.Contains("dx has 3 elements but its shape (n, inputs) needs 10", e.Message);
        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => DenseSpans.Forward<float>([], [], default, [], -1, 2, 3));
        Assert.Contains("n must not be negative", negative.Message);
    }
}
