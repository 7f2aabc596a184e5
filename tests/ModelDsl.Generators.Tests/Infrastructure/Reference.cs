using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Generators.Tests.Infrastructure;

/// <summary>
/// The independent truth of gradient tests: a forward written here from plain torch operations on leaf tensors that
/// require gradients, differentiated by TorchSharp's autograd, compared in float64 within a relative error of 1e-8.
/// </summary>
public static class Reference
{
    public const double Tolerance = 1e-8;
    public static readonly ScalarType F64 = ScalarType.Float64;

    /// <summary>A standard-normal float64 tensor, always the same for a shape.</summary>
    public static Tensor Random(params long[] shape) => Seeded(7, shape);

    /// <summary>A standard-normal float64 tensor from a generator seeded with <paramref name="seed"/>.</summary>
    public static Tensor Seeded(ulong seed, params long[] shape) => randn(shape, F64, generator: new Generator(seed));

    /// <summary>A copy of <paramref name="t"/> that autograd tracks.</summary>
    public static Tensor Leaf(Tensor t) => t.detach().clone().requires_grad_(true);

    /// <summary>Max |expected − actual| within <see cref="Tolerance"/> of max |expected|.</summary>
    public static void Close(Tensor expected, Tensor actual, string name)
    {
        Assert.Equal(expected.shape, actual.shape);
        double error = (expected.detach() - actual.detach()).abs().max().ToDouble();
        double scale = Math.Max(expected.detach().abs().max().ToDouble(), 1e-6);
        Assert.True(error <= Tolerance * scale, $"{name}: max |error| {error:E3} against max |value| {scale:E3}");
    }

    /// <summary>Backpropagates <paramref name="dOutput"/> through <paramref name="output"/>: the vector-Jacobian product autograd computes.</summary>
    public static void Backpropagate(Tensor output, Tensor dOutput) => (output * dOutput).sum().backward();
}
