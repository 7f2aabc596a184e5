using System.Numerics;
using ModelDsl.Kernels;
using ModelDsl.Managed;
using static ModelDsl.Runtime.Tests.Managed.SpanTest;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Managed;

public class EmbeddingDropoutSpansTests
{
    [Theory]
    [InlineData(false, 6, 4, 10, 3)]
    [InlineData(true, 6, 4, 10, 3)]
    [InlineData(false, 32, 20, 5, 17)]
    [InlineData(true, 32, 20, 5, 17)]
    [InlineData(false, 1, 1, 1, 1)]
    public void Embedding_equals_EmbeddingKernel_and_repeated_indices_add_up(bool float32, int n, int time, int inputDim, int outputDim)
    {
        if (float32) Embedding<float>(n, time, inputDim, outputDim); else Embedding<double>(n, time, inputDim, outputDim);
    }

    private static void Embedding<T>(int n, int time, int inputDim, int outputDim) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Rng((ulong)(n * 100 + time + inputDim * 7 + outputDim));
        // More positions than rows: indices repeat, and their gradients must add up.
        var indices = randint(0, inputDim, [n, time], ScalarType.Int64, generator: g);
        var table = Randn<T>(g, inputDim, outputDim);
        var dy = Randn<T>(g, n, time, outputDim);
        long[] labels = indices.data<long>().ToArray();
        int count = n * time;

        var y = new T[count * outputDim];
        EmbeddingSpans.Forward<T>(labels, Values<T>(table), y, n * time, inputDim, outputDim);
        Close<T>(EmbeddingKernel.Forward(indices, table), y, 0, "y");

        var (dTable, dTablePrefill) = Prefilled<T>(g, inputDim, outputDim);
        EmbeddingSpans.Backward<T>(Values<T>(dy), labels, dTable, n * time, inputDim, outputDim);
        Close<T>(dTablePrefill + EmbeddingKernel.Backward(dy, indices, table), dTable, Tolerance<T>(Reordered), "dTable");

        // A "not needed" table gradient does nothing.
        EmbeddingSpans.Backward<T>(Values<T>(dy), labels, default, n * time, inputDim, outputDim);
    }

    [Theory]
    [InlineData(new long[] { 0, 5, 2 })]
    [InlineData(new long[] { 1, 2, -1 })]
    public void An_index_out_of_range_gives_EmbeddingKernels_message(long[] values)
    {
        var table = Randn<double>(Rng(1), 4, 2);
        string expected = Assert.Throws<ArgumentException>(() => EmbeddingKernel.Forward(tensor(values), table)).Message;
        var y = new double[values.Length * 2];
        var e = Assert.Throws<ArgumentException>(() => EmbeddingSpans.Forward<double>(values, Values<double>(table), y, values.Length, 4, 2));
        Assert.Equal(expected, e.Message);
        Assert.All(y, v => Assert.Equal(0, v));
        var dTable = new double[8];
        e = Assert.Throws<ArgumentException>(() => EmbeddingSpans.Backward<double>(new double[values.Length * 2], values, dTable, values.Length, 4, 2));
        Assert.Equal(expected, e.Message);
        e = Assert.Throws<ArgumentException>(() => EmbeddingSpans.Forward<double>(values, new double[7], y, values.Length, 4, 2));
        Assert.Contains("EmbeddingSpans: table has 7 elements but its shape (inputDim, outputDim) needs 8", e.Message);
    }

    [Theory]
    [InlineData(false, 0.5)]
    [InlineData(true, 0.5)]
    [InlineData(false, 0.2)]
    [InlineData(true, 0.9)]
    public void Dropout_draws_the_mask_DropoutKernel_draws_from_the_same_generator_state(bool float32, double rate)
    {
        if (float32) Dropout<float>(rate); else Dropout<double>(rate);
    }

    private static void Dropout<T>(double rate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int n = 9, a = 5, b = 7;
        var g = Rng(42);
        var x = Randn<T>(g, n, a, b);
        var dy = Randn<T>(g, n, a, b);
        using Generator torchRandom = new(1234), managedRandom = new(1234);
        for (int step = 0; step < 3; step++)
        {
            var expected = DropoutKernel.Forward(x, rate, torchRandom);
            var mask = new T[n * a * b];
            var y = new T[n * a * b];
            // The generator's call form: the mask drawn inline into the trace.
            DropoutSpans.Forward<T>(Values<T>(x), DropoutSpans.DrawMask<T>(mask, rate, managedRandom), y);
            Close<T>(expected.Mask, mask, 0, $"mask of step {step}");
            Close<T>(expected.Output, y, 0, $"y of step {step}");
            Assert.True(Same(torchRandom.get_state(), managedRandom.get_state()), $"the generators' states differ after step {step}");

            var (dx, dxPrefill) = Prefilled<T>(g, n, a, b);
            DropoutSpans.Backward<T>(Values<T>(dy), mask, dx);
            Close<T>(dxPrefill + DropoutKernel.Backward(dy, expected), dx, Tolerance<T>(Exact), "dx");
            DropoutSpans.Backward<T>(Values<T>(dy), mask, default);
        }
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(1.0, 0.0)]
    public void Rates_0_and_1_fill_the_mask_without_drawing(double rate, double value)
    {
        using Generator random = new(7), untouched = new(7);
        var mask = new float[12];
        mask.AsSpan().Fill(float.NaN);
        var returned = DropoutSpans.DrawMask<float>(mask, rate, random);
        Assert.Equal(12, returned.Length);
        Assert.All(mask, v => Assert.Equal(value, v));
        Assert.True(Same(random.get_state(), untouched.get_state()));
    }

    [Fact]
    public void Dropout_checks_the_rate_and_the_lengths()
    {
        using Generator random = new(7);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => DropoutSpans.DrawMask<double>(new double[3], 1.5, random));
        Assert.Contains("the dropout rate must be in [0, 1]", e.Message);
        var a = Assert.Throws<ArgumentException>(() => DropoutSpans.Forward<double>(new double[3], new double[2], new double[3]));
        Assert.Contains("DropoutSpans: mask has 2 elements", a.Message);
        a = Assert.Throws<ArgumentException>(() => DropoutSpans.Backward<double>(new double[3], new double[3], new double[4]));
        Assert.Contains("DropoutSpans: dx has 4 elements", a.Message);
    }

    [Fact]
    public void Masks_drawn_inside_a_dispose_scope_stay_right_after_it()
    {
        using Generator torchRandom = new(5), managedRandom = new(5);
        var x = ones(3, 11, dtype: ScalarType.Float32);
        var mask = new float[33];
        for (int round = 0; round < 3; round++)
        {
            using (NewDisposeScope())
            {
                DropoutSpans.DrawMask<float>(mask, 0.4, managedRandom);
                Close<float>(DropoutKernel.Forward(x, 0.4, torchRandom).Mask, mask, 0, $"mask of round {round}");
            }
            DropoutSpans.DrawMask<float>(mask, 0.4, managedRandom);
            Close<float>(DropoutKernel.Forward(x, 0.4, torchRandom).Mask, mask, 0, $"mask after round {round}");
        }
    }

    [Fact]
    public void DropoutKernel_DrawMask_fills_a_tensor_as_Forward_draws_its_mask()
    {
        using Generator first = new(99), second = new(99);
        var x = ones(4, 6, 3, dtype: ScalarType.Float64);
        var mask = empty(72, ScalarType.Float64);
        DropoutKernel.DrawMask(mask, 0.3, second);
        Assert.True(Same(DropoutKernel.Forward(x, 0.3, first).Mask.reshape(-1), mask));
        Assert.True(Same(first.get_state(), second.get_state()));
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
}
