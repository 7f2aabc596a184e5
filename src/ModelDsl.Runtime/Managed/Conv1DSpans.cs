using System.Runtime.CompilerServices;
using System.Numerics;
using ModelDsl.Kernels;

namespace ModelDsl.Managed;

/// <summary>
/// Keras' Conv1D without its activation over spans, channels last, as <see cref="Conv1DKernel"/>: x (n, length, in),
/// kernel (kernelSize, in, filters), bias (filters), y (n, outLength, filters) with outLength =
/// <see cref="Conv1DKernel.OutputLength"/>; valid, same or causal padding. It is <see cref="Conv2DSpans"/> on inputs of
/// height 1 (<see cref="Im2ColSpans"/>).
/// </summary>
public static class Conv1DSpans
{
    private const string Kernel = nameof(Conv1DSpans);

    /// <summary>y = x ⋆ kernel + bias (bias empty: none), overwriting y.</summary>
    /// <exception cref="ArgumentException">A span whose length is not the product of its sizes, a window that does not fit, or a stride with a dilation.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size, stride or dilation below 1.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> kernel, ReadOnlySpan<T> bias, Span<T> y,
        int n, int length, int inChannels, int filters, int kernelSize, int stride, Padding padding, int dilation)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var steps = Geometry(n, length, inChannels, filters, kernelSize, stride, padding, dilation);
        Conv2DSpans.CheckForward(Kernel, x, kernel, bias, y, n, SpanWindow.Unit, steps, inChannels, filters);
        Im2ColSpans.Convolve(x, kernel, bias, y, n, SpanWindow.Unit, steps, inChannels, filters);
    }

    /// <summary>
    /// The vector-Jacobian product for dy (n, outLength, filters), added into each gradient span: dx (as x), dKernel
    /// (as kernel), dBias (filters). An empty gradient span is not computed.
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="Forward{T}"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="Forward{T}"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> kernel, Span<T> dx, Span<T> dKernel, Span<T> dBias,
        int n, int length, int inChannels, int filters, int kernelSize, int stride, Padding padding, int dilation)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var steps = Geometry(n, length, inChannels, filters, kernelSize, stride, padding, dilation);
        Conv2DSpans.CheckBackward(Kernel, dy, x, kernel, dx, dKernel, dBias, n, SpanWindow.Unit, steps, inChannels, filters);
        Im2ColSpans.ConvolveBackward(dy, x, kernel, dx, dKernel, dBias, n, SpanWindow.Unit, steps, inChannels, filters);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static SpanWindow Geometry(int n, int length, int inChannels, int filters, int kernelSize, int stride, Padding padding, int dilation)
    {
        Conv2DSpans.Sizes(Kernel, n, inChannels, filters);
        SpanChecks.Size(Kernel, nameof(kernelSize), kernelSize);
        SpanChecks.Size(Kernel, nameof(stride), stride);
        SpanChecks.Size(Kernel, nameof(dilation), dilation);
        Conv2DSpans.CheckPadding(Kernel, padding, allowCausal: true);
        if (stride > 1 && dilation > 1)
            throw new ArgumentException($"{Kernel}: stride {stride} together with dilation {dilation} is not supported (Keras raises the same); use stride 1 or dilation 1.");
        return SpanWindow.Of(Kernel, nameof(length), length, kernelSize, stride, padding, dilation);
    }
}
