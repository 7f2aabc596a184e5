using ModelDsl.Kernels;
using ModelDsl.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Training;

/// <summary>Guards before the first libtorch call: messages name expected and actual and the fix; the Dense kernel and
/// Ops.MatMul refuse in managed code what would abort in THSTensor_matmul (the abort itself is shown in a child
/// process by <see cref="ChildProcessTests"/>).</summary>
public class InputGuardTests
{
    public InputGuardTests() => TorchRuntime.Initialize();

    [Fact]
    public void A_right_batch_passes()
    {
        InputGuard.Require("StockMlp", "x", zeros(4, 25, 5), [25, 5], ScalarType.Float32, CPU);
        InputGuard.Require("StockMlp", "x", zeros(0, 25, 5), [25, 5], ScalarType.Float32, CPU);
        InputGuard.RequireTargets("StockMlp", "y", zeros(4, 1), 4, classIndices: false, CPU);
        InputGuard.RequireTargets("Classifier", "y", zeros(4, dtype: ScalarType.Int64), 4, classIndices: true, CPU);
        InputGuard.RequireFinite("StockMlp", "x", zeros(3, 2));
    }

    [Fact]
    public void A_float64_batch_for_a_float32_model_names_both_fixes()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            InputGuard.Require("StockMlp", "x", zeros(4, 25, 5, dtype: ScalarType.Float64), [25, 5], ScalarType.Float32, CPU));
        Assert.StartsWith("StockMlp expects x of dtype Float32 but got Float64: call x.to(ScalarType.Float32), " +
                          "or construct the model with dtype: ScalarType.Float64.", e.Message);
        Assert.Equal("x", e.ParamName);

        var ints = Assert.Throws<ArgumentException>(() =>
            InputGuard.Require("StockMlp", "x", zeros(4, 25, 5, dtype: ScalarType.Int64), [25, 5], ScalarType.Float32, CPU));
        Assert.Contains("dtype Float32 but got Int64: call x.to(ScalarType.Float32).", ints.Message);
        Assert.DoesNotContain("construct the model", ints.Message);
    }

    [Fact]
    public void Shape_problems_name_both_shapes_and_a_missing_batch_axis()
    {
        var e = Assert.Throws<ArgumentException>(() => InputGuard.Require("StockMlp", "x", zeros(4, 25), [25, 5], ScalarType.Float32, CPU));
        Assert.StartsWith("StockMlp expects x of shape (batch, 25, 5) but got (4, 25).", e.Message);
        var single = Assert.Throws<ArgumentException>(() => InputGuard.Require("StockMlp", "x", zeros(25, 5), [25, 5], ScalarType.Float32, CPU));
        Assert.Contains("but got (25, 5): a single sample needs its batch axis, x.unsqueeze(0)", single.Message);
        var both = Assert.Throws<ArgumentException>(() =>
            InputGuard.Require("M", "x", zeros(4, 3, dtype: ScalarType.Float64), [2], ScalarType.Float32, CPU));
        Assert.StartsWith("M expects x of shape (batch, 2) but got (4, 3); and dtype Float32 but got Float64", both.Message);
    }

    [Fact]
    public void A_batch_on_another_device_says_how_to_move_it()
    {
        // Only a CPU here: a model "on cuda:0" and a CPU batch show the message without a GPU.
        var e = Assert.Throws<ArgumentException>(() => InputGuard.Require("StockMlp", "x", zeros(4, 2), [2], ScalarType.Float32, new Device("cuda:0")));
        Assert.Contains("a batch on cuda:0 (the device of its weights) but got one on cpu: move the batch with x.to(model's device), " +
                        "here x.to(torch.device(\"cuda:0\"))", e.Message);
    }

    [Fact]
    public void Targets_need_one_row_per_sample_and_integer_class_indices()
    {
        var rows = Assert.Throws<ArgumentException>(() => InputGuard.RequireTargets("StockMlp", "y", zeros(3, 1), 4, false, CPU));
        Assert.StartsWith("StockMlp expects y with one row per input sample (4) but got shape (3, 1).", rows.Message);
        var classes = Assert.Throws<ArgumentException>(() => InputGuard.RequireTargets("Classifier", "y", zeros(4), 4, true, CPU));
        Assert.Contains("class indices, an integer tensor, but got Float32: call y.to(ScalarType.Int64)", classes.Message);
        InputGuard.RequireTargets("StockMlp", "y", zeros(4, dtype: ScalarType.Int32), 4, false, CPU);   // cast by the loss, as Keras does
    }

    [Fact]
    public void Non_finite_inputs_name_the_batch_and_the_first_bad_index()
    {
        var x = zeros(3, 4, 2);
        x[1, 2, 1] = tensor(double.NaN);
        x[2, 0, 0] = tensor(double.PositiveInfinity);
        var e = Assert.Throws<NonFiniteInputException>(() => InputGuard.RequireFinite("StockMlp", "x", x, batch: 7));
        Assert.Equal([1L, 2, 1], e.Index);
        Assert.Equal((7, 2L), (e.Batch!.Value, e.Count));
        Assert.True(double.IsNaN(e.Value));
        Assert.StartsWith("StockMlp: x of batch 7 (counted from 1) holds NaN at index [1, 2, 1], the first of 2 non-finite values.", e.Message);

        var inf = Assert.Throws<NonFiniteInputException>(() => InputGuard.RequireFinite("M", "data", tensor(new[] { 1.0, double.NegativeInfinity })));
        Assert.StartsWith("M: data holds -∞ at index [1].", inf.Message);
        InputGuard.RequireFinite("M", "y", tensor(new long[] { 1, 2 }));   // integers cannot be non-finite
    }

    [Fact]
    public void Dense_refuses_mismatched_dtypes_shapes_and_biases_before_matmul()
    {
        var kernel = zeros(3, 2);
        var dtype = Assert.Throws<ArgumentException>(() => DenseKernel.Forward(zeros(4, 3, dtype: ScalarType.Float64), kernel, null));
        Assert.StartsWith("Dense: x has dtype Float64 but kernel has dtype Float32: call x.to(ScalarType.Float32)", dtype.Message);
        Assert.Contains("construct it with dtype: ScalarType.Float64", dtype.Message);
        var shape = Assert.Throws<ArgumentException>(() => DenseKernel.Forward(zeros(4, 5), kernel, null));
        Assert.StartsWith("Dense: x (4, 5) and kernel (3, 2) cannot be multiplied: x's last axis has 5 elements but kernel's second-to-last axis has 3.", shape.Message);
        var rank = Assert.Throws<ArgumentException>(() => DenseKernel.Forward(zeros(4, 3, 1), kernel, null));
        Assert.StartsWith("Dense: x must have shape (batch, 3) but has shape (4, 3, 1).", rank.Message);
        var bias = Assert.Throws<ArgumentException>(() => DenseKernel.Forward(zeros(4, 3), kernel, zeros(3)));
        Assert.StartsWith("Dense: bias has shape (3) but the kernel (3, 2) needs a bias of shape (2).", bias.Message);
        var dy = Assert.Throws<ArgumentException>(() => DenseKernel.Backward(zeros(4, 2, dtype: ScalarType.Float64), zeros(4, 3), kernel));
        Assert.StartsWith("Dense backward: dy has dtype Float64 but kernel has dtype Float32", dy.Message);
        var rows = Assert.Throws<ArgumentException>(() => DenseKernel.Backward(zeros(5, 2), zeros(4, 3), kernel));
        Assert.StartsWith("Dense backward: dy has shape (5, 2) but x (4, 3) and the kernel (3, 2) give outputs of shape (4, 2).", rows.Message);
        Assert.Equal([4L, 2], DenseKernel.Forward(zeros(4, 3), kernel, zeros(2)).shape);
    }

    [Fact]
    public void MatMul_checks_what_torch_matmul_would_abort_on()
    {
        var shape = Assert.Throws<ArgumentException>(() => Ops.MatMul(ones(2, 3), ones(2, 3)));
        Assert.StartsWith("MatMul: a (2, 3) and b (2, 3) cannot be multiplied: a's last axis has 3 elements but b's second-to-last axis has 2.", shape.Message);
        var dtype = Assert.Throws<ArgumentException>(() => Ops.MatMul(ones(2, 3), ones(3, 2, dtype: ScalarType.Float64)));
        Assert.StartsWith("MatMul: a has dtype Float32 but b has dtype Float64", dtype.Message);
        var boolean = Assert.Throws<ArgumentException>(() => Ops.MatMul(ones(2, 3, dtype: ScalarType.Bool), ones(3, 2, dtype: ScalarType.Bool)));
        Assert.Contains("a has dtype Bool, which matmul does not support here", boolean.Message);
        var batch = Assert.Throws<ArgumentException>(() => Ops.MatMul(ones(2, 2, 3), ones(3, 3, 4)));
        Assert.Contains("batch axes of a (2, 2, 3) and b (3, 3, 4) do not broadcast (2 against 3)", batch.Message);
        var scalar = Assert.Throws<ArgumentException>(() => Ops.MatMul(ones(2), tensor(1f)));
        Assert.Contains("b is a scalar", scalar.Message);

        Assert.Equal([2L, 2], Ops.MatMul(ones(2, 3), ones(3, 2)).shape);
        Assert.Equal([5L, 2, 4], Ops.MatMul(ones(5, 2, 3), ones(1, 3, 4)).shape);
        Assert.Equal(3.0f, Ops.MatMul(ones(3), ones(3)).item<float>());
        Assert.Equal([2L], Ops.MatMul(ones(2, 3), ones(3)).shape);
    }
}
