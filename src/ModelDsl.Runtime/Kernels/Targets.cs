using static TorchSharp.torch;

namespace ModelDsl.Kernels;

/// <summary>Brings targets to the predictions' shape and dtype, as Keras' losses and metrics do.</summary>
internal static class Targets
{
    /// <summary>
    /// yTrue itself when shapes and dtypes already agree; otherwise reshaped ((batch) vs (batch, 1)) and cast to
    /// yPred's dtype. The result may be a new tensor: call inside a dispose scope.
    /// </summary>
    /// <exception cref="ArgumentException">The element counts differ; the message names both shapes.</exception>
    public static Tensor AlignTo(Tensor yPred, Tensor yTrue)
    {
        var aligned = yTrue;
        if (!yTrue.shape.SequenceEqual(yPred.shape))
        {
            if (yTrue.numel() != yPred.numel())
                throw new ArgumentException(
                    $"yTrue shape {Shape(yTrue)} does not match yPred shape {Shape(yPred)}: " +
                    $"{yTrue.numel()} and {yPred.numel()} elements.", nameof(yTrue));
            aligned = yTrue.reshape(yPred.shape);
        }
        return aligned.dtype == yPred.dtype ? aligned : aligned.to_type(yPred.dtype);
    }

    public static string Shape(Tensor t) => $"({string.Join(", ", t.shape)})";
}
