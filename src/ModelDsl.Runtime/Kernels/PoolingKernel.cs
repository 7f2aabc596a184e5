using static TorchSharp.torch;
using static ModelDsl.Kernels.ConvolutionGeometry;

namespace ModelDsl.Kernels;

/// <summary>
/// The result of a max pooling and what its backward needs.
/// </summary>
/// <param name="Output">The pooled maxima, (N, Lout, C) or (N, Hout, Wout, C).</param>
/// <param name="Indices">Int64, shaped as <paramref name="Output"/>: where each maximum was taken, as a flat index into the
/// input's spatial positions (t for 1-D, h·W + w for 2-D), as torch's max_pool indices.</param>
/// <param name="InputShape">The forward input's shape, so the backward can refuse another input.</param>
public sealed record PoolingTrace(Tensor Output, Tensor Indices, long[] InputShape);

/// <summary>
/// Keras' MaxPooling1D/2D and AveragePooling1D/2D, channels-last. Valid or same padding (the extra padding at the end);
/// max pooling pads with −∞, same average pooling divides by the number of real (unpadded) elements of each window.
/// Strides are explicit: Keras' default (strides = pool size) is the caller's to pass.
/// </summary>
public static class PoolingKernel
{
    private const string Layout1D = "(batch, steps, channels)";
    private const string Layout2D = "(batch, rows, cols, channels)";

    /// <summary>Keras' pooled length: valid floor((L − p)/s) + 1, same ceil(L/s); ≤ 0 means the pool does not fit.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A pool size or stride below 1, a negative length or an undefined padding.</exception>
    /// <exception cref="ArgumentException"><see cref="Padding.Causal"/>, which pooling does not take.</exception>
    public static int OutputLength(int length, int poolSize, int stride, Padding padding) =>
        CheckedOutputLength("Pooling", length, poolSize, "pool size", nameof(poolSize), stride, padding, 1, allowCausal: false);

    /// <summary>y[n, t, c] = max over the window t·s … t·s + p − 1 of x padded with −∞. x (N, L, C) → (N, Lout, C).</summary>
    public static PoolingTrace MaxPool1D(Tensor x, int poolSize, int stride, Padding padding)
    {
        var steps = Geometry1D("MaxPooling1D", x, poolSize, stride, padding);
        using var scope = NewDisposeScope();
        var (output, indices) = MaxPool(x.unsqueeze(1), WindowAxis.Unit, steps);
        return new PoolingTrace(output.squeeze(1).MoveToOuterDisposeScope(), indices.squeeze(1).MoveToOuterDisposeScope(), x.shape);
    }

    /// <summary>
    /// dx: each dy[n, t, c] added to the input position of its window's maximum (the first one in the window when
    /// several are equal, as torch's max_pool1d); positions that are no window's maximum get 0. dy (N, Lout, C).
    /// </summary>
    public static Tensor MaxPool1DBackward(Tensor dy, PoolingTrace trace, Tensor x) => MaxBackward("MaxPooling1D", dy, trace, x, 3, Layout1D);

    /// <summary>y[n, i, j, c] = max over the pr×pc window at (i·sr, j·sc) of x padded with −∞. x (N, H, W, C) → (N, Hout, Wout, C).</summary>
    public static PoolingTrace MaxPool2D(Tensor x, int poolRows, int poolCols, int strideRows, int strideCols, Padding padding)
    {
        var (rows, cols) = Geometry2D("MaxPooling2D", x, poolRows, poolCols, strideRows, strideCols, padding);
        var (output, indices) = MaxPool(x, rows, cols);
        return new PoolingTrace(output, indices, x.shape);
    }

    /// <summary>
    /// dx: each dy[n, i, j, c] added to the input position of its window's maximum (the first in row-major window order
    /// when several are equal, as torch's max_pool2d); overlapping windows add up. dy (N, Hout, Wout, C).
    /// </summary>
    public static Tensor MaxPool2DBackward(Tensor dy, PoolingTrace trace, Tensor x) => MaxBackward("MaxPooling2D", dy, trace, x, 4, Layout2D);

    /// <summary>
    /// y[n, t, c] = (Σ of the real elements of the window) / count, count = p for valid padding and the number of
    /// unpadded elements for same padding. x (N, L, C) → (N, Lout, C).
    /// </summary>
    public static Tensor AveragePool1D(Tensor x, int poolSize, int stride, Padding padding)
    {
        var steps = Geometry1D("AveragePooling1D", x, poolSize, stride, padding);
        using var scope = NewDisposeScope();
        return AveragePool(x.unsqueeze(1), WindowAxis.Unit, steps).squeeze(1).MoveToOuterDisposeScope();
    }

    /// <summary>dx[n, t, c] = Σ over the windows w containing t of dy[n, w, c] / count(w). dy (N, Lout, C).</summary>
    public static Tensor AveragePool1DBackward(Tensor dy, Tensor x, int poolSize, int stride, Padding padding)
    {
        const string layer = "AveragePooling1D";
        var steps = Geometry1D(layer, x, poolSize, stride, padding);
        CheckUpstream(layer, x, dy, x.size(0), steps.Output, x.size(2));
        using var scope = NewDisposeScope();
        return AverageBackward(dy.unsqueeze(1), x.unsqueeze(1), WindowAxis.Unit, steps).squeeze(1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// y[n, i, j, c] = (Σ of the real elements of the pr×pc window) / count, count = pr·pc for valid padding and the
    /// number of unpadded elements for same padding. x (N, H, W, C) → (N, Hout, Wout, C).
    /// </summary>
    public static Tensor AveragePool2D(Tensor x, int poolRows, int poolCols, int strideRows, int strideCols, Padding padding)
    {
        var (rows, cols) = Geometry2D("AveragePooling2D", x, poolRows, poolCols, strideRows, strideCols, padding);
        return AveragePool(x, rows, cols);
    }

    /// <summary>dx[n, h, w, c] = Σ over the windows containing (h, w) of dy[n, i, j, c] / count(i, j). dy (N, Hout, Wout, C).</summary>
    public static Tensor AveragePool2DBackward(Tensor dy, Tensor x, int poolRows, int poolCols, int strideRows, int strideCols, Padding padding)
    {
        const string layer = "AveragePooling2D";
        var (rows, cols) = Geometry2D(layer, x, poolRows, poolCols, strideRows, strideCols, padding);
        CheckUpstream(layer, x, dy, x.size(0), rows.Output, cols.Output, x.size(3));
        return AverageBackward(dy, x, rows, cols);
    }

    private static WindowAxis Geometry1D(string layer, Tensor x, int poolSize, int stride, Padding padding)
    {
        CheckInput(layer, x, 3, Layout1D);
        CheckPositive(layer, "pool size", poolSize, nameof(poolSize));
        CheckPositive(layer, "stride", stride, nameof(stride));
        CheckPadding(layer, padding, allowCausal: false);
        return Axis(layer, "steps", x.size(1), poolSize, stride, padding, 1);
    }

    private static (WindowAxis Rows, WindowAxis Cols) Geometry2D(string layer, Tensor x, int poolRows, int poolCols, int strideRows, int strideCols, Padding padding)
    {
        CheckInput(layer, x, 4, Layout2D);
        CheckPositive(layer, "poolRows", poolRows, nameof(poolRows));
        CheckPositive(layer, "poolCols", poolCols, nameof(poolCols));
        CheckPositive(layer, "strideRows", strideRows, nameof(strideRows));
        CheckPositive(layer, "strideCols", strideCols, nameof(strideCols));
        CheckPadding(layer, padding, allowCausal: false);
        return (Axis(layer, "rows", x.size(1), poolRows, strideRows, padding, 1),
                Axis(layer, "cols", x.size(2), poolCols, strideCols, padding, 1));
    }

    /// <summary>Max pooling of x (N, H, W, C): the maxima and their flat input positions h·W + w.</summary>
    private static (Tensor Output, Tensor Indices) MaxPool(Tensor x, WindowAxis rows, WindowAxis cols)
    {
        using var scope = NewDisposeScope();
        if (rows.PadBefore == rows.PadAfter && cols.PadBefore == cols.PadAfter)
        {
            // Symmetric padding (valid, or same where it splits evenly): torch's own max pooling on the NCHW view is
            // the same windows, the same first maximum and the same h·W + w positions, in one native call instead of
            // a copy of every window.
            var (pooled, positions) = nn.functional.max_pool2d_with_indices(x.permute(0, 3, 1, 2),
                [rows.Window, cols.Window], [rows.Stride, cols.Stride], [rows.PadBefore, cols.PadBefore]);
            if (pooled.size(2) == rows.Output && pooled.size(3) == cols.Output)
                return (pooled.permute(0, 2, 3, 1).contiguous().MoveToOuterDisposeScope(),
                        positions.permute(0, 2, 3, 1).contiguous().MoveToOuterDisposeScope());
        }
        long n = x.size(0), channels = x.size(3);
        var windows = Windows(x, rows, cols, double.NegativeInfinity)
            .reshape(n, rows.Output, cols.Output, channels, rows.Window * cols.Window);
        // max(dim) returns the first maximum of each row-major window, the element torch's max_pool2d picks.
        var (output, offset) = windows.max(-1);
        var a = offset.div(cols.Window, RoundingMode.floor);
        var b = offset - a * cols.Window;
        // Window origins in input coordinates; the clamp only matters when a window's real elements are all −∞ and
        // the first maximum is padding: then, as torch does, the first real element of the window is taken.
        var row = (arange(rows.Output, ScalarType.Int64, x.device) * rows.Stride - rows.PadBefore).view(1, -1, 1, 1).add(a).clamp_(0, rows.Input - 1);
        var col = (arange(cols.Output, ScalarType.Int64, x.device) * cols.Stride - cols.PadBefore).view(1, 1, -1, 1).add(b).clamp_(0, cols.Input - 1);
        var indices = row.mul_(cols.Input).add_(col);
        return (output.MoveToOuterDisposeScope(), indices.MoveToOuterDisposeScope());
    }

    /// <summary>The max pooling backward for either rank: scatter-add dy onto the recorded input positions.</summary>
    private static Tensor MaxBackward(string layer, Tensor dy, PoolingTrace trace, Tensor x, int rank, string layout)
    {
        CheckInput(layer, x, rank, layout);
        if (!HasShape(x, trace.InputShape))
            throw new ArgumentException(
                $"{layer} backward: the trace comes from an input of shape [{string.Join(", ", trace.InputShape)}] but x is {Shape(x)}; " +
                "pass the trace of this input's forward.", nameof(trace));
        var output = trace.Output;
        if (output.dim() != rank || trace.Indices.dtype != ScalarType.Int64 || !SameShape(trace.Indices, output))
            throw new ArgumentException(
                $"{layer} backward: the trace's Indices must be Int64 shaped as its Output {Shape(output)}; got {trace.Indices.dtype} {Shape(trace.Indices)}.", nameof(trace));
        if (rank == 3) CheckUpstream(layer, x, dy, output.size(0), output.size(1), output.size(2));
        else CheckUpstream(layer, x, dy, output.size(0), output.size(1), output.size(2), output.size(3));

        using var scope = NewDisposeScope();
        long n = x.size(0), channels = x.size(rank - 1);
        // The indices came from a forward on an input of this shape, so they lie in [0, positions).
        return zeros(n, x.numel() / (n * channels), channels, dtype: x.dtype, device: x.device)
            .scatter_add_(1, trace.Indices.reshape(n, -1, channels), dy.reshape(n, -1, channels))
            .view_as(x).MoveToOuterDisposeScope();
    }

    /// <summary>Average pooling of x (N, H, W, C).</summary>
    private static Tensor AveragePool(Tensor x, WindowAxis rows, WindowAxis cols)
    {
        using var scope = NewDisposeScope();
        return Windows(x, rows, cols, 0).sum(4, 5).div_(RealCounts(x, rows, cols)).MoveToOuterDisposeScope();
    }

    private static Tensor AverageBackward(Tensor dy, Tensor x, WindowAxis rows, WindowAxis cols)
    {
        using var scope = NewDisposeScope();
        var perElement = (dy / RealCounts(x, rows, cols)).unsqueeze(-1).unsqueeze(-1)
            .expand(x.size(0), rows.Output, cols.Output, x.size(3), rows.Window, cols.Window);
        return AccumulateWindows(perElement, rows, cols).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The number of unpadded elements in each window, (1, Hout, Wout, 1): pr·pc everywhere for valid padding, fewer at
    /// the borders for same padding (Keras' divisor, torch's count_include_pad = false).
    /// </summary>
    private static Tensor RealCounts(Tensor x, WindowAxis rows, WindowAxis cols) =>
        Windows(ones(1, rows.Input, cols.Input, 1, dtype: x.dtype, device: x.device), rows, cols, 0).sum(4, 5);
}
