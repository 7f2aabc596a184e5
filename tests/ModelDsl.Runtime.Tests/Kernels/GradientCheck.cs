using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Kernels;

/// <summary>
/// The two independent truths every hand-written backward is checked against: TorchSharp autograd on a reference
/// forward written from plain torch ops in the test, and central finite differences of the kernel's own forward.
/// Both differentiate the scalar sum(forward(inputs) * upstream), so their gradients are vector-Jacobian products.
/// </summary>
internal static class GradientCheck
{
    public const double AutogradTolerance = 1e-8;
    public const double FiniteDifferenceTolerance = 1e-6;
    public const double FiniteDifferenceStep = 1e-6;

    static GradientCheck() => TorchRuntime.Initialize();

    public static Generator Rng(ulong seed) => new(seed);

    public static Tensor Randn(Generator g, params long[] shape) => randn(shape, ScalarType.Float64, generator: g);

    /// <summary>max |actual - expected| / max |expected|: relative to the tensor's scale, so near-zero entries do not dominate.</summary>
    public static double RelativeError(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.shape, actual.shape);
        double scale = expected.abs().max().ToDouble();
        double diff = (actual - expected).abs().max().ToDouble();
        return diff / Math.Max(scale, 1e-300);
    }

    public static void AssertClose(Tensor expected, Tensor actual, double tolerance, string what)
    {
        double error = RelativeError(expected, actual);
        Assert.True(error <= tolerance, $"{what}: relative error {error:E3} exceeds {tolerance:E1}");
    }

    /// <summary>Gradients of sum(reference(inputs) * upstream) w.r.t. every input, by autograd.</summary>
    public static Tensor[] Autograd(Func<Tensor[], Tensor> reference, Tensor[] inputs, Tensor upstream)
    {
        var leaves = inputs.Select(t => t.detach().clone().requires_grad_(true)).ToArray();
        (reference(leaves) * upstream).sum().backward();
        return leaves.Select(l => l.grad!.detach().clone()).ToArray();
    }

    /// <summary>Central differences of sum(forward(inputs) * upstream) w.r.t. every element of inputs[which].</summary>
    public static Tensor FiniteDifferences(Func<Tensor[], Tensor> forward, Tensor[] inputs, int which, Tensor upstream, double step = FiniteDifferenceStep)
    {
        var values = inputs[which].contiguous().data<double>().ToArray();
        var shape = inputs[which].shape;
        var gradient = new double[values.Length];
        for (int k = 0; k < values.Length; k++)
        {
            double original = values[k];
            values[k] = original + step;
            double plus = Objective(values);
            values[k] = original - step;
            double minus = Objective(values);
            values[k] = original;
            gradient[k] = (plus - minus) / (2 * step);
        }
        return tensor(gradient, dtype: ScalarType.Float64).reshape(shape);

        double Objective(double[] perturbed)
        {
            using var scope = NewDisposeScope();
            var args = (Tensor[])inputs.Clone();
            args[which] = tensor(perturbed, dtype: ScalarType.Float64).reshape(shape);
            return (forward(args) * upstream).sum().ToDouble();
        }
    }

    /// <summary>
    /// Asserts the kernel forward equals the reference forward, and that <paramref name="kernelGradients"/> (the
    /// kernel's backward for <paramref name="upstream"/>) equal autograd of the reference and finite differences of the
    /// kernel forward, for every input.
    /// </summary>
    public static void AssertBackward(Func<Tensor[], Tensor> kernelForward, Func<Tensor[], Tensor> reference,
        Tensor[] inputs, Tensor upstream, IReadOnlyList<Tensor> kernelGradients, IReadOnlyList<string> names)
    {
        Assert.Equal(inputs.Length, kernelGradients.Count);
        Assert.Equal(inputs.Length, names.Count);
        using (no_grad())
            AssertClose(reference(inputs), kernelForward(inputs), 1e-12, "forward vs reference");

        var autograd = Autograd(reference, inputs, upstream);
        for (int i = 0; i < inputs.Length; i++)
        {
            AssertClose(autograd[i], kernelGradients[i], AutogradTolerance, $"d{names[i]} vs autograd");
            using (no_grad())
                AssertClose(FiniteDifferences(kernelForward, inputs, i, upstream), kernelGradients[i], FiniteDifferenceTolerance, $"d{names[i]} vs finite differences");
        }
    }
}
