using static TorchSharp.torch;

namespace ModelDsl.Kernels;

/// <summary>
/// Keras' Flatten and Reshape: a change of shape only, so the backward gives the gradient back the input's shape.
/// </summary>
public static class ReshapeKernel
{
    /// <summary>Keeps the batch axis and flattens the rest: (batch, d1, d2, ...) to (batch, d1·d2·...).</summary>
    public static Tensor Flatten(Tensor x)
    {
        if (x.dim() < 1) throw new ArgumentException("Flatten needs a batch axis; got a scalar.", nameof(x));
        return x.reshape(x.size(0), -1);
    }

    /// <summary>Reshapes to <paramref name="shape"/>; one entry may be -1 (inferred).</summary>
    public static Tensor Forward(Tensor x, params long[] shape) => x.reshape(shape);

    /// <summary>dx: the upstream gradient <paramref name="dy"/> in the shape of the forward input.</summary>
    public static Tensor Backward(Tensor dy, long[] inputShape) => dy.reshape(inputShape);
}
