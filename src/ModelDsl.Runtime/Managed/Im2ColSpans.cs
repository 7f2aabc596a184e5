using System.Runtime.CompilerServices;
using System.Numerics;
using System.Numerics.Tensors;

namespace ModelDsl.Managed;

/// <summary>
/// The 2-D convolution one sample at a time through its windows (im2col): the sample's patches, one row of
/// kernelRows·kernelCols·in values per output position (columns ordered as the kernel's rows, zeros in the padding), so
/// that the forward is one product by the kernel as a (kernelRows·kernelCols·in, filters) matrix, dKernel += patchesᵀ·dy
/// one product with the long reduction over the positions, and dx the window gradients dy·kernelᵀ added back (col2im).
/// Faster than reading in place when an image row holds few outputs or few channels (measured: many small products
/// otherwise). Scratch: two buffers of outputs·window values per thread, kept and grown once (the generator passes none).
/// </summary>
internal static class Im2ColSpans
{
    /// <summary>The forward on checked spans.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Convolve<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> kernel, ReadOnlySpan<T> bias, Span<T> y,
        int n, SpanWindow rows, SpanWindow cols, int inChannels, int filters)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int positions = rows.Output * cols.Output, window = rows.Window * cols.Window * inChannels;
        var patches = Buffers<T>.Patches(positions * window);
        for (int s = 0; s < n; s++)
        {
            Patches(x, s, patches, rows, cols, inChannels);
            Gemm.Multiply<T>(patches, window, 1, kernel, filters, y.Slice(s * positions * filters, positions * filters), filters,
                positions, window, filters, accumulate: false, rowInit: bias);
        }
    }

    /// <summary>The backward on checked spans, adding into each non-empty gradient span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ConvolveBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> kernel, Span<T> dx, Span<T> dKernel, Span<T> dBias,
        int n, SpanWindow rows, SpanWindow cols, int inChannels, int filters)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!dBias.IsEmpty) Simd.AddColumnSums(dy, dy.Length / filters, filters, filters, dBias);
        int positions = rows.Output * cols.Output, window = rows.Window * cols.Window * inChannels;
        for (int s = 0; s < n; s++)
        {
            var dys = dy.Slice(s * positions * filters, positions * filters);
            if (!dKernel.IsEmpty)
            {
                var patches = Buffers<T>.Patches(positions * window);
                Patches(x, s, patches, rows, cols, inChannels);
                Gemm.Multiply<T>(patches, 1, window, dys, filters, dKernel, filters, window, positions, filters, accumulate: true);
            }
            if (!dx.IsEmpty)
            {
                var windows = Buffers<T>.Windows(positions * window);
                Gemm.MultiplyTransposed(dys, filters, kernel, filters, windows, window, positions, filters, window, accumulate: false);
                AddBack(windows, dx, s, rows, cols, inChannels);
            }
        }
    }

    /// <summary>Sample <paramref name="s"/>'s patches: row (i, j), columns (a, b, c) = x[s, i·sr + a·dr − pad, j·sc + b·dc − pad, c] or 0 in the padding.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Patches<T>(ReadOnlySpan<T> x, int s, Span<T> patches, SpanWindow rows, SpanWindow cols, int inChannels)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Walk(x, patches, default, s, rows, cols, inChannels);

    /// <summary>col2im: every window gradient added to the input position it was read from (the padding's dropped).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddBack<T>(ReadOnlySpan<T> windows, Span<T> dx, int s, SpanWindow rows, SpanWindow cols, int inChannels)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Walk(windows, default, dx, s, rows, cols, inChannels);

    /// <summary>
    /// Pairs every window element with its input position: copies x into <paramref name="patches"/> (zeros in the
    /// padding), or, with <paramref name="dx"/> given, adds the window values of <paramref name="source"/> into dx. A
    /// window row wholly inside an undilated input row is one contiguous run of cols.Window·in values.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Walk<T>(ReadOnlySpan<T> source, Span<T> patches, Span<T> dx, int s, SpanWindow rows, SpanWindow cols, int inChannels)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool back = !dx.IsEmpty;
        int p = 0, run = cols.Window * inChannels;
        for (int i = 0; i < rows.Output; i++)
            for (int j = 0; j < cols.Output; j++)
            {
                int c0 = cols.Position(j, 0);
                bool whole = cols.Dilation == 1 && c0 >= 0 && c0 + cols.Window <= cols.Input;
                for (int a = 0; a < rows.Window; a++, p += run)
                {
                    int r = rows.Position(i, a);
                    if ((uint)r >= (uint)rows.Input)
                    {
                        if (!back) patches.Slice(p, run).Clear();
                        continue;
                    }
                    int at = (s * rows.Input + r) * cols.Input;
                    if (whole)
                    {
                        Move(source, patches, dx, p, (at + c0) * inChannels, run, back);
                        continue;
                    }
                    for (int b = 0; b < cols.Window; b++)
                    {
                        int c = cols.Position(j, b);
                        if ((uint)c < (uint)cols.Input) Move(source, patches, dx, p + b * inChannels, (at + c) * inChannels, inChannels, back);
                        else if (!back) patches.Slice(p + b * inChannels, inChannels).Clear();
                    }
                }
            }
    }

    /// <summary>patches[p..] = x[input..] (forward), or dx[input..] += windows[p..] (backward), over <paramref name="length"/> values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Move<T>(ReadOnlySpan<T> source, Span<T> patches, Span<T> dx, int p, int input, int length, bool back)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!back)
        {
            source.Slice(input, length).CopyTo(patches.Slice(p, length));
            return;
        }
        var into = dx.Slice(input, length);
        var from = source.Slice(p, length);
        if (length >= 16) TensorPrimitives.Add(into, from, into);
        else
            for (int k = 0; k < length; k++) into[k] += from[k];
    }

    /// <summary>Per-thread scratch, grown to the largest size asked for and then reused (no allocation per call after the first).</summary>
    private static class Buffers<T>
    {
        [ThreadStatic] private static T[]? _patches;
        [ThreadStatic] private static T[]? _windows;

        public static Span<T> Patches(int length) => Grow(ref _patches, length);

        public static Span<T> Windows(int length) => Grow(ref _windows, length);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static Span<T> Grow(ref T[]? buffer, int length)
        {
            if (buffer is null || buffer.Length < length) buffer = new T[length];
            return buffer.AsSpan(0, length);
        }
    }
}
