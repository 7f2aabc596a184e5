using System.Numerics;
using ModelDsl.Managed;
using ModelDsl.Runtime.Tests.Kernels;
using static ModelDsl.Runtime.Tests.Managed.SpanTest;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Managed;

public class BinarySpansTests
{
    /// <summary>The operand forms: whole, a row (1, cols), a column (rows, 1), a scalar (1, 1).</summary>
    private static readonly (bool Rows, bool Cols)[] Forms = [(true, true), (false, true), (true, false), (false, false)];

    public static TheoryData<BinaryOp, bool> Cases()
    {
        var data = new TheoryData<BinaryOp, bool>();
        foreach (BinaryOp op in Enum.GetValues<BinaryOp>()) { data.Add(op, false); data.Add(op, true); }
        return data;
    }

    /// <summary>The torch op (broadcasting as NumPy).</summary>
    internal static Tensor Reference(BinaryOp op, Tensor a, Tensor b) => op switch
    {
        BinaryOp.Add => a + b,
        BinaryOp.Subtract => a - b,
        BinaryOp.Multiply => a * b,
        BinaryOp.Divide => a / b,
        BinaryOp.Maximum => Ops.Maximum(a, b),
        BinaryOp.Minimum => Ops.Minimum(a, b),
        _ => throw new ArgumentException(op.ToString()),
    };

    /// <summary>Values on a grid of halves (so Maximum/Minimum meet ties), away from 0 when they divide.</summary>
    internal static Tensor Grid<T>(Generator g, bool divisor, params long[] shape)
    {
        var v = (randn(shape, ScalarType.Float64, generator: g) * 2).round() / 2;
        if (divisor) v = v + where(v >= 0, 0.75, -0.75);
        return v.to_type(Dtype<T>());
    }

    [Theory, MemberData(nameof(Cases))]
    public void Forward_and_backward_equal_the_torch_op_and_autograd_for_every_broadcast(BinaryOp op, bool float32)
    {
        foreach (var (rows, cols) in new[] { (5, 3), (3, 300), (1, 4), (6, 1) })
            foreach (var a in Forms)
                foreach (var b in Forms)
                {
                    if (float32) Check<float>(op, rows, cols, a, b); else Check<double>(op, rows, cols, a, b);
                }
    }

    private static void Check<T>(BinaryOp op, int rows, int cols, (bool Rows, bool Cols) aForm, (bool Rows, bool Cols) bForm)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int aRows = aForm.Rows ? rows : 1, aCols = aForm.Cols ? cols : 1, bRows = bForm.Rows ? rows : 1, bCols = bForm.Cols ? cols : 1;
        string what = $"{op} ({aRows}, {aCols}) with ({bRows}, {bCols}) to ({rows}, {cols})";
        var g = Rng((ulong)(rows * 1000 + cols * 10 + (int)op));
        var a = Grid<T>(g, false, aRows, aCols);
        var b = Grid<T>(g, op == BinaryOp.Divide, bRows, bCols);
        var dy = Randn<T>(g, rows, cols);

        var y = new T[rows * cols];
        BinarySpans.Forward<T>(op, Values<T>(a), aRows, aCols, Values<T>(b), bRows, bCols, y, rows, cols);
        // (When both operands broadcast along one axis, the output is still (rows, cols): the op then expanded.)
        var expected = Reference(op, a, b).expand(rows, cols).contiguous();
        Close<T>(expected, y, Tolerance<T>(Exact), what + " y");

        // The truth in float64 (float32's own sums of many terms would differ from any other order's by more than 1e-5).
        var truth = GradientCheck.Autograd(t => Reference(op, t[0], t[1]).expand(rows, cols), [Wide(a), Wide(b)], Wide(dy));
        var (da, daPrefill) = Prefilled<T>(g, aRows, aCols);
        var (db, dbPrefill) = Prefilled<T>(g, bRows, bCols);
        BinarySpans.Backward<T>(op, Values<T>(dy), Values<T>(a), aRows, aCols, Values<T>(b), bRows, bCols, Values<T>(expected), da, db, rows, cols);
        Close<T>(daPrefill + truth[0], da, Tolerance<T>(Reordered), what + " da");
        Close<T>(dbPrefill + truth[1], db, Tolerance<T>(Reordered), what + " db");

        // "Not needed": either gradient alone.
        var daOnly = new T[aRows * aCols];
        BinarySpans.Backward<T>(op, Values<T>(dy), Values<T>(a), aRows, aCols, Values<T>(b), bRows, bCols, Values<T>(expected), daOnly, default, rows, cols);
        Close<T>(truth[0], daOnly, Tolerance<T>(Reordered), what + " da alone");
        var dbOnly = new T[bRows * bCols];
        BinarySpans.Backward<T>(op, Values<T>(dy), Values<T>(a), aRows, aCols, Values<T>(b), bRows, bCols, Values<T>(expected), default, dbOnly, rows, cols);
        Close<T>(truth[1], dbOnly, Tolerance<T>(Reordered), what + " db alone");
    }

    internal static Tensor Wide(Tensor t) => t.to_type(ScalarType.Float64);

    [Fact]
    public void An_operand_that_does_not_broadcast_is_named()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            BinarySpans.Forward<double>(BinaryOp.Add, new double[6], 2, 3, new double[2], 1, 2, new double[6], 2, 3));
        Assert.Contains("BinarySpans: b is (1, 2), which does not broadcast to (2, 3)", e.Message);
        e = Assert.Throws<ArgumentException>(() =>
            BinarySpans.Backward<double>(BinaryOp.Add, new double[6], new double[6], 2, 3, new double[3], 1, 3, new double[6], new double[6], new double[2], 2, 3));
        Assert.Contains("BinarySpans: db has 2 elements but its shape (bRows, bCols) needs 3", e.Message);
    }
}

public class ScalarSpansTests
{
    public static TheoryData<BinaryOp, bool, bool> Cases()
    {
        var data = new TheoryData<BinaryOp, bool, bool>();
        foreach (BinaryOp op in Enum.GetValues<BinaryOp>())
            foreach (bool first in new[] { false, true }) { data.Add(op, first, false); data.Add(op, first, true); }
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Forward_and_backward_equal_the_torch_op_with_a_constant_tensor(BinaryOp op, bool constantFirst, bool float32)
    {
        foreach (int length in new[] { 7, 600 })
        {
            if (float32) Check<float>(op, constantFirst, length); else Check<double>(op, constantFirst, length);
        }
    }

    private static void Check<T>(BinaryOp op, bool constantFirst, int length) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Rng((ulong)((int)op * 10 + length + (constantFirst ? 1 : 0)));
        // On the grid of halves, so Maximum/Minimum with 0.5 meet ties; away from 0 where a divides.
        var a = BinarySpansTests.Grid<T>(g, op == BinaryOp.Divide && constantFirst, length);
        T constant = T.CreateTruncating(0.5);
        var c = full(length, 0.5, dtype: Dtype<T>());
        Tensor Reference(Tensor t) => constantFirst ? BinarySpansTests.Reference(op, c, t) : BinarySpansTests.Reference(op, t, c);
        var dy = Randn<T>(g, length);

        var y = new T[length];
        ScalarSpans.Forward<T>(op, Values<T>(a), constant, constantFirst, y);
        var expected = Reference(a);
        Close<T>(expected, y, Tolerance<T>(Exact), $"{op} y");

        var (da, prefill) = Prefilled<T>(g, length);
        ScalarSpans.Backward<T>(op, Values<T>(dy), Values<T>(a), constant, constantFirst, Values<T>(expected), da);
        var truth = GradientCheck.Autograd(t => Reference(t[0]), [a], dy)[0];
        Close<T>(prefill + truth, da, Tolerance<T>(Exact), $"{op} da");

        ScalarSpans.Backward<T>(op, Values<T>(dy), Values<T>(a), constant, constantFirst, Values<T>(expected), default);
    }
}
