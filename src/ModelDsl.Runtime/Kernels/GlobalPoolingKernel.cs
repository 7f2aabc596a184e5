using static TorchSharp.torch;
using static ModelDsl.Kernels.ConvolutionGeometry;

namespace ModelDsl.Kernels;

/// <summary>The result of <see cref="GlobalPoolingKernel.Max"/>: the maxima (N, C), all its backward needs besides x.</summary>
public sealed record GlobalMaxTrace(Tensor Output);

/// <summary>
/// Keras' GlobalAveragePooling1D/2D and GlobalMaxPooling1D/2D (keepdims false), channels-last: the mean or max over
/// every axis but the first (batch) and the last (channels): steps for 1-D, rows and cols for 2-D. Output (N, C).
/// </summary>
public static class GlobalPoolingKernel
{
    private const string Layout = "(batch, steps…, channels)";

    /// <summary>y[n, c] = mean of x[n, …, c] over the P = L (1-D) or H·W (2-D) positions. x (N, …, C) → (N, C).</summary>
    public static Tensor Average(Tensor x)
    {
        long positions = Check("GlobalAveragePooling", x);
        using var scope = NewDisposeScope();
        return Positions(x, positions).sum(1).div_(positions).MoveToOuterDisposeScope();
    }

    /// <summary>dx[n, …, c] = dy[n, c] / P at every position. dy (N, C).</summary>
    public static Tensor AverageBackward(Tensor dy, Tensor x)
    {
        const string layer = "GlobalAveragePooling";
        long positions = Check(layer, x);
        CheckUpstream(layer, x, dy, x.size(0), x.size(-1));
        using var scope = NewDisposeScope();
        return (dy / positions).unsqueeze(1).expand(x.size(0), positions, x.size(-1)).contiguous()
            .view_as(x).MoveToOuterDisposeScope();
    }

    /// <summary>y[n, c] = max of x[n, …, c] over every position. x (N, …, C) → (N, C).</summary>
    public static GlobalMaxTrace Max(Tensor x)
    {
        long positions = Check("GlobalMaxPooling", x);
        using var scope = NewDisposeScope();
        return new GlobalMaxTrace(Positions(x, positions).max(1).values.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// dx[n, …, c] = dy[n, c] / m at the m positions where x equals the maximum, 0 elsewhere. Ties share the gradient
    /// equally, as Keras' ops.max does in every backend (torch.amax, tf.reduce_max), unlike the windowed max pooling,
    /// which sends it to one position. dy (N, C).
    /// </summary>
    public static Tensor MaxBackward(Tensor dy, GlobalMaxTrace trace, Tensor x)
    {
        const string layer = "GlobalMaxPooling";
        long positions = Check(layer, x);
        CheckUpstream(layer, x, dy, x.size(0), x.size(-1));
        if (!SameShape(trace.Output, dy))
            throw new ArgumentException(
                $"{layer} backward: the trace's Output {Shape(trace.Output)} must be (batch, channels) = {Shape(dy)}, from this input's forward.", nameof(trace));
        CheckLike(layer, x, trace.Output, nameof(trace));
        using var scope = NewDisposeScope();
        var atMaximum = Positions(x, positions).eq(trace.Output.unsqueeze(1)).to_type(x.dtype);
        var share = dy.unsqueeze(1) / atMaximum.sum(1, keepdim: true);
        return atMaximum.mul_(share).view_as(x).MoveToOuterDisposeScope();
    }

    /// <summary>x (N, …, C) as (N, P, C).</summary>
    private static Tensor Positions(Tensor x, long positions) => x.reshape(x.size(0), positions, x.size(-1));

    /// <summary>Checks x (rank ≥ 3, float, no empty axis) and returns P, the number of spatial positions.</summary>
    private static long Check(string layer, Tensor x)
    {
        if (x.dim() < 3)
            throw new ArgumentException(
                $"{layer} input must be {Layout}: (batch, steps, channels) for 1-D or (batch, rows, cols, channels) for 2-D; " +
                $"got shape {Shape(x)} (rank {x.dim()}). Add the missing axes with a Reshape.", nameof(x));
        CheckInput(layer, x, (int)x.dim(), Layout);
        long positions = 1;
        for (int i = 1; i < x.dim() - 1; i++) positions *= x.size(i);
        return positions;
    }
}
