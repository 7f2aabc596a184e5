using System.Runtime.CompilerServices;
using System.Numerics;
using System.Numerics.Tensors;
using ModelDsl.Kernels;

namespace ModelDsl.Managed;

/// <summary>
/// Keras' MaxPooling1D/2D and AveragePooling1D/2D over spans, channels last, as <see cref="PoolingKernel"/>: valid or
/// same padding (the extra padding at the end), explicit strides; max pooling pads with −∞ and keeps the first maximum
/// of each row-major window (torch's max_pool), same average pooling divides by the window's real (unpadded) elements.
/// 1-D is 2-D with rows of height 1. Max pooling writes <c>indices</c> (one int per output value, n × outputs): the
/// offset of the chosen element in x (sample, position and channel), which its backward reads.
/// </summary>
public static class PoolingSpans
{
    /// <summary>y[n, t, c] = max of the window of x (n, length, channels) at t·stride; indices as the class says.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaxPool1D<T>(ReadOnlySpan<T> x, Span<T> y, Span<int> indices, int n, int length, int channels, int pool, int stride, Padding padding)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (rows, cols) = Geometry1D("MaxPool1D", n, length, channels, pool, stride, padding);
        Check("MaxPool1D", x.Length, y.Length, n, rows, cols, channels, "y");
        SpanChecks.Length("MaxPool1D", indices.Length, y.Length, nameof(indices), "(n, outLength, channels)");
        Max(x, y, indices, n, rows, cols, channels);
    }

    /// <summary>dx[indices[o]] += dy[o]: each gradient to its window's maximum (dx empty: nothing to do).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaxPool1DBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<int> indices, Span<T> dx, int n, int length, int channels, int pool, int stride, Padding padding)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (rows, cols) = Geometry1D("MaxPool1DBackward", n, length, channels, pool, stride, padding);
        MaxBackward("MaxPool1DBackward", dy, indices, dx, n, rows, cols, channels);
    }

    /// <summary>y[n, t, c] = the mean of the real elements of the window of x (n, length, channels) at t·stride.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AveragePool1D<T>(ReadOnlySpan<T> x, Span<T> y, int n, int length, int channels, int pool, int stride, Padding padding)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (rows, cols) = Geometry1D("AveragePool1D", n, length, channels, pool, stride, padding);
        Check("AveragePool1D", x.Length, y.Length, n, rows, cols, channels, "y");
        Simd.CheckType<T>("AveragePool1D");
        Average(x, y, default, n, rows, cols, channels);
    }

    /// <summary>dx += each dy spread evenly over its window's real elements (dx empty: nothing to do).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AveragePool1DBackward<T>(ReadOnlySpan<T> dy, Span<T> dx, int n, int length, int channels, int pool, int stride, Padding padding)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (rows, cols) = Geometry1D("AveragePool1DBackward", n, length, channels, pool, stride, padding);
        AverageBackward("AveragePool1DBackward", dy, dx, n, rows, cols, channels);
    }

    /// <summary>y[n, i, j, c] = max of the poolRows × poolCols window of x (n, rows, cols, channels) at (i·strideRows, j·strideCols); indices as the class says.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaxPool2D<T>(ReadOnlySpan<T> x, Span<T> y, Span<int> indices, int n, int rows, int cols, int channels,
        int poolRows, int poolCols, int strideRows, int strideCols, Padding padding)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (r, c) = Geometry2D("MaxPool2D", n, rows, cols, channels, poolRows, poolCols, strideRows, strideCols, padding);
        Check("MaxPool2D", x.Length, y.Length, n, r, c, channels, "y");
        SpanChecks.Length("MaxPool2D", indices.Length, y.Length, nameof(indices), "(n, outRows, outCols, channels)");
        Max(x, y, indices, n, r, c, channels);
    }

    /// <summary>dx[indices[o]] += dy[o] (dx empty: nothing to do).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaxPool2DBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<int> indices, Span<T> dx, int n, int rows, int cols, int channels,
        int poolRows, int poolCols, int strideRows, int strideCols, Padding padding)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (r, c) = Geometry2D("MaxPool2DBackward", n, rows, cols, channels, poolRows, poolCols, strideRows, strideCols, padding);
        MaxBackward("MaxPool2DBackward", dy, indices, dx, n, r, c, channels);
    }

    /// <summary>y[n, i, j, c] = the mean of the real elements of the window at (i·strideRows, j·strideCols).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AveragePool2D<T>(ReadOnlySpan<T> x, Span<T> y, int n, int rows, int cols, int channels,
        int poolRows, int poolCols, int strideRows, int strideCols, Padding padding)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (r, c) = Geometry2D("AveragePool2D", n, rows, cols, channels, poolRows, poolCols, strideRows, strideCols, padding);
        Check("AveragePool2D", x.Length, y.Length, n, r, c, channels, "y");
        Simd.CheckType<T>("AveragePool2D");
        Average(x, y, default, n, r, c, channels);
    }

    /// <summary>dx += each dy spread evenly over its window's real elements (dx empty: nothing to do).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AveragePool2DBackward<T>(ReadOnlySpan<T> dy, Span<T> dx, int n, int rows, int cols, int channels,
        int poolRows, int poolCols, int strideRows, int strideCols, Padding padding)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (r, c) = Geometry2D("AveragePool2DBackward", n, rows, cols, channels, poolRows, poolCols, strideRows, strideCols, padding);
        AverageBackward("AveragePool2DBackward", dy, dx, n, r, c, channels);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (SpanWindow Rows, SpanWindow Cols) Geometry1D(string kernel, int n, int length, int channels, int pool, int stride, Padding padding)
    {
        Sizes(kernel, n, channels, pool, stride, padding);
        return (SpanWindow.Unit, SpanWindow.Of(kernel, nameof(length), length, pool, stride, padding, 1));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (SpanWindow Rows, SpanWindow Cols) Geometry2D(string kernel, int n, int rows, int cols, int channels,
        int poolRows, int poolCols, int strideRows, int strideCols, Padding padding)
    {
        Sizes(kernel, n, channels, poolRows, strideRows, padding);
        SpanChecks.Size(kernel, nameof(poolCols), poolCols);
        SpanChecks.Size(kernel, nameof(strideCols), strideCols);
        return (SpanWindow.Of(kernel, nameof(rows), rows, poolRows, strideRows, padding, 1),
                SpanWindow.Of(kernel, nameof(cols), cols, poolCols, strideCols, padding, 1));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Sizes(string kernel, int n, int channels, int pool, int stride, Padding padding)
    {
        SpanChecks.Size(kernel, nameof(n), n, 0);
        SpanChecks.Size(kernel, nameof(channels), channels);
        SpanChecks.Size(kernel, nameof(pool), pool);
        SpanChecks.Size(kernel, nameof(stride), stride);
        Conv2DSpans.CheckPadding(kernel, padding, allowCausal: false);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Check(string kernel, int xLength, int yLength, int n, SpanWindow rows, SpanWindow cols, int channels, string yName)
    {
        SpanChecks.Length(kernel, xLength, (long)n * rows.Input * cols.Input * channels, "x", "(n, positions…, channels)");
        SpanChecks.Length(kernel, yLength, (long)n * rows.Output * cols.Output * channels, yName, "(n, outputs…, channels)");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Max<T>(ReadOnlySpan<T> x, Span<T> y, Span<int> indices, int n, SpanWindow rows, SpanWindow cols, int channels)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Simd.CheckType<T>("MaxPool");
        int o = 0;
        for (int s = 0; s < n; s++)
            for (int i = 0; i < rows.Output; i++)
                for (int j = 0; j < cols.Output; j++, o += channels)
                {
                    var best = y.Slice(o, channels);
                    var at = indices.Slice(o, channels);
                    for (int a = 0; a < rows.Window; a++)
                    {
                        int r = rows.Position(i, a);
                        bool rowIn = (uint)r < (uint)rows.Input;
                        for (int b = 0; b < cols.Window; b++)
                        {
                            int c = cols.Position(j, b);
                            bool inside = rowIn && (uint)c < (uint)cols.Input;
                            if (a == 0 && b == 0)
                            {
                                // The first element of the window (−∞ in the padding) at its clamped position, as torch.
                                int first = ((s * rows.Input + Math.Clamp(r, 0, rows.Input - 1)) * cols.Input + Math.Clamp(c, 0, cols.Input - 1)) * channels;
                                for (int ch = 0; ch < channels; ch++)
                                {
                                    best[ch] = inside ? x[first + ch] : T.NegativeInfinity;
                                    at[ch] = first + ch;
                                }
                            }
                            else if (inside)
                            {
                                int p = ((s * rows.Input + r) * cols.Input + c) * channels;
                                var v = x.Slice(p, channels);
                                for (int ch = 0; ch < channels; ch++)
                                    if (v[ch] > best[ch] || (T.IsNaN(v[ch]) && !T.IsNaN(best[ch])))
                                    {
                                        best[ch] = v[ch];
                                        at[ch] = p + ch;
                                    }
                            }
                        }
                    }
                }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxBackward<T>(string kernel, ReadOnlySpan<T> dy, ReadOnlySpan<int> indices, Span<T> dx, int n, SpanWindow rows, SpanWindow cols, int channels)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Simd.CheckType<T>(kernel);
        long inputs = (long)n * rows.Input * cols.Input * channels;
        SpanChecks.Length(kernel, dy.Length, (long)n * rows.Output * cols.Output * channels, nameof(dy), "(n, outputs…, channels)");
        SpanChecks.Length(kernel, indices.Length, dy.Length, nameof(indices), "(n, outputs…, channels)");
        if (!SpanChecks.Wanted(kernel, dx.Length, inputs, nameof(dx), "(n, positions…, channels)")) return;
        for (int o = 0; o < dy.Length; o++)
        {
            int p = indices[o];
            if ((uint)p >= (uint)dx.Length)
                throw new ArgumentException($"{kernel}: indices[{o}] = {p} is not an offset into dx ({dx.Length} values); pass the indices of this input's forward.", nameof(indices));
            dx[p] += dy[o];
        }
    }

    /// <summary>y = the means of the windows of x (<paramref name="dx"/> empty), or dx += each dy (then <paramref name="xOrDy"/>, y empty) spread over its window.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Average<T>(ReadOnlySpan<T> xOrDy, Span<T> y, Span<T> dx, int n, SpanWindow rows, SpanWindow cols, int channels)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool backward = !dx.IsEmpty;
        int o = 0;
        for (int s = 0; s < n; s++)
            for (int i = 0; i < rows.Output; i++)
            {
                int rowCount = Count(rows, i);
                for (int j = 0; j < cols.Output; j++, o += channels)
                {
                    T count = T.CreateTruncating(rowCount * Count(cols, j));
                    var dyo = backward ? xOrDy.Slice(o, channels) : default;
                    var yo = backward ? default : y.Slice(o, channels);
                    yo.Clear();
                    for (int a = 0; a < rows.Window; a++)
                    {
                        int r = rows.Position(i, a);
                        if ((uint)r >= (uint)rows.Input) continue;
                        for (int b = 0; b < cols.Window; b++)
                        {
                            int c = cols.Position(j, b);
                            if ((uint)c >= (uint)cols.Input) continue;
                            int p = ((s * rows.Input + r) * cols.Input + c) * channels;
                            if (backward)
                            {
                                var d = dx.Slice(p, channels);
                                for (int ch = 0; ch < channels; ch++) d[ch] += dyo[ch] / count;
                            }
                            else TensorPrimitives.Add(yo, xOrDy.Slice(p, channels), yo);
                        }
                    }
                    if (!backward) TensorPrimitives.Divide(yo, count, yo);
                }
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AverageBackward<T>(string kernel, ReadOnlySpan<T> dy, Span<T> dx, int n, SpanWindow rows, SpanWindow cols, int channels)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Simd.CheckType<T>(kernel);
        SpanChecks.Length(kernel, dy.Length, (long)n * rows.Output * cols.Output * channels, nameof(dy), "(n, outputs…, channels)");
        if (!SpanChecks.Wanted(kernel, dx.Length, (long)n * rows.Input * cols.Input * channels, nameof(dx), "(n, positions…, channels)")) return;
        Average(dy, default, dx, n, rows, cols, channels);
    }

    /// <summary>The real (unpadded) elements of output <paramref name="o"/>'s window along an axis.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Count(SpanWindow axis, int o)
    {
        int count = 0;
        for (int b = 0; b < axis.Window; b++)
            if ((uint)axis.Position(o, b) < (uint)axis.Input) count++;
        return count;
    }
}
