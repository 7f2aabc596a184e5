using System.Numerics;
using System.Runtime.CompilerServices;
using static ModelDsl.Managed.Simd;

namespace ModelDsl.Managed;

/// <summary>What a product's output starts from: zeros, a bias row repeated, or its own values (backward's +=).</summary>
internal enum GemmStart { Zero, Bias, Accumulate }

/// <summary>
/// The one matrix-product engine of the managed kernels, single-threaded: C (m × n, row stride ldc) = start + A·B with
/// A(i, p) = a[i·aRow + p·aCol] (any strides: a transposed operand costs nothing, a stride of 0 repeats a value) and
/// B(p, j) = b[p·ldb + j] (rows contiguous), plus A·Bᵀ as dot products. K is cut in blocks of <see cref="KBlock"/> and N
/// in blocks of <see cref="NBlock"/> so that the B block stays in cache while every row block of A passes over it;
/// inside, a 4 × 2-vector register tile accumulates over the K block (8 accumulators, 2 B loads and 4 broadcasts per
/// step of K). No packing: at these sizes the copies would cost more than they save. (Measured faster than the
/// unblocked row-outer loop it replaced, at Dense and recurrent sizes, float and double.)
/// </summary>
internal static class Gemm
{
    /// <summary>K per block: a 256-row B block of one N block is 128 KB in float, 256 KB in double (L2).</summary>
    public const int KBlock = 256;

    /// <summary>Columns per block.</summary>
    public const int NBlock = 128;

    /// <summary>
    /// C (rows × cols, contiguous) = start + A·B over references (the caller has checked every range): A(r, k) =
    /// a[r·aRow + k·aCol], B(k, j) = b[k·bRow + j]; <paramref name="bias"/> is read only for <see cref="GemmStart.Bias"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<T>(ref T a, int aRow, int aCol, ref T b, int bRow, ref T c, int rows, int inner, int cols, GemmStart start, ref T bias)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Core(ref a, aRow, aCol, ref b, bRow, ref c, cols, rows, inner, cols, start, ref bias);

    /// <summary>
    /// C[i·ldc + j] = S[i, j] + Σ_p A(i, p)·b[p·ldb + j] for i &lt; m, j &lt; n, p &lt; k, where A(i, p) = a[i·aRow + p·aCol]
    /// and S is C itself when <paramref name="accumulate"/>, else <paramref name="rowInit"/>[j] (a bias row; empty: 0).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply<T>(ReadOnlySpan<T> a, int aRow, int aCol, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc,
        int m, int k, int n, bool accumulate, ReadOnlySpan<T> rowInit = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m <= 0 || n <= 0) return;
        if (aRow < 0 || aCol < 0 || ldb < 0 || ldc < n
            || (k > 0 && ((long)(m - 1) * aRow + (long)(k - 1) * aCol >= a.Length || (long)(k - 1) * ldb + n > b.Length))
            || (long)(m - 1) * ldc + n > c.Length
            || (!accumulate && !rowInit.IsEmpty && rowInit.Length < n))
            throw new ArgumentException($"Gemm: a span is shorter than its sizes (m {m}, k {k}, n {n}).");
        Core(ref Ref(a), aRow, aCol, ref Ref(b), ldb, ref Ref(c), ldc, m, k, n,
            accumulate ? GemmStart.Accumulate : rowInit.IsEmpty ? GemmStart.Zero : GemmStart.Bias, ref Ref(rowInit));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Core<T>(ref T aRef, int aRow, int aCol, ref T bRef, int ldb, ref T cRef, int ldc,
        int m, int k, int n, GemmStart startMode, ref T initRef)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m <= 0 || n <= 0) return;
        if (k <= 0)
        {
            if (startMode != GemmStart.Accumulate)
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < n; j++)
                        At(ref cRef, (nint)i * ldc + j) = startMode == GemmStart.Zero ? T.Zero : At(ref initRef, j);
            return;
        }
        for (int p0 = 0; p0 < k; p0 += KBlock)
        {
            int kc = Math.Min(KBlock, k - p0);
            var mode = p0 == 0 ? startMode : GemmStart.Accumulate;
            ref T aBlock = ref At(ref aRef, (nint)p0 * aCol);
            ref T bBlock = ref At(ref bRef, (nint)p0 * ldb);
            for (int j0 = 0; j0 < n; j0 += NBlock)
                Block(ref aBlock, aRow, aCol, ref bBlock, ldb, ref cRef, ldc, ref initRef, m, kc, j0, Math.Min(NBlock, n - j0), mode);
        }
    }

    /// <summary>
    /// C[i·ldc + j] (+)= Σ_p a[i·lda + p]·b[j·ldb + p] for i &lt; m, j &lt; n, p &lt; k: A·Bᵀ for B stored (n × k) row-major,
    /// as dot products along the contiguous K (for a narrow C, such as a layer's input gradient over few features).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyTransposed<T>(ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc,
        int m, int k, int n, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m <= 0 || n <= 0) return;
        if (lda < k || ldb < k || ldc < n
            || (k > 0 && ((long)(m - 1) * lda + k > a.Length || (long)(n - 1) * ldb + k > b.Length))
            || (long)(m - 1) * ldc + n > c.Length)
            throw new ArgumentException($"Gemm: a span is shorter than its sizes (m {m}, k {k}, n {n}).");
        ref T aRef = ref Ref(a);
        ref T bRef = ref Ref(b);
        ref T cRef = ref Ref(c);
        int w = Vector<T>.Count;
        int kv = k - k % w;
        for (int i = 0; i < m; i++)
        {
            ref T aRow = ref At(ref aRef, (nint)i * lda);
            ref T cRow = ref At(ref cRef, (nint)i * ldc);
            int j = 0;
            for (; j + 4 <= n; j += 4)
            {
                ref T b0 = ref At(ref bRef, (nint)j * ldb);
                ref T b1 = ref At(ref b0, ldb);
                ref T b2 = ref At(ref b1, ldb);
                ref T b3 = ref At(ref b2, ldb);
                Vector<T> s0 = Vector<T>.Zero, s1 = s0, s2 = s0, s3 = s0;
                for (int p = 0; p < kv; p += w)
                {
                    var av = Load(ref aRow, p);
                    s0 = MultiplyAdd(av, Load(ref b0, p), s0);
                    s1 = MultiplyAdd(av, Load(ref b1, p), s1);
                    s2 = MultiplyAdd(av, Load(ref b2, p), s2);
                    s3 = MultiplyAdd(av, Load(ref b3, p), s3);
                }
                T d0 = Vector.Sum(s0), d1 = Vector.Sum(s1), d2 = Vector.Sum(s2), d3 = Vector.Sum(s3);
                for (int p = kv; p < k; p++)
                {
                    T av = At(ref aRow, p);
                    d0 += av * At(ref b0, p);
                    d1 += av * At(ref b1, p);
                    d2 += av * At(ref b2, p);
                    d3 += av * At(ref b3, p);
                }
                Put(ref cRow, j, d0, accumulate);
                Put(ref cRow, j + 1, d1, accumulate);
                Put(ref cRow, j + 2, d2, accumulate);
                Put(ref cRow, j + 3, d3, accumulate);
            }
            for (; j < n; j++)
            {
                ref T b0 = ref At(ref bRef, (nint)j * ldb);
                var s0 = Vector<T>.Zero;
                for (int p = 0; p < kv; p += w) s0 = MultiplyAdd(Load(ref aRow, p), Load(ref b0, p), s0);
                T d0 = Vector.Sum(s0);
                for (int p = kv; p < k; p++) d0 += At(ref aRow, p) * At(ref b0, p);
                Put(ref cRow, j, d0, accumulate);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put<T>(ref T row, int j, T value, bool accumulate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (accumulate) At(ref row, j) += value;
        else At(ref row, j) = value;
    }

    /// <summary>One (K block, N block): column panels of two vectors, then one vector, then scalars; within each, row tiles of 4, then single rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block<T>(ref T a, int aRow, int aCol, ref T b, int ldb, ref T c, int ldc, ref T init,
        int m, int kc, int j0, int nc, GemmStart mode)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector<T>.Count;
        int j = j0, jEnd = j0 + nc;
        for (; j + 2 * w <= jEnd; j += 2 * w)
        {
            int i = 0;
            for (; i + 4 <= m; i += 4)
                Tile4x2(ref At(ref a, (nint)i * aRow), aRow, aCol, ref At(ref b, j), ldb, ref At(ref c, (nint)i * ldc + j), ldc, ref At(ref init, j), kc, mode);
            for (; i < m; i++)
                Tile1x2(ref At(ref a, (nint)i * aRow), aCol, ref At(ref b, j), ldb, ref At(ref c, (nint)i * ldc + j), ref At(ref init, j), kc, mode);
        }
        for (; j + w <= jEnd; j += w)
        {
            int i = 0;
            for (; i + 4 <= m; i += 4)
                Tile4x1(ref At(ref a, (nint)i * aRow), aRow, aCol, ref At(ref b, j), ldb, ref At(ref c, (nint)i * ldc + j), ldc, ref At(ref init, j), kc, mode);
            for (; i < m; i++)
                Tile1x1(ref At(ref a, (nint)i * aRow), aCol, ref At(ref b, j), ldb, ref At(ref c, (nint)i * ldc + j), ref At(ref init, j), kc, mode);
        }
        for (; j < jEnd; j++)
            for (int i = 0; i < m; i++)
            {
                ref T ai = ref At(ref a, (nint)i * aRow);
                ref T cij = ref At(ref c, (nint)i * ldc + j);
                T sum = mode == GemmStart.Accumulate ? cij : mode == GemmStart.Bias ? At(ref init, j) : T.Zero;
                for (int p = 0; p < kc; p++)
                    sum = MultiplyAdd(At(ref ai, (nint)p * aCol), At(ref b, (nint)p * ldb + j), sum);
                cij = sum;
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Start<T>(ref T c, nint offset, ref T init, nint initOffset, GemmStart mode) where T : unmanaged =>
        mode == GemmStart.Accumulate ? Load(ref c, offset) : mode == GemmStart.Bias ? Load(ref init, initOffset) : Vector<T>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile4x2<T>(ref T a, nint aRow, nint aCol, ref T b, nint ldb, ref T c, nint ldc, ref T init, int kc, GemmStart mode)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nint w = Vector<T>.Count;
        Vector<T> c00 = Start(ref c, 0, ref init, 0, mode), c01 = Start(ref c, w, ref init, w, mode);
        Vector<T> c10 = Start(ref c, ldc, ref init, 0, mode), c11 = Start(ref c, ldc + w, ref init, w, mode);
        Vector<T> c20 = Start(ref c, 2 * ldc, ref init, 0, mode), c21 = Start(ref c, 2 * ldc + w, ref init, w, mode);
        Vector<T> c30 = Start(ref c, 3 * ldc, ref init, 0, mode), c31 = Start(ref c, 3 * ldc + w, ref init, w, mode);
        nint pa = 0, pb = 0, a1 = aRow, a2 = 2 * aRow, a3 = 3 * aRow;
        for (int p = 0; p < kc; p++, pa += aCol, pb += ldb)
        {
            var b0 = Load(ref b, pb);
            var b1 = Load(ref b, pb + w);
            var x = new Vector<T>(At(ref a, pa));
            c00 = MultiplyAdd(x, b0, c00);
            c01 = MultiplyAdd(x, b1, c01);
            x = new Vector<T>(At(ref a, pa + a1));
            c10 = MultiplyAdd(x, b0, c10);
            c11 = MultiplyAdd(x, b1, c11);
            x = new Vector<T>(At(ref a, pa + a2));
            c20 = MultiplyAdd(x, b0, c20);
            c21 = MultiplyAdd(x, b1, c21);
            x = new Vector<T>(At(ref a, pa + a3));
            c30 = MultiplyAdd(x, b0, c30);
            c31 = MultiplyAdd(x, b1, c31);
        }
        Store(c00, ref c, 0); Store(c01, ref c, w);
        Store(c10, ref c, ldc); Store(c11, ref c, ldc + w);
        Store(c20, ref c, 2 * ldc); Store(c21, ref c, 2 * ldc + w);
        Store(c30, ref c, 3 * ldc); Store(c31, ref c, 3 * ldc + w);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile4x1<T>(ref T a, nint aRow, nint aCol, ref T b, nint ldb, ref T c, nint ldc, ref T init, int kc, GemmStart mode)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector<T> c0 = Start(ref c, 0, ref init, 0, mode), c1 = Start(ref c, ldc, ref init, 0, mode);
        Vector<T> c2 = Start(ref c, 2 * ldc, ref init, 0, mode), c3 = Start(ref c, 3 * ldc, ref init, 0, mode);
        nint pa = 0, pb = 0, a1 = aRow, a2 = 2 * aRow, a3 = 3 * aRow;
        for (int p = 0; p < kc; p++, pa += aCol, pb += ldb)
        {
            var b0 = Load(ref b, pb);
            c0 = MultiplyAdd(new Vector<T>(At(ref a, pa)), b0, c0);
            c1 = MultiplyAdd(new Vector<T>(At(ref a, pa + a1)), b0, c1);
            c2 = MultiplyAdd(new Vector<T>(At(ref a, pa + a2)), b0, c2);
            c3 = MultiplyAdd(new Vector<T>(At(ref a, pa + a3)), b0, c3);
        }
        Store(c0, ref c, 0); Store(c1, ref c, ldc); Store(c2, ref c, 2 * ldc); Store(c3, ref c, 3 * ldc);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile1x2<T>(ref T a, nint aCol, ref T b, nint ldb, ref T c, ref T init, int kc, GemmStart mode)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nint w = Vector<T>.Count;
        Vector<T> c0 = Start(ref c, 0, ref init, 0, mode), c1 = Start(ref c, w, ref init, w, mode);
        nint pa = 0, pb = 0;
        for (int p = 0; p < kc; p++, pa += aCol, pb += ldb)
        {
            var x = new Vector<T>(At(ref a, pa));
            c0 = MultiplyAdd(x, Load(ref b, pb), c0);
            c1 = MultiplyAdd(x, Load(ref b, pb + w), c1);
        }
        Store(c0, ref c, 0); Store(c1, ref c, w);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile1x1<T>(ref T a, nint aCol, ref T b, nint ldb, ref T c, ref T init, int kc, GemmStart mode)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector<T> c0 = Start(ref c, 0, ref init, 0, mode);
        nint pa = 0, pb = 0;
        for (int p = 0; p < kc; p++, pa += aCol, pb += ldb)
            c0 = MultiplyAdd(new Vector<T>(At(ref a, pa)), Load(ref b, pb), c0);
        Store(c0, ref c, 0);
    }
}
