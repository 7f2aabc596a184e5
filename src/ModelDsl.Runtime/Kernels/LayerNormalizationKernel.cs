using static TorchSharp.torch;

namespace ModelDsl.Kernels;

/// <summary>The result of <see cref="LayerNormalizationKernel.Forward"/> and what its backward needs.</summary>
/// <param name="Output">γ ⊙ x̂ + β, x's shape.</param>
/// <param name="Normalized">x̂ = (x − μ) ⊙ InverseStd, x's shape.</param>
/// <param name="InverseStd">1/√(σ² + ε) per sample, x's shape with the last axis 1.</param>
public sealed record LayerNormalizationTrace(Tensor Output, Tensor Normalized, Tensor InverseStd);

/// <summary>Gradients of layer normalization w.r.t. its input, gamma and beta.</summary>
public sealed record LayerNormalizationGradients(Tensor Input, Tensor Gamma, Tensor Beta);

/// <summary>
/// Keras' LayerNormalization over the last axis: per-sample (per position) mean and biased variance,
/// y = γ(x − μ)/√(σ² + ε) + β. Training and inference are the same.
/// </summary>
public static class LayerNormalizationKernel
{
    private const string Kernel = nameof(LayerNormalizationKernel);

    /// <summary>Keras' default epsilon (torch's is 1e-5).</summary>
    public const double DefaultEpsilon = 1e-3;

    /// <summary>x (..., C), gamma and beta (C): y = γ(x − μ)/√(σ² + ε) + β with μ, σ² (ddof 0) over the last axis.</summary>
    /// <exception cref="ArgumentException">A shape or dtype that does not fit; the message names both.</exception>
    /// <exception cref="ArgumentOutOfRangeException">epsilon not positive.</exception>
    public static LayerNormalizationTrace Forward(Tensor x, Tensor gamma, Tensor beta, double epsilon)
    {
        ArgumentChecks.Floating(x, nameof(x), Kernel);
        ArgumentChecks.MinimumRank(x, nameof(x), 1, "(..., features)", Kernel);
        long features = x.size(-1);
        ArgumentChecks.Vector(gamma, nameof(gamma), features, x, Kernel);
        ArgumentChecks.Vector(beta, nameof(beta), features, x, Kernel);
        if (!(epsilon > 0))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"{Kernel}: epsilon must be positive (Keras' default {DefaultEpsilon}); got {epsilon}.");
        using var scope = NewDisposeScope();
        var centered = x - x.mean([-1L], keepdim: true);
        var inverseStd = (centered.square().mean([-1L], keepdim: true) + epsilon).rsqrt();
        var normalized = centered * inverseStd;
        var output = normalized * gamma + beta;
        return new LayerNormalizationTrace(output.MoveToOuterDisposeScope(), normalized.MoveToOuterDisposeScope(), inverseStd.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Vector-Jacobian product, C = features, sums Σ_c over the last axis: with g = dy ⊙ γ,
    /// dx = InverseStd/C ⊙ (C·g − Σ_c g − x̂ ⊙ Σ_c g ⊙ x̂); dγ = Σ dy ⊙ x̂ and dβ = Σ dy over every axis but the last.
    /// </summary>
    public static LayerNormalizationGradients Backward(Tensor dy, LayerNormalizationTrace trace, Tensor gamma)
    {
        ArgumentNullException.ThrowIfNull(trace);
        long features = ArgumentChecks.NormalizationUpstream(dy, trace.Normalized, gamma, Kernel);
        using var scope = NewDisposeScope();
        var g = dy * gamma;
        var dx = (g * features - g.sum(-1, keepdim: true) - trace.Normalized * (g * trace.Normalized).sum(-1, keepdim: true))
            * (trace.InverseStd / features);
        var dyRows = dy.reshape(-1, features);
        var dGamma = (dyRows * trace.Normalized.reshape(-1, features)).sum(0L);
        var dBeta = dyRows.sum(0L);
        return new LayerNormalizationGradients(dx.MoveToOuterDisposeScope(), dGamma.MoveToOuterDisposeScope(), dBeta.MoveToOuterDisposeScope());
    }
}
