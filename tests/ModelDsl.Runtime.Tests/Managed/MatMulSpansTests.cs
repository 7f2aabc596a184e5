using ModelDsl.Managed;
using static ModelDsl.Runtime.Tests.Managed.SpanTest;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Managed;

public class MatMulSpansTests
{
    [Theory]
    [InlineData(false, 6, 5, 11)]
    [InlineData(true, 6, 5, 11)]
    [InlineData(false, 3, 7, 1)]
    [InlineData(true, 5, 40, 1)]   // one output column over rows of several vectors (the other path of cols = 1)
    [InlineData(true, 13, 2, 17)]
    public void Forward_and_backward_equal_the_torch_product_and_its_vector_jacobian_product(bool float32, int rows, int inner, int cols)
    {
        if (float32) Check<float>(rows, inner, cols); else Check<double>(rows, inner, cols);
    }

    private static void Check<T>(int rows, int inner, int cols) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var g = Rng((ulong)(rows + inner + cols));
        var a = Randn<T>(g, rows, inner);
        var b = Randn<T>(g, inner, cols);
        var dy = Randn<T>(g, rows, cols);
        double tolerance = Tolerance<T>(Reordered);
        var y = new T[rows * cols];
        MatMulSpans.Forward<T>(Values<T>(a), Values<T>(b), y, rows, inner, cols);
        Close<T>(Ops.MatMul(a, b), y, tolerance, "y");

        var (da, daPrefill) = Prefilled<T>(g, rows, inner);
        var (db, dbPrefill) = Prefilled<T>(g, inner, cols);
        MatMulSpans.Backward<T>(Values<T>(dy), Values<T>(a), Values<T>(b), da, db, rows, inner, cols);
        Close<T>(daPrefill + dy.matmul(b.t()), da, tolerance, "da");
        Close<T>(dbPrefill + a.t().matmul(dy), db, tolerance, "db");

        // "Not needed": an empty da leaves the work to db alone.
        var dbOnly = new T[inner * cols];
        MatMulSpans.Backward<T>(Values<T>(dy), Values<T>(a), Values<T>(b), default, dbOnly, rows, inner, cols);
        Close<T>(a.t().matmul(dy), dbOnly, tolerance, "db alone");
    }

    [Fact]
    public void A_large_transposed_operand_uses_rented_scratch_and_stays_exact()
    {
        // b (inner, cols) with inner·cols above the stack scratch: dy·bᵀ goes through the pool.
        var g = Rng(9);
        var a = Randn<double>(g, 3, 70);
        var b = Randn<double>(g, 70, 40);
        var dy = Randn<double>(g, 3, 40);
        var da = new double[3 * 70];
        MatMulSpans.Backward<double>(Values<double>(dy), Values<double>(a), Values<double>(b), da, default, 3, 70, 40);
        Close<double>(dy.matmul(b.t()), da, Reordered, "da");
    }

    [Fact]
    public void A_wrong_length_names_the_span()
    {
        var e = Assert.Throws<ArgumentException>(() => MatMulSpans.Forward<double>(new double[6], new double[5], new double[6], 2, 3, 2));
        Assert.Contains("MatMulSpans: b has 5 elements but its shape (inner, cols) needs 6", e.Message);
    }
}
