using ModelDsl.Kernels;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Kernels;

public class MetricKernelTests
{
    [Theory]
    [InlineData(Metric.MeanAbsoluteError, (0.5 + 0 + 3) / 3)]
    [InlineData(Metric.MeanSquaredError, (0.25 + 0 + 9) / 3)]
    [InlineData(Metric.RootMeanSquaredError, 1.7559422921421233)]   // sqrt(9.25 / 3)
    public void Compute_by_hand_with_batch_targets_against_batch_by_one_predictions(Metric metric, double expected)
    {
        var pred = tensor(new[] { 1.0, 2.0, 4.0 }).reshape(3, 1);
        var yTrue = tensor(new[] { 1.5, 2.0, 1.0 });
        Assert.Equal(expected, MetricKernel.Compute(metric, pred, yTrue), 14);
        Assert.Equal(expected, MetricKernel.Compute(metric, pred.to_type(ScalarType.Float32), yTrue), 6);
    }

    [Theory]
    [InlineData(Metric.MeanAbsoluteError, "mae")]
    [InlineData(Metric.MeanSquaredError, "mse")]
    [InlineData(Metric.RootMeanSquaredError, "root_mean_squared_error")]
    [InlineData(Metric.Accuracy, "accuracy")]
    [InlineData(Metric.BinaryAccuracy, "binary_accuracy")]
    [InlineData(Metric.CategoricalAccuracy, "categorical_accuracy")]
    [InlineData(Metric.SparseCategoricalAccuracy, "sparse_categorical_accuracy")]
    [InlineData(Metric.Precision, "precision")]
    [InlineData(Metric.Recall, "recall")]
    public void Keras_names(Metric metric, string name) => Assert.Equal(name, MetricKernel.KerasName(metric));

    [Fact]
    public void Mean_metrics_total_the_per_sample_means_over_the_non_batch_axes()
    {
        // |errors| rows (0, 1) and (2, 4): per-sample means 0.5 and 3.
        var pred = tensor(new[,] { { 1.0, 2.0 }, { 3.0, 5.0 } });
        var yTrue = ones(2, 2, dtype: ScalarType.Float64);
        Assert.Equal(new MetricTotals(3.5, 2), MetricKernel.Accumulate(Metric.MeanAbsoluteError, pred, yTrue));
        Assert.Equal(new MetricTotals(0.5 + 10, 2), MetricKernel.Accumulate(Metric.MeanSquaredError, pred, yTrue));
        var rmse = MetricKernel.Accumulate(Metric.RootMeanSquaredError, pred, yTrue);
        Assert.Equal(new MetricTotals(10.5, 2, RootOfMean: true), rmse);
        Assert.Equal(Math.Sqrt(10.5 / 2), MetricKernel.Compute(Metric.RootMeanSquaredError, pred, yTrue), 14);
    }

    [Fact]
    public void Binary_accuracy_thresholds_strictly_above_one_half()
    {
        // Predicted classes (0, 0, 1, 1, 1) against (0, 1, 1, 0, 1): rows 0, 2, 4 right. 0.5 itself is class 0.
        var pred = tensor(new[] { 0.2, 0.5, 0.51, 0.9, 0.7 }).reshape(5, 1);
        var yTrue = tensor(new[] { 0.0, 1, 1, 0, 1 });
        Assert.Equal(new MetricTotals(3, 5), MetricKernel.Accumulate(Metric.BinaryAccuracy, pred, yTrue));
        Assert.Equal(new MetricTotals(3, 5), MetricKernel.Accumulate(Metric.Accuracy, pred, yTrue.reshape(5, 1).to_type(ScalarType.Int64)));
    }

    [Fact]
    public void Categorical_accuracy_compares_argmaxes_and_ties_take_the_first_index()
    {
        var pred = tensor(new[,] { { 0.3, 0.3, 0.4 }, { 0.5, 0.5, 0.0 }, { 0.1, 0.8, 0.1 }, { 0.5, 0.5, 0.0 } });
        var yTrue = tensor(new[,] { { 0.0, 0, 1 }, { 0, 1, 0 }, { 0, 1, 0 }, { 1, 0, 0 } });
        // argmax(pred) = (2, 0, 1, 0): the tie rows pick class 0, so row 1 (label 1) is wrong and row 3 (label 0) right.
        Assert.Equal(new MetricTotals(3, 4), MetricKernel.Accumulate(Metric.CategoricalAccuracy, pred, yTrue));
        Assert.Equal(new MetricTotals(3, 4), MetricKernel.Accumulate(Metric.Accuracy, pred, yTrue));
        var labels = tensor(new long[] { 2, 1, 1, 0 });
        Assert.Equal(new MetricTotals(3, 4), MetricKernel.Accumulate(Metric.SparseCategoricalAccuracy, pred, labels));
        Assert.Equal(new MetricTotals(3, 4), MetricKernel.Accumulate(Metric.SparseCategoricalAccuracy, pred, labels.reshape(4, 1)));
        Assert.Equal(new MetricTotals(3, 4), MetricKernel.Accumulate(Metric.SparseCategoricalAccuracy, pred, labels.to_type(ScalarType.Float32)));
        Assert.Equal(new MetricTotals(3, 4), MetricKernel.Accumulate(Metric.Accuracy, pred, labels));
        Assert.Equal(new MetricTotals(3, 4), MetricKernel.Accumulate(Metric.Accuracy, pred, labels.reshape(4, 1)));
    }

    [Fact]
    public void Per_step_accuracy_averages_each_sample_over_its_steps()
    {
        // Sample 0: 1 of 2 steps right; sample 1: 2 of 2. Total 0.5 + 1 over 2 samples.
        var pred = tensor(new[,,] { { { 0.9, 0.1 }, { 0.2, 0.8 } }, { { 0.6, 0.4 }, { 0.3, 0.7 } } });
        var labels = tensor(new long[,] { { 0, 0 }, { 0, 1 } });
        Assert.Equal(new MetricTotals(1.5, 2), MetricKernel.Accumulate(Metric.SparseCategoricalAccuracy, pred, labels));
    }

    [Theory]
    [InlineData(new long[] { 4, 1 }, new long[] { 4 }, Metric.BinaryAccuracy)]
    [InlineData(new long[] { 4, 1 }, new long[] { 4, 1 }, Metric.BinaryAccuracy)]
    [InlineData(new long[] { 4, 3 }, new long[] { 4 }, Metric.SparseCategoricalAccuracy)]
    [InlineData(new long[] { 4, 3 }, new long[] { 4, 1 }, Metric.SparseCategoricalAccuracy)]
    [InlineData(new long[] { 4, 3 }, new long[] { 4, 3 }, Metric.CategoricalAccuracy)]
    [InlineData(new long[] { 4, 5, 3 }, new long[] { 4, 5 }, Metric.SparseCategoricalAccuracy)]
    public void Accuracy_resolves_from_the_shapes_as_keras_compile_does(long[] predShape, long[] trueShape, Metric expected) =>
        Assert.Equal(expected, MetricKernel.ResolveAccuracy(zeros(predShape), zeros(trueShape)));

    [Fact]
    public void Precision_and_recall_count_every_element()
    {
        // Predicted positive (> 0.5): (1, 0, 1 | 1, 1, 0); actual positive (!= 0, so 2 counts): (1, 1, 0 | 2, 0, 0).
        // TP = 2 (elements 0 and 3), FP = 2 (2 and 4), FN = 1 (element 1).
        var pred = tensor(new[,] { { 0.9, 0.5, 0.6 }, { 0.7, 0.8, 0.1 } });
        var yTrue = tensor(new[,] { { 1.0, 1, 0 }, { 2, 0, 0 } });
        Assert.Equal(new MetricTotals(2, 4), MetricKernel.Accumulate(Metric.Precision, pred, yTrue));
        Assert.Equal(new MetricTotals(2, 3), MetricKernel.Accumulate(Metric.Recall, pred, yTrue));
        // Nothing predicted positive: precision is 0, not NaN.
        Assert.Equal(0.0, MetricKernel.Compute(Metric.Precision, zeros(2, 1), ones(2)));
    }

    [Fact]
    public void Precision_over_two_batches_pools_the_counts_not_the_ratios()
    {
        // Batch 1: TP 1, FP 0 (precision 1). Batch 2: TP 1, FP 3 (precision 0.25).
        var first = MetricKernel.Accumulate(Metric.Precision, tensor(new[] { 0.9, 0.1 }).reshape(2, 1), tensor(new[] { 1.0, 0 }));
        var second = MetricKernel.Accumulate(Metric.Precision, tensor(new[] { 0.9, 0.8, 0.7, 0.6 }).reshape(4, 1), tensor(new[] { 1.0, 0, 0, 0 }));
        Assert.Equal(1.0, first.Result);
        Assert.Equal(0.25, second.Result);
        // Keras: ΣTP / (ΣTP + ΣFP) = 2 / 5, where the mean of the batch ratios would be 0.625.
        Assert.Equal(0.4, (first + second).Result);
        Assert.NotEqual((first.Result + second.Result) / 2, (first + second).Result);
        var recall = MetricKernel.Accumulate(Metric.Recall, tensor(new[] { 0.9, 0.1 }).reshape(2, 1), tensor(new[] { 1.0, 1 }))
            + MetricKernel.Accumulate(Metric.Recall, tensor(new[] { 0.9, 0.8, 0.7 }).reshape(3, 1), tensor(new[] { 1.0, 1, 1 }));
        Assert.Equal(4.0 / 5, recall.Result);
    }

    [Fact]
    public void Categorical_metrics_name_mismatched_shapes()
    {
        var categorical = Assert.Throws<ArgumentException>(() => MetricKernel.Compute(Metric.CategoricalAccuracy, zeros(3, 4), zeros(3, 2)));
        Assert.Contains("(3, 2)", categorical.Message);
        Assert.Contains("(3, 4)", categorical.Message);
        var sparse = Assert.Throws<ArgumentException>(() => MetricKernel.Compute(Metric.SparseCategoricalAccuracy, zeros(3, 4), zeros(2)));
        Assert.Contains("(2)", sparse.Message);
        Assert.Contains("(3, 4)", sparse.Message);
    }

    [Fact]
    public void A_shape_mismatch_names_both_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => MetricKernel.Compute(Metric.MeanAbsoluteError, zeros(3, 2), zeros(5)));
        Assert.Contains("(5)", e.Message);
        Assert.Contains("(3, 2)", e.Message);
    }
}
