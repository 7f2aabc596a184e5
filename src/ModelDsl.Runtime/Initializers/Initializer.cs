using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Initializers;

/// <summary>A Keras weight initializer, seeded by a torch generator.</summary>
public abstract record Initializer
{
    /// <summary>
    /// Seeded and deterministic: the same generator state gives the same tensor. Keras fan rules:
    /// 2-D (in, out): fan_in = in, fan_out = out; 1-D: fan_in = fan_out = n.
    /// </summary>
    public abstract Tensor Create(long[] shape, ScalarType dtype, torch.Generator generator);

    /// <summary>Keras' <c>compute_fans</c>: 0-D (1, 1); 1-D (n, n); 2-D (in, out); higher ranks multiply both by the receptive field (all but the last two axes).</summary>
    public static (double FanIn, double FanOut) Fans(long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return shape.Length switch
        {
            0 => (1, 1),
            1 => (shape[0], shape[0]),
            2 => (shape[0], shape[1]),
            _ => (shape[^2] * ReceptiveField(shape), shape[^1] * ReceptiveField(shape)),
        };

        static double ReceptiveField(long[] shape) => shape[..^2].Aggregate(1.0, (p, d) => p * d);
    }

    /// <summary>Uniform in [min, max), drawn in <paramref name="dtype"/>.</summary>
    private protected static Tensor Uniform(long[] shape, ScalarType dtype, torch.Generator generator, double min, double max)
    {
        using var scope = NewDisposeScope();
        return rand(shape, dtype, generator: generator).mul_(max - min).add_(min).MoveToOuterDisposeScope();
    }
}

/// <summary>All zeros.</summary>
public sealed record Zeros : Initializer
{
    /// <inheritdoc />
    public override Tensor Create(long[] shape, ScalarType dtype, torch.Generator generator) => zeros(shape, dtype);
}

/// <summary>All ones.</summary>
public sealed record Ones : Initializer
{
    /// <inheritdoc />
    public override Tensor Create(long[] shape, ScalarType dtype, torch.Generator generator) => ones(shape, dtype);
}

/// <summary>Normal with the given mean and standard deviation (Keras defaults 0 and 0.05).</summary>
public sealed record RandomNormal(double Mean = 0, double Stddev = 0.05) : Initializer
{
    /// <inheritdoc />
    public override Tensor Create(long[] shape, ScalarType dtype, torch.Generator generator)
    {
        using var scope = NewDisposeScope();
        return randn(shape, dtype, generator: generator).mul_(Stddev).add_(Mean).MoveToOuterDisposeScope();
    }
}

/// <summary>Uniform in [Min, Max) (Keras defaults ±0.05).</summary>
public sealed record RandomUniform(double Min = -0.05, double Max = 0.05) : Initializer
{
    /// <inheritdoc />
    public override Tensor Create(long[] shape, ScalarType dtype, torch.Generator generator) => Uniform(shape, dtype, generator, Min, Max);
}

/// <summary>Uniform in ±sqrt(6 / (fan_in + fan_out)).</summary>
public sealed record GlorotUniform : Initializer
{
    /// <summary>The bound for <paramref name="shape"/>.</summary>
    public static double Limit(long[] shape)
    {
        var (fanIn, fanOut) = Fans(shape);
        return Math.Sqrt(6.0 / (fanIn + fanOut));
    }

    /// <inheritdoc />
    public override Tensor Create(long[] shape, ScalarType dtype, torch.Generator generator)
    {
        double limit = Limit(shape);
        return Uniform(shape, dtype, generator, -limit, limit);
    }
}

/// <summary>Truncated normal (redrawn beyond 2 standard deviations) with stddev sqrt(1 / fan_in) / 0.87962566103423978.</summary>
public sealed record LecunNormal : Initializer
{
    /// <summary>The standard deviation of the untruncated normal for <paramref name="shape"/>.</summary>
    public static double Stddev(long[] shape) => Math.Sqrt(1.0 / Fans(shape).FanIn) / 0.87962566103423978;

    /// <inheritdoc />
    public override Tensor Create(long[] shape, ScalarType dtype, torch.Generator generator)
    {
        using var scope = NewDisposeScope();
        // Drawn and truncated in dtype, so |z| <= 2 holds exactly and |z * stddev| <= 2 * stddev after rounding.
        var z = randn(shape, dtype, generator: generator);
        for (var outside = z.abs() > 2; outside.any().ToBoolean(); outside = z.abs() > 2)
            z = where(outside, randn(shape, dtype, generator: generator), z);
        return z.mul_(Stddev(shape)).MoveToOuterDisposeScope();
    }
}

/// <summary>Keras' Orthogonal: QR of a normal matrix, columns sign-corrected by diag(R), times <see cref="Gain"/>.</summary>
public sealed record Orthogonal(double Gain = 1.0) : Initializer
{
    /// <inheritdoc />
    public override Tensor Create(long[] shape, ScalarType dtype, torch.Generator generator)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length < 2)
            throw new ArgumentException($"Orthogonal needs a shape of rank 2 or more; got [{string.Join(", ", shape)}].", nameof(shape));
        using var scope = NewDisposeScope();
        long rows = shape[..^1].Aggregate(1L, (p, d) => p * d), cols = shape[^1];
        var a = randn([Math.Max(rows, cols), Math.Min(rows, cols)], ScalarType.Float64, generator: generator);
        var (q, r) = linalg.qr(a);
        q = q * r.diagonal().sign();
        if (rows < cols) q = q.t();
        // Contiguous: a transposed Q (rows < cols) would otherwise stay a strided view, which span kernels refuse.
        return (q * Gain).reshape(shape).to_type(dtype).contiguous().MoveToOuterDisposeScope();
    }
}
