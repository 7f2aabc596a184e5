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
        if (!ArgumentChecks.SameShape(yTrue, yPred))
        {
            if (yTrue.numel() != yPred.numel())
                throw new ArgumentException(
                    $"yTrue shape {Shape(yTrue)} does not match yPred shape {Shape(yPred)}: " +
                    $"{yTrue.numel()} and {yPred.numel()} elements.", nameof(yTrue));
            aligned = yTrue.reshape(yPred.shape);
        }
        return aligned.dtype == yPred.dtype ? aligned : aligned.to_type(yPred.dtype);
    }

    /// <summary>
    /// One-hot (or soft) targets of yPred's exact shape, cast to yPred's dtype. The result may be a new tensor: call
    /// inside a dispose scope.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes differ; the message names both and points to the sparse form.</exception>
    public static Tensor SameShapeAs(Tensor yPred, Tensor yTrue, string what)
    {
        if (!ArgumentChecks.SameShape(yTrue, yPred))
            throw new ArgumentException(
                $"{what} needs one-hot targets shaped like yPred {Shape(yPred)}; got yTrue {Shape(yTrue)}. " +
                "For integer class labels use the sparse categorical form.", nameof(yTrue));
        return yTrue.dtype == yPred.dtype ? yTrue : yTrue.to_type(yPred.dtype);
    }

    /// <summary>
    /// Class labels for yPred (..., classes) as yPred's leading shape (a trailing axis of 1 squeezed): yTrue itself
    /// or a view of it, in its own dtype. Call inside a dispose scope.
    /// </summary>
    /// <exception cref="ArgumentException">yTrue is neither yPred's leading shape nor that shape with a trailing 1.</exception>
    public static Tensor Labels(Tensor yPred, Tensor yTrue, string what)
    {
        if (yPred.dim() < 1)
            throw new ArgumentException($"{what} needs predictions with a class axis (last); got a scalar yPred.", nameof(yPred));
        long rank = yPred.dim() - 1;
        bool leading = yTrue.dim() == rank || (yTrue.dim() == rank + 1 && yTrue.size(-1) == 1);
        for (int i = 0; leading && i < rank; i++) leading = yTrue.size(i) == yPred.size(i);
        if (!leading)
            throw new ArgumentException(
                $"{what} needs one class label per sample: yTrue shaped {Shape(yPred, rank)} (or with a trailing 1) " +
                $"for yPred {Shape(yPred)}; got yTrue {Shape(yTrue)}. For one-hot targets use the categorical form.", nameof(yTrue));
        return yTrue.dim() == rank ? yTrue : yTrue.squeeze(-1);
    }

    /// <summary>
    /// The class labels of <see cref="Labels"/> as int64, after checking that every one is a whole number in
    /// [0, classes): an index out of range must never reach a native gather or one-hot. Call inside a dispose scope.
    /// </summary>
    /// <exception cref="ArgumentException">yTrue has the wrong shape or dtype, or a label is not a class index; the
    /// message names the first bad label, its row and the class count.</exception>
    public static Tensor ClassIndices(Tensor yPred, Tensor yTrue, string what)
    {
        var labels = Labels(yPred, yTrue, what);
        if (labels.dtype == ScalarType.Bool)
            throw new ArgumentException($"{what} needs integer class labels (int64 or int32); got yTrue of dtype {yTrue.dtype}.", nameof(yTrue));
        long classes = yPred.size(-1);
        if (ArgumentChecks.FirstInvalidIndex(labels, classes) is { } bad)
            throw new ArgumentException(
                $"{what}: label {bad} is not a class index: labels must be integers in [0, {classes}) for yPred's " +
                $"{classes} classes. Check the targets and the output layer's units.", nameof(yTrue));
        return labels.dtype == ScalarType.Int64 ? labels : labels.to_type(ScalarType.Int64);
    }

    /// <summary>
    /// Whether predictions (n, classes) and n int64 labels ((n) or (n, 1)) are contiguous float32/float64 and int64 CPU
    /// memory: the layout in which the span kernels (MetricSpans, LossSpans) take a classifier's batch instead of torch ops.
    /// </summary>
    public static bool ClassRowsOnCpu(Tensor yPred, Tensor labels) =>
        yPred.dim() == 2 && yPred.dtype is ScalarType.Float32 or ScalarType.Float64
        && labels.dtype == ScalarType.Int64 && labels.numel() == yPred.size(0) && (labels.dim() == 1 || (labels.dim() == 2 && labels.size(1) == 1))
        && Managed.TensorSpans.Problem(yPred, yPred.dtype) is null && Managed.TensorSpans.Problem(labels, ScalarType.Int64) is null;

    public static string Shape(Tensor t) => $"({string.Join(", ", t.shape)})";

    /// <summary>The first <paramref name="rank"/> sizes of <paramref name="t"/>'s shape.</summary>
    public static string Shape(Tensor t, long rank) => $"({string.Join(", ", t.shape.Take((int)rank))})";
}
