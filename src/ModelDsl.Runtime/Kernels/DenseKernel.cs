using static TorchSharp.torch;

namespace ModelDsl.Kernels;

/// <summary>Gradients of a dense layer; <see cref="Bias"/> is null when the layer has none.</summary>
public sealed record DenseGradients(Tensor Input, Tensor Kernel, Tensor? Bias);

/// <summary>Keras' Dense without its activation: <c>x @ kernel + bias</c>.</summary>
public static class DenseKernel
{
    /// <summary>x (batch, in), kernel (in, units) as in Keras, bias (units) or null. Returns (batch, units).</summary>
    public static Tensor Forward(Tensor x, Tensor kernel, Tensor? bias)
    {
        if (bias is null) return x.matmul(kernel);
        using var scope = NewDisposeScope();
        return x.matmul(kernel).add_(bias).MoveToOuterDisposeScope();
    }

    /// <summary>Vector-Jacobian product of <see cref="Forward"/> for the upstream gradient <paramref name="dy"/> (batch, units).</summary>
    public static DenseGradients Backward(Tensor dy, Tensor x, Tensor kernel, bool hasBias = true)
    {
        using var scope = NewDisposeScope();
        var dx = dy.matmul(kernel.t()).MoveToOuterDisposeScope();
        var dKernel = x.t().matmul(dy).MoveToOuterDisposeScope();
        var dBias = hasBias ? dy.sum(0L).MoveToOuterDisposeScope() : null;
        return new DenseGradients(dx, dKernel, dBias);
    }
}
