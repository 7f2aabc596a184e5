using System.Numerics;
using ModelDsl.Kernels;
using ModelDsl.Managed;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Managed;

/// <summary>LossSpans against LossKernel (value and gradient) and torch autograd of LossKernel.Forward (gradient).</summary>
public class LossSpansTests
{
    public LossSpansTests() => TorchRuntime.Initialize();

    public static TheoryData<Loss, bool, double> Dense => new()
    {
        { Loss.MeanSquaredError, false, 1.0 },
        { Loss.MeanAbsoluteError, false, 1.0 },
        { Loss.Huber, false, 1.0 },
        { Loss.Huber, false, 0.4 },
        { Loss.BinaryCrossentropy, false, 1.0 },
        { Loss.BinaryCrossentropy, true, 1.0 },
        { Loss.CategoricalCrossentropy, false, 1.0 },
        { Loss.CategoricalCrossentropy, true, 1.0 },
    };

    [Theory]
    [MemberData(nameof(Dense))]
    public void Dense_loss_and_gradient_equal_the_kernel_in_float64(Loss loss, bool fromLogits, double delta) => DenseCase<double>(loss, fromLogits, delta);

    [Theory]
    [MemberData(nameof(Dense))]
    public void Dense_loss_and_gradient_equal_the_kernel_in_float32(Loss loss, bool fromLogits, double delta) => DenseCase<float>(loss, fromLogits, delta);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sparse_loss_and_gradient_equal_the_kernel_in_float64(bool fromLogits) => SparseCase<double>(fromLogits);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sparse_loss_and_gradient_equal_the_kernel_in_float32(bool fromLogits) => SparseCase<float>(fromLogits);

    /// <summary>Predictions of (2, 3, 4) as 6 rows of 4, with values that hit the probability clips.</summary>
    private static (Tensor Prediction, Tensor Target) Data<T>(Loss loss, bool fromLogits, Generator g)
    {
        long[] shape = [2, 3, 4];
        var x = SpanTest.Randn<T>(g, shape);
        switch (loss)
        {
            case Loss.BinaryCrossentropy:
            {
                var target = rand(shape, ScalarType.Float64, generator: g).to_type(x.dtype);
                target.index_put_(1.0, 0, 0, 0);
                target.index_put_(0.0, 0, 0, 1);
                if (fromLogits) return (x * 3, target);
                var p = x.sigmoid();
                // On and beyond the clips: 0, 1, 1e-9, 1 − 1e-9 and exactly ε.
                p.index_put_(0.0, 0, 1, 0);
                p.index_put_(1.0, 0, 1, 1);
                p.index_put_(1e-9, 0, 1, 2);
                p.index_put_(1 - 1e-9, 0, 1, 3);
                p.index_put_(LossKernel.Epsilon, 1, 0, 0);
                return (p, target);
            }
            case Loss.CategoricalCrossentropy:
            {
                var labels = randint(0, 4, [2, 3], dtype: ScalarType.Int64, generator: g);
                var target = nn.functional.one_hot(labels, 4).to_type(x.dtype);
                // A soft target row.
                target[1, 2] = tensor(new[] { 0.1, 0.2, 0.3, 0.4 }).to_type(x.dtype);
                if (fromLogits) return (x * 2, target);
                var p = x.softmax(-1);
                // A row whose normalised probabilities are clipped at both ends.
                p[0, 1] = tensor(new[] { 0.0, 2.0, 0.0, 1e-12 }).to_type(x.dtype);
                return (p, target);
            }
            default:
                return (x, SpanTest.Randn<T>(g, shape));
        }
    }

    private static void DenseCase<T>(Loss loss, bool fromLogits, double delta) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var scope = NewDisposeScope();
        var g = SpanTest.Rng(3 + (ulong)loss);
        var (prediction, target) = Data<T>(loss, fromLogits, g);
        T[] p = SpanTest.Values<T>(prediction), y = SpanTest.Values<T>(target);
        double tolerance = SpanTest.Tolerance<T>(SpanTest.Reordered);

        double value = LossSpans.Forward<T>(loss, p, y, 6, 4, delta, fromLogits);
        double expected = LossKernel.Forward(loss, prediction, target, delta, fromLogits).ToDouble();
        Assert.True(Math.Abs(value - expected) <= tolerance * Math.Max(1, Math.Abs(expected)), $"{loss}: {value} vs {expected}");

        // Overwrites whatever the buffer held.
        var (dp, _) = SpanTest.Prefilled<T>(g, 2, 3, 4);
        LossSpans.Backward<T>(loss, p, y, 6, 4, delta, fromLogits, dp);
        SpanTest.Close<T>(LossKernel.Backward(loss, prediction, target, delta, fromLogits), dp, tolerance, $"{loss} gradient vs kernel");

        var leaf = prediction.detach().clone().requires_grad_(true);
        LossKernel.Forward(loss, leaf, target, delta, fromLogits).backward();
        SpanTest.Close<T>(leaf.grad!, dp, tolerance, $"{loss} gradient vs autograd");
    }

    private static void SparseCase<T>(bool fromLogits) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var scope = NewDisposeScope();
        var g = SpanTest.Rng(fromLogits ? 11UL : 12UL);
        var x = SpanTest.Randn<T>(g, 2, 3, 5);
        var prediction = fromLogits ? x * 2 : x.softmax(-1);
        if (!fromLogits) prediction[1, 0] = tensor(new[] { 0.0, 3.0, 0.0, 0.0, 1e-12 }).to_type(x.dtype);
        var labels = randint(0, 5, [2, 3], dtype: ScalarType.Int64, generator: g);
        labels[1, 0] = tensor(0L);
        T[] p = SpanTest.Values<T>(prediction);
        long[] l = labels.data<long>().ToArray();
        double tolerance = SpanTest.Tolerance<T>(SpanTest.Reordered);
        const Loss loss = Loss.SparseCategoricalCrossentropy;

        double value = LossSpans.SparseForward<T>(p, l, 6, 5, fromLogits);
        double expected = LossKernel.Forward(loss, prediction, labels, fromLogits: fromLogits).ToDouble();
        Assert.True(Math.Abs(value - expected) <= tolerance * Math.Max(1, Math.Abs(expected)), $"{value} vs {expected}");

        var (dp, _) = SpanTest.Prefilled<T>(g, 2, 3, 5);
        LossSpans.SparseBackward<T>(p, l, 6, 5, fromLogits, dp);
        SpanTest.Close<T>(LossKernel.Backward(loss, prediction, labels, fromLogits: fromLogits), dp, tolerance, "gradient vs kernel");

        var leaf = prediction.detach().clone().requires_grad_(true);
        LossKernel.Forward(loss, leaf, labels, fromLogits: fromLogits).backward();
        SpanTest.Close<T>(leaf.grad!, dp, tolerance, "gradient vs autograd");
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(3L)]
    public void A_label_out_of_range_is_reported_as_the_kernel_reports_it(long bad)
    {
        using var scope = NewDisposeScope();
        long[] labels = [0, 2, bad, 1];
        var prediction = full(4, 3, 0.25, ScalarType.Float64);
        string expected = Assert.Throws<ArgumentException>(() =>
            LossKernel.Forward(Loss.SparseCategoricalCrossentropy, prediction, tensor(labels))).Message;
        double[] p = SpanTest.Values<double>(prediction);
        var forward = Assert.Throws<ArgumentException>(() => LossSpans.SparseForward<double>(p, labels, 4, 3, false));
        var backward = Assert.Throws<ArgumentException>(() => LossSpans.SparseBackward<double>(p, labels, 4, 3, true, new double[12]));
        Assert.Equal(Text(expected), Text(forward.Message));
        Assert.Equal(Text(expected), Text(backward.Message));
        Assert.Contains("at row 2", forward.Message);

        static string Text(string message) => message.Split(" (Parameter")[0];
    }

    [Fact]
    public void Sizes_logits_on_a_regression_loss_and_the_Huber_delta_are_checked()
    {
        double[] p = new double[6], y = new double[6];
        Assert.Throws<ArgumentException>(() => LossSpans.Forward<double>(Loss.MeanSquaredError, p, y, 2, 3, 1, fromLogits: true));
        Assert.Throws<ArgumentException>(() => LossSpans.Forward<double>(Loss.MeanSquaredError, p, y.AsSpan(1), 2, 3, 1, false));
        Assert.Throws<ArgumentException>(() => LossSpans.Forward<double>(Loss.MeanSquaredError, p, y, 3, 3, 1, false));
        Assert.Throws<ArgumentException>(() => LossSpans.Backward<double>(Loss.MeanSquaredError, p, y, 2, 3, 1, false, new double[5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => LossSpans.Forward<double>(Loss.Huber, p, y, 2, 3, 0, false));
        Assert.Throws<ArgumentException>(() => LossSpans.Forward<double>(Loss.SparseCategoricalCrossentropy, p, y, 2, 3, 1, false));
        Assert.Throws<ArgumentException>(() => LossSpans.SparseForward<double>(p, [0L], 2, 3, false));
        Assert.Throws<ArgumentException>(() => LossSpans.SparseBackward<double>(p, [0L, 1L], 2, 3, false, new double[7]));
    }
}
