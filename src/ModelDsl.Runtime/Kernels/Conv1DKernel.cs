using static TorchSharp.torch;
using static ModelDsl.Kernels.ConvolutionGeometry;

namespace ModelDsl.Kernels;

/// <summary>
/// Keras' Conv1D without its activation, channels-last: x (N, L, in), kernel (k, in, filters), bias (filters).
/// It is <see cref="Conv2DKernel"/> on inputs of height 1, plus Keras' causal padding.
/// </summary>
public static class Conv1DKernel
{
    private const string Layer = "Conv1D";
    private const string Layout = "(batch, steps, channels)";
    private const string KernelLayout = "(kernelSize, in, filters)";

    /// <summary>
    /// Keras' output length for a sequence of <paramref name="length"/> steps, span = d·(k−1) + 1:
    /// valid floor((L − span)/s) + 1, same and causal ceil(L/s). A result ≤ 0 means the kernel does not fit the input
    /// (the forward refuses it, as Keras raises). Pooling uses it with dilation 1.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size, stride or dilation below 1, a negative length or an undefined padding.</exception>
    public static int OutputLength(int length, int kernelSize, int stride, Padding padding, int dilation) =>
        CheckedOutputLength(Layer, length, kernelSize, "kernel size", nameof(kernelSize), stride, padding, dilation, allowCausal: true);

    /// <summary>
    /// y[n, t, f] = bias[f] + Σ_j Σ_c xp[n, t·s + j·d, c] · kernel[j, c, f], xp being x padded as Keras pads
    /// (same: floor(P/2) zeros before and the rest after; causal: d·(k−1) zeros before). x (N, L, in); kernel
    /// (k, in, filters); bias (filters) or null. Returns (N, Lout, filters), Lout = <see cref="OutputLength"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A shape, dtype or argument does not fit; the message names it and the fix.</exception>
    public static Tensor Forward(Tensor x, Tensor kernel, Tensor? bias, int stride = 1, Padding padding = Padding.Valid, int dilation = 1)
    {
        var steps = Geometry(x, kernel, bias, stride, padding, dilation);
        using var scope = NewDisposeScope();
        return Conv2DKernel.Convolve(x.unsqueeze(1), kernel.unsqueeze(0), bias, WindowAxis.Unit, steps)
            .squeeze(1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Vector-Jacobian product of <see cref="Forward"/> for dy (N, Lout, filters): gradients of the input (N, L, in),
    /// the kernel (k, in, filters) and, when <paramref name="hasBias"/>, the bias (filters); the input's only with
    /// <paramref name="inputGradient"/> (else null).
    /// </summary>
    public static ConvolutionGradients Backward(Tensor dy, Tensor x, Tensor kernel, bool hasBias, int stride = 1,
        Padding padding = Padding.Valid, int dilation = 1, bool inputGradient = true)
    {
        var steps = Geometry(x, kernel, null, stride, padding, dilation);
        CheckUpstream(Layer, x, dy, x.size(0), steps.Output, kernel.size(2));
        using var scope = NewDisposeScope();
        var grads = Conv2DKernel.ConvolveBackward(dy.unsqueeze(1), x.unsqueeze(1), kernel.unsqueeze(0), hasBias, WindowAxis.Unit, steps, inputGradient);
        return new ConvolutionGradients(
            Input: grads.Input?.squeeze(1).MoveToOuterDisposeScope(),
            Kernel: grads.Kernel.squeeze(0).MoveToOuterDisposeScope(),
            Bias: grads.Bias?.MoveToOuterDisposeScope());
    }

    private static WindowAxis Geometry(Tensor x, Tensor kernel, Tensor? bias, int stride, Padding padding, int dilation)
    {
        CheckConvolution(Layer, x, kernel, bias, 3, Layout, KernelLayout);
        CheckStrides(Layer, 1, stride, 1, dilation, oneD: true);
        CheckPadding(Layer, padding, allowCausal: true);
        return Axis(Layer, "steps", x.size(1), kernel.size(0), stride, padding, dilation);
    }
}
