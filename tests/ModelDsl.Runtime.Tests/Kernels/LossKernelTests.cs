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
    public void Sparse_cross_entropy_of_a_recorded_cpu_matrix_stays_differentiable_by_autograd()
    {
        // A (n, classes) CPU matrix would take the span kernels, whose result torch cannot differentiate: a prediction
        // that requires grad keeps the torch ops, and autograd's gradient is the kernel's Backward.
        var logits = tensor(new double[] { 0.2, 1.5, -0.3, 0.7, 0.1, 0.9 }, [2, 3]).requires_grad_(true);
        var probabilities = logits.softmax(-1);
        var labels = tensor(new long[] { 1, 2 });
        LossKernel.Forward(Loss.SparseCategoricalCrossentropy, probabilities, labels).backward();
        using (no_grad())
        {
            var p = probabilities.detach();
            var expected = TensorOpKernel.SoftmaxBackward(LossKernel.Backward(Loss.SparseCategoricalCrossentropy, p, labels), p);
            GradientCheck.AssertClose(expected, logits.grad!, 1e-12, "d loss / d logits");
        }
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

/// <summary>The cross-entropy losses of <see cref="LossKernel"/>: Keras 3's clipped and logits forms.</summary>
public class LossKernelCrossentropyTests
{
    private const double Eps = 1e-7;

    /// <summary>Keras 3 (keras-catalogue.md §2) transcribed in plain torch ops: per-sample loss, then the mean.</summary>
    private static Tensor Reference(Loss loss, Tensor pred, Tensor yTrue, bool fromLogits)
    {
        switch (loss)
        {
            case Loss.BinaryCrossentropy:
            {
                var y = yTrue.reshape(pred.shape);
                var p = fromLogits ? 1 / (1 + (-pred).exp()) : pred.clamp(Eps, 1 - Eps);
                var e = -(y * p.log() + (1 - y) * (1 - p).log());
                return e.mean([-1L]).mean();
            }
            case Loss.CategoricalCrossentropy:
                return -(yTrue * LogProbabilities(pred, fromLogits)).sum(-1).mean();
            case Loss.SparseCategoricalCrossentropy:
            {
                var labels = yTrue.reshape(pred.shape[..^1]).to_type(ScalarType.Int64);
                return -LogProbabilities(pred, fromLogits).gather(-1, labels.unsqueeze(-1)).mean();
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(loss));
        }

        static Tensor LogProbabilities(Tensor x, bool logits) => logits
            ? x - x.exp().sum(-1, keepdim: true).log()
            : (x / x.sum(-1, keepdim: true)).clamp(Eps, 1 - Eps).log();
    }

    private static void AssertBackward(Loss loss, Tensor pred, Tensor yTrue, bool fromLogits)
    {
        var upstream = GradientCheck.Randn(GradientCheck.Rng(71));
        var dPred = LossKernel.Backward(loss, pred, yTrue, fromLogits: fromLogits) * upstream;
        Assert.Equal(pred.shape, dPred.shape);
        GradientCheck.AssertBackward(a => LossKernel.Forward(loss, a[0], yTrue, fromLogits: fromLogits),
            a => Reference(loss, a[0], yTrue, fromLogits), [pred], upstream, [dPred], ["yPred"]);
    }

    /// <summary>Probabilities in (0.05, 0.95), with clipped entries (below 0 and above 1) when <paramref name="clipped"/>.</summary>
    private static Tensor Probabilities(ulong seed, long rows, long columns, bool clipped)
    {
        var p = rand(rows, columns, dtype: ScalarType.Float64, generator: GradientCheck.Rng(seed)) * 0.9 + 0.05;
        if (clipped)
        {
            p[0, 0] = tensor(-0.3, dtype: ScalarType.Float64);   // far enough past the clip that ± the FD step stays clipped
            p[rows - 1, columns - 1] = tensor(1.2, dtype: ScalarType.Float64);
        }
        return p;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Binary_backward_matches_autograd_and_finite_differences(bool fromLogits)
    {
        var g = GradientCheck.Rng(61);
        var pred = fromLogits ? GradientCheck.Randn(g, 5, 3) * 3 : Probabilities(62, 5, 3, clipped: true);
        var yTrue = (rand(5, 3, dtype: ScalarType.Float64, generator: g) > 0.5).to_type(ScalarType.Float64);
        yTrue[1, 1] = tensor(0.3, dtype: ScalarType.Float64);   // a soft label as well
        AssertBackward(Loss.BinaryCrossentropy, pred, yTrue, fromLogits);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Binary_with_batch_targets_against_batch_by_one_predictions(bool fromLogits)
    {
        var pred = fromLogits ? GradientCheck.Randn(GradientCheck.Rng(63), 6, 1) : Probabilities(63, 6, 1, clipped: true);
        var yTrue = tensor(new[] { 1.0, 0, 0, 1, 1, 0 });
        AssertBackward(Loss.BinaryCrossentropy, pred, yTrue, fromLogits);
    }

    /// <summary>Positive unnormalised rows (p/Σp matters), plus rows whose small entries are clipped after normalising.</summary>
    private static Tensor CategoricalProbabilities(ulong seed, long rows)
    {
        var p = rand(rows, 4, dtype: ScalarType.Float64, generator: GradientCheck.Rng(seed)) + 0.05;
        // Row sums of 50 keep a tiny entry's q = p/Σp below ε even after the FD step (1e-6 / 50 = 2e-8).
        p[0] = tensor(new[] { 30.0, 1e-12, 20.0, 1e-12 });
        p[1] = tensor(new[] { 30.0, 1e-12, 20.0, 1e-12 });
        return p;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Categorical_backward_matches_autograd_and_finite_differences(bool fromLogits)
    {
        var pred = fromLogits ? GradientCheck.Randn(GradientCheck.Rng(64), 5, 4) * 2 : CategoricalProbabilities(64, 5);
        // Row 0's label is an unclipped class, row 1's a clipped one (its whole row then has zero gradient).
        var labels = tensor(new long[] { 0, 1, 3, 2, 2 });
        var oneHot = nn.functional.one_hot(labels, 4).to_type(ScalarType.Float64);
        AssertBackward(Loss.CategoricalCrossentropy, pred, oneHot, fromLogits);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sparse_backward_matches_autograd_and_finite_differences(bool fromLogits)
    {
        var pred = fromLogits ? GradientCheck.Randn(GradientCheck.Rng(65), 5, 4) * 2 : CategoricalProbabilities(65, 5);
        AssertBackward(Loss.SparseCategoricalCrossentropy, pred, tensor(new long[] { 0, 1, 3, 2, 2 }), fromLogits);
        AssertBackward(Loss.SparseCategoricalCrossentropy, pred, tensor(new long[] { 0, 1, 3, 2, 2 }).reshape(5, 1), fromLogits);
    }

    [Theory]
    [InlineData(Loss.CategoricalCrossentropy, false)]
    [InlineData(Loss.CategoricalCrossentropy, true)]
    [InlineData(Loss.SparseCategoricalCrossentropy, false)]
    [InlineData(Loss.SparseCategoricalCrossentropy, true)]
    public void Categorical_per_step_predictions_average_over_every_sample_and_step(Loss loss, bool fromLogits)
    {
        var g = GradientCheck.Rng(66);
        var pred = fromLogits ? GradientCheck.Randn(g, 2, 3, 4) : rand(2, 3, 4, dtype: ScalarType.Float64, generator: g) + 0.05;
        var labels = randint(0, 4, [2, 3], dtype: ScalarType.Int64, generator: g);
        var yTrue = loss == Loss.CategoricalCrossentropy ? nn.functional.one_hot(labels, 4).to_type(ScalarType.Float64) : labels;
        AssertBackward(loss, pred, yTrue, fromLogits);
    }

    [Fact]
    public void Binary_by_hand()
    {
        // −ln 0.8 and −ln(1 − 0.4), averaged; with logits ln 4 gives σ = 0.8.
        var value = LossKernel.Forward(Loss.BinaryCrossentropy, tensor(new[] { 0.8, 0.4 }).reshape(2, 1), tensor(new[] { 1.0, 0.0 }));
        Assert.Equal((-Math.Log(0.8) - Math.Log(0.6)) / 2, value.ToDouble(), 14);
        var logits = LossKernel.Forward(Loss.BinaryCrossentropy, tensor(new[] { Math.Log(4) }), tensor(new[] { 1.0 }), fromLogits: true);
        Assert.Equal(-Math.Log(0.8), logits.ToDouble(), 14);
        Assert.Equal(0, value.dim());
    }

    [Fact]
    public void Categorical_by_hand_normalises_the_rows_first()
    {
        // Row (1, 3) normalises to (0.25, 0.75); label 1 gives −ln 0.75. Row (2, 2): −ln 0.5.
        var pred = tensor(new[,] { { 1.0, 3.0 }, { 2.0, 2.0 } });
        double expected = (-Math.Log(0.75) - Math.Log(0.5)) / 2;
        Assert.Equal(expected, LossKernel.Forward(Loss.CategoricalCrossentropy, pred, tensor(new[,] { { 0.0, 1.0 }, { 1.0, 0.0 } })).ToDouble(), 14);
        Assert.Equal(expected, LossKernel.Forward(Loss.SparseCategoricalCrossentropy, pred, tensor(new long[] { 1, 0 })).ToDouble(), 14);
        // Logits (0, ln 3) give the same softmax (0.25, 0.75).
        var logits = tensor(new[,] { { 0.0, Math.Log(3) } });
        Assert.Equal(-Math.Log(0.75), LossKernel.Forward(Loss.SparseCategoricalCrossentropy, logits, tensor(new long[] { 1 }), fromLogits: true).ToDouble(), 14);
    }

    [Fact]
    public void Float32_saturation_matches_keras_3_printed_values()
    {
        // keras-catalogue.md §2: y = 1, p = 0 gives 16.1181 (−ln 1e-7); y = 0, p = 1 gives 15.9424 because 1 − ε
        // rounds to 1 − 2⁻²³ in float32. (tf.keras 2's ln(p + ε) form would give 15.4249 and 15.3332.)
        static double Bce(float p, float y) => LossKernel.Forward(Loss.BinaryCrossentropy, tensor(new[] { p }).reshape(1, 1), tensor(new[] { y })).ToDouble();
        Assert.Equal(16.1181, Bce(0f, 1f), 4);
        Assert.Equal(15.9424, Bce(1f, 0f), 4);
        var cce = LossKernel.Forward(Loss.CategoricalCrossentropy, tensor(new[,] { { 0f, 1f } }), tensor(new[,] { { 1f, 0f } }));
        Assert.Equal(ScalarType.Float32, cce.dtype);
        Assert.Equal(16.1181, cce.ToDouble(), 4);
        var scce = LossKernel.Forward(Loss.SparseCategoricalCrossentropy, tensor(new[,] { { 0f, 1f } }), tensor(new long[] { 0 }));
        Assert.Equal(16.1181, scce.ToDouble(), 4);

        // The clip is active there, so the gradient is zero (as autograd of clamp gives), not a huge −1/ε.
        var dBce = LossKernel.Backward(Loss.BinaryCrossentropy, tensor(new[] { 0f, 1f }).reshape(2, 1), tensor(new[] { 1f, 0f }));
        Assert.Equal(ScalarType.Float32, dBce.dtype);
        Assert.Equal([0f, 0f], dBce.data<float>().ToArray());
    }

    [Fact]
    public void Logits_forms_are_stable_for_large_logits()
    {
        // BCE: max(x,0) − x·y + ln(1 + e^−|x|) = 100 for x = 100, y = 0 and for x = −100, y = 1 (not inf).
        var bce = LossKernel.Forward(Loss.BinaryCrossentropy, tensor(new[] { 100.0, -100.0 }), tensor(new[] { 0.0, 1.0 }), fromLogits: true);
        Assert.Equal(100.0, bce.ToDouble(), 10);
        var dBce = LossKernel.Backward(Loss.BinaryCrossentropy, tensor(new[] { 100.0, -100.0 }), tensor(new[] { 0.0, 1.0 }), fromLogits: true);
        Assert.Equal([0.5, -0.5], dBce.data<double>().ToArray());
        // CCE: log_softmax of (1000, 0) at class 1 is −1000.
        var scce = LossKernel.Forward(Loss.SparseCategoricalCrossentropy, tensor(new[,] { { 1000.0, 0.0 } }), tensor(new long[] { 1 }), fromLogits: true);
        Assert.Equal(1000.0, scce.ToDouble(), 10);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Whole_floating_and_int32_labels_equal_int64_labels(bool fromLogits)
    {
        var pred = rand(4, 3, dtype: ScalarType.Float64, generator: GradientCheck.Rng(67)) + 0.1;
        var labels = tensor(new long[] { 2, 0, 1, 2 });
        double expected = LossKernel.Forward(Loss.SparseCategoricalCrossentropy, pred, labels, fromLogits: fromLogits).ToDouble();
        var expectedGradient = LossKernel.Backward(Loss.SparseCategoricalCrossentropy, pred, labels, fromLogits: fromLogits);
        foreach (var other in new[] { labels.to_type(ScalarType.Int32), labels.to_type(ScalarType.Float32), labels.to_type(ScalarType.Float64).reshape(4, 1) })
        {
            Assert.Equal(expected, LossKernel.Forward(Loss.SparseCategoricalCrossentropy, pred, other, fromLogits: fromLogits).ToDouble());
            Assert.Equal(expectedGradient.data<double>().ToArray(),
                LossKernel.Backward(Loss.SparseCategoricalCrossentropy, pred, other, fromLogits: fromLogits).data<double>().ToArray());
        }
    }

    [Theory]
    [InlineData(new[] { 1.0, 10.0, 3.0 }, "label 10 at row 1")]
    [InlineData(new[] { 1.0, 2.0, -1.0 }, "label -1 at row 2")]
    [InlineData(new[] { 2.5, 2.0, 3.0 }, "label 2.5 at row 0")]
    [InlineData(new[] { 1.0, double.NaN, 3.0 }, "label NaN at row 1")]
    public void A_label_that_is_not_a_class_index_is_named_with_its_row_and_the_class_count(double[] labels, string named)
    {
        var pred = full(3, 10, 0.1, dtype: ScalarType.Float64);
        var asLong = labels.All(l => Math.Floor(l) == l) ? tensor(labels).to_type(ScalarType.Int64) : tensor(labels);
        foreach (var yTrue in new[] { asLong, tensor(labels), tensor(labels).reshape(3, 1) })
            foreach (bool fromLogits in new[] { false, true })
            {
                var forward = Assert.Throws<ArgumentException>(() => LossKernel.Forward(Loss.SparseCategoricalCrossentropy, pred, yTrue, fromLogits: fromLogits));
                Assert.Contains(named, forward.Message);
                Assert.Contains("labels must be integers in [0, 10)", forward.Message);
                var backward = Assert.Throws<ArgumentException>(() => LossKernel.Backward(Loss.SparseCategoricalCrossentropy, pred, yTrue, fromLogits: fromLogits));
                Assert.Contains(named, backward.Message);
            }
    }

    [Fact]
    public void Per_step_labels_name_their_position()
    {
        var labels = zeros(2, 3, dtype: ScalarType.Int64);
        labels[1, 2] = tensor(4L);
        var e = Assert.Throws<ArgumentException>(() => LossKernel.Forward(Loss.SparseCategoricalCrossentropy, full(2, 3, 4, 0.25), labels));
        Assert.Contains("label 4 at position (1, 2)", e.Message);
        Assert.Contains("[0, 4)", e.Message);
    }

    [Fact]
    public void Target_shape_mismatches_name_both_shapes()
    {
        var pred = full(3, 10, 0.1, dtype: ScalarType.Float64);
        var sparse = Assert.Throws<ArgumentException>(() => LossKernel.Forward(Loss.SparseCategoricalCrossentropy, pred, zeros(3, 2, dtype: ScalarType.Int64)));
        Assert.Contains("(3, 2)", sparse.Message);
        Assert.Contains("(3, 10)", sparse.Message);
        var oneHot = Assert.Throws<ArgumentException>(() => LossKernel.Backward(Loss.CategoricalCrossentropy, pred, zeros(3, dtype: ScalarType.Int64)));
        Assert.Contains("one-hot", oneHot.Message);
        Assert.Contains("(3)", oneHot.Message);
        Assert.Contains("(3, 10)", oneHot.Message);
        var boolLabels = Assert.Throws<ArgumentException>(() => LossKernel.Forward(Loss.SparseCategoricalCrossentropy, pred, zeros(3, dtype: ScalarType.Bool)));
        Assert.Contains("Bool", boolLabels.Message);
        var binary = Assert.Throws<ArgumentException>(() => LossKernel.Forward(Loss.BinaryCrossentropy, pred, zeros(3)));
        Assert.Contains("(3, 10)", binary.Message);
    }

    [Fact]
    public void From_logits_on_a_regression_loss_and_integer_predictions_are_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => LossKernel.Forward(Loss.MeanSquaredError, zeros(2, 1), zeros(2), fromLogits: true));
        Assert.Contains("fromLogits", e.Message);
        var i = Assert.Throws<ArgumentException>(() => LossKernel.Forward(Loss.BinaryCrossentropy, zeros(2, 1, dtype: ScalarType.Int64), zeros(2)));
        Assert.Contains("Int64", i.Message);
    }
}
