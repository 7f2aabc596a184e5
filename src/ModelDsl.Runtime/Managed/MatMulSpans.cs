using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ModelDsl.Managed;

/// <summary>The op graph's matrix product over spans: y (rows, cols) = a (rows, inner) · b (inner, cols), row-major.</summary>
public static class MatMulSpans
{
    private const string Kernel = nameof(MatMulSpans);

    /// <summary>Elements of scratch that a call keeps on the stack (a transposed operand); larger ones are rented.</summary>
    private const int StackElements = 1024;

    /// <summary>y = a·b, overwriting y. a (rows, inner), b (inner, cols), y (rows, cols).</summary>
    /// <exception cref="ArgumentException">A span whose length is not the product of its sizes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative size.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y, int rows, int inner, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(Kernel, rows, inner, cols, "rows", "inner", "cols");
        SpanChecks.Length(Kernel, a.Length, (long)rows * inner, nameof(a), "(rows, inner)");
        SpanChecks.Length(Kernel, b.Length, (long)inner * cols, nameof(b), "(inner, cols)");
        SpanChecks.Length(Kernel, y.Length, (long)rows * cols, nameof(y), "(rows, cols)");
        Product(a, b, default, y, rows, inner, cols);
    }

    /// <summary>
    /// da (rows, inner) += dy·bᵀ and db (inner, cols) += aᵀ·dy for the upstream gradient dy (rows, cols). An empty
    /// da or db is not computed.
    /// </summary>
    /// <exception cref="ArgumentException">A span whose length is not the product of its sizes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative size.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> da, Span<T> db, int rows, int inner, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(Kernel, rows, inner, cols, "rows", "inner", "cols");
        SpanChecks.Length(Kernel, dy.Length, (long)rows * cols, nameof(dy), "(rows, cols)");
        SpanChecks.Length(Kernel, a.Length, (long)rows * inner, nameof(a), "(rows, inner)");
        SpanChecks.Length(Kernel, b.Length, (long)inner * cols, nameof(b), "(inner, cols)");
        if (SpanChecks.Wanted(Kernel, da.Length, (long)rows * inner, nameof(da), "(rows, inner)"))
            InputGradient(dy, b, da, rows, inner, cols);
        if (SpanChecks.Wanted(Kernel, db.Length, (long)inner * cols, nameof(db), "(inner, cols)"))
            WeightGradient(dy, a, db, rows, inner, cols);
    }

    internal static void Check(string kernel, int rows, int inner, int cols, string rowsName, string innerName, string colsName) =>
        SpanChecks.Sizes(kernel, rows, rowsName, inner, innerName, cols, colsName);

    /// <summary>y = a·b (+ bias repeated on every row when bias is not empty), lengths already checked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Product<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> bias, Span<T> y, int rows, int inner, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (rows == 0 || cols == 0) return;
        if (cols == 1)
        {
            // One output column: each entry is a dot product of contiguous rows (a vectorised Dot beats a scalar column).
            T offset = bias.IsEmpty ? T.Zero : bias[0];
            if (inner < 2 * Vector<T>.Count)
            {
                // Rows shorter than two vectors: a call per row would cost more than its few multiply-adds.
                for (int r = 0; r < rows; r++)
                {
                    ReadOnlySpan<T> row = a.Slice(r * inner, inner);
                    T sum = T.Zero;
                    for (int k = 0; k < row.Length; k++) sum += row[k] * b[k];
                    y[r] = sum + offset;
                }
                return;
            }
            for (int r = 0; r < rows; r++)
                y[r] = TensorPrimitives.Dot(a.Slice(r * inner, inner), b) + offset;
            return;
        }
        Gemm.Run(ref MemoryMarshal.GetReference(a), inner, 1, ref MemoryMarshal.GetReference(b), cols, ref MemoryMarshal.GetReference(y),
            rows, inner, cols, bias.IsEmpty ? GemmStart.Zero : GemmStart.Bias, ref MemoryMarshal.GetReference(bias));
    }

    /// <summary>da (rows, inner) += dy (rows, cols) · bᵀ, lengths already checked.</summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void InputGradient<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> b, Span<T> da, int rows, int inner, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (rows == 0 || inner == 0 || cols == 0) return;
        ref T dyRef = ref MemoryMarshal.GetReference(dy);
        ref T daRef = ref MemoryMarshal.GetReference(da);
        if (cols == 1)
        {
            // bᵀ is the row b itself.
            Gemm.Run(ref dyRef, 1, 1, ref MemoryMarshal.GetReference(b), inner, ref daRef, rows, 1, inner, GemmStart.Accumulate, ref daRef);
            return;
        }
        // bᵀ (cols, inner) with contiguous rows, so the product runs as the forward's.
        using var bt = new Scratch<T>(inner * cols, stackalloc T[StackElements]);
        TransposeSpans.Matrix(b, bt.Span, inner, cols);
        Gemm.Run(ref dyRef, cols, 1, ref MemoryMarshal.GetReference(bt.Span), inner, ref daRef, rows, cols, inner, GemmStart.Accumulate, ref daRef);
    }

    /// <summary>db (inner, cols) += aᵀ (inner, rows) · dy (rows, cols), lengths already checked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void WeightGradient<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> a, Span<T> db, int rows, int inner, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (rows == 0 || inner == 0 || cols == 0) return;
        ref T dyRef = ref MemoryMarshal.GetReference(dy);
        ref T aRef = ref MemoryMarshal.GetReference(a);
        ref T dbRef = ref MemoryMarshal.GetReference(db);
        if (cols == 1)
            // dbᵀ (1, inner) += dyᵀ (1, rows) · a (rows, inner): a's rows are contiguous, so vectorise over inner.
            Gemm.Run(ref dyRef, 0, 1, ref aRef, inner, ref dbRef, 1, rows, inner, GemmStart.Accumulate, ref dbRef);
        else
            // aᵀ read with swapped strides: A(i, r) = a[r·inner + i].
            Gemm.Run(ref aRef, 1, inner, ref dyRef, cols, ref dbRef, inner, rows, cols, GemmStart.Accumulate, ref dbRef);
    }

    /// <summary>dBias (cols) += Σ over rows of dy (rows, cols), lengths already checked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ColumnSums<T>(ReadOnlySpan<T> dy, Span<T> sums, int rows, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (rows == 0 || cols == 0) return;
        if (cols == 1)
        {
            sums[0] += TensorPrimitives.Sum(dy);
            return;
        }
        // onesᵀ (1, rows) · dy: a stride-0 operand of ones.
        T one = T.One;
        ref T sumsRef = ref MemoryMarshal.GetReference(sums);
        Gemm.Run(ref one, 0, 0, ref MemoryMarshal.GetReference(dy), cols, ref sumsRef, 1, rows, cols, GemmStart.Accumulate, ref sumsRef);
    }
}
