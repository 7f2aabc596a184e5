using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Generators.Tests.Infrastructure;

/// <summary>What the behavioural tests compare generated models with: float64 data, autograd leaves, relative closeness.</summary>
internal static class Reference
{
    public static readonly ScalarType F64 = ScalarType.Float64;

    /// <summary>The relative error generated gradients are held to against autograd in float64.</summary>
    public const double Tolerance = 1e-8;

    /// <summary>A seeded standard normal tensor in float64, independent of torch's global generator.</summary>
    public static Tensor Random(ulong seed, params long[] shape) => randn(shape, F64, generator: new Generator(seed));

    /// <summary>A copy that autograd differentiates, cut off from the model's own tensor.</summary>
    public static Tensor Leaf(Tensor t) => t.detach().clone().requires_grad_(true);

    public static double[] Values(Tensor t) => t.detach().to_type(F64).contiguous().data<double>().ToArray();

    /// <summary>max |expected − actual| within <paramref name="relative"/> of max |expected| (or of 1e-6 when that is smaller).</summary>
    public static void Close(Tensor expected, Tensor actual, double relative, string name)
    {
        Assert.Equal(expected.shape, actual.shape);
        double error = (expected.detach() - actual.detach()).abs().max().ToDouble();
        double scale = Math.Max(expected.detach().abs().max().ToDouble(), 1e-6);
        Assert.True(error <= relative * scale, $"{name}: max |error| {error:E3} against max |value| {scale:E3} (allowed {relative:E0} relative)");
    }

    /// <summary><see cref="Close(Tensor, Tensor, double, string)"/> within <see cref="Tolerance"/>.</summary>
    public static void Close(Tensor expected, Tensor actual, string name) => Close(expected, actual, Tolerance, name);

    public static void Close(double expected, double actual, double relative, string name)
        => Assert.True(Math.Abs(expected - actual) <= relative * Math.Max(Math.Abs(expected), 1e-12),
            $"{name}: expected {expected:R}, got {actual:R} (allowed {relative:E0} relative)");

    /// <summary>Bit-for-bit equality, for tensors drawn by the same operations from the same generator state.</summary>
    public static void Identical(Tensor expected, Tensor actual, string name)
    {
        Assert.True(expected.shape.SequenceEqual(actual.shape), $"{name}: shape ({string.Join(", ", actual.shape)}), expected ({string.Join(", ", expected.shape)})");
        Assert.True(expected.to_type(actual.dtype).eq(actual).all().ToBoolean(), $"{name}: [{string.Join(", ", Values(actual).Take(6))} …] differs from the independent draw [{string.Join(", ", Values(expected).Take(6))} …]");
    }

    /// <summary>Backpropagates dOutput through the reference output (the vector-Jacobian product autograd computes).</summary>
    public static void Backpropagate(Tensor output, Tensor dOutput) => (output * dOutput).sum().backward();
}
