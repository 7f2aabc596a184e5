using static TorchSharp.torch;
using static ModelDsl.Kernels.ConvolutionGeometry;

namespace ModelDsl.Kernels;

/// <summary>Gradients of a convolution; <see cref="Bias"/> is null when the layer has none.</summary>
public sealed record ConvolutionGradients(Tensor? Input, Tensor Kernel, Tensor? Bias);

/// <summary>
/// Keras' Conv2D without its activation, channels-last: cross-correlation of x (N, H, W, in) with the kernel
/// (kh, kw, in, filters), plus the bias. Computed as im2col (every window as a row) times the kernel as a matrix;
/// the backward is the transposed products and col2im, by hand. Conv1D runs through the same code with H = 1.
/// </summary>
public static class Conv2DKernel
{
    private const string Layer = "Conv2D";
    private const string Layout = "(batch, rows, cols, channels)";
    private const string KernelLayout = "(kernelRows, kernelCols, in, filters)";

    /// <summary>
    /// y[n, i, j, f] = bias[f] + Σ_a Σ_b Σ_c xp[n, i·sr + a·dr, j·sc + b·dc, c] · kernel[a, b, c, f], where xp is x
    /// zero-padded as Keras pads (<see cref="Conv1DKernel.OutputLength"/> per axis). x (N, H, W, in); kernel
    /// (kh, kw, in, filters); bias (filters) or null. Returns (N, Hout, Wout, filters).
    /// </summary>
    /// <exception cref="ArgumentException">A shape, dtype or argument does not fit; the message names it and the fix.</exception>
    public static Tensor Forward(Tensor x, Tensor kernel, Tensor? bias, int strideRows = 1, int strideCols = 1,
        Padding padding = Padding.Valid, int dilationRows = 1, int dilationCols = 1)
    {
        var (rows, cols) = Geometry(x, kernel, bias, strideRows, strideCols, padding, dilationRows, dilationCols);
        return Convolve(x, kernel, bias, rows, cols);
    }

    /// <summary>
    /// Vector-Jacobian product of <see cref="Forward"/> for dy (N, Hout, Wout, filters): dKernel = windowsᵀ·dy,
    /// dBias = Σ dy over N, Hout, Wout (null unless <paramref name="hasBias"/>), dx = col2im(dy·kernelᵀ) (null without
    /// <paramref name="inputGradient"/>: a first layer's, the costliest part of its backward).
    /// </summary>
    public static ConvolutionGradients Backward(Tensor dy, Tensor x, Tensor kernel, bool hasBias, int strideRows = 1, int strideCols = 1,
        Padding padding = Padding.Valid, int dilationRows = 1, int dilationCols = 1, bool inputGradient = true)
    {
        var (rows, cols) = Geometry(x, kernel, null, strideRows, strideCols, padding, dilationRows, dilationCols);
        CheckUpstream(Layer, x, dy, x.size(0), rows.Output, cols.Output, kernel.size(3));
        return ConvolveBackward(dy, x, kernel, hasBias, rows, cols, inputGradient);
    }

    private static (WindowAxis Rows, WindowAxis Cols) Geometry(Tensor x, Tensor kernel, Tensor? bias, int strideRows, int strideCols,
        Padding padding, int dilationRows, int dilationCols)
    {
        CheckConvolution(Layer, x, kernel, bias, 4, Layout, KernelLayout);
        CheckStrides(Layer, strideRows, strideCols, dilationRows, dilationCols, oneD: false);
        CheckPadding(Layer, padding, allowCausal: false);
        return (Axis(Layer, "rows", x.size(1), kernel.size(0), strideRows, padding, dilationRows),
                Axis(Layer, "cols", x.size(2), kernel.size(1), strideCols, padding, dilationCols));
    }

    /// <summary>The forward on checked operands: x (N, H, W, in), kernel (kh, kw, in, F), laid out by <paramref name="rows"/> and <paramref name="cols"/>.</summary>
    internal static Tensor Convolve(Tensor x, Tensor kernel, Tensor? bias, WindowAxis rows, WindowAxis cols)
    {
        using var scope = NewDisposeScope();
        var y = Patches(x, rows, cols).mm(KernelMatrix(kernel));
        if (bias is not null) y.add_(bias);
        return y.view(x.size(0), rows.Output, cols.Output, kernel.size(3)).MoveToOuterDisposeScope();
    }

    /// <summary>The backward on checked operands (dy (N, Hout, Wout, F)).</summary>
    internal static ConvolutionGradients ConvolveBackward(Tensor dy, Tensor x, Tensor kernel, bool hasBias, WindowAxis rows, WindowAxis cols,
        bool inputGradient)
    {
        using var scope = NewDisposeScope();
        long n = x.size(0), channels = x.size(3), filters = kernel.size(3);
        var dyRows = dy.reshape(n * rows.Output * cols.Output, filters);
        var dKernel = Patches(x, rows, cols).t().mm(dyRows)
            .view(channels, rows.Window, cols.Window, filters).permute(1, 2, 0, 3).contiguous();
        var dPatches = inputGradient
            ? dyRows.mm(KernelMatrix(kernel).t()).view(n, rows.Output, cols.Output, channels, rows.Window, cols.Window)
            : null;
        return new ConvolutionGradients(
            Input: dPatches is null ? null : AccumulateWindows(dPatches, rows, cols).MoveToOuterDisposeScope(),
            Kernel: dKernel.MoveToOuterDisposeScope(),
            Bias: hasBias ? dyRows.sum(0L).MoveToOuterDisposeScope() : null);
    }

    /// <summary>im2col: one row per output position, (N·Hout·Wout, in·kh·kw), columns ordered (c, a, b).</summary>
    private static Tensor Patches(Tensor x, WindowAxis rows, WindowAxis cols) =>
        Windows(x, rows, cols, 0).reshape(x.size(0) * rows.Output * cols.Output, x.size(3) * rows.Window * cols.Window);

    /// <summary>The kernel (kh, kw, in, F) as the matrix (in·kh·kw, F), rows ordered (c, a, b) like <see cref="Patches"/>' columns.</summary>
    private static Tensor KernelMatrix(Tensor kernel) =>
        kernel.permute(2, 0, 1, 3).reshape(kernel.size(2) * kernel.size(0) * kernel.size(1), kernel.size(3));
}
