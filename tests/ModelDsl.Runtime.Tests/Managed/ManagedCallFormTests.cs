using System.Numerics;
using ModelDsl.Kernels;
using ModelDsl.Managed;
using ModelDsl.Optimizers;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Managed;

/// <summary>
/// The loss, metric and optimizer calls exactly as the managed emitter writes them (ManagedEmitter: Span&lt;T&gt;
/// values, a double literal for the Huber delta, explicit type arguments, one gradient buffer): they must compile in a
/// method generic over T and give the torch backend's numbers.
/// </summary>
public class ManagedCallFormTests
{
    public ManagedCallFormTests() => TorchRuntime.Initialize();

    [Fact]
    public void Emitted_step_in_float64() => Step<double>();

    [Fact]
    public void Emitted_step_in_float32() => Step<float>();

    private static void Step<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var scope = NewDisposeScope();
        var g = SpanTest.Rng(99);
        const int n = 4;
        var kernel = SpanTest.Randn<T>(g, 3, 2);
        var bias = SpanTest.Randn<T>(g, 2);
        IReadOnlyList<Tensor> trainable = [kernel, bias];
        var reference = trainable.Select(t => t.clone()).ToArray();
        using var optimizer = new Adam(0.01);
        using var torchOptimizer = new Adam(0.01);

        var prediction = SpanTest.Randn<T>(g, n, 2);
        var y = SpanTest.Randn<T>(g, n, 2);
        Span<T> outputValue = SpanTest.Values<T>(prediction);
        ReadOnlySpan<T> target = SpanTest.Values<T>(y);
        Span<T> dOutput = new T[n * 2];
        Span<T> gradients = SpanTest.Values<T>(SpanTest.Randn<T>(g, 8));

        double loss = ModelDsl.Managed.LossSpans.Forward<T>(global::ModelDsl.Kernels.Loss.Huber, outputValue, target, n, 2, 1.0, false);
        var totals = new Dictionary<string, MetricTotals>(1);
        totals[MetricKernel.KerasName(Metric.MeanAbsoluteError)] = ModelDsl.Managed.MetricSpans.Accumulate<T>(Metric.MeanAbsoluteError, outputValue, target, n, 2);
        ModelDsl.Managed.LossSpans.Backward<T>(global::ModelDsl.Kernels.Loss.Huber, outputValue, target, n, 2, 1.0, false, dOutput);
        if (double.IsFinite(loss)) optimizer.Step<T>(trainable, gradients);

        double tolerance = SpanTest.Tolerance<T>(SpanTest.Reordered);
        Assert.Equal(LossKernel.Forward(Loss.Huber, prediction, y).ToDouble(), loss, tolerance);
        Assert.Equal(MetricKernel.Accumulate(Metric.MeanAbsoluteError, prediction, y).Total, totals["mae"].Total, tolerance);
        SpanTest.Close<T>(LossKernel.Backward(Loss.Huber, prediction, y), dOutput, tolerance, "dOutput");
        T[] all = gradients.ToArray();
        torchOptimizer.Step(reference, [SpanTest.ToTensor(all[..6], 3, 2), SpanTest.ToTensor(all[6..], 2)]);
        SpanTest.Close<T>(reference[0], SpanTest.Values<T>(kernel), SpanTest.Tolerance<T>(1e-13), "kernel");
        SpanTest.Close<T>(reference[1], SpanTest.Values<T>(bias), SpanTest.Tolerance<T>(1e-13), "bias");
        Assert.Equal(1, optimizer.Iterations);

        ReadOnlySpan<long> labels = [1, 0, 1, 1];
        double sparse = ModelDsl.Managed.LossSpans.SparseForward<T>(outputValue, labels, n, 2, true);
        var accuracy = ModelDsl.Managed.MetricSpans.AccumulateSparse<T>(Metric.SparseCategoricalAccuracy, outputValue, labels, n, 2);
        ModelDsl.Managed.LossSpans.SparseBackward<T>(outputValue, labels, n, 2, true, dOutput);
        var labelTensor = tensor(labels.ToArray());
        Assert.Equal(LossKernel.Forward(Loss.SparseCategoricalCrossentropy, prediction, labelTensor, fromLogits: true).ToDouble(), sparse, tolerance);
        Assert.Equal(MetricKernel.Accumulate(Metric.SparseCategoricalAccuracy, prediction, labelTensor), accuracy);
    }
}
