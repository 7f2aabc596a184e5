using ModelDsl.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Kernels;

/// <summary>
/// A recurrent kernel under test, on the arguments (x, kernel, recurrent kernel, bias) and a return_sequences setting:
/// its forward output, and its four gradients (x, kernel, recurrent kernel, bias) for an upstream gradient.
/// </summary>
internal sealed record RecurrentLayer(string Name, int Gates, Func<long, long[]> BiasShape,
    Func<Tensor[], bool, Tensor> Forward, Func<Tensor[], bool, Tensor, Tensor[]> Backward)
{
    public static readonly RecurrentLayer Lstm = new("LSTM", 4, u => [4 * u],
        (a, s) => LstmKernel.Forward(a[0], a[1], a[2], a[3], s).Output,
        (a, s, d) => LstmKernel.Backward(d, LstmKernel.Forward(a[0], a[1], a[2], a[3], s)) switch { var g => [g.Input!, g.Kernel, g.RecurrentKernel, g.Bias] });

    public static readonly RecurrentLayer Gru = new("GRU", 3, u => [2, 3 * u],
        (a, s) => GruKernel.Forward(a[0], a[1], a[2], a[3], s).Output,
        (a, s, d) => GruKernel.Backward(d, GruKernel.Forward(a[0], a[1], a[2], a[3], s)) switch { var g => [g.Input!, g.Kernel, g.RecurrentKernel, g.Bias] });

    public static readonly RecurrentLayer SimpleRnn = new("SimpleRNN", 1, u => [u],
        (a, s) => SimpleRnnKernel.Forward(a[0], a[1], a[2], a[3], s).Output,
        (a, s, d) => SimpleRnnKernel.Backward(d, SimpleRnnKernel.Forward(a[0], a[1], a[2], a[3], s)) switch { var g => [g.Input!, g.Kernel, g.RecurrentKernel, g.Bias] });

    public static RecurrentLayer Named(string name) => name switch { "LSTM" => Lstm, "GRU" => Gru, _ => SimpleRnn };
}

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

    /// <summary>
    /// On a random problem of the given size: the layer's output has the upstream gradient's shape, its forward equals
    /// <paramref name="reference"/> (an independent transcription of Keras' equations), and its backward equals autograd
    /// of the reference and central differences of its own forward.
    /// </summary>
    public static void AssertBackward(RecurrentLayer layer, Func<Tensor[], bool, Tensor> reference,
        long batch, long time, long features, long units, bool sequences, ulong seed)
    {
        var (x, kernel, recurrent, bias, dOut) = Problem(seed, batch, time, features, units, layer.Gates, layer.BiasShape(units), sequences);
        Tensor[] inputs = [x, kernel, recurrent, bias];
        Assert.Equal(dOut.shape, layer.Forward(inputs, sequences).shape);
        GradientCheck.AssertBackward(a => layer.Forward(a, sequences), a => reference(a, sequences),
            inputs, dOut, layer.Backward(inputs, sequences, dOut), ["x", "kernel", "recurrentKernel", "bias"]);
    }

    /// <summary>A one-unit, one-sample sequence output (1, T, 1) holds <paramref name="expected"/> in time order.</summary>
    public static void AssertSteps(Tensor sequence, params double[] expected)
    {
        Assert.Equal([1L, expected.Length, 1], sequence.shape);
        for (int t = 0; t < expected.Length; t++)
            Assert.Equal(expected[t], sequence[0, t, 0].ToDouble(), 14);
    }

    /// <summary>The number of values in the tensors: Keras' count_params for a layer's weights.</summary>
    public static long Count(params Tensor[] weights) => weights.Sum(w => w.numel());
}
