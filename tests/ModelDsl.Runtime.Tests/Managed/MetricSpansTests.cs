using System.Numerics;
using ModelDsl.Kernels;
using ModelDsl.Managed;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Managed;

/// <summary>MetricSpans against MetricKernel.Accumulate's terms (Total, Count, RootOfMean) on random data with ties
/// and values on the 0.5 threshold.</summary>
public class MetricSpansTests
{
    public MetricSpansTests() => TorchRuntime.Initialize();

    public static TheoryData<Metric, int> DenseCases => new()
    {
        { Metric.MeanAbsoluteError, 4 }, { Metric.MeanSquaredError, 4 }, { Metric.RootMeanSquaredError, 4 },
        { Metric.Accuracy, 1 }, { Metric.Accuracy, 4 }, { Metric.BinaryAccuracy, 1 }, { Metric.BinaryAccuracy, 4 },
        { Metric.CategoricalAccuracy, 4 }, { Metric.SparseCategoricalAccuracy, 1 },
        { Metric.Precision, 1 }, { Metric.Precision, 4 }, { Metric.Recall, 1 }, { Metric.Recall, 4 },
    };

    public static TheoryData<Metric, int> SparseCases => new()
    {
        { Metric.SparseCategoricalAccuracy, 5 }, { Metric.Accuracy, 5 }, { Metric.Accuracy, 1 },
        { Metric.SparseCategoricalAccuracy, 1 }, { Metric.MeanAbsoluteError, 1 }, { Metric.MeanSquaredError, 1 },
        { Metric.RootMeanSquaredError, 1 }, { Metric.BinaryAccuracy, 1 }, { Metric.Precision, 1 }, { Metric.Recall, 1 },
    };

    [Theory]
    [MemberData(nameof(DenseCases))]
    public void Dense_terms_equal_the_kernel_in_float64(Metric metric, int width) => Dense<double>(metric, width);

    [Theory]
    [MemberData(nameof(DenseCases))]
    public void Dense_terms_equal_the_kernel_in_float32(Metric metric, int width) => Dense<float>(metric, width);

    [Theory]
    [MemberData(nameof(SparseCases))]
    public void Sparse_terms_equal_the_kernel_in_float64(Metric metric, int classes) => Sparse<double>(metric, classes);

    [Theory]
    [MemberData(nameof(SparseCases))]
    public void Sparse_terms_equal_the_kernel_in_float32(Metric metric, int classes) => Sparse<float>(metric, classes);

    private const int Rows = 9;

    /// <summary>Predictions in [0, 1) rounded to tenths (ties in every row's argmax, values exactly on 0.5).</summary>
    private static Tensor Prediction<T>(Generator g, int width) =>
        (rand([Rows, width], ScalarType.Float64, generator: g) * 10).floor().div(10).to_type(SpanTest.Dtype<T>());

    private static void Dense<T>(Metric metric, int width) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var scope = NewDisposeScope();
        var g = SpanTest.Rng(21 + (ulong)metric + (ulong)width);
        var prediction = Prediction<T>(g, width);
        Tensor target = metric switch
        {
            Metric.CategoricalAccuracy or Metric.Accuracy when width > 1 =>
                nn.functional.one_hot(randint(0, width, [Rows], dtype: ScalarType.Int64, generator: g), width).to_type(prediction.dtype),
            Metric.MeanAbsoluteError or Metric.MeanSquaredError or Metric.RootMeanSquaredError => SpanTest.Randn<T>(g, Rows, width),
            _ => randint(0, 2, [Rows, width], dtype: ScalarType.Int64, generator: g).to_type(prediction.dtype),
        };
        var actual = MetricSpans.Accumulate<T>(metric, SpanTest.Values<T>(prediction), SpanTest.Values<T>(target), Rows, width);
        Same<T>(MetricKernel.Accumulate(metric, prediction, target), actual);
    }

    private static void Sparse<T>(Metric metric, int classes) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var scope = NewDisposeScope();
        var g = SpanTest.Rng(41 + (ulong)metric + (ulong)classes);
        var prediction = Prediction<T>(g, classes);
        var labels = randint(0, Math.Max(classes, 2), [Rows], dtype: ScalarType.Int64, generator: g);
        var actual = MetricSpans.AccumulateSparse<T>(metric, SpanTest.Values<T>(prediction), labels.data<long>().ToArray(), Rows, classes);
        Same<T>(MetricKernel.Accumulate(metric, prediction, labels), actual);
    }

    private static void Same<T>(MetricTotals expected, MetricTotals actual)
    {
        double tolerance = SpanTest.Tolerance<T>(SpanTest.Reordered);
        Assert.True(Math.Abs(expected.Total - actual.Total) <= tolerance * Math.Max(1, Math.Abs(expected.Total)), $"Total {actual.Total} vs {expected.Total}");
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.RootOfMean, actual.RootOfMean);
    }

    [Fact]
    public void No_rows_give_no_terms()
    {
        Assert.Equal(new MetricTotals(0, 0), MetricSpans.Accumulate<double>(Metric.MeanAbsoluteError, [], [], 0, 3));
        Assert.Equal(new MetricTotals(0, 0), MetricSpans.AccumulateSparse<float>(Metric.SparseCategoricalAccuracy, [], [], 0, 3));
    }

    [Fact]
    public void Targets_that_do_not_fit_throw_as_the_kernel_does()
    {
        using var scope = NewDisposeScope();
        var prediction = full(3, 4, 0.25, ScalarType.Float64);
        var labels = tensor(new long[] { 0, 1, 2 });
        double[] p = SpanTest.Values<double>(prediction);
        long[] l = [0, 1, 2];
        foreach (var metric in new[] { Metric.CategoricalAccuracy, Metric.MeanAbsoluteError, Metric.Precision })
        {
            string expected = Assert.Throws<ArgumentException>(() => MetricKernel.Accumulate(metric, prediction, labels)).Message;
            string actual = Assert.Throws<ArgumentException>(() => MetricSpans.AccumulateSparse<double>(metric, p, l, 3, 4)).Message;
            Assert.Equal(expected.Split(" (Parameter")[0], actual.Split(" (Parameter")[0]);
        }
        string sparse = Assert.Throws<ArgumentException>(() =>
            MetricKernel.Accumulate(Metric.SparseCategoricalAccuracy, prediction, zeros(3, 4, ScalarType.Float64))).Message;
        string mine = Assert.Throws<ArgumentException>(() =>
            MetricSpans.Accumulate<double>(Metric.SparseCategoricalAccuracy, p, new double[12], 3, 4)).Message;
        Assert.Equal(sparse.Split(" (Parameter")[0], mine.Split(" (Parameter")[0]);
        Assert.Throws<ArgumentException>(() => MetricSpans.Accumulate<double>(Metric.MeanAbsoluteError, p, new double[11], 3, 4));
        Assert.Throws<ArgumentException>(() => MetricSpans.AccumulateSparse<double>(Metric.SparseCategoricalAccuracy, p, [0L, 1L], 3, 4));
    }
}
