using System.Runtime.CompilerServices;
using System.Numerics;
using System.Numerics.Tensors;
using ModelDsl.Kernels;

namespace ModelDsl.Managed;

/// <summary>
/// The op graph's element-wise functions of <see cref="Ops"/>, named as the generator writes them (Square, Exp, Log,
/// Sqrt, Abs, Relu, Selu, Elu, Tanh, Sigmoid, Softplus, LeakyRelu, Gelu, Swish, Softmax, LogSoftmax); Softmax and
/// LogSoftmax over rows of the last axis (<c>width</c>). The gradients are the torch backend's rules: Square 2x, Exp y,
/// Log 1/x, Sqrt 1/(2y), Abs sign(x) (0 at 0), LogSoftmax dy − exp(y)·Σ_row dy, the activations as
/// <see cref="ActivationSpans"/>.
/// </summary>
public static class UnarySpans
{
    private const string Kernel = nameof(UnarySpans);

    /// <summary>The function names accepted.</summary>
    public static IReadOnlyList<string> Functions { get; } =
        ["Square", "Exp", "Log", "Sqrt", "Abs", "Relu", "Selu", "Elu", "Tanh", "Sigmoid", "Softplus", "LeakyRelu", "Gelu", "Swish", "Softmax", "LogSoftmax"];

    /// <summary>y = function(x), overwriting y; x and y of one length, whole rows of <paramref name="width"/>.</summary>
    /// <exception cref="ArgumentException">An unknown function (named), or lengths that differ or are not whole rows.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T>(string function, ReadOnlySpan<T> x, Span<T> y, int width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Activation? activation = Known(function);
        ActivationSpans.Check(Kernel, x.Length, y.Length, "y", width);
        switch (function)
        {
            case "Square": TensorPrimitives.Multiply(x, x, y); break;
            case "Exp": TensorPrimitives.Exp(x, y); break;
            case "Log": TensorPrimitives.Log(x, y); break;
            case "Sqrt": TensorPrimitives.Sqrt(x, y); break;
            case "Abs": TensorPrimitives.Abs(x, y); break;
            case "LogSoftmax": ActivationSpans.Softmax(x, y, width, log: true); break;
            default: ActivationSpans.Forward(activation!.Value, x, y, width); break;
        }
    }

    /// <summary>dx += dL/dx from dy, the forward input x and output y (one length, whole rows of
    /// <paramref name="width"/>). An empty dx: nothing to do.</summary>
    /// <exception cref="ArgumentException">An unknown function (named), or lengths that differ or are not whole rows.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<T>(string function, ReadOnlySpan<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> dx, int width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Activation? activation = Known(function);
        ActivationSpans.CheckBackward(Kernel, dy.Length, x.Length, y.Length, width);
        if (!SpanChecks.Wanted(Kernel, dx.Length, x.Length, nameof(dx), "(the length of x)")) return;
        T two = T.CreateTruncating(2);
        switch (function)
        {
            case "Square":
                for (int i = 0; i < dx.Length; i++) dx[i] += dy[i] * two * x[i];
                break;
            case "Exp": TensorPrimitives.MultiplyAdd(dy, y, dx, dx); break;
            case "Log":
                for (int i = 0; i < dx.Length; i++) dx[i] += dy[i] / x[i];
                break;
            case "Sqrt":
                for (int i = 0; i < dx.Length; i++) dx[i] += dy[i] / (two * y[i]);
                break;
            case "Abs":
                for (int i = 0; i < dx.Length; i++) dx[i] += dy[i] * ElementMath.Sign(x[i]);
                break;
            case "LogSoftmax":
                for (int r = 0; r < dx.Length; r += width)
                {
                    T sum = TensorPrimitives.Sum(dy.Slice(r, width));
                    for (int i = r; i < r + width; i++) dx[i] += dy[i] - T.Exp(y[i]) * sum;
                }
                break;
            default: ActivationSpans.Backward(activation!.Value, dy, x, y, dx, width); break;
        }
    }

    /// <summary>The activation a name stands for (null for the functions of this class); throws for an unknown name.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Activation? Known(string function) => function switch
    {
        "Square" or "Exp" or "Log" or "Sqrt" or "Abs" or "LogSoftmax" => null,
        "Relu" => Activation.Relu,
        "Selu" => Activation.Selu,
        "Elu" => Activation.Elu,
        "Tanh" => Activation.Tanh,
        "Sigmoid" => Activation.Sigmoid,
        "Softplus" => Activation.Softplus,
        "LeakyRelu" => Activation.LeakyRelu,
        "Gelu" => Activation.Gelu,
        "Swish" => Activation.Swish,
        "Softmax" => Activation.Softmax,
        _ => throw new ArgumentException($"{Kernel}: unknown function '{function}'; expected one of {string.Join(", ", Functions)}.", nameof(function)),
    };
}
