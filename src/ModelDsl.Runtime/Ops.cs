using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl;

/// <summary>
/// Tensor functions a [Forward] body may call (with <c>using static ModelDsl.Ops;</c>), so the declared forward
/// method is real, runnable C#; the generator knows the derivative of each. Forward only: no autograd.
/// Also the helpers generated backward code calls (<see cref="SumToShape"/>).
/// </summary>
public static class Ops
{
    /// <summary>Keeps the batch axis and flattens the rest: (batch, d1, d2, ...) to (batch, d1·d2·...).</summary>
    public static Tensor Flatten(Tensor x) => Kernels.ReshapeKernel.Flatten(x);

    /// <summary>Reshapes; -1 (first) stands for the batch axis.</summary>
    public static Tensor Reshape(Tensor x, params long[] shape) => Kernels.ReshapeKernel.Forward(x, shape);

    /// <summary>Matrix product of (n, k) and (k, m).</summary>
    /// <exception cref="ArgumentException">The ranks, sizes, dtypes or devices do not fit torch.matmul (checked before the
    /// native call, which would otherwise abort the process); the message names both shapes or dtypes.</exception>
    public static Tensor MatMul(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        Kernels.MatMulArguments.Check("MatMul", "a", a, "b", b);
        return a.matmul(b);
    }

    /// <summary>The sum of every element (a scalar tensor).</summary>
    public static Tensor Sum(Tensor x) => x.sum();

    /// <summary>The sum over one axis, which is removed.</summary>
    public static Tensor Sum(Tensor x, long axis) => x.sum(axis);

    /// <summary>The mean of every element (a scalar tensor).</summary>
    public static Tensor Mean(Tensor x) => x.mean();

    /// <summary>The mean over one axis, which is removed.</summary>
    public static Tensor Mean(Tensor x, long axis) => x.mean([axis]);

    public static Tensor Square(Tensor x) => x * x;
    public static Tensor Exp(Tensor x) => x.exp();
    public static Tensor Log(Tensor x) => x.log();
    public static Tensor Relu(Tensor x) => nn.functional.relu(x);
    /// <summary>Keras' SELU: scale · elu(x, alpha), alpha = 1.6732632423543772, scale = 1.0507009873554805.</summary>
    public static Tensor Selu(Tensor x) => nn.functional.selu(x);
    public static Tensor Elu(Tensor x) => nn.functional.elu(x, 1.0);
    public static Tensor Tanh(Tensor x) => x.tanh();
    public static Tensor Sigmoid(Tensor x) => x.sigmoid();
    public static Tensor Softplus(Tensor x) => nn.functional.softplus(x);
    public static Tensor Sqrt(Tensor x) => x.sqrt();
    public static Tensor Abs(Tensor x) => x.abs();
    /// <summary>Keras' leaky_relu activation: max(x, 0.2·x).</summary>
    public static Tensor LeakyRelu(Tensor x) => Kernels.ActivationKernel.Forward(Kernels.Activation.LeakyRelu, x);
    /// <summary>Keras' gelu activation, the exact (erf) form.</summary>
    public static Tensor Gelu(Tensor x) => Kernels.ActivationKernel.Forward(Kernels.Activation.Gelu, x);
    /// <summary>Keras' swish (silu): x·σ(x).</summary>
    public static Tensor Swish(Tensor x) => Kernels.ActivationKernel.Forward(Kernels.Activation.Swish, x);
    /// <summary>Softmax over the last axis.</summary>
    public static Tensor Softmax(Tensor x) => Kernels.ActivationKernel.Forward(Kernels.Activation.Softmax, x);
    /// <summary>log(softmax(x)) over the last axis, computed stably.</summary>
    public static Tensor LogSoftmax(Tensor x) => x.log_softmax(-1);

    /// <summary>The maximum over one axis, which is removed (its derivative splits ties equally, as torch's amax).</summary>
    public static Tensor Max(Tensor x, long axis) => x.amax([axis]);

    /// <summary>The element-wise maximum of two tensors, with broadcasting.</summary>
    public static Tensor Maximum(Tensor a, Tensor b) => a.maximum(b);

    /// <summary>The element-wise minimum of two tensors, with broadcasting.</summary>
    public static Tensor Minimum(Tensor a, Tensor b) => a.minimum(b);

    /// <summary>The tensors joined along <paramref name="axis"/>; every other axis must agree.</summary>
    public static Tensor Concatenate(long axis, params Tensor[] tensors) => cat(tensors, axis);

    /// <summary>The last two axes swapped (a matrix transposed).</summary>
    public static Tensor Transpose(Tensor x) => x.transpose(-2, -1);

    /// <summary>Axes <paramref name="first"/> and <paramref name="second"/> swapped.</summary>
    public static Tensor Transpose(Tensor x, long first, long second) => x.transpose(first, second);

    /// <summary>
    /// Targets brought to the predictions' shape and dtype as Keras' losses do ((batch) against (batch, 1)); what a
    /// [Loss] method's target parameter receives.
    /// </summary>
    public static Tensor AlignTargets(Tensor prediction, Tensor target) => Kernels.Targets.AlignTo(prediction, target);

    // ---- backward helpers (called by generated code) -----------------------------------------------------------

    /// <summary>
    /// The gradient of a broadcast input: sums <paramref name="gradient"/> over the axes that broadcasting added or
    /// stretched from 1, giving a tensor of <paramref name="shape"/>.
    /// </summary>
    public static Tensor SumToShape(Tensor gradient, long[] shape)
    {
        // One read of the gradient's shape (each .shape is a native call and a new array); this runs on every train step.
        long[] from = gradient.shape;
        if (from.AsSpan().SequenceEqual(shape)) return gradient;
        Tensor result = gradient;
        int lead = from.Length - shape.Length;
        if (lead < 0) throw new ArgumentException($"A gradient of shape ({string.Join(", ", from)}) cannot be summed to the larger shape ({string.Join(", ", shape)}).");
        if (lead > 0) result = result.sum(Enumerable.Range(0, lead).Select(i => (long)i).ToArray());
        // After the leading sum, axis i of result is axis lead + i of the gradient.
        long[] stretched = Enumerable.Range(0, shape.Length).Where(i => shape[i] == 1 && from[lead + i] != 1).Select(i => (long)i).ToArray();
        if (stretched.Length > 0) result = result.sum(stretched, keepdim: true);
        return result;
    }
}
