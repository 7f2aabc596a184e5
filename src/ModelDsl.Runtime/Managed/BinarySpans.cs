using System.Runtime.CompilerServices;
using System.Numerics;
using System.Numerics.Tensors;

namespace ModelDsl.Managed;

/// <summary>
/// The op graph's element-wise binary operations with NumPy broadcasting of a row, a column or a scalar: the output is
/// viewed as (rows, cols) and each operand as (rows', cols') with rows' ∈ {1, rows} and cols' ∈ {1, cols}.
/// Maximum/Minimum propagate NaN; their gradient goes to the winner, half to each on a tie (torch's autograd).
/// </summary>
// Chunk buffers on the stack are written before they are read: no zeroing.
[System.Runtime.CompilerServices.SkipLocalsInit]
public static class BinarySpans
{
    private const string Kernel = nameof(BinarySpans);
    private const int Chunk = ActivationSpans.Chunk;

    /// <summary>y = a op b, overwriting y (rows, cols); a (aRows, aCols) and b (bRows, bCols) broadcast to it.</summary>
    /// <exception cref="ArgumentException">A span whose length is not the product of its sizes, or an operand size
    /// that is neither 1 nor the output's.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative size.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T>(BinaryOp op, ReadOnlySpan<T> a, int aRows, int aCols, ReadOnlySpan<T> b, int bRows, int bCols, Span<T> y, int rows, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(a.Length, aRows, aCols, b.Length, bRows, bCols, y.Length, "y", rows, cols);
        if (aRows == rows && aCols == cols && bRows == rows && bCols == cols)
        {
            Apply(op, a, b, y);
            return;
        }
        Span<T> bufferA = stackalloc T[Chunk], bufferB = stackalloc T[Chunk];
        for (int r = 0; r < rows; r++)
            for (int start = 0; start < cols; start += Chunk)
            {
                int length = Math.Min(Chunk, cols - start);
                Apply(op, Operand(a, aRows, aCols, r, start, length, bufferA, cols), Operand(b, bRows, bCols, r, start, length, bufferB, cols),
                    y.Slice(r * cols + start, length));
            }
    }

    /// <summary>
    /// da += ∂(a op b)/∂a · dy and db += ∂(a op b)/∂b · dy, each summed over the axes its operand was broadcast along;
    /// y is the forward output (used by Divide). An empty da or db is not computed.
    /// </summary>
    /// <exception cref="ArgumentException">A span whose length is not the product of its sizes, or an operand size
    /// that is neither 1 nor the output's.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative size.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<T>(BinaryOp op, ReadOnlySpan<T> dy, ReadOnlySpan<T> a, int aRows, int aCols, ReadOnlySpan<T> b, int bRows, int bCols,
        ReadOnlySpan<T> y, Span<T> da, Span<T> db, int rows, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(a.Length, aRows, aCols, b.Length, bRows, bCols, dy.Length, "dy", rows, cols);
        SpanChecks.Length(Kernel, y.Length, (long)rows * cols, nameof(y), "(rows, cols)");
        bool wantA = SpanChecks.Wanted(Kernel, da.Length, (long)aRows * aCols, nameof(da), "(aRows, aCols)");
        bool wantB = SpanChecks.Wanted(Kernel, db.Length, (long)bRows * bCols, nameof(db), "(bRows, bCols)");
        if (!wantA && !wantB) return;
        Span<T> bufferA = stackalloc T[Chunk], bufferB = stackalloc T[Chunk], gradient = stackalloc T[Chunk];
        // A broadcast column or scalar operand's gradient is summed in double over its row (or everything), then added once.
        double sumA = 0, sumB = 0;
        for (int r = 0; r < rows; r++)
        {
            for (int start = 0; start < cols; start += Chunk)
            {
                int length = Math.Min(Chunk, cols - start), at = r * cols + start;
                ReadOnlySpan<T> g = dy.Slice(at, length), output = y.Slice(at, length);
                ReadOnlySpan<T> left = Operand(a, aRows, aCols, r, start, length, bufferA, cols);
                ReadOnlySpan<T> right = Operand(b, bRows, bCols, r, start, length, bufferB, cols);
                Span<T> scratch = gradient[..length];
                if (wantA) sumA += Reduce(Gradient(op, first: true, g, left, right, output, scratch), da, aRows, aCols, r, start, cols);
                if (wantB) sumB += Reduce(Gradient(op, first: false, g, left, right, output, scratch), db, bRows, bCols, r, start, cols);
            }
            if (wantA) Flush(da, aRows, aCols, r, rows, cols, ref sumA);
            if (wantB) Flush(db, bRows, bCols, r, rows, cols, ref sumB);
        }
    }

    /// <summary>y = a op b over spans of one length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Apply<T>(BinaryOp op, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(a, b, y); break;
            case BinaryOp.Subtract: TensorPrimitives.Subtract(a, b, y); break;
            case BinaryOp.Multiply: TensorPrimitives.Multiply(a, b, y); break;
            case BinaryOp.Divide: TensorPrimitives.Divide(a, b, y); break;
            case BinaryOp.Maximum: TensorPrimitives.Max(a, b, y); break;
            case BinaryOp.Minimum: TensorPrimitives.Min(a, b, y); break;
            default: throw Unknown(op);
        }
    }

    /// <summary>
    /// The gradient of a op b with respect to a (<paramref name="first"/>) or b, element-wise for upstream g and output
    /// y: the torch backend's rules (Divide: g/b and −g·y/b; Maximum/Minimum: 0 to the loser, g/2 on a tie, else g).
    /// Returns g itself where the gradient is g, else <paramref name="scratch"/> filled.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static ReadOnlySpan<T> Gradient<T>(BinaryOp op, bool first, ReadOnlySpan<T> g, ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> y, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case BinaryOp.Add: return g;
            case BinaryOp.Subtract:
                if (first) return g;
                TensorPrimitives.Negate(g, scratch);
                return scratch;
            case BinaryOp.Multiply:
                TensorPrimitives.Multiply(g, first ? b : a, scratch);
                return scratch;
            case BinaryOp.Divide:
                if (first) TensorPrimitives.Divide(g, b, scratch);
                else
                {
                    TensorPrimitives.Multiply(g, y, scratch);
                    TensorPrimitives.Divide(scratch, b, scratch);
                    TensorPrimitives.Negate(scratch, scratch);
                }
                return scratch;
            case BinaryOp.Maximum or BinaryOp.Minimum:
                ReadOnlySpan<T> self = first ? a : b, other = first ? b : a;
                T half = T.CreateTruncating(0.5);
                bool maximum = op == BinaryOp.Maximum;
                for (int i = 0; i < scratch.Length; i++)
                {
                    bool loses = maximum ? self[i] < other[i] : self[i] > other[i];
                    scratch[i] = loses ? T.Zero : self[i] == other[i] ? g[i] * half : g[i];
                }
                return scratch;
            default: throw Unknown(op);
        }
    }

    internal static ArgumentOutOfRangeException Unknown(BinaryOp op) => new(nameof(op), op, $"Unknown binary operation '{op}'.");

    /// <summary>Columns [start, start + length) of row r of an operand: a slice, or its broadcast value in buffer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ReadOnlySpan<T> Operand<T>(ReadOnlySpan<T> v, int vRows, int vCols, int r, int start, int length, Span<T> buffer, int cols)
        where T : unmanaged
    {
        int row = vRows == 1 ? 0 : r;
        if (vCols == cols) return v.Slice(row * vCols + start, length);
        Span<T> filled = buffer[..length];
        filled.Fill(v[row]);
        return filled;
    }

    /// <summary>Adds a chunk of gradient into an operand's gradient where it has the columns; for a broadcast column,
    /// returns the chunk's sum (in double) for <see cref="Flush"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Reduce<T>(ReadOnlySpan<T> gradient, Span<T> d, int dRows, int dCols, int r, int start, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (dCols != cols) return ElementMath.Sum(gradient);
        Span<T> target = d.Slice((dRows == 1 ? 0 : r) * dCols + start, gradient.Length);
        TensorPrimitives.Add(target, gradient, target);
        return 0;
    }

    /// <summary>After row r: adds a broadcast column's pending sum into its row's gradient (a scalar's after the last row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Flush<T>(Span<T> d, int dRows, int dCols, int r, int rows, int cols, ref double sum)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (dCols == cols || (dRows == 1 && r != rows - 1)) return;
        d[dRows == 1 ? 0 : r] += T.CreateTruncating(sum);
        sum = 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Check(int aLength, int aRows, int aCols, int bLength, int bRows, int bCols, int yLength, string yName, int rows, int cols)
    {
        SpanChecks.Sizes(Kernel, rows, nameof(rows), cols, nameof(cols));
        SpanChecks.Length(Kernel, yLength, (long)rows * cols, yName, "(rows, cols)");
        CheckOperand(aLength, aRows, aCols, "a", rows, cols);
        CheckOperand(bLength, bRows, bCols, "b", rows, cols);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CheckOperand(int length, int vRows, int vCols, string name, int rows, int cols)
    {
        if ((vRows != 1 && vRows != rows) || (vCols != 1 && vCols != cols))
            throw new ArgumentException($"{Kernel}: {name} is ({vRows}, {vCols}), which does not broadcast to ({rows}, {cols}) (each size 1 or the output's).", name);
        SpanChecks.Length(Kernel, length, (long)vRows * vCols, name, $"({name}Rows, {name}Cols)");
    }
}

/// <summary>An element-wise binary operation with a constant operand: y = a op c, or c op a when
/// <c>constantFirst</c>.</summary>
// Chunk buffers on the stack are written before they are read: no zeroing.
[System.Runtime.CompilerServices.SkipLocalsInit]
public static class ScalarSpans
{
    private const string Kernel = nameof(ScalarSpans);

    /// <summary>y = a op constant (or constant op a when <paramref name="constantFirst"/>), overwriting y.</summary>
    /// <exception cref="ArgumentException">y's length is not a's.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T>(BinaryOp op, ReadOnlySpan<T> a, T constant, bool constantFirst, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanChecks.Length(Kernel, y.Length, a.Length, nameof(y), "(the length of a)");
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(a, constant, y); break;
            case BinaryOp.Subtract:
                if (constantFirst) TensorPrimitives.Subtract(constant, a, y); else TensorPrimitives.Subtract(a, constant, y);
                break;
            case BinaryOp.Multiply: TensorPrimitives.Multiply(a, constant, y); break;
            case BinaryOp.Divide:
                if (constantFirst) TensorPrimitives.Divide(constant, a, y); else TensorPrimitives.Divide(a, constant, y);
                break;
            case BinaryOp.Maximum: TensorPrimitives.Max(a, constant, y); break;
            case BinaryOp.Minimum: TensorPrimitives.Min(a, constant, y); break;
            default: throw BinarySpans.Unknown(op);
        }
    }

    /// <summary>da += ∂y/∂a · dy for the y of <see cref="Forward"/> (the constant gets no gradient). An empty da: nothing
    /// to do.</summary>
    /// <exception cref="ArgumentException">dy, y or da (when given) of another length than a.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<T>(BinaryOp op, ReadOnlySpan<T> dy, ReadOnlySpan<T> a, T constant, bool constantFirst, ReadOnlySpan<T> y, Span<T> da)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanChecks.Length(Kernel, dy.Length, a.Length, nameof(dy), "(the length of a)");
        SpanChecks.Length(Kernel, y.Length, a.Length, nameof(y), "(the length of a)");
        if (!SpanChecks.Wanted(Kernel, da.Length, a.Length, nameof(da), "(the length of a)")) return;
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(da, dy, da); return;
            case BinaryOp.Subtract:
                if (constantFirst) TensorPrimitives.Subtract(da, dy, da); else TensorPrimitives.Add(da, dy, da);
                return;
            case BinaryOp.Multiply: TensorPrimitives.MultiplyAdd(dy, constant, da, da); return;
        }
        Span<T> other = stackalloc T[ActivationSpans.Chunk], scratch = stackalloc T[ActivationSpans.Chunk];
        for (int start = 0; start < a.Length; start += ActivationSpans.Chunk)
        {
            int length = Math.Min(ActivationSpans.Chunk, a.Length - start);
            ReadOnlySpan<T> g = dy.Slice(start, length), self = a.Slice(start, length), output = y.Slice(start, length);
            Span<T> c = other[..length], target = da.Slice(start, length);
            c.Fill(constant);
            ReadOnlySpan<T> gradient = constantFirst
                ? BinarySpans.Gradient(op, first: false, g, c, self, output, scratch[..length])
                : BinarySpans.Gradient(op, first: true, g, self, c, output, scratch[..length]);
            TensorPrimitives.Add(target, gradient, target);
        }
    }
}
