using System.Runtime.CompilerServices;
using ModelDsl.Kernels;

namespace ModelDsl.Managed;

/// <summary>
/// One spatial axis of a sliding window (convolution or pooling) as Keras and the torch kernels lay it out: input
/// length, window size, stride, dilation, output length (<see cref="Conv1DKernel.OutputLength"/>) and the padding
/// before the input (same: floor(P/2) with P = max((out − 1)·s + span − L, 0); causal: d·(k − 1)). Position of window
/// offset b for output o: o·s + b·d − padBefore.
/// </summary>
internal readonly struct SpanWindow
{
    public readonly int Input, Window, Stride, Dilation, Output, PadBefore;

    private SpanWindow(int input, int window, int stride, int dilation, int output, int padBefore)
    {
        Input = input; Window = window; Stride = stride; Dilation = dilation; Output = output; PadBefore = padBefore;
    }

    /// <summary>The axis, or an ArgumentException naming it when the window does not fit (output length &lt; 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static SpanWindow Of(string kernel, string axis, int input, int window, int stride, Padding padding, int dilation)
    {
        SpanChecks.Size(kernel, axis, input);
        int output = Conv1DKernel.OutputLength(input, window, stride, padding, dilation);
        long span = (long)dilation * (window - 1) + 1;
        if (output < 1)
            throw new ArgumentException(
                $"{kernel} with Padding.{padding}: the {axis} axis has length {input} but the window spans {span} " +
                $"(size {window}, dilation {dilation}), so the output length would be {output}. Use a smaller window, a longer input, or Padding.Same.");
        long total = padding switch
        {
            Padding.Same => Math.Max((output - 1L) * stride + span - input, 0),
            Padding.Causal => span - 1,
            _ => 0,
        };
        return new SpanWindow(input, window, stride, dilation, output, (int)(padding == Padding.Causal ? total : total / 2));
    }

    /// <summary>The axis of length 1 that makes a 1-D layer a 2-D one of height 1.</summary>
    public static SpanWindow Unit => new(1, 1, 1, 1, 1, 0);

    /// <summary>The input position read by output <paramref name="o"/> at window offset <paramref name="b"/> (may lie in the padding).</summary>
    public int Position(int o, int b) => o * Stride + b * Dilation - PadBefore;
}
