using static TorchSharp.torch;

namespace ModelDsl.Labs.Regression;

/// <summary>The weights and bias of a linear model y = x·w + b.</summary>
public sealed record LinearFit(IReadOnlyList<double> Weights, double Bias);

/// <summary>
/// The textbook's synthetic grades: three grades uniform in [0, 5), final grade y = 0.3 x1 + 0.3 x2 + 0.4 x3 + N(0, 0.2²),
/// no bias; float32, x (n, 3) and y (n, 1).
/// </summary>
public sealed record GradesData(Tensor X, Tensor Y) : IDisposable
{
    public static readonly double[] TrueWeights = [0.3, 0.3, 0.4];
    public const double NoiseStddev = 0.2;

    public long Count => X.shape[0];

    public static GradesData Generate(int samples, int seed)
    {
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples), samples, "need at least one sample");
        TorchRuntime.Initialize();
        using var generator = new Generator((ulong)seed);
        using var scope = NewDisposeScope();
        var x = rand([samples, 3], ScalarType.Float32, generator: generator).mul_(5.0);
        using var w = tensor(TrueWeights.Select(v => (float)v).ToArray(), ScalarType.Float32).reshape(3, 1);
        var y = x.matmul(w).add_(randn([samples, 1], ScalarType.Float32, generator: generator).mul_(NoiseStddev));
        return new GradesData(x.MoveToOuterDisposeScope(), y.MoveToOuterDisposeScope());
    }

    public void Dispose()
    {
        X.Dispose();
        Y.Dispose();
    }
}
