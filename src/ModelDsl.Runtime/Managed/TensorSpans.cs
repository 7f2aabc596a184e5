using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Managed;

/// <summary>
/// Spans over the memory of CPU tensors, for the managed backend: the weights stay TorchSharp tensors (checkpoints,
/// callbacks and the optimizer slots keep working) and the generated code reads and writes them in place.
/// </summary>
/// <remarks>A span is valid while its tensor lives and keeps its storage (no <c>resize_</c>/<c>set_</c>); it bypasses
/// autograd's version counter, so use it on tensors that do not take part in a recorded graph.</remarks>
public static unsafe class TensorSpans
{
    /// <summary>libtorch's data pointer of a tensor (TorchSharp's own export, found through TorchSharp's assembly), or
    /// null where it cannot be found: then <see cref="Tensor.bytes"/> is used, which costs four more native calls.</summary>
    private static readonly delegate* unmanaged<IntPtr, IntPtr> DataPointer = FindDataPointer();

    /// <summary>
    /// The memory of <paramref name="t"/>, a CPU, contiguous tensor whose dtype is <typeparamref name="T"/>'s
    /// (float32 for float, float64 for double, float16 for Half), in row-major order.
    /// </summary>
    /// <exception cref="ArgumentException">Another dtype, a device other than the CPU, a non-contiguous view, or more
    /// than <see cref="int.MaxValue"/> elements; the message names which and the fix.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Span<T> Of<T>(Tensor t) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(t);
        var expected = ScalarTypeOf<T>();
        if (Problem(t, expected) is { } problem)
            throw new ArgumentException($"TensorSpans.Of<{typeof(T).Name}>: {problem}", nameof(t));
        return Unchecked<T>(t, (int)t.numel());
    }

    /// <summary>The class indices of <paramref name="t"/>, a CPU, contiguous Int64 tensor, in row-major order.</summary>
    /// <exception cref="ArgumentException">Another dtype, device, or a non-contiguous view; the message names which.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ReadOnlySpan<long> Labels(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (Problem(t, ScalarType.Int64) is { } problem)
            throw new ArgumentException($"TensorSpans.Labels: {problem}", nameof(t));
        return Unchecked<long>(t, (int)t.numel());
    }

    /// <summary>The dtype whose elements are <typeparamref name="T"/>: Float32, Float64 or Float16.</summary>
    /// <exception cref="ArgumentException">A type without a torch dtype.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static ScalarType ScalarTypeOf<T>()
    {
        if (typeof(T) == typeof(float)) return ScalarType.Float32;
        if (typeof(T) == typeof(double)) return ScalarType.Float64;
        if (typeof(T) == typeof(Half)) return ScalarType.Float16;
        throw new ArgumentException($"TensorSpans: {typeof(T).Name} has no torch dtype; use float (Float32) or double (Float64).");
    }

    /// <summary>The <paramref name="length"/> elements at <paramref name="t"/>'s data pointer, for a tensor already
    /// checked by <see cref="Problem"/> (one native call).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static Span<T> Unchecked<T>(Tensor t, int length) where T : unmanaged
    {
        if (length == 0) return default;
        var data = DataPointer;
        if (data != null)
        {
            var address = data(t.Handle);
            if (address != IntPtr.Zero) return new Span<T>((void*)address, length);
        }
        return MemoryMarshal.Cast<byte, T>(t.bytes);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static delegate* unmanaged<IntPtr, IntPtr> FindDataPointer()
    {
        try
        {
            if (NativeLibrary.TryLoad("LibTorchSharp", typeof(Tensor).Assembly, null, out var library) &&
                NativeLibrary.TryGetExport(library, "THSTensor_data", out var export))
                return (delegate* unmanaged<IntPtr, IntPtr>)export;
        }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or ArgumentException)
        {
            // Fall back to Tensor.bytes.
        }
        return null;
    }

    /// <summary>Null when <paramref name="t"/> can be read as a span of <paramref name="dtype"/>, else what is wrong and
    /// the fix. Four native calls when it can.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static string? Problem(Tensor t, ScalarType dtype)
    {
        var actual = t.dtype;
        if (actual != dtype)
            return $"the tensor has dtype {actual} but a span of this element type needs {dtype}: convert it with .to_type(ScalarType.{dtype}).";
        if (t.device_type != DeviceType.CPU)
            return $"the tensor is on {t.device} but spans need CPU memory: move it with .cpu() (the managed backend runs on the CPU only).";
        if (!t.is_contiguous())
            return "the tensor is not contiguous (a view such as a transpose, a slice with a step, or an expand): call .contiguous() first.";
        if (t.numel() > int.MaxValue)
            return $"the tensor has {t.numel()} elements, more than a span can hold ({int.MaxValue}).";
        return null;
    }
}
