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
        CheckRate(rate);
        ArgumentChecks.Floating(x, nameof(x), Kernel);
        using var scope = NewDisposeScope();
        var mask = empty_like(x);
        FillMask(mask, rate, generator);
        return new DropoutTrace((x * mask).MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Fills <paramref name="into"/> (any floating tensor, in place) with keep/(1 − rate), keep ~ Bernoulli(1 − rate),
    /// drawn from <paramref name="generator"/> exactly as <see cref="Forward"/> draws its mask: the same generator state
    /// and the same dtype and number of elements give the same mask and leave the generator in the same state. rate = 0
    /// (all ones) and rate = 1 (all zeros) do not draw. The managed backend fills its masks through this.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">rate is outside [0, 1] (or NaN).</exception>
    /// <exception cref="ArgumentException"><paramref name="into"/> is not floating.</exception>
    public static void DrawMask(Tensor into, double rate, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(into);
        ArgumentNullException.ThrowIfNull(generator);
        CheckRate(rate);
        ArgumentChecks.Floating(into, nameof(into), Kernel);
        using var scope = NewDisposeScope();
        FillMask(into, rate, generator);
    }

    /// <summary>Throws unless rate is in [0, 1].</summary>
    internal static void CheckRate(double rate)
    {
        if (!(rate >= 0 && rate <= 1))
            throw new ArgumentOutOfRangeException(nameof(rate), rate, $"{Kernel}: the dropout rate must be in [0, 1]; got {rate}.");
    }

    private static void FillMask(Tensor mask, double rate, Generator generator)
    {
        if (rate == 0) mask.fill_(1);
        else if (rate == 1) mask.zero_();   // not keep / 0: no 0/0 = NaN
        else mask.bernoulli_(1 - rate, generator).mul_(1 / (1 - rate));
    }

    /// <summary>dx = dy ⊙ Mask (dy of the forward output's shape).</summary>
    public static Tensor Backward(Tensor dy, DropoutTrace trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentChecks.SameShapeAndType(dy, nameof(dy), trace.Mask, "the mask", Kernel);
        return dy * trace.Mask;
    }
}
