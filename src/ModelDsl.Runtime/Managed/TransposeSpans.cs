using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ModelDsl.Managed;

/// <summary>Two axes swapped: x viewed as (outer, a, middle, b, inner) becomes y (outer, b, middle, a, inner).</summary>
public static class TransposeSpans
{
    private const string Kernel = nameof(TransposeSpans);

    /// <summary>y[o, j, m, i, k] = x[o, i, m, j, k] for x (outer, a, middle, b, inner), overwriting y. A matrix
    /// transpose is (1, rows, 1, cols, 1).</summary>
    /// <exception cref="ArgumentException">x or y does not have outer·a·middle·b·inner elements.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative size.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Swap<T>(ReadOnlySpan<T> x, Span<T> y, int outer, int a, int middle, int b, int inner)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long count = Check(x.Length, y.Length, outer, a, middle, b, inner);
        if (count == 0) return;
        Run(x, y, outer, a, middle, b, inner, accumulate: false);
    }

    /// <summary>The backward of <see cref="Swap"/>: dx (outer, a, middle, b, inner) += dy (outer, b, middle, a, inner)
    /// swapped back.</summary>
    /// <exception cref="ArgumentException">dy or dx does not have outer·a·middle·b·inner elements.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative size.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SwapBackward<T>(ReadOnlySpan<T> dy, Span<T> dx, int outer, int a, int middle, int b, int inner)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long count = Check(dy.Length, dx.Length, outer, a, middle, b, inner);
        if (count == 0) return;
        Run(dy, dx, outer, b, middle, a, inner, accumulate: true);
    }

    /// <summary>y (cols, rows) = x (rows, cols)ᵀ, lengths already checked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Matrix<T>(ReadOnlySpan<T> x, Span<T> y, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T xRef = ref MemoryMarshal.GetReference(x);
        ref T yRef = ref MemoryMarshal.GetReference(y);
        for (int r = 0; r < rows; r++)
        {
            ref T row = ref Unsafe.Add(ref xRef, (nint)r * cols);
            for (int c = 0; c < cols; c++)
                Unsafe.Add(ref yRef, (nint)c * rows + r) = Unsafe.Add(ref row, c);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long Check(int xLength, int yLength, int outer, int a, int middle, int b, int inner)
    {
        SpanChecks.Sizes(Kernel, outer, nameof(outer), a, nameof(a), middle, nameof(middle));
        SpanChecks.Sizes(Kernel, b, nameof(b), inner, nameof(inner));
        long count = (long)outer * a * middle * b * inner;
        SpanChecks.Length(Kernel, xLength, count, "x", "(outer, a, middle, b, inner)");
        SpanChecks.Length(Kernel, yLength, count, "y", "(outer, b, middle, a, inner)");
        return count;
    }

    /// <summary>y (outer, b, middle, a, inner) = (or +=) x (outer, a, middle, b, inner) with axes a and b swapped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<T>(ReadOnlySpan<T> x, Span<T> y, int outer, int a, int middle, int b, int inner, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < a; i++)
                for (int m = 0; m < middle; m++)
                    for (int j = 0; j < b; j++)
                    {
                        if (inner == 1)
                        {
                            ref T target1 = ref y[(int)((((long)o * b + j) * middle + m) * a + i)];
                            T value = x[(int)((((long)o * a + i) * middle + m) * b + j)];
                            target1 = accumulate ? target1 + value : value;
                            continue;
                        }
                        var source = x.Slice((int)((((long)o * a + i) * middle + m) * b + j) * inner, inner);
                        var target = y.Slice((int)((((long)o * b + j) * middle + m) * a + i) * inner, inner);
                        if (accumulate) System.Numerics.Tensors.TensorPrimitives.Add(target, source, target);
                        else source.CopyTo(target);
                    }
    }
}
