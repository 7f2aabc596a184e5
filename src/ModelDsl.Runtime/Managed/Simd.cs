using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.Arm;
using X86 = System.Runtime.Intrinsics.X86;

namespace ModelDsl.Managed;

/// <summary>Vector helpers shared by the span kernels (generic over float and double; the JIT specialises each).</summary>
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
