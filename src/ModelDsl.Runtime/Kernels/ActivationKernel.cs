using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Kernels;

/// <summary>Forward and hand-written backward of the Keras activations.</summary>
public static class ActivationKernel
{
    /// <summary>SELU's alpha (Keras, Klambauer et al. 2017).</summary>
    public const double SeluAlpha = 1.6732632423543772;

    /// <summary>SELU's scale (Keras, Klambauer et al. 2017).</summary>
    public const double SeluScale = 1.0507009873554805;

    /// <summary>ELU's alpha, Keras' default.</summary>
    public const double EluAlpha = 1.0;

    /// <summary>Applies <paramref name="activation"/> element-wise. <see cref="Activation.Linear"/> returns a new handle to <paramref name="x"/>'s storage.</summary>
    public static Tensor Forward(Activation activation, Tensor x) => activation switch
    {
        Activation.Linear => x.alias(),
        Activation.Relu => nn.functional.relu(x),
        Activation.Selu => nn.functional.selu(x),
        Activation.Elu => nn.functional.elu(x, EluAlpha),
        Activation.Tanh => x.tanh(),
        Activation.Sigmoid => x.sigmoid(),
        Activation.Softplus => nn.functional.softplus(x),
        _ => throw UnknownActivation(activation),
    };

    /// <summary>dL/dx from dL/dy (<paramref name="dy"/>), the forward input <paramref name="x"/> and output <paramref name="y"/>.</summary>
    /// <remarks>At the kinks (x = 0 for ReLU, SELU, ELU) the derivative of the x &lt;= 0 side is used, as torch does.</remarks>
    public static Tensor Backward(Activation activation, Tensor dy, Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        Tensor dx = activation switch
        {
            Activation.Linear => dy.alias(),
            Activation.Relu => dy * (x > 0).to_type(dy.dtype),
            // y = scale * alpha * (exp(x) - 1) for x <= 0, so dy/dx = scale * alpha * exp(x) = y + scale * alpha.
            Activation.Selu => where(x > 0, dy * SeluScale, dy * (y + SeluScale * SeluAlpha)),
            Activation.Elu => where(x > 0, dy, dy * (y + EluAlpha)),
            Activation.Tanh => dy * (1 - y * y),
            Activation.Sigmoid => dy * y * (1 - y),
            Activation.Softplus => dy * x.sigmoid(),
            _ => throw UnknownActivation(activation),
        };
        return dx.MoveToOuterDisposeScope();
    }

    private static ArgumentOutOfRangeException UnknownActivation(Activation activation) =>
        new(nameof(activation), activation, $"Unknown activation '{activation}'.");
}
