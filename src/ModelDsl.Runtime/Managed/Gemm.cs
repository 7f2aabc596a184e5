using System.Numerics;
using System.Runtime.CompilerServices;

namespace ModelDsl.Managed;

/// <summary>What a product's output starts from: zeros, a bias row repeated, or its own values (backward's +=).</summary>
internal enum GemmStart { Zero, Bias, Accumulate }

/// <summary>
/// The one matrix-product loop of the managed kernels: C (rows × cols, contiguous) = start + A·B with
/// A(r, k) = a[r·aRow + k·aCol] (any strides: a transposed operand costs nothing, a stride of 0 repeats a value) and
/// B(k, j) = b[k·bRow + j] (rows contiguous). Register-blocked: 4 rows of C by 2 vectors of columns stay in eight
/// accumulators while k runs, so each loaded row segment of B feeds 8 fused multiply-adds and each A element is
/// loaded once per block.
/// </summary>
internal static class Gemm
{
    public static void Run<T>(ref T a, int aRow, int aCol, ref T b, int bRow, ref T c, int rows, int inner, int cols, GemmStart start, ref T bias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int r = 0;
        for (; r + 4 <= rows; r += 4)
            Rows4(ref Unsafe.Add(ref a, (nint)r * aRow), aRow, aCol, ref b, bRow, ref Unsafe.Add(ref c, (nint)r * cols), inner, cols, start, ref bias);
        for (; r < rows; r++)
            Row1(ref Unsafe.Add(ref a, (nint)r * aRow), aCol, ref b, bRow, ref Unsafe.Add(ref c, (nint)r * cols), inner, cols, start, ref bias);
    }

    private static void Rows4<T>(ref T a, int aRow, int aCol, ref T b, int bRow, ref T c, int inner, int cols, GemmStart start, ref T bias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector<T>.Count;
        nint r1 = aRow, r2 = 2 * (nint)aRow, r3 = 3 * (nint)aRow;
        ref T c0 = ref c;
        ref T c1 = ref Unsafe.Add(ref c, cols);
        ref T c2 = ref Unsafe.Add(ref c, 2 * (nint)cols);
        ref T c3 = ref Unsafe.Add(ref c, 3 * (nint)cols);
        int j = 0;
        for (; j + 2 * w <= cols; j += 2 * w)
        {
            var s00 = Start(start, ref Unsafe.Add(ref c0, j), ref Unsafe.Add(ref bias, j));
            var s01 = Start(start, ref Unsafe.Add(ref c0, j + w), ref Unsafe.Add(ref bias, j + w));
            var s10 = Start(start, ref Unsafe.Add(ref c1, j), ref Unsafe.Add(ref bias, j));
            var s11 = Start(start, ref Unsafe.Add(ref c1, j + w), ref Unsafe.Add(ref bias, j + w));
            var s20 = Start(start, ref Unsafe.Add(ref c2, j), ref Unsafe.Add(ref bias, j));
            var s21 = Start(start, ref Unsafe.Add(ref c2, j + w), ref Unsafe.Add(ref bias, j + w));
            var s30 = Start(start, ref Unsafe.Add(ref c3, j), ref Unsafe.Add(ref bias, j));
            var s31 = Start(start, ref Unsafe.Add(ref c3, j + w), ref Unsafe.Add(ref bias, j + w));
            ref T ak = ref a;
            ref T bk = ref Unsafe.Add(ref b, j);
            for (int k = 0; k < inner; k++)
            {
                var b0 = Simd.Load(ref bk);
                var b1 = Simd.Load(ref Unsafe.Add(ref bk, w));
                var x = new Vector<T>(ak);
                s00 = Simd.MultiplyAdd(x, b0, s00);
                s01 = Simd.MultiplyAdd(x, b1, s01);
                x = new Vector<T>(Unsafe.Add(ref ak, r1));
                s10 = Simd.MultiplyAdd(x, b0, s10);
                s11 = Simd.MultiplyAdd(x, b1, s11);
                x = new Vector<T>(Unsafe.Add(ref ak, r2));
                s20 = Simd.MultiplyAdd(x, b0, s20);
                s21 = Simd.MultiplyAdd(x, b1, s21);
                x = new Vector<T>(Unsafe.Add(ref ak, r3));
                s30 = Simd.MultiplyAdd(x, b0, s30);
                s31 = Simd.MultiplyAdd(x, b1, s31);
                ak = ref Unsafe.Add(ref ak, aCol);
                bk = ref Unsafe.Add(ref bk, bRow);
            }
            Simd.Store(s00, ref Unsafe.Add(ref c0, j));
            Simd.Store(s01, ref Unsafe.Add(ref c0, j + w));
            Simd.Store(s10, ref Unsafe.Add(ref c1, j));
            Simd.Store(s11, ref Unsafe.Add(ref c1, j + w));
            Simd.Store(s20, ref Unsafe.Add(ref c2, j));
            Simd.Store(s21, ref Unsafe.Add(ref c2, j + w));
            Simd.Store(s30, ref Unsafe.Add(ref c3, j));
            Simd.Store(s31, ref Unsafe.Add(ref c3, j + w));
        }
        for (; j + w <= cols; j += w)
        {
            var s0 = Start(start, ref Unsafe.Add(ref c0, j), ref Unsafe.Add(ref bias, j));
            var s1 = Start(start, ref Unsafe.Add(ref c1, j), ref Unsafe.Add(ref bias, j));
            var s2 = Start(start, ref Unsafe.Add(ref c2, j), ref Unsafe.Add(ref bias, j));
            var s3 = Start(start, ref Unsafe.Add(ref c3, j), ref Unsafe.Add(ref bias, j));
            ref T ak = ref a;
            ref T bk = ref Unsafe.Add(ref b, j);
            for (int k = 0; k < inner; k++)
            {
                var b0 = Simd.Load(ref bk);
                s0 = Simd.MultiplyAdd(new Vector<T>(ak), b0, s0);
                s1 = Simd.MultiplyAdd(new Vector<T>(Unsafe.Add(ref ak, r1)), b0, s1);
                s2 = Simd.MultiplyAdd(new Vector<T>(Unsafe.Add(ref ak, r2)), b0, s2);
                s3 = Simd.MultiplyAdd(new Vector<T>(Unsafe.Add(ref ak, r3)), b0, s3);
                ak = ref Unsafe.Add(ref ak, aCol);
                bk = ref Unsafe.Add(ref bk, bRow);
            }
            Simd.Store(s0, ref Unsafe.Add(ref c0, j));
            Simd.Store(s1, ref Unsafe.Add(ref c1, j));
            Simd.Store(s2, ref Unsafe.Add(ref c2, j));
            Simd.Store(s3, ref Unsafe.Add(ref c3, j));
        }
        for (; j < cols; j++)
        {
            T s0 = StartScalar(start, Unsafe.Add(ref c0, j), ref bias, j);
            T s1 = StartScalar(start, Unsafe.Add(ref c1, j), ref bias, j);
            T s2 = StartScalar(start, Unsafe.Add(ref c2, j), ref bias, j);
            T s3 = StartScalar(start, Unsafe.Add(ref c3, j), ref bias, j);
            ref T ak = ref a;
            ref T bk = ref Unsafe.Add(ref b, j);
            for (int k = 0; k < inner; k++)
            {
                T bv = bk;
                s0 = Simd.MultiplyAdd(ak, bv, s0);
                s1 = Simd.MultiplyAdd(Unsafe.Add(ref ak, r1), bv, s1);
                s2 = Simd.MultiplyAdd(Unsafe.Add(ref ak, r2), bv, s2);
                s3 = Simd.MultiplyAdd(Unsafe.Add(ref ak, r3), bv, s3);
                ak = ref Unsafe.Add(ref ak, aCol);
                bk = ref Unsafe.Add(ref bk, bRow);
            }
            Unsafe.Add(ref c0, j) = s0;
            Unsafe.Add(ref c1, j) = s1;
            Unsafe.Add(ref c2, j) = s2;
            Unsafe.Add(ref c3, j) = s3;
        }
    }

    private static void Row1<T>(ref T a, int aCol, ref T b, int bRow, ref T c, int inner, int cols, GemmStart start, ref T bias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector<T>.Count;
        int j = 0;
        for (; j + 2 * w <= cols; j += 2 * w)
        {
            var s0 = Start(start, ref Unsafe.Add(ref c, j), ref Unsafe.Add(ref bias, j));
            var s1 = Start(start, ref Unsafe.Add(ref c, j + w), ref Unsafe.Add(ref bias, j + w));
            ref T ak = ref a;
            ref T bk = ref Unsafe.Add(ref b, j);
            for (int k = 0; k < inner; k++)
            {
                var x = new Vector<T>(ak);
                s0 = Simd.MultiplyAdd(x, Simd.Load(ref bk), s0);
                s1 = Simd.MultiplyAdd(x, Simd.Load(ref Unsafe.Add(ref bk, w)), s1);
                ak = ref Unsafe.Add(ref ak, aCol);
                bk = ref Unsafe.Add(ref bk, bRow);
            }
            Simd.Store(s0, ref Unsafe.Add(ref c, j));
            Simd.Store(s1, ref Unsafe.Add(ref c, j + w));
        }
        for (; j + w <= cols; j += w)
        {
            var s0 = Start(start, ref Unsafe.Add(ref c, j), ref Unsafe.Add(ref bias, j));
            ref T ak = ref a;
            ref T bk = ref Unsafe.Add(ref b, j);
            for (int k = 0; k < inner; k++)
            {
                s0 = Simd.MultiplyAdd(new Vector<T>(ak), Simd.Load(ref bk), s0);
                ak = ref Unsafe.Add(ref ak, aCol);
                bk = ref Unsafe.Add(ref bk, bRow);
            }
            Simd.Store(s0, ref Unsafe.Add(ref c, j));
        }
        for (; j < cols; j++)
        {
            T s0 = StartScalar(start, Unsafe.Add(ref c, j), ref bias, j);
            ref T ak = ref a;
            ref T bk = ref Unsafe.Add(ref b, j);
            for (int k = 0; k < inner; k++)
            {
                s0 = Simd.MultiplyAdd(ak, bk, s0);
                ak = ref Unsafe.Add(ref ak, aCol);
                bk = ref Unsafe.Add(ref bk, bRow);
            }
            Unsafe.Add(ref c, j) = s0;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Start<T>(GemmStart start, ref T c, ref T bias) where T : unmanaged, IFloatingPointIeee754<T> => start switch
    {
        GemmStart.Accumulate => Simd.Load(ref c),
        GemmStart.Bias => Simd.Load(ref bias),
        _ => Vector<T>.Zero,
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T StartScalar<T>(GemmStart start, T c, ref T bias, int j) where T : unmanaged, IFloatingPointIeee754<T> => start switch
    {
        GemmStart.Accumulate => c,
        GemmStart.Bias => Unsafe.Add(ref bias, j),
        _ => T.Zero,
    };
}
