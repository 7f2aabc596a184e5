using System.Numerics;
using ModelDsl.Kernels;

namespace ModelDsl.Managed;

/// <summary>
/// Keras' Conv2D without its activation over spans, channels last, as <see cref="Conv2DKernel"/>: x (n, rows, cols, in),
/// kernel (kernelRows, kernelCols, in, filters), bias (filters), y (n, outRows, outCols, filters); valid or same padding,
/// strides and dilation per axis. No im2col and no scratch: with channels last, the kernelCols·in inputs one kernel row
/// reads for an output are contiguous, so every (sample, output row, kernel row) is one product of the input rows,
/// read in place with a row stride of strideCols·in, by that kernel row (kernelCols·in, filters). Windows that overlap
/// the padding (and every window when the cols are dilated) run per kernel element on their valid outputs.
/// </summary>
public static class Conv2DSpans
{
    private const string Kernel = nameof(Conv2DSpans);

    /// <summary>y = x ⋆ kernel + bias (bias empty: none), overwriting y.</summary>
    /// <exception cref="ArgumentException">A span whose length is not the product of its sizes, a window that does not fit, Padding.Causal, or strides with dilation.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size, stride or dilation below 1.</exception>
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> kernel, ReadOnlySpan<T> bias, Span<T> y,
        int n, int rows, int cols, int inChannels, int filters, int kernelRows, int kernelCols,
        int strideRows, int strideCols, Padding padding, int dilationRows, int dilationCols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (r, c) = Geometry(n, rows, cols, inChannels, filters, kernelRows, kernelCols, strideRows, strideCols, padding, dilationRows, dilationCols);
        CheckForward(Kernel, x, kernel, bias, y, n, r, c, inChannels, filters);
        Convolve(x, kernel, bias, y, n, r, c, inChannels, filters);
    }

    /// <summary>
    /// The vector-Jacobian product for dy (n, outRows, outCols, filters), added into each gradient span: dx (as x),
    /// dKernel (as kernel), dBias (filters). An empty gradient span is not computed.
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="Forward{T}"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="Forward{T}"/>.</exception>
    public static void Backward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> kernel, Span<T> dx, Span<T> dKernel, Span<T> dBias,
        int n, int rows, int cols, int inChannels, int filters, int kernelRows, int kernelCols,
        int strideRows, int strideCols, Padding padding, int dilationRows, int dilationCols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (r, c) = Geometry(n, rows, cols, inChannels, filters, kernelRows, kernelCols, strideRows, strideCols, padding, dilationRows, dilationCols);
        CheckBackward(Kernel, dy, x, kernel, dx, dKernel, dBias, n, r, c, inChannels, filters);
        ConvolveBackward(dy, x, kernel, dx, dKernel, dBias, n, r, c, inChannels, filters);
    }

    private static (SpanWindow Rows, SpanWindow Cols) Geometry(int n, int rows, int cols, int inChannels, int filters, int kernelRows, int kernelCols,
        int strideRows, int strideCols, Padding padding, int dilationRows, int dilationCols)
    {
        Sizes(Kernel, n, inChannels, filters);
        SpanChecks.Size(Kernel, nameof(kernelRows), kernelRows);
        SpanChecks.Size(Kernel, nameof(kernelCols), kernelCols);
        SpanChecks.Size(Kernel, nameof(strideRows), strideRows);
        SpanChecks.Size(Kernel, nameof(strideCols), strideCols);
        SpanChecks.Size(Kernel, nameof(dilationRows), dilationRows);
        SpanChecks.Size(Kernel, nameof(dilationCols), dilationCols);
        CheckPadding(Kernel, padding, allowCausal: false);
        if (Math.Max(strideRows, strideCols) > 1 && Math.Max(dilationRows, dilationCols) > 1)
            throw new ArgumentException($"{Kernel}: strides ({strideRows}, {strideCols}) together with dilation ({dilationRows}, {dilationCols}) is not supported " +
                "(Keras raises the same when any stride and any dilation exceed 1); use strides 1 or dilation 1.");
        return (SpanWindow.Of(Kernel, nameof(rows), rows, kernelRows, strideRows, padding, dilationRows),
                SpanWindow.Of(Kernel, nameof(cols), cols, kernelCols, strideCols, padding, dilationCols));
    }

    internal static void Sizes(string kernel, int n, int inChannels, int filters)
    {
        SpanChecks.Size(kernel, nameof(n), n, 0);
        SpanChecks.Size(kernel, nameof(inChannels), inChannels);
        SpanChecks.Size(kernel, nameof(filters), filters);
    }

    internal static void CheckPadding(string kernel, Padding padding, bool allowCausal)
    {
        if (padding is not (Padding.Valid or Padding.Same or Padding.Causal))
            throw new ArgumentOutOfRangeException(nameof(padding), padding, $"{kernel}: padding must be Padding.Valid, Padding.Same{(allowCausal ? " or Padding.Causal" : "")}; got {(int)padding}.");
        if (padding == Padding.Causal && !allowCausal)
            throw new ArgumentException($"{kernel} does not take Padding.Causal (Keras allows it for Conv1D only); use Padding.Valid or Padding.Same.", nameof(padding));
    }

    internal static void CheckForward<T>(string kernelName, ReadOnlySpan<T> x, ReadOnlySpan<T> kernel, ReadOnlySpan<T> bias, ReadOnlySpan<T> y,
        int n, SpanWindow rows, SpanWindow cols, int inChannels, int filters)
    {
        Simd.CheckType<T>(kernelName);
        SpanChecks.Length(kernelName, x.Length, (long)n * rows.Input * cols.Input * inChannels, nameof(x), "(n, positions…, inChannels)");
        SpanChecks.Length(kernelName, kernel.Length, (long)rows.Window * cols.Window * inChannels * filters, nameof(kernel), "(kernel…, inChannels, filters)");
        SpanChecks.Wanted(kernelName, bias.Length, filters, nameof(bias), "(filters)");
        SpanChecks.Length(kernelName, y.Length, (long)n * rows.Output * cols.Output * filters, nameof(y), "(n, outputs…, filters)");
    }

    internal static void CheckBackward<T>(string kernelName, ReadOnlySpan<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> kernel,
        ReadOnlySpan<T> dx, ReadOnlySpan<T> dKernel, ReadOnlySpan<T> dBias, int n, SpanWindow rows, SpanWindow cols, int inChannels, int filters)
    {
        CheckForward(kernelName, x, kernel, default, dy, n, rows, cols, inChannels, filters);
        SpanChecks.Wanted(kernelName, dx.Length, x.Length, nameof(dx), "(n, positions…, inChannels)");
        SpanChecks.Wanted(kernelName, dKernel.Length, kernel.Length, nameof(dKernel), "(kernel…, inChannels, filters)");
        SpanChecks.Wanted(kernelName, dBias.Length, filters, nameof(dBias), "(filters)");
    }

    /// <summary>The forward on checked spans (a 1-D convolution is this with rows = <see cref="SpanWindow.Unit"/>).</summary>
    internal static void Convolve<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> kernel, ReadOnlySpan<T> bias, Span<T> y,
        int n, SpanWindow rows, SpanWindow cols, int inChannels, int filters)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (bias.IsEmpty) y.Clear();
        else
            for (int o = 0; o < y.Length; o += filters) bias.CopyTo(y.Slice(o, filters));
        int xStep = cols.Stride * inChannels, kernelRow = cols.Window * inChannels * filters, tap = inChannels * filters;
        Interior(cols, out int lo, out int hi);
        for (int s = 0; s < n; s++)
            for (int i = 0; i < rows.Output; i++)
            {
                int yRow = ((s * rows.Output + i) * cols.Output) * filters;
                for (int a = 0; a < rows.Window; a++)
                {
                    int r = rows.Position(i, a);
                    if (r < 0 || r >= rows.Input) continue;
                    int xRow = (s * rows.Input + r) * cols.Input * inChannels;
                    var k = kernel[(a * kernelRow)..];
                    if (lo < hi)
                        Gemm.Multiply(x[(xRow + cols.Position(lo, 0) * inChannels)..], xStep, 1, k, filters, y[(yRow + lo * filters)..], filters,
                            hi - lo, cols.Window * inChannels, filters, accumulate: true);
                    for (int b = 0; b < cols.Window; b++)
                    {
                        cols.Range(b, out int bLo, out int bHi);
                        Edge(b, bLo, Math.Min(bHi, lo), x, xRow, k, y, yRow);
                        Edge(b, Math.Max(bLo, hi), bHi, x, xRow, k, y, yRow);
                    }
                }
            }

        void Edge(int b, int from, int to, ReadOnlySpan<T> x, int xRow, ReadOnlySpan<T> k, Span<T> y, int yRow)
        {
            if (from < to)
                Gemm.Multiply(x[(xRow + cols.Position(from, b) * inChannels)..], xStep, 1, k[(b * tap)..], filters, y[(yRow + from * filters)..], filters,
                    to - from, inChannels, filters, accumulate: true);
        }
    }

    /// <summary>The backward on checked spans: dBias the column sums of dy, dKernel += windowsᵀ·dy and dx += dy·kernelᵀ per kernel element.</summary>
    internal static void ConvolveBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> kernel, Span<T> dx, Span<T> dKernel, Span<T> dBias,
        int n, SpanWindow rows, SpanWindow cols, int inChannels, int filters)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!dBias.IsEmpty) Simd.AddColumnSums(dy, dy.Length / filters, filters, filters, dBias);
        if (dx.IsEmpty && dKernel.IsEmpty) return;
        int xStep = cols.Stride * inChannels, kernelRow = cols.Window * inChannels * filters, tap = inChannels * filters;
        Interior(cols, out int lo, out int hi);
        for (int s = 0; s < n; s++)
            for (int i = 0; i < rows.Output; i++)
            {
                int yRow = ((s * rows.Output + i) * cols.Output) * filters;
                for (int a = 0; a < rows.Window; a++)
                {
                    int r = rows.Position(i, a);
                    if (r < 0 || r >= rows.Input) continue;
                    int xRow = (s * rows.Input + r) * cols.Input * inChannels;
                    if (!dKernel.IsEmpty && lo < hi)
                        Gemm.Multiply(x[(xRow + cols.Position(lo, 0) * inChannels)..], 1, xStep, dy[(yRow + lo * filters)..], filters,
                            dKernel[(a * kernelRow)..], filters, cols.Window * inChannels, hi - lo, filters, accumulate: true);
                    for (int b = 0; b < cols.Window; b++)
                    {
                        cols.Range(b, out int bLo, out int bHi);
                        int k = a * kernelRow + b * tap;
                        if (!dKernel.IsEmpty)
                        {
                            KernelEdge(b, bLo, Math.Min(bHi, lo), x, xRow, dy, yRow, dKernel[k..]);
                            KernelEdge(b, Math.Max(bLo, hi), bHi, x, xRow, dy, yRow, dKernel[k..]);
                        }
                        if (!dx.IsEmpty && bLo < bHi)
                            Gemm.MultiplyTransposed(dy[(yRow + bLo * filters)..], filters, kernel[k..], filters,
                                dx[(xRow + cols.Position(bLo, b) * inChannels)..], xStep, bHi - bLo, filters, inChannels, accumulate: true);
                    }
                }
            }

        void KernelEdge(int b, int from, int to, ReadOnlySpan<T> x, int xRow, ReadOnlySpan<T> dy, int yRow, Span<T> dk)
        {
            if (from < to)
                Gemm.Multiply(x[(xRow + cols.Position(from, b) * inChannels)..], 1, xStep, dy[(yRow + from * filters)..], filters, dk, filters,
                    inChannels, to - from, filters, accumulate: true);
        }
    }

    /// <summary>
    /// The outputs [lo, hi) along the cols whose whole window is read as one contiguous run of cols.Window·in values
    /// (inside the input, undilated); none (lo = hi = outputs) otherwise, so that the per-element edges cover every output.
    /// </summary>
    private static void Interior(SpanWindow cols, out int lo, out int hi)
    {
        cols.Interior(out lo, out hi);
        if (cols.Dilation != 1 || lo >= hi) lo = hi = cols.Output;
    }
}
