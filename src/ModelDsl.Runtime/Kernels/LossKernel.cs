using static TorchSharp.torch;

namespace ModelDsl.Kernels;

/// <summary>
/// Keras losses with the "sum_over_batch_size" reduction. MSE, MAE and Huber: the mean over every element. The
/// cross-entropies: a per-sample loss over the last (class) axis, averaged over the samples (Keras 3 semantics:
/// without logits the probabilities are clipped to [ε, 1 − ε], ε = 1e-7, with no +ε inside the log; with logits the
/// numerically stable forms).
/// </summary>
public static class LossKernel
{
    private const string Kernel = nameof(LossKernel);

    /// <summary>Keras' epsilon (<c>keras.backend.epsilon()</c>): the clip of probabilities in the cross-entropies.</summary>
    public const double Epsilon = 1e-7;

    /// <summary>
    /// The scalar loss (0-dim, yPred's dtype).
    /// MSE/MAE/Huber: mean of e², |e|, Huber(e) with e = yPred − yTrue; yTrue is reshaped to yPred's shape when the
    /// element counts agree ((batch) vs (batch, 1)).
    /// BinaryCrossentropy: mean over every element of −[y ln p + (1−y) ln(1−p)], p = clip(yPred, ε, 1−ε); from logits
    /// x: max(x, 0) − x·y + ln(1 + e^−|x|). yTrue aligned as for MSE.
    /// CategoricalCrossentropy: yTrue one-hot of yPred's shape; per sample −Σ_last y ln clip(p/Σp, ε, 1−ε); from
    /// logits −Σ_last y·log_softmax(x).
    /// SparseCategoricalCrossentropy: yTrue class indices shaped like yPred without its last axis (or with a trailing
    /// 1), int64/int32 or whole floating values; per sample −ln q[label], q as for the categorical form.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes or dtypes that do not fit (the message names both shapes), a label
    /// that is not a class index (the message names it, its row and the class count), or fromLogits on a regression
    /// loss.</exception>
    public static Tensor Forward(Loss loss, Tensor yPred, Tensor yTrue, double huberDelta = 1.0, bool fromLogits = false)
    {
        Check(loss, yPred, fromLogits);
        using var scope = NewDisposeScope();
        var value = loss switch
        {
            Loss.MeanSquaredError => Error(yPred, yTrue).square().mean(),
            Loss.MeanAbsoluteError => Error(yPred, yTrue).abs().mean(),
            Loss.Huber => HuberElementwise(Error(yPred, yTrue), huberDelta).mean(),
            Loss.BinaryCrossentropy => BinaryElementwise(yPred, Targets.AlignTo(yPred, yTrue), fromLogits).mean(),
            Loss.CategoricalCrossentropy => CategoricalPerSample(yPred, OneHotTargets(yPred, yTrue), fromLogits).mean(),
            Loss.SparseCategoricalCrossentropy => SparseForward(yPred, Targets.ClassIndices(yPred, yTrue, nameof(Loss.SparseCategoricalCrossentropy)), fromLogits),
            _ => throw UnknownLoss(loss),
        };
        return value.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// dLoss/dyPred, shaped like <paramref name="yPred"/>: the exact derivative of <see cref="Forward"/>, zero where
    /// a probability clip is active (as autograd of clamp gives). BCE: (−y/p + (1−y)/(1−p))/n, from logits
    /// (σ(x) − y)/n. Categorical with q = p/s, s = Σ_last p: g = −y/q on unclipped q, dp = (g − Σ_last g·q)/(s·samples);
    /// from logits (softmax(x)·Σ_last y − y)/samples.
    /// </summary>
    public static Tensor Backward(Loss loss, Tensor yPred, Tensor yTrue, double huberDelta = 1.0, bool fromLogits = false)
    {
        Check(loss, yPred, fromLogits);
        using var scope = NewDisposeScope();
        double n = yPred.numel();
        var gradient = loss switch
        {
            Loss.MeanSquaredError => Error(yPred, yTrue) * (2.0 / n),
            Loss.MeanAbsoluteError => Error(yPred, yTrue).sign() / n,
            Loss.Huber => Error(yPred, yTrue).clamp(-huberDelta, huberDelta) / n,
            Loss.BinaryCrossentropy => BinaryGradient(yPred, Targets.AlignTo(yPred, yTrue), fromLogits) / n,
            Loss.CategoricalCrossentropy => CategoricalGradient(yPred, OneHotTargets(yPred, yTrue), fromLogits),
            Loss.SparseCategoricalCrossentropy => SparseGradient(yPred, Targets.ClassIndices(yPred, yTrue, nameof(Loss.SparseCategoricalCrossentropy)), fromLogits),
            _ => throw UnknownLoss(loss),
        };
        return gradient.MoveToOuterDisposeScope();
    }

    private static void Check(Loss loss, Tensor yPred, bool fromLogits)
    {
        ArgumentChecks.Floating(yPred, nameof(yPred), Kernel);
        bool crossEntropy = loss is Loss.BinaryCrossentropy or Loss.CategoricalCrossentropy or Loss.SparseCategoricalCrossentropy;
        if (fromLogits && !crossEntropy)
            throw new ArgumentException($"{Kernel}: fromLogits applies to the cross-entropy losses only; {loss} has no logits form.", nameof(fromLogits));
        if (crossEntropy && loss != Loss.BinaryCrossentropy)
            ArgumentChecks.MinimumRank(yPred, nameof(yPred), 1, "(..., classes)", $"{Kernel} {loss}");
    }

    private static Tensor Error(Tensor yPred, Tensor yTrue) => yPred - Targets.AlignTo(yPred, yTrue);

    /// <summary>Keras' Huber: 0.5 e² where |e| &lt;= delta, else delta |e| - 0.5 delta².</summary>
    private static Tensor HuberElementwise(Tensor error, double delta)
    {
        if (!(delta > 0)) throw new ArgumentOutOfRangeException(nameof(delta), delta, "The Huber delta must be positive.");
        var abs = error.abs();
        return where(abs <= delta, 0.5 * error.square(), delta * abs - 0.5 * delta * delta);
    }

    /// <summary>Element-wise BCE: the clipped probability form, or TF's stable logits form.</summary>
    private static Tensor BinaryElementwise(Tensor yPred, Tensor y, bool fromLogits)
    {
        if (fromLogits) return yPred.clamp_min(0) - yPred * y + (-yPred.abs()).exp().log1p();
        var p = yPred.clamp(Epsilon, 1 - Epsilon);
        return -(y * p.log() + (1 - y) * (1 - p).log());
    }

    /// <summary>d(element-wise BCE)/dyPred.</summary>
    private static Tensor BinaryGradient(Tensor yPred, Tensor y, bool fromLogits)
    {
        if (fromLogits) return yPred.sigmoid() - y;
        var p = yPred.clamp(Epsilon, 1 - Epsilon);
        return (-y / p + (1 - y) / (1 - p)) * Unclipped(yPred);
    }

    /// <summary>The per-sample categorical cross-entropy, yPred's shape without its last axis.</summary>
    private static Tensor CategoricalPerSample(Tensor yPred, Tensor y, bool fromLogits) =>
        -(y * LogProbabilities(yPred, fromLogits)).sum(-1);

    /// <summary>
    /// The per-sample sparse categorical cross-entropy −ln q[label] by a gather (labels already checked to be in
    /// range), not a one-hot product, so a −∞ log-probability off the label cannot turn 0·(−∞) into NaN.
    /// </summary>
    private static Tensor SparsePerSample(Tensor yPred, Tensor labels, bool fromLogits) =>
        -LogProbabilities(yPred, fromLogits).gather(-1, labels.unsqueeze(-1)).squeeze(-1);

    // Sparse cross-entropy of CPU predictions (n, classes) by the span kernels: the same formulas, about fifteen torch
    // ops fewer on the small tensors of a classifier's step, where each op costs more in dispatch than in arithmetic.

    /// <summary>The mean sparse cross-entropy (labels checked), by the span kernel for a CPU matrix of predictions.</summary>
    private static Tensor SparseForward(Tensor yPred, Tensor labels, bool fromLogits)
    {
        if (!OnCpu(yPred, labels)) return SparsePerSample(yPred, labels, fromLogits).mean();
        int n = (int)yPred.size(0), classes = (int)yPred.size(1);
        var indices = Managed.TensorSpans.Labels(labels);
        double value = yPred.dtype == ScalarType.Float32
            ? Managed.LossSpans.SparseForward(Managed.TensorSpans.Of<float>(yPred), indices, n, classes, fromLogits)
            : Managed.LossSpans.SparseForward(Managed.TensorSpans.Of<double>(yPred), indices, n, classes, fromLogits);
        return tensor(value, yPred.dtype);
    }

    /// <summary>d(mean sparse cross-entropy)/dyPred (labels checked), by the span kernel for a CPU matrix of predictions.</summary>
    private static Tensor SparseGradient(Tensor yPred, Tensor labels, bool fromLogits)
    {
        if (!OnCpu(yPred, labels))
            return CategoricalGradient(yPred, nn.functional.one_hot(labels, yPred.size(-1)).to_type(yPred.dtype), fromLogits);
        int n = (int)yPred.size(0), classes = (int)yPred.size(1);
        var gradient = empty_like(yPred);
        var indices = Managed.TensorSpans.Labels(labels);
        if (yPred.dtype == ScalarType.Float32)
            Managed.LossSpans.SparseBackward(Managed.TensorSpans.Of<float>(yPred), indices, n, classes, fromLogits, Managed.TensorSpans.Of<float>(gradient));
        else
            Managed.LossSpans.SparseBackward(Managed.TensorSpans.Of<double>(yPred), indices, n, classes, fromLogits, Managed.TensorSpans.Of<double>(gradient));
        return gradient;
    }

    /// <summary>
    /// Whether the span kernels take the batch (<see cref="Targets.ClassRowsOnCpu"/>), the predictions not being part of
    /// a graph autograd records (the span kernels write values torch cannot differentiate).
    /// </summary>
    private static bool OnCpu(Tensor yPred, Tensor labels) => !(yPred.requires_grad && is_grad_enabled()) && Targets.ClassRowsOnCpu(yPred, labels);

    /// <summary>log_softmax(x), or ln clip(p/Σp, ε, 1 − ε) over the last axis (numpy/JAX order: normalise, then clip).</summary>
    private static Tensor LogProbabilities(Tensor yPred, bool fromLogits) => fromLogits
        ? yPred.log_softmax(-1)
        : (yPred / yPred.sum(-1, keepdim: true)).clamp(Epsilon, 1 - Epsilon).log();

    /// <summary>d(mean over samples of <see cref="CategoricalPerSample"/>)/dyPred.</summary>
    private static Tensor CategoricalGradient(Tensor yPred, Tensor y, bool fromLogits)
    {
        double samples = yPred.numel() / yPred.size(-1);
        if (fromLogits) return (yPred.softmax(-1) * y.sum(-1, keepdim: true) - y) / samples;
        var s = yPred.sum(-1, keepdim: true);
        var q = yPred / s;
        var dq = -y / q.clamp(Epsilon, 1 - Epsilon) * Unclipped(q);
        // q = p / s: dp_k = dq_k / s − Σ_j dq_j p_j / s² = (dq_k − Σ_j dq_j q_j) / s.
        return (dq - (dq * q).sum(-1, keepdim: true)) / (s * samples);
    }

    /// <summary>1 where clamp(v, ε, 1 − ε) passes its gradient (ε &lt;= v &lt;= 1 − ε, as torch's clamp backward), else 0.</summary>
    private static Tensor Unclipped(Tensor v) => v.ge(Epsilon).logical_and(v.le(1 - Epsilon)).to_type(v.dtype);

    /// <summary>Categorical cross-entropy's targets: yPred-shaped one-hot (or soft) rows, checked.</summary>
    private static Tensor OneHotTargets(Tensor yPred, Tensor yTrue) => Targets.SameShapeAs(yPred, yTrue, nameof(Loss.CategoricalCrossentropy));

    private static ArgumentOutOfRangeException UnknownLoss(Loss loss) => new(nameof(loss), loss, $"Unknown loss '{loss}'.");
}
