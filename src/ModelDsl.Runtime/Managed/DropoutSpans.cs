using System.Runtime.CompilerServices;
using System.Numerics;
using System.Numerics.Tensors;
using ModelDsl.Kernels;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace ModelDsl.Managed;

/// <summary>
/// Keras' Dropout in training over spans, as <c>ModelDsl.Kernels.DropoutKernel</c>: y = x ⊙ mask with mask =
/// keep/(1 − rate), drawn by <see cref="DrawMask"/> from the model's generator exactly as the torch kernel draws it, so
/// both backends see the same masks. Inference is the identity (a copy).
/// </summary>
public static class DropoutSpans
{
    private const string Kernel = nameof(DropoutSpans);

    // Per thread, per dtype and length: the tensor torch draws a mask into before it is copied to the caller's span
    // (created once, so a training step draws without allocating tensor memory).
    [ThreadStatic] private static Dictionary<(ScalarType, int), Tensor>? s_draws;

    /// <summary>
    /// Fills <paramref name="mask"/> with keep/(1 − rate), keep ~ Bernoulli(1 − rate), drawn from
    /// <paramref name="random"/> as <see cref="DropoutKernel.Forward"/> draws its mask for a tensor of T's dtype and
    /// mask.Length elements: the same generator state gives the same mask and leaves the generator in the same state.
    /// rate = 0 (all ones) and rate = 1 (all zeros) do not draw. Returns <paramref name="mask"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">rate is outside [0, 1] (or NaN).</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Span<T> DrawMask<T>(Span<T> mask, double rate, Generator random)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(random);
        DropoutKernel.CheckRate(rate);
        if (rate == 0) mask.Fill(T.One);
        else if (rate == 1) mask.Clear();
        else if (!mask.IsEmpty)
        {
            Tensor into = DrawTensor<T>(mask.Length);
            DropoutKernel.DrawMask(into, rate, random);
            TensorSpans.Of<T>(into).CopyTo(mask);
        }
        return mask;
    }

    /// <summary>y = x ⊙ mask (overwrites y); the three spans have the same length.</summary>
    /// <exception cref="ArgumentException">Spans of different lengths.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> mask, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanChecks.Length(Kernel, mask.Length, x.Length, nameof(mask), "(x's length)");
        SpanChecks.Length(Kernel, y.Length, x.Length, nameof(y), "(x's length)");
        TensorPrimitives.Multiply(x, mask, y);
    }

    /// <summary>dx += dy ⊙ mask; an empty <paramref name="dx"/> is "not needed" and skipped.</summary>
    /// <exception cref="ArgumentException">Spans of different lengths.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> mask, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanChecks.Length(Kernel, mask.Length, dy.Length, nameof(mask), "(dy's length)");
        if (SpanChecks.Wanted(Kernel, dx.Length, dy.Length, nameof(dx), "(dy's length)"))
            TensorPrimitives.MultiplyAdd(dy, mask, dx, dx);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Tensor DrawTensor<T>(int length) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var key = (TensorSpans.ScalarTypeOf<T>(), length);
        var draws = s_draws ??= new Dictionary<(ScalarType, int), Tensor>();
        if (!draws.TryGetValue(key, out Tensor? into))
        {
            into = empty(length, key.Item1).DetachFromDisposeScope();
            draws.Add(key, into);
        }
        return into;
    }
}
