using ModelDsl.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Kernels;

public class LossKernelTests
{
    // yPred (3, 1) against yTrue (3): errors pred - true = -0.5, 0, 3.
    private static Tensor Pred => tensor(new[] { 1.0, 2.0, 4.0 }, dtype: ScalarType.Float64).reshape(3, 1);
    private static Tensor True => tensor(new[] { 1.5, 2.0, 1.0 }, dtype: ScalarType.Float64);

    [Theory]
    [InlineData(Loss.MeanSquaredError, 1.0, (0.25 + 0 + 9) / 3)]
    [InlineData(Loss.MeanAbsoluteError, 1.0, (0.5 + 0 + 3) / 3)]
    [InlineData(Loss.Huber, 1.0, (0.125 + 0 + (3 - 0.5)) / 3)]
    [InlineData(Loss.Huber, 4.0, (0.125 + 0 + 4.5) / 3)]
    public void Forward_by_hand_with_batch_targets_against_batch_by_one_predictions(Loss loss, double delta, double expected)
    {
        var value = LossKernel.Forward(loss, Pred, True, delta);
        Assert.Equal(0, value.dim());
        Assert.Equal(expected, value.ToDouble(), 14);
    }

    [Fact]
    public void Backward_by_hand()
    {
        static double[] Grad(Loss loss) => LossKernel.Backward(loss, Pred, True).data<double>().ToArray();
        Assert.Equal([2 * -0.5 / 3, 0, 2 * 3.0 / 3], Grad(Loss.MeanSquaredError));
        Assert.Equal([-1.0 / 3, 0, 1.0 / 3], Grad(Loss.MeanAbsoluteError));
        Assert.Equal([-0.5 / 3, 0, 1.0 / 3], Grad(Loss.Huber));
        Assert.Equal([3L, 1L], LossKernel.Backward(Loss.MeanSquaredError, Pred, True).shape);
    }

    private static Tensor Reference(Loss loss, Tensor pred, Tensor yTrue, double delta)
    {
        var e = pred - yTrue.reshape(pred.shape);
        return loss switch
        {
            Loss.MeanSquaredError => (e * e).sum() / e.numel(),
            Loss.MeanAbsoluteError => e.abs().sum() / e.numel(),
            Loss.Huber => where(e.abs() <= delta, 0.5 * e * e, delta * e.abs() - 0.5 * delta * delta).sum() / e.numel(),
            _ => throw new ArgumentOutOfRangeException(nameof(loss)),
        };
    }

    [Theory]
    [InlineData(Loss.MeanSquaredError, 1.0)]
    [InlineData(Loss.MeanAbsoluteError, 1.0)]
    [InlineData(Loss.Huber, 1.0)]
    [InlineData(Loss.Huber, 0.7)]
    public void Backward_matches_autograd_and_finite_differences(Loss loss, double delta)
    {
        var g = GradientCheck.Rng(51);
        var pred = GradientCheck.Randn(g, 8, 1);
        // Errors away from the kinks at 0 and ±delta, on both sides of delta.
        var errors = tensor(new[] { 0.3, -1.7, 2.2, -0.4, 0.05, -0.9, 1.3, -2.6 }, dtype: ScalarType.Float64);
        var yTrue = pred.reshape(8) - errors;
        var upstream = GradientCheck.Randn(g);

        var dPred = LossKernel.Backward(loss, pred, yTrue, delta) * upstream;

        GradientCheck.AssertBackward(a => LossKernel.Forward(loss, a[0], yTrue, delta), a => Reference(loss, a[0], yTrue, delta),
            [pred], upstream, [dPred], ["yPred"]);
    }

    [Fact]
    public void A_shape_mismatch_names_both_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => LossKernel.Forward(Loss.MeanSquaredError, Pred, zeros(4, dtype: ScalarType.Float64)));
        Assert.Contains("(4)", e.Message);
        Assert.Contains("(3, 1)", e.Message);
        Assert.Throws<ArgumentException>(() => LossKernel.Backward(Loss.Huber, Pred, zeros(2, 2, dtype: ScalarType.Float64)));
    }

    [Fact]
    public void Float64_targets_are_cast_to_float32_predictions()
    {
        var value = LossKernel.Forward(Loss.MeanAbsoluteError, Pred.to_type(ScalarType.Float32), True);
        Assert.Equal(ScalarType.Float32, value.dtype);
        Assert.Equal(3.5 / 3, value.ToDouble(), 6);
    }
}
