using static TorchSharp.torch;

namespace ModelDsl.Kernels;

/// <summary>Keras losses with the "sum_over_batch_size" reduction: the mean over every element.</summary>
public static class LossKernel
{
    /// <summary>The scalar loss. yTrue is reshaped to yPred's shape when the element counts agree.</summary>
    /// <exception cref="ArgumentException">The element counts differ; the message names both shapes.</exception>
    public static Tensor Forward(Loss loss, Tensor yPred, Tensor yTrue, double huberDelta = 1.0)
    {
        using var scope = NewDisposeScope();
        var error = yPred - Targets.AlignTo(yPred, yTrue);
        var elementwise = loss switch
        {
            Loss.MeanSquaredError => error.square(),
            Loss.MeanAbsoluteError => error.abs(),
            Loss.Huber => HuberElementwise(error, huberDelta),
            _ => throw UnknownLoss(loss),
        };
        return elementwise.mean().MoveToOuterDisposeScope();
    }

    /// <summary>dLoss/dyPred, shaped like <paramref name="yPred"/>.</summary>
    public static Tensor Backward(Loss loss, Tensor yPred, Tensor yTrue, double huberDelta = 1.0)
    {
        using var scope = NewDisposeScope();
        var error = yPred - Targets.AlignTo(yPred, yTrue);
        double n = yPred.numel();
        var gradient = loss switch
        {
            Loss.MeanSquaredError => error * (2.0 / n),
            Loss.MeanAbsoluteError => error.sign() / n,
            Loss.Huber => error.clamp(-huberDelta, huberDelta) / n,
            _ => throw UnknownLoss(loss),
        };
        return gradient.MoveToOuterDisposeScope();
    }

    /// <summary>Keras' Huber: 0.5 e² where |e| &lt;= delta, else delta |e| - 0.5 delta².</summary>
    private static Tensor HuberElementwise(Tensor error, double delta)
    {
        if (!(delta > 0)) throw new ArgumentOutOfRangeException(nameof(delta), delta, "The Huber delta must be positive.");
        var abs = error.abs();
        return where(abs <= delta, 0.5 * error.square(), delta * abs - 0.5 * delta * delta);
    }

    private static ArgumentOutOfRangeException UnknownLoss(Loss loss) => new(nameof(loss), loss, $"Unknown loss '{loss}'.");
}
