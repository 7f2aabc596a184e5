using static TorchSharp.torch;

namespace ModelDsl.Kernels;

/// <summary>The result of <see cref="DropoutKernel.Forward"/>: the output and the scaled keep mask backward needs.</summary>
/// <param name="Output">x ⊙ Mask, x's shape.</param>
/// <param name="Mask">keep / (1 − rate) in x's dtype and shape: 1/(1 − rate) where kept, 0 where dropped.</param>
public sealed record DropoutTrace(Tensor Output, Tensor Mask);

/// <summary>
/// Keras' Dropout in training (inverted dropout): y = x ⊙ keep / (1 − rate), keep ~ Bernoulli(1 − rate) per element.
/// Inference is the identity and needs no kernel.
/// </summary>
public static class DropoutKernel
{
    private const string Kernel = nameof(DropoutKernel);

    /// <summary>
    /// Draws keep ~ Bernoulli(1 − rate) (x's shape) from <paramref name="generator"/> and returns x ⊙ keep/(1 − rate)
    /// with that mask; a seeded generator gives the same mask. rate = 0 keeps everything and rate = 1 drops
    /// everything; neither draws from the generator.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">rate is outside [0, 1] (or NaN).</exception>
    public static DropoutTrace Forward(Tensor x, double rate, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (!(rate >= 0 && rate <= 1))
            throw new ArgumentOutOfRangeException(nameof(rate), rate, $"{Kernel}: the dropout rate must be in [0, 1]; got {rate}.");
        ArgumentChecks.Floating(x, nameof(x), Kernel);
        using var scope = NewDisposeScope();
        Tensor mask;
        if (rate == 0) mask = ones_like(x);
        else if (rate == 1) mask = zeros_like(x);   // not keep / 0: no 0/0 = NaN
        else mask = empty_like(x).bernoulli_(1 - rate, generator).mul_(1 / (1 - rate));
        return new DropoutTrace((x * mask).MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope());
    }

    /// <summary>dx = dy ⊙ Mask (dy of the forward output's shape).</summary>
    public static Tensor Backward(Tensor dy, DropoutTrace trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentChecks.SameShapeAndType(dy, nameof(dy), trace.Mask, "the mask", Kernel);
        return dy * trace.Mask;
    }
}
