using System.Numerics;
using ModelDsl.Kernels;
using ModelDsl.Managed;
using static ModelDsl.Runtime.Tests.Managed.SpanTest;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Managed;

public class NormalizationLayerSpansTests
{
    // (batch, middle, features): middle 1 is a (batch, features) input; 200 features take the scratch past the stack.
    public static TheoryData<bool, int, int, int> Shapes => new()
    {
        { false, 7, 1, 5 }, { true, 7, 1, 5 }, { false, 101, 5, 16 }, { true, 101, 5, 16 }, { false, 1, 1, 3 },
        { true, 1, 1, 3 }, { false, 4, 3, 200 }, { true, 4, 3, 200 }, { false, 9, 2, 1 },
    };

    [Theory, MemberData(nameof(Shapes))]
    public void BatchNormalization_equals_BatchNormalizationKernel(bool float32, int n, int middle, int features)
    {
        if (float32) BatchNormalization<float>(n, middle, features); else BatchNormalization<double>(n, middle, features);
    }

    [Theory, MemberData(nameof(Shapes))]
    public void LayerNormalization_equals_LayerNormalizationKernel(bool float32, int n, int middle, int features)
    {
        if (float32) LayerNormalization<float>(n, middle, features); else LayerNormalization<double>(n, middle, features);
    }

    private static void BatchNormalization<T>(int n, int middle, int features) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Rng((ulong)(n * 1000 + middle * 10 + features));
        var x = Randn<T>(g, n, middle, features) * 2 + 0.5;
        var gamma = Randn<T>(g, features);
        var beta = Randn<T>(g, features);
        var movingMean = Randn<T>(g, features);
        var movingVariance = Randn<T>(g, features).abs() + 0.5;
        var dy = Randn<T>(g, n, middle, features);
        double tolerance = Tolerance<T>(Reordered);
        int rows = n * middle;

        // Training: the output, x̂ in the trace, and the moving statistics updated in place as the torch kernel does.
        T[] mean = Values<T>(movingMean), variance = Values<T>(movingVariance);
        var y = new T[rows * features];
        var trace = new T[BatchNormalizationSpans.TraceLength(n * middle, features)];
        BatchNormalizationSpans.ForwardTraining<T>(Values<T>(x), Values<T>(gamma), Values<T>(beta), mean, variance, y, trace, n * middle, features,
            T.CreateTruncating(0.9), T.CreateTruncating(0.001));
        var expected = BatchNormalizationKernel.ForwardTraining(x, gamma, beta, movingMean, movingVariance, 0.9, 0.001);
        Close<T>(expected.Output, y, tolerance, "y");
        Close<T>(expected.Normalized, trace.AsSpan(0, rows * features), tolerance, "x̂ in the trace");
        Close<T>(movingMean, mean, tolerance, "movingMean");
        Close<T>(movingVariance, variance, tolerance, "movingVariance");

        // Inference with the updated moving statistics.
        BatchNormalizationSpans.ForwardInference<T>(Values<T>(x), Values<T>(gamma), Values<T>(beta), mean, variance, y, rows, features, T.CreateTruncating(0.001));
        Close<T>(BatchNormalizationKernel.ForwardInference(x, gamma, beta, movingMean, movingVariance, 0.001), y, tolerance, "inference y");

        var gradients = BatchNormalizationKernel.Backward(dy, expected, gamma);
        Backward<T>(BatchNormalizationSpans.Backward<T>, g, dy, trace, gamma, gradients.Input, gradients.Gamma, gradients.Beta, tolerance);
    }

    private static void LayerNormalization<T>(int n, int middle, int features) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Rng((ulong)(n * 1000 + middle * 10 + features + 7));
        var x = Randn<T>(g, n, middle, features) * 2 + 0.5;
        var gamma = Randn<T>(g, features);
        var beta = Randn<T>(g, features);
        var dy = Randn<T>(g, n, middle, features);
        double tolerance = Tolerance<T>(Reordered);
        int rows = n * middle;

        var y = new T[rows * features];
        var trace = new T[LayerNormalizationSpans.TraceLength(n * middle, features)];
        LayerNormalizationSpans.Forward<T>(Values<T>(x), Values<T>(gamma), Values<T>(beta), y, trace, n * middle, features, T.CreateTruncating(0.001));
        var expected = LayerNormalizationKernel.Forward(x, gamma, beta, 0.001);
        Close<T>(expected.Output, y, tolerance, "y");
        Close<T>(expected.Normalized, trace.AsSpan(0, rows * features), tolerance, "x̂ in the trace");
        Close<T>(expected.InverseStd, trace.AsSpan(rows * features), tolerance, "1/σ in the trace");

        var gradients = LayerNormalizationKernel.Backward(dy, expected, gamma);
        Backward<T>(LayerNormalizationSpans.Backward<T>, g, dy, trace, gamma, gradients.Input, gradients.Gamma, gradients.Beta, tolerance);
    }

    private delegate void BackwardKernel<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> trace, ReadOnlySpan<T> gamma, Span<T> dx, Span<T> dGamma, Span<T> dBeta, int rows, int features);

    /// <summary>The backward adds into prefilled gradients, and each gradient alone (the others "not needed") is right.</summary>
    private static void Backward<T>(BackwardKernel<T> backward, Generator g, Tensor dy, T[] trace, Tensor gamma, Tensor dxExpected, Tensor dGammaExpected, Tensor dBetaExpected, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int features = (int)dy.size(-1), rows = (int)(dy.numel() / features);
        T[] dyValues = Values<T>(dy), gammaValues = Values<T>(gamma);
        var (dx, dxPrefill) = Prefilled<T>(g, dy.shape);
        var (dGamma, dGammaPrefill) = Prefilled<T>(g, features);
        var (dBeta, dBetaPrefill) = Prefilled<T>(g, features);
        backward(dyValues, trace, gammaValues, dx, dGamma, dBeta, rows, features);
        Close<T>(dxPrefill + dxExpected, dx, tolerance, "dx");
        Close<T>(dGammaPrefill + dGammaExpected, dGamma, tolerance, "dGamma");
        Close<T>(dBetaPrefill + dBetaExpected, dBeta, tolerance, "dBeta");

        var alone = new T[rows * features];
        backward(dyValues, trace, gammaValues, alone, default, default, rows, features);
        Close<T>(dxExpected, alone, tolerance, "dx alone");
        alone = new T[features];
        backward(dyValues, trace, gammaValues, default, alone, default, rows, features);
        Close<T>(dGammaExpected, alone, tolerance, "dGamma alone");
        alone = new T[features];
        backward(dyValues, trace, gammaValues, default, default, alone, rows, features);
        Close<T>(dBetaExpected, alone, tolerance, "dBeta alone");
    }

    [Fact]
    public void LayerNormalization_of_an_empty_batch_does_nothing()
    {
        var dGamma = new double[3];
        LayerNormalizationSpans.Forward<double>([], new double[3], new double[3], [], [], 0, 3, 1e-3);
        LayerNormalizationSpans.Backward<double>([], [], new double[3], [], dGamma, default, 0, 3);
        Assert.All(dGamma, v => Assert.Equal(0, v));
    }

    [Fact]
    public void Sizes_and_lengths_are_checked_with_messages_naming_them()
    {
        var e = Assert.Throws<ArgumentException>(() => BatchNormalizationSpans.ForwardTraining<double>(new double[6], new double[3], new double[3],
            new double[3], new double[3], new double[6], new double[8], 2, 3, 0.99, 1e-3));
        Assert.Contains("BatchNormalizationSpans: trace has 8 elements but its shape BatchNormalizationSpans.TraceLength(rows, features) needs 9", e.Message);
        e = Assert.Throws<ArgumentException>(() => BatchNormalizationSpans.ForwardInference<double>(new double[6], new double[2], new double[3],
            new double[3], new double[3], new double[6], 2, 3, 1e-3));
        Assert.Contains("gamma has 2 elements but its shape (features) needs 3", e.Message);
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => BatchNormalizationSpans.ForwardTraining<double>(new double[6], new double[3],
            new double[3], new double[3], new double[3], new double[6], new double[9], 2, 3, 1.5, 1e-3));
        Assert.Contains("momentum must be in [0, 1]", range.Message);
        range = Assert.Throws<ArgumentOutOfRangeException>(() => BatchNormalizationSpans.ForwardInference<float>([], new float[3], new float[3],
            new float[3], new float[3], [], 0, 3, 1e-3f));
        Assert.Contains("batch statistics need at least one sample", range.Message);
        range = Assert.Throws<ArgumentOutOfRangeException>(() => LayerNormalizationSpans.Forward<float>(new float[6], new float[3], new float[3],
            new float[6], new float[8], 2, 3, 0f));
        Assert.Contains("LayerNormalizationSpans: epsilon must be positive", range.Message);
        e = Assert.Throws<ArgumentException>(() => LayerNormalizationSpans.Backward<float>(new float[6], new float[8], new float[3],
            new float[5], default, default, 2, 3));
        Assert.Contains("dx has 5 elements but its shape (rows, features) needs 6", e.Message);
    }
}
