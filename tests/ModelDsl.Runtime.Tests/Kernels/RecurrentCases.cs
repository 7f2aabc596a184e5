using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Kernels;

/// <summary>Random float64 problems and the output convention shared by the recurrent kernels' tests.</summary>
internal static class RecurrentCases
{
    /// <summary>
    /// x (batch, time, features), kernel (features, gates·u), recurrent kernel (u, gates·u), a bias of
    /// <paramref name="biasShape"/> and an upstream gradient shaped like the output (sequences or not). The scales keep
    /// the gates away from saturation, where the gradients would be too small to test anything.
    /// </summary>
    public static (Tensor X, Tensor Kernel, Tensor Recurrent, Tensor Bias, Tensor Upstream) Problem(ulong seed,
        long batch, long time, long features, long units, int gates, long[] biasShape, bool sequences)
    {
        var g = GradientCheck.Rng(seed);
        var x = GradientCheck.Randn(g, batch, time, features);
        var kernel = GradientCheck.Randn(g, features, gates * units) * 0.4;
        var recurrent = GradientCheck.Randn(g, units, gates * units) * 0.3;
        var bias = GradientCheck.Randn(g, biasShape) * 0.5;
        var upstream = sequences ? GradientCheck.Randn(g, batch, time, units) : GradientCheck.Randn(g, batch, units);
        return (x, kernel, recurrent, bias, upstream);
    }

    /// <summary>A reference's output from its per-step states: every h stacked on axis 1 (sequences), else the last.</summary>
    public static Tensor Output(List<Tensor> states, bool sequences) => sequences ? stack(states, 1) : states[^1];

    /// <summary>The number of values in the tensors: Keras' count_params for a layer's weights.</summary>
    public static long Count(params Tensor[] weights) => weights.Sum(w => w.numel());
}
