using static TorchSharp.torch;

namespace ModelDsl.Kernels;

/// <summary>What Keras' Normalization.adapt stores: per-feature mean and population variance, and the sample count.</summary>
public sealed record NormalizationStatistics(Tensor Mean, Tensor Variance, long Count);

/// <summary>Keras' Normalization layer over the last axis.</summary>
public static class NormalizationKernel
{
    /// <summary>The floor Keras puts under the standard deviation (not added to the variance).</summary>
    public const double MinStandardDeviation = 1e-7;

    /// <summary>Mean and population variance (ddof 0) over every axis but the last: shapes (features).</summary>
    public static NormalizationStatistics Adapt(Tensor data)
    {
        if (data.dim() < 1 || data.numel() == 0)
            throw new ArgumentException($"Normalization.Adapt needs non-empty data with a feature axis; got shape [{string.Join(", ", data.shape)}].", nameof(data));
        using var scope = NewDisposeScope();
        long features = data.shape[^1];
        var rows = data.reshape(-1, features);
        var mean = rows.mean([0L]);
        var variance = (rows - mean).square().mean([0L]);
        return new NormalizationStatistics(mean.MoveToOuterDisposeScope(), variance.MoveToOuterDisposeScope(), rows.shape[0]);
    }

    /// <summary>(x - mean) / max(sqrt(variance), 1e-7), broadcast over the last axis.</summary>
    public static Tensor Forward(Tensor x, Tensor mean, Tensor variance)
    {
        using var scope = NewDisposeScope();
        return ((x - mean) / StandardDeviation(variance)).MoveToOuterDisposeScope();
    }

    /// <summary>dx = dy / max(sqrt(variance), 1e-7); mean and variance are constants.</summary>
    public static Tensor Backward(Tensor dy, Tensor variance)
    {
        using var scope = NewDisposeScope();
        return (dy / StandardDeviation(variance)).MoveToOuterDisposeScope();
    }

    private static Tensor StandardDeviation(Tensor variance) => variance.sqrt().clamp_min_(MinStandardDeviation);
}
