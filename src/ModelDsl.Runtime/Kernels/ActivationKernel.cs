using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Kernels;

/// <summary>Forward and hand-written backward of the Keras activations (Softmax over the last axis).</summary>
public static class ActivationKernel
{
    private const string Kernel = nameof(ActivationKernel);

    /// <summary>SELU's alpha (Keras, Klambauer et al. 2017).</summary>
    public const double SeluAlpha = 1.6732632423543772;

    /// <summary>SELU's scale (Keras, Klambauer et al. 2017).</summary>
    public const double SeluScale = 1.0507009873554805;

    /// <summary>ELU's alpha, Keras' default.</summary>
    public const double EluAlpha = 1.0;

    /// <summary>
    /// Leaky ReLU's negative slope as the activation (<c>activation="leaky_relu"</c>, Keras 3's function default).
    /// Keras' <c>LeakyReLU</c> layer defaults to 0.3 instead; torch to 0.01.
    /// </summary>
    public const double LeakyReluNegativeSlope = 0.2;

    /// <summary>1/√2, for the exact (erf) GELU.</summary>
    private const double InverseSqrt2 = 0.70710678118654752440;

    /// <summary>1/√(2π), the standard normal density's constant, for GELU's derivative.</summary>
    private const double InverseSqrt2Pi = 0.39894228040143267794;

    /// <summary>
    /// Applies <paramref name="activation"/> element-wise (Softmax: exp(x − max)/Σexp(x − max) over the last axis;
    /// LeakyRelu: max(x, 0.2x); Gelu: 0.5x(1 + erf(x/√2)), exact; Swish: x·σ(x)). Output shaped like x.
    /// <see cref="Activation.Linear"/> returns a new handle to <paramref name="x"/>'s storage.
    /// </summary>
    public static Tensor Forward(Activation activation, Tensor x) => activation switch
    {
        Activation.Linear => x.alias(),
        Activation.Relu => nn.functional.relu(x),
        Activation.Selu => nn.functional.selu(x),
        Activation.Elu => nn.functional.elu(x, EluAlpha),
        Activation.Tanh => x.tanh(),
        Activation.Sigmoid => x.sigmoid(),
        Activation.Softplus => nn.functional.softplus(x),
        // torch's softmax subtracts the row maximum before exp, so large logits do not overflow.
        Activation.Softmax => CheckedSoftmax(x),
        Activation.LeakyRelu => nn.functional.leaky_relu(x, LeakyReluNegativeSlope),
        Activation.Gelu => nn.functional.gelu(x),   // torch's default is the exact erf form, as Keras' "gelu"
        Activation.Swish => nn.functional.silu(x),
        _ => throw UnknownActivation(activation),
    };

    /// <summary>
    /// dL/dx from dL/dy (<paramref name="dy"/>), the forward input <paramref name="x"/> and output <paramref name="y"/>,
    /// all of one shape. Softmax: y ⊙ (dy − Σ_last(dy ⊙ y)); LeakyRelu: dy on x &gt; 0, 0.2·dy elsewhere;
    /// Gelu: dy·(Φ(x) + x·φ(x)); Swish: dy·(σ(x) + y(1 − σ(x))).
    /// </summary>
    /// <remarks>At the kinks (x = 0 for ReLU, SELU, ELU, LeakyReLU) the derivative of the x &lt;= 0 side is used, as torch does.</remarks>
    public static Tensor Backward(Activation activation, Tensor dy, Tensor x, Tensor y)
    {
        ArgumentChecks.SameShapeAndType(dy, nameof(dy), x, nameof(x), Kernel);
        ArgumentChecks.SameShapeAndType(y, nameof(y), x, nameof(x), Kernel);
        using var scope = NewDisposeScope();
        Tensor dx = activation switch
        {
            Activation.Linear => dy.alias(),
            // One pass less than multiplying by the mask converted to dy's dtype: torch promotes the bool mask itself.
            Activation.Relu => dy.mul(x.gt(0)),
            // y = scale * alpha * (exp(x) - 1) for x <= 0, so dy/dx = scale * alpha * exp(x) = y + scale * alpha.
            Activation.Selu => where(x > 0, dy * SeluScale, dy * (y + SeluScale * SeluAlpha)),
            Activation.Elu => where(x > 0, dy, dy * (y + EluAlpha)),
            Activation.Tanh => dy * (1 - y * y),
            Activation.Sigmoid => dy * y * (1 - y),
            Activation.Softplus => dy * x.sigmoid(),
            Activation.Softmax => TensorOpKernel.SoftmaxBackward(dy, y),
            Activation.LeakyRelu => where(x > 0, dy, dy * LeakyReluNegativeSlope),
            // d/dx [x Φ(x)] = Φ(x) + x φ(x), Φ from the forward's own erf term.
            Activation.Gelu => dy * (0.5 * (1 + (x * InverseSqrt2).erf()) + x * (x.square() * -0.5).exp() * InverseSqrt2Pi),
            // d/dx [x σ(x)] = σ + x σ (1 − σ) = σ + y (1 − σ).
            Activation.Swish => SwishBackward(dy, x, y),
            _ => throw UnknownActivation(activation),
        };
        return dx.MoveToOuterDisposeScope();
    }

    private static Tensor SwishBackward(Tensor dy, Tensor x, Tensor y)
    {
        var sigmoid = x.sigmoid();
        return dy * (sigmoid + y * (1 - sigmoid));
    }

    private static Tensor CheckedSoftmax(Tensor x)
    {
        ArgumentChecks.MinimumRank(x, nameof(x), 1, "a tensor of rank >= 1 (softmax is over the last axis)", Kernel);
        return x.softmax(-1);
    }

    private static ArgumentOutOfRangeException UnknownActivation(Activation activation) =>
        new(nameof(activation), activation, $"Unknown activation '{activation}'.");
}
