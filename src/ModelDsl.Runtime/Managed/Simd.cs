using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.Arm;
using X86 = System.Runtime.Intrinsics.X86;

namespace ModelDsl.Managed;

/// <summary>
/// Vector helpers shared by the span kernels, generic over float and double. <see cref="Vector{T}"/> is specialised per
/// value type by the JIT, so the typeof tests below fold away and each call is one instruction sequence for the
/// instantiated type. The nonlinearities are written on vectors (one exp each, in registers) so that a recurrent step's
/// gates are activated in the same loop that combines them, with no call per row.
/// </summary>
internal static class Simd
{
    /// <summary>Whether the CPU fuses a multiply-add in one instruction: the software fallback of
    /// <c>FusedMultiplyAdd</c> is far slower than a multiply and an add, so without it the two are used.</summary>
    public static bool HasFma => X86.Fma.IsSupported || AdvSimd.IsSupported;

    /// <summary>a·b + c, fused where the CPU has FMA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> MultiplyAdd<T>(Vector<T> a, Vector<T> b, Vector<T> c)
    {
        if (HasFma)
        {
            if (typeof(T) == typeof(float))
                return Vector.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>()).As<float, T>();
            if (typeof(T) == typeof(double))
                return Vector.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>()).As<double, T>();
        }
        return a * b + c;
    }

    /// <summary>a·b + c, fused where the CPU has FMA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MultiplyAdd<T>(T a, T b, T c) where T : IFloatingPointIeee754<T> =>
        HasFma ? T.FusedMultiplyAdd(a, b, c) : a * b + c;

    /// <summary>The vector at <paramref name="source"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Load<T>(ref T source) => Vector.LoadUnsafe(ref source);

    /// <summary>Stores <paramref name="value"/> at <paramref name="destination"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(Vector<T> value, ref T destination) => value.StoreUnsafe(ref destination);

    /// <summary>Lanes of <see cref="Vector{T}"/>.</summary>
    public static int Width<T>() where T : unmanaged => Vector<T>.Count;

    /// <summary>The managed kernels run on float (float32) and double (float64): the only types <see cref="Vector{T}"/> and the exp below serve.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CheckType<T>(string layer)
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
            throw new NotSupportedException($"{layer}: the managed kernels run on float (float32) and double (float64); got {typeof(T).Name}.");
    }

    /// <summary>e^x per lane (BCL's vectorized exp: within an ulp or two of Math.Exp).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Exp<T>(Vector<T> x)
    {
        if (typeof(T) == typeof(float)) return Vector.As<float, T>(ExpSingle(Vector.As<T, float>(x)));
        if (typeof(T) == typeof(double)) return Vector.As<double, T>(Vector.Exp(Vector.As<T, double>(x)));
        throw new NotSupportedException(typeof(T).Name);
    }

    /// <summary>
    /// e^x in float, within 2 ulp of the correctly rounded value (Cephes' expf: x = n·ln2 + r, |r| ≤ ln2/2, a degree-6
    /// polynomial for e^r, 2^n put in the exponent): the BCL's Vector.Exp on float widens to double and costs about three
    /// times as much, which made the exponentials most of a small LSTM's step. Above 88.72: ∞; below −87.33: 0 (where
    /// the true value is subnormal, as a recurrent gate needs none); NaN stays NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> ExpSingle(Vector<float> x)
    {
        var clamped = Vector.Min(Vector.Max(x, new Vector<float>(-87.33654f)), new Vector<float>(88.72283f));
        var n = Vector.Round(clamped * new Vector<float>(1.44269504088896341f));
        // r = x − n·ln2 in two parts (Cody and Waite), exact for |n| ≤ 128.
        var r = clamped - n * new Vector<float>(0.693359375f) - n * new Vector<float>(-2.12194440e-4f);
        var p = new Vector<float>(1.9875691500E-4f);
        p = p * r + new Vector<float>(1.3981999507E-3f);
        p = p * r + new Vector<float>(8.3334519073E-3f);
        p = p * r + new Vector<float>(4.1665795894E-2f);
        p = p * r + new Vector<float>(1.6666665459E-1f);
        p = p * r + new Vector<float>(5.0000001201E-1f);
        var er = p * (r * r) + r + Vector<float>.One;
        // 2^n as two normal floats 2^(n/2)·2^(n − n/2) (their exponent fields n' + 127), so that n = −126 and 128 scale too.
        var exponent = Vector.ConvertToInt32(n);
        var half = Vector.ShiftRightArithmetic(exponent, 1);
        var bias = new Vector<int>(127);
        var result = er * Vector.AsVectorSingle(Vector.ShiftLeft(half + bias, 23)) * Vector.AsVectorSingle(Vector.ShiftLeft(exponent - half + bias, 23));
        result = Vector.ConditionalSelect(Vector.GreaterThan(x, new Vector<float>(88.72283f)), new Vector<float>(float.PositiveInfinity), result);
        result = Vector.ConditionalSelect(Vector.LessThan(x, new Vector<float>(-87.33654f)), Vector<float>.Zero, result);
        return Vector.ConditionalSelect(Vector.Equals(x, x), result, x);
    }

    /// <summary>ln x per lane (BCL's vectorized log).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Log<T>(Vector<T> x)
    {
        if (typeof(T) == typeof(float)) return Vector.As<float, T>(Vector.Log(Vector.As<T, float>(x)));
        if (typeof(T) == typeof(double)) return Vector.As<double, T>(Vector.Log(Vector.As<T, double>(x)));
        throw new NotSupportedException(typeof(T).Name);
    }

    /// <summary>e^x − 1 per lane, accurate for small x: <see cref="ElementMath.ExpMinusOne"/>'s Kahan correction on vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> ExpMinusOne<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var u = Exp(x);
        var um1 = u - Vector<T>.One;
        var corrected = um1 * (x / Log(u));
        // u = 1: x itself; u − 1 = −1 (x far below 0) or u = ∞: u − 1 as it is.
        var plain = Vector.Equals(um1, -Vector<T>.One) | Vector.Equals(u, new Vector<T>(T.PositiveInfinity));
        return Vector.ConditionalSelect(Vector.Equals(u, Vector<T>.One), x, Vector.ConditionalSelect(plain, um1, corrected));
    }

    /// <summary>σ(x) = 1/(1 + e^−x); saturates to 0 and 1 without NaN (e^−x = ∞ gives 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Sigmoid<T>(Vector<T> x) => Vector<T>.One / (Vector<T>.One + Exp(-x));

    /// <summary>tanh(x) = 1 − 2/(e^{2x} + 1): ±1 at the ends without NaN, absolute error near an ulp of 1 (as 2σ(2x) − 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Tanh<T>(Vector<T> x)
    {
        var e = Exp(x + x);
        return Vector<T>.One - (Vector<T>.One + Vector<T>.One) / (e + Vector<T>.One);
    }

    /// <summary>Scalar σ, for the lanes left over after the vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sigmoid<T>(T x) where T : IFloatingPointIeee754<T> => T.One / (T.One + T.Exp(-x));

    /// <summary>Loads <see cref="Vector{T}"/> from <paramref name="source"/> + <paramref name="offset"/> (callers have checked the range).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Load<T>(ref T source, nint offset) => Vector.LoadUnsafe(ref Unsafe.Add(ref source, offset));

    /// <summary>Stores <paramref name="value"/> at <paramref name="destination"/> + <paramref name="offset"/> (callers have checked the range).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(Vector<T> value, ref T destination, nint offset) => value.StoreUnsafe(ref Unsafe.Add(ref destination, offset));

    /// <summary>The element at <paramref name="source"/> + <paramref name="offset"/>, by reference.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref T At<T>(ref T source, nint offset) => ref Unsafe.Add(ref source, offset);

    /// <summary>A read-only span's first element by reference (its length checked by the caller).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref T Ref<T>(ReadOnlySpan<T> span) => ref MemoryMarshal.GetReference(span);

    /// <summary>A span's first element by reference (its length checked by the caller).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref T Ref<T>(Span<T> span) => ref MemoryMarshal.GetReference(span);

    /// <summary>
    /// into[j] += Σ_r m[r·ld + j] for j &lt; cols, r &lt; rows: the column sums of a row-major matrix (a bias gradient),
    /// added to <paramref name="into"/>; four rows per pass so that each vector of <paramref name="into"/> is loaded
    /// and stored once per four rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddColumnSums<T>(ReadOnlySpan<T> m, int rows, int cols, int ld, Span<T> into)
        where T : unmanaged, INumberBase<T>
    {
        if (rows == 0 || cols == 0) return;
        if ((long)(rows - 1) * ld + cols > m.Length || into.Length < cols)
            throw new ArgumentException("AddColumnSums: the matrix or the sums span is shorter than its sizes.");
        ref T src = ref Ref(m);
        ref T dst = ref Ref(into);
        int w = Vector<T>.Count, j = 0;
        for (; j + w <= cols; j += w)
        {
            var sum = Load(ref dst, j);
            int r = 0;
            for (; r + 4 <= rows; r += 4)
            {
                nint o = (nint)r * ld + j;
                sum += (Load(ref src, o) + Load(ref src, o + ld)) + (Load(ref src, o + 2 * (nint)ld) + Load(ref src, o + 3 * (nint)ld));
            }
            for (; r < rows; r++) sum += Load(ref src, (nint)r * ld + j);
            Store(sum, ref dst, j);
        }
        for (; j < cols; j++)
        {
            T sum = At(ref dst, j);
            for (int r = 0; r < rows; r++) sum += At(ref src, (nint)r * ld + j);
            At(ref dst, j) = sum;
        }
    }

    /// <summary>dst (cols × rows) = srcᵀ for a row-major src (rows × cols).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transpose<T>(ReadOnlySpan<T> src, int rows, int cols, Span<T> dst)
    {
        if ((long)rows * cols > src.Length || (long)rows * cols > dst.Length)
            throw new ArgumentException("Transpose: a span is shorter than rows·cols.");
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                dst[c * rows + r] = src[r * cols + c];
    }
}

/// <summary>
/// Scratch memory of a kernel call: on the stack when it fits <c>stack</c> (the caller's <c>stackalloc</c>, under
/// <c>[SkipLocalsInit]</c>), else rented from <see cref="ArrayPool{T}.Shared"/> (no allocation once the pool is warm).
/// </summary>
internal ref struct Scratch<T> where T : unmanaged
{
    private T[]? _rented;

    public Scratch(int length, Span<T> stack)
    {
        if (length <= stack.Length) Span = stack[..length];
        else
        {
            _rented = ArrayPool<T>.Shared.Rent(length);
            Span = _rented.AsSpan(0, length);
        }
    }

    public Span<T> Span { get; }

    public void Dispose()
    {
        if (_rented is { } rented) ArrayPool<T>.Shared.Return(rented);
        _rented = null;
    }
}
