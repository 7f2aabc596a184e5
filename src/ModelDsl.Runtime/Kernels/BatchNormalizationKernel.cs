using static TorchSharp.torch;

namespace ModelDsl.Kernels;

/// <summary>The result of <see cref="BatchNormalizationKernel.ForwardTraining"/> and what its backward needs.</summary>
/// <param name="Output">γ ⊙ x̂ + β, x's shape.</param>
/// <param name="Normalized">x̂ = (x − μ_B) ⊙ InverseStd, x's shape.</param>
/// <param name="InverseStd">1/√(σ²_B + ε), (channels).</param>
/// <param name="Mean">The batch mean μ_B over every axis but the last, (channels).</param>
/// <param name="Variance">The batch variance σ²_B (biased, ddof 0), (channels).</param>
public sealed record BatchNormalizationTrace(Tensor Output, Tensor Normalized, Tensor InverseStd, Tensor Mean, Tensor Variance);

/// <summary>Gradients of batch normalization (training mode) w.r.t. its input, gamma and beta.</summary>
public sealed record BatchNormalizationGradients(Tensor Input, Tensor Gamma, Tensor Beta);

/// <summary>
/// Keras' BatchNormalization on the last axis (channels-last), statistics over every other axis, so (N, C),
/// (N, T, C) and (N, H, W, C) all work. Training uses the batch mean and biased variance and updates the moving
/// statistics; inference uses the moving statistics.
/// </summary>
public static class BatchNormalizationKernel
{
    private const string Kernel = nameof(BatchNormalizationKernel);

    /// <summary>Keras' default momentum of the moving statistics.</summary>
    public const double DefaultMomentum = 0.99;

    /// <summary>Keras' default epsilon, added to the variance.</summary>
    public const double DefaultEpsilon = 1e-3;

    /// <summary>
    /// Training mode: y = γ(x − μ_B)/√(σ²_B + ε) + β with μ_B, σ²_B (biased) over every axis but the last of x
    /// (..., C); gamma, beta, movingMean, movingVariance are (C). In the same call, as Keras does, updates IN PLACE
    /// movingMean ← momentum·movingMean + (1 − momentum)·μ_B and movingVariance likewise with σ²_B.
    /// </summary>
    /// <exception cref="ArgumentException">A shape or dtype that does not fit; the message names both.</exception>
    /// <exception cref="ArgumentOutOfRangeException">momentum outside [0, 1] or epsilon not positive.</exception>
    public static BatchNormalizationTrace ForwardTraining(Tensor x, Tensor gamma, Tensor beta, Tensor movingMean, Tensor movingVariance, double momentum, double epsilon)
    {
        Check(x, gamma, beta, movingMean, movingVariance, epsilon);
        if (!(momentum >= 0 && momentum <= 1))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, $"{Kernel}: momentum must be in [0, 1] (Keras' default {DefaultMomentum}); got {momentum}.");
        using var scope = NewDisposeScope();
        long channels = x.size(-1);
        var mean = x.reshape(-1, channels).mean([0L]);
        var centered = x - mean;
        var variance = centered.square().reshape(-1, channels).mean([0L]);
        var inverseStd = (variance + epsilon).rsqrt();
        var normalized = centered * inverseStd;
        var output = normalized * gamma + beta;
        using (no_grad())
        {
            movingMean.mul_(momentum).add_(mean * (1 - momentum));
            movingVariance.mul_(momentum).add_(variance * (1 - momentum));
        }
        return new BatchNormalizationTrace(output.MoveToOuterDisposeScope(), normalized.MoveToOuterDisposeScope(),
            inverseStd.MoveToOuterDisposeScope(), mean.MoveToOuterDisposeScope(), variance.MoveToOuterDisposeScope());
    }

    /// <summary>Inference mode: y = γ(x − movingMean)/√(movingVariance + ε) + β; x (..., C), the rest (C).</summary>
    public static Tensor ForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor movingMean, Tensor movingVariance, double epsilon)
    {
        Check(x, gamma, beta, movingMean, movingVariance, epsilon);
        using var scope = NewDisposeScope();
        return ((x - movingMean) * (movingVariance + epsilon).rsqrt() * gamma + beta).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Training-mode vector-Jacobian product (μ_B and σ²_B are functions of x), with M = elements per channel:
    /// dβ = Σ dy, dγ = Σ dy ⊙ x̂ (sums over every axis but the last), dx = γ·InverseStd/M ⊙ (M·dy − dβ − x̂ ⊙ dγ).
    /// </summary>
    public static BatchNormalizationGradients Backward(Tensor dy, BatchNormalizationTrace trace, Tensor gamma)
    {
        ArgumentNullException.ThrowIfNull(trace);
        long channels = ArgumentChecks.NormalizationUpstream(dy, trace.Normalized, gamma, Kernel);
        using var scope = NewDisposeScope();
        double m = dy.numel() / channels;
        var dyRows = dy.reshape(-1, channels);
        var dBeta = dyRows.sum(0L);
        var dGamma = (dyRows * trace.Normalized.reshape(-1, channels)).sum(0L);
        var dx = (dy * m - dBeta - trace.Normalized * dGamma) * (gamma * trace.InverseStd / m);
        return new BatchNormalizationGradients(dx.MoveToOuterDisposeScope(), dGamma.MoveToOuterDisposeScope(), dBeta.MoveToOuterDisposeScope());
    }

    private static void Check(Tensor x, Tensor gamma, Tensor beta, Tensor movingMean, Tensor movingVariance, double epsilon)
    {
        ArgumentChecks.Floating(x, nameof(x), Kernel);
        ArgumentChecks.MinimumRank(x, nameof(x), 2, "(batch, ..., channels)", Kernel);
        if (x.numel() == 0)
            throw new ArgumentException($"{Kernel}: x {Targets.Shape(x)} is empty: batch statistics need at least one sample.", nameof(x));
        long channels = x.size(-1);
        ArgumentChecks.Vector(gamma, nameof(gamma), channels, x, Kernel);
        ArgumentChecks.Vector(beta, nameof(beta), channels, x, Kernel);
        ArgumentChecks.Vector(movingMean, nameof(movingMean), channels, x, Kernel);
        ArgumentChecks.Vector(movingVariance, nameof(movingVariance), channels, x, Kernel);
        if (!(epsilon > 0))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"{Kernel}: epsilon must be positive (Keras' default {DefaultEpsilon}); got {epsilon}.");
    }
}
