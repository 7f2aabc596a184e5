using static TorchSharp.torch;

namespace ModelDsl.Kernels;

/// <summary>
/// One spatial axis of a sliding window (convolution or pooling) as Keras lays it out: the input length, the window
/// (kernel or pool) size, stride, dilation, the output length and the zero (or −∞) padding before and after.
/// </summary>
internal readonly record struct WindowAxis(long Input, long Window, long Stride, long Dilation, long Output, long PadBefore, long PadAfter)
{
    /// <summary>The axis of length 1 that turns a 1-D layer into a 2-D one of height 1.</summary>
    public static readonly WindowAxis Unit = new(1, 1, 1, 1, 1, 0, 0);

    /// <summary>Extent of the dilated window, d·(k−1) + 1.</summary>
    public long Span => Dilation * (Window - 1) + 1;

    /// <summary>Length of the padded input.</summary>
    public long Padded => Input + PadBefore + PadAfter;
}

/// <summary>
/// The arithmetic shared by Conv1D/2D and the pooling layers, held once: Keras' output lengths and padding, the
/// extraction of every window as a strided view of the channels-last input, its adjoint (summing window gradients
/// back onto the input), and the argument checks whose messages name what is wrong and how to fix it.
/// Every layer works in the 2-D layout (N, H, W, C); a 1-D layer is the 2-D one with H = 1.
/// </summary>
internal static class ConvolutionGeometry
{
    /// <summary>
    /// Keras' output length: valid floor((L − span)/s) + 1, same and causal ceil(L/s), span = d·(k−1) + 1.
    /// A result ≤ 0 means the window does not fit (Keras raises).
    /// </summary>
    public static long OutputLength(long length, long window, long stride, Padding padding, long dilation)
    {
        long span = dilation * (window - 1) + 1;
        return padding == Padding.Valid ? FloorDiv(length - span, stride) + 1 : CeilDiv(length, stride);
    }

    /// <summary>floor(a / b) for b &gt; 0; C#'s / truncates toward zero, which is wrong for a &lt; 0 (window longer than the input).</summary>
    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : -CeilDiv(-a, b);

    private static long CeilDiv(long a, long b) => (a + b - 1) / b;

    /// <summary>
    /// The layout of one axis. Same pads P = max((out − 1)·s + span − L, 0) zeros, floor(P/2) before and the rest after
    /// (TF/XLA SAME, so an odd total puts the extra at the end); causal pads d·(k−1) before and none after.
    /// </summary>
    /// <exception cref="ArgumentException">The output would be empty: the message names the axis, the lengths and the fixes.</exception>
    public static WindowAxis Axis(string layer, string axisName, long length, long window, long stride, Padding padding, long dilation)
    {
        long output = OutputLength(length, window, stride, padding, dilation);
        long span = dilation * (window - 1) + 1;
        if (output < 1)
            throw new ArgumentException(
                $"{layer} with Padding.{padding}: the {axisName} axis has length {length} but the window spans {span} " +
                $"(size {window}, dilation {dilation}), so the output length would be {output}. " +
                "Use a smaller window, a longer input, or Padding.Same.");
        long total = padding switch
        {
            Padding.Same => Math.Max((output - 1) * stride + span - length, 0),
            Padding.Causal => span - 1,
            _ => 0,
        };
        long before = padding == Padding.Causal ? total : total / 2;
        return new WindowAxis(length, window, stride, dilation, output, before, total - before);
    }

    /// <summary>
    /// Every window of x (N, H, W, C), padded with <paramref name="padValue"/>, as a view (N, Hout, Wout, C, kh, kw):
    /// element [n, i, j, c, a, b] = xpad[n, i·sh + a·dh, j·sw + b·dw, c].
    /// </summary>
    public static Tensor Windows(Tensor x, WindowAxis rows, WindowAxis cols, double padValue)
    {
        var padded = rows.PadBefore + rows.PadAfter + cols.PadBefore + cols.PadAfter == 0
            ? x
            : nn.functional.pad(x, [0, 0, cols.PadBefore, cols.PadAfter, rows.PadBefore, rows.PadAfter], value: padValue);
        // unfold appends the window axis last: (N, Hout, Wp, C, spanH), then (N, Hout, Wout, C, spanH, spanW).
        var windows = padded.unfold(1, rows.Span, rows.Stride).unfold(2, cols.Span, cols.Stride);
        if (rows.Dilation > 1) windows = windows.slice(4, 0, rows.Span, rows.Dilation);
        if (cols.Dilation > 1) windows = windows.slice(5, 0, cols.Span, cols.Dilation);
        return windows;
    }

    /// <summary>
    /// The adjoint of <see cref="Windows"/>: adds every window gradient (N, Hout, Wout, C, kh, kw) back onto the
    /// position it was read from and drops the padding, giving (N, H, W, C). Overlapping windows add up.
    /// </summary>
    public static Tensor AccumulateWindows(Tensor windowGradients, WindowAxis rows, WindowAxis cols)
    {
        long n = windowGradients.size(0), c = windowGradients.size(3);
        // fold (col2im) wants (N, C·kh·kw, Hout·Wout) with the channel outermost, as unfold produces it.
        var blocks = windowGradients.permute(0, 3, 4, 5, 1, 2).reshape(n, c * rows.Window * cols.Window, rows.Output * cols.Output);
        var padded = nn.functional.fold(blocks, (rows.Padded, cols.Padded), (rows.Window, cols.Window),
            dilation: (rows.Dilation, cols.Dilation), padding: (0, 0), stride: (rows.Stride, cols.Stride));
        return padded.permute(0, 2, 3, 1)
            .narrow(1, rows.PadBefore, rows.Input)
            .narrow(2, cols.PadBefore, cols.Input)
            .contiguous();
    }

    /// <summary>"[2, 5, 3]".</summary>
    public static string Shape(Tensor t) => $"[{string.Join(", ", t.shape)}]";

    /// <summary>Equal shapes, read with size(i) (no shape arrays).</summary>
    public static bool SameShape(Tensor a, Tensor b)
    {
        if (a.dim() != b.dim()) return false;
        for (int i = 0; i < a.dim(); i++)
            if (a.size(i) != b.size(i)) return false;
        return true;
    }

    /// <summary>t's shape is <paramref name="expected"/>, read with size(i).</summary>
    public static bool HasShape(Tensor t, ReadOnlySpan<long> expected)
    {
        if (t.dim() != expected.Length) return false;
        for (int i = 0; i < expected.Length; i++)
            if (t.size(i) != expected[i]) return false;
        return true;
    }

    /// <summary>x has the given rank, a floating dtype and no empty axis.</summary>
    public static void CheckInput(string layer, Tensor x, int rank, string layout, string paramName = "x")
    {
        if (x.dim() != rank)
            throw new ArgumentException(
                $"{layer} input must be {layout} (rank {rank}); got shape {Shape(x)} (rank {x.dim()}). Reshape it to {layout}.", paramName);
        if (x.dtype != ScalarType.Float32 && x.dtype != ScalarType.Float64)
            throw new ArgumentException(
                $"{layer} input must be Float32 or Float64; got {x.dtype}. Convert it with .to_type(ScalarType.Float32).", paramName);
        for (int i = 0; i < rank; i++)
            if (x.size(i) < 1)
                throw new ArgumentException($"{layer} input {layout} has an empty axis: shape {Shape(x)}.", paramName);
    }

    /// <summary><paramref name="other"/> has the dtype and device of the input x.</summary>
    public static void CheckLike(string layer, Tensor x, Tensor other, string paramName)
    {
        if (other.dtype != x.dtype)
            throw new ArgumentException(
                $"{layer} {paramName} has dtype {other.dtype} but the input has {x.dtype}; convert it with .to_type(ScalarType.{x.dtype}).", paramName);
        if (other.device_type != x.device_type || other.device_index != x.device_index)
            throw new ArgumentException(
                $"{layer} {paramName} is on {other.device} but the input is on {x.device}; move it with .to(x.device).", paramName);
    }

    /// <summary>An upstream gradient shaped as the forward output, with the input's dtype and device.</summary>
    public static void CheckUpstream(string layer, Tensor x, Tensor dy, params ReadOnlySpan<long> expected)
    {
        if (!HasShape(dy, expected))
            throw new ArgumentException(
                $"{layer} backward: dy must have the forward output's shape [{string.Join(", ", expected.ToArray())}]; got {Shape(dy)}. " +
                "Pass the gradient of this layer's output, for the same input and arguments.", nameof(dy));
        CheckLike(layer, x, dy, nameof(dy));
    }

    /// <summary>
    /// The operands of a convolution: x of <paramref name="layout"/> (rank <paramref name="rank"/>), kernel (k…, in, filters) as Keras stores it with
    /// in = x's channels, bias (filters) or null, all with x's dtype and device.
    /// </summary>
    public static void CheckConvolution(string layer, Tensor x, Tensor kernel, Tensor? bias, int rank, string layout, string kernelLayout)
    {
        CheckInput(layer, x, rank, layout);
        // The kernel has x's rank: spatial sizes, then in, then filters.
        if (kernel.dim() != rank)
            throw new ArgumentException(
                $"{layer} kernel must be {kernelLayout} as Keras stores it (rank {rank}); got {Shape(kernel)}.", nameof(kernel));
        CheckLike(layer, x, kernel, nameof(kernel));
        long channels = x.size(rank - 1), filters = kernel.size(rank - 1);
        if (kernel.size(rank - 2) != channels)
            throw new ArgumentException(
                $"{layer} kernel {Shape(kernel)} expects {kernel.size(rank - 2)} input channels but the input {Shape(x)} has {channels}; " +
                $"the kernel must be {kernelLayout} with in = {channels}.", nameof(kernel));
        for (int i = 0; i < rank; i++)
            if (kernel.size(i) < 1)
                throw new ArgumentException($"{layer} kernel {kernelLayout} has an empty axis: shape {Shape(kernel)}.", nameof(kernel));
        if (bias is null) return;
        if (bias.dim() != 1 || bias.size(0) != filters)
            throw new ArgumentException(
                $"{layer} bias must be (filters) = [{filters}] for the kernel {Shape(kernel)}; got {Shape(bias)}.", nameof(bias));
        CheckLike(layer, x, bias, nameof(bias));
    }

    /// <summary>
    /// Strides and dilation of at least 1, and not a stride above 1 together with a dilation above 1 on any axes
    /// (Keras raises: <c>max(strides) &gt; 1 and max(dilation_rate) &gt; 1</c>). A 1-D layer passes 1 for the rows.
    /// </summary>
    public static void CheckStrides(string layer, long strideRows, long strideCols, long dilationRows, long dilationCols, bool oneD)
    {
        if (oneD)
        {
            CheckPositive(layer, "stride", strideCols, "stride");
            CheckPositive(layer, "dilation", dilationCols, "dilation");
        }
        else
        {
            CheckPositive(layer, "strideRows", strideRows, nameof(strideRows));
            CheckPositive(layer, "strideCols", strideCols, nameof(strideCols));
            CheckPositive(layer, "dilationRows", dilationRows, nameof(dilationRows));
            CheckPositive(layer, "dilationCols", dilationCols, nameof(dilationCols));
        }
        if (Math.Max(strideRows, strideCols) > 1 && Math.Max(dilationRows, dilationCols) > 1)
            throw new ArgumentException(oneD
                ? $"{layer}: stride {strideCols} together with dilation {dilationCols} is not supported (Keras raises the same); use stride 1 or dilation 1."
                : $"{layer}: strides ({strideRows}, {strideCols}) together with dilation ({dilationRows}, {dilationCols}) is not supported " +
                  "(Keras raises the same when any stride and any dilation exceed 1); use strides 1 or dilation 1.");
    }

    /// <summary>
    /// The public output length of Conv1D and the pooling layers: the arguments checked, then Keras' length
    /// (≤ 0 when the window does not fit, which the forward refuses).
    /// </summary>
    public static int CheckedOutputLength(string layer, int length, int window, string windowWhat, string windowName,
        int stride, Padding padding, int dilation, bool allowCausal)
    {
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), length, $"{layer} input length must not be negative; got {length}.");
        CheckPositive(layer, windowWhat, window, windowName);
        CheckPositive(layer, "stride", stride, nameof(stride));
        CheckPositive(layer, "dilation", dilation, nameof(dilation));
        CheckPadding(layer, padding, allowCausal);
        return checked((int)OutputLength(length, window, stride, padding, dilation));
    }

    /// <summary>A size, stride or dilation of at least 1.</summary>
    public static void CheckPositive(string layer, string what, long value, string paramName)
    {
        if (value < 1)
            throw new ArgumentOutOfRangeException(paramName, value, $"{layer} {what} must be at least 1; got {value}.");
    }

    /// <summary>A defined <see cref="Padding"/>; <see cref="Padding.Causal"/> only where <paramref name="allowCausal"/>.</summary>
    public static void CheckPadding(string layer, Padding padding, bool allowCausal)
    {
        if (padding is not (Padding.Valid or Padding.Same or Padding.Causal))
            throw new ArgumentOutOfRangeException(nameof(padding), padding,
                $"{layer} padding must be Padding.Valid, Padding.Same{(allowCausal ? " or Padding.Causal" : "")}; got {(int)padding}.");
        if (padding == Padding.Causal && !allowCausal)
            throw new ArgumentException(
                $"{layer} does not take Padding.Causal (Keras allows it for Conv1D only); use Padding.Valid or Padding.Same.", nameof(padding));
    }
}
