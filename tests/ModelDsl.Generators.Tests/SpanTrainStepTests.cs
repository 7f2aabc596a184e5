using ModelDsl.Examples;
using ModelDsl.Training;
using TorchSharp;
using static TorchSharp.torch;
using static ModelDsl.Generators.Tests.Infrastructure.Reference;

namespace ModelDsl.Generators.Tests;

/// <summary>
/// The generated TrainStep over spans is the managed step without tensors: from the same weights and batches it gives
/// the tensor TrainStep's losses, metrics and weights exactly (the same code runs), and refuses what the tensor guards
/// refuse, with the fix in the message.
/// </summary>
public class SpanTrainStepTests
{
    private static float[] Floats(Tensor t) => t.to_type(ScalarType.Float32).contiguous().data<float>().ToArray();

    private static double[] Doubles(Tensor t) => t.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();

    private static void SameWeights(ICheckpointable a, ICheckpointable b)
    {
        var left = a.NamedTensors.ToList();
        var right = b.NamedTensors.ToList();
        Assert.Equal(left.Select(p => p.Name), right.Select(p => p.Name));
        for (int i = 0; i < left.Count; i++)
            Assert.True(left[i].Tensor.equal(right[i].Tensor).all().item<bool>(), $"{left[i].Name} differs");
    }

    [Fact]
    public void Regression_steps_on_spans_equal_steps_on_tensors_in_float64()
    {
        var viaSpans = new GradesRegression(7, ScalarType.Float64);
        var viaTensors = new GradesRegression(7, ScalarType.Float64) { Backend = Backend.Managed };
        // An independent truth beside the same core entered by tensors: the TorchSharp backend (held to autograd by the
        // gradient tests), within float64 rounding.
        var viaTorch = new GradesRegression(7, ScalarType.Float64) { Backend = Backend.Torch };
        for (ulong step = 0; step < 20; step++)
        {
            var x = Random(step, 8, 3);
            var y = Random(step + 100, 8, 1);
            double loss = viaSpans.TrainStep(Doubles(x), Doubles(y));
            Assert.Equal(viaTensors.TrainStep(x, y).Loss, loss);
            double torchLoss = viaTorch.TrainStep(x, y).Loss;
            Assert.True(Math.Abs(loss - torchLoss) <= 1e-10 * Math.Abs(torchLoss), $"step {step}: spans {loss:R}, TorchSharp {torchLoss:R}");
        }
        SameWeights(viaSpans, viaTensors);
        foreach (var (spans, torch) in viaSpans.NamedTensors.Zip(viaTorch.NamedTensors))
            Assert.True(spans.Tensor.allclose(torch.Tensor, rtol: 1e-10, atol: 1e-12), $"{spans.Name} differs from the TorchSharp backend's");
    }

    [Fact]
    public void Classifier_steps_on_spans_give_the_loss_and_metrics_of_the_tensor_step_in_float32()
    {
        var viaSpans = new DigitsMlp(3);
        var viaTensors = new DigitsMlp(3) { Backend = Backend.Managed };
        var metrics = new double[viaSpans.MetricNames.Count];
        for (ulong step = 0; step < 10; step++)
        {
            var x = Random(step, 16, 64).to_type(ScalarType.Float32);
            var labels = randint(10, [16], ScalarType.Int64, generator: new Generator(step + 50));
            double loss = viaSpans.TrainStep(Floats(x), labels.data<long>().ToArray(), metrics);
            var expected = viaTensors.TrainStep(x, labels);
            Assert.Equal(expected.Loss, loss);
            Assert.Equal(viaSpans.MetricNames.Select(name => expected.Metrics[name]), metrics);
        }
        SameWeights(viaSpans, viaTensors);
    }

    [Fact]
    public void A_model_of_indices_and_class_labels_has_one_span_step_that_follows_its_dtype()
    {
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
        {
            var viaSpans = new EmbeddingClassifier(4, dtype);
            var viaTensors = new EmbeddingClassifier(4, dtype) { Backend = Backend.Managed };
            var metrics = new double[1];
            for (ulong step = 0; step < 5; step++)
            {
                var x = randint(10, [6, 5], ScalarType.Int64, generator: new Generator(step));
                var labels = randint(3, [6], ScalarType.Int64, generator: new Generator(step + 20));
                double loss = viaSpans.TrainStep(x.data<long>().ToArray(), labels.data<long>().ToArray(), metrics);
                var expected = viaTensors.TrainStep(x, labels);
                Assert.Equal(expected.Loss, loss);
                Assert.Equal(expected.Metrics["accuracy"], metrics[0]);
            }
            SameWeights(viaSpans, viaTensors);
        }
    }

    [Fact]
    public void A_span_step_allocates_nothing_once_its_workspace_exists()
    {
        var regression = new GradesRegression(2);
        var mlp = new StockSeluMlp(2);
        float[] x = [.. Enumerable.Range(0, 24).Select(i => i / 24f)], y = [.. Enumerable.Range(0, 8).Select(i => i / 8f)];
        float[] windows = [.. Enumerable.Range(0, 4 * 125).Select(i => MathF.Sin(i))], targets = [0.1f, 0.2f, 0.3f, 0.4f];
        var metrics = new double[mlp.MetricNames.Count];
        // The first steps size the workspace, create the optimizer's slots and check each tensor once (and the JIT has
        // compiled what it compiles).
        for (int i = 0; i < 20; i++)
        {
            regression.TrainStep(x, y);
            mlp.TrainStep(windows, targets, metrics);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) regression.TrainStep(x, y);
        long afterRegression = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) mlp.TrainStep(windows, targets, metrics);
        Assert.Equal((0L, 0L), (afterRegression - before, GC.GetAllocatedBytesForCurrentThread() - afterRegression));
    }

    [Fact]
    public void Spans_of_the_wrong_type_or_length_are_refused_with_the_fix_and_nothing_changes()
    {
        var model = new GradesRegression(1, ScalarType.Float64);
        var before = model.NamedTensors.Select(p => p.Tensor.clone()).ToList();

        var e = Assert.Throws<ArgumentException>(() => model.TrainStep(new float[6], new float[2]));
        Assert.Contains("computes in Float64", e.Message);
        Assert.Contains("pass double spans", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.TrainStep(new double[7], new double[2]));
        Assert.Contains("not a whole number of samples of 3 values", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.TrainStep(new double[6], new double[3]));
        Assert.Contains("y must hold 2 values", e.Message);
        var classifier = new DigitsMlp(1);
        var classifierBefore = classifier.NamedTensors.Select(p => p.Tensor.clone()).ToList();
        e = Assert.Throws<ArgumentException>(() => classifier.TrainStep(new float[64], [3L], new double[5]));
        Assert.Contains("pass an empty span or one of 1 elements", e.Message);
        // A label out of range is found after the forward pass, in the loss: the weights are still untouched.
        e = Assert.Throws<ArgumentException>(() => classifier.TrainStep(new float[64], [10L]));
        Assert.Contains("label 10", e.Message);
        Assert.Contains("[0, 10)", e.Message);
        var classifierAfter = classifier.NamedTensors.Select(p => p.Tensor).ToList();
        for (int i = 0; i < classifierBefore.Count; i++) Assert.True(classifierBefore[i].equal(classifierAfter[i]).all().item<bool>());

        var after = model.NamedTensors.Select(p => p.Tensor).ToList();
        for (int i = 0; i < before.Count; i++) Assert.True(before[i].equal(after[i]).all().item<bool>());
    }

    [Fact]
    public void A_checkpoint_loaded_between_span_steps_is_what_the_next_step_trains()
    {
        string path = Path.Combine(Path.GetTempPath(), $"span-step-{Guid.NewGuid():N}.safetensors");
        try
        {
            double[] x = [1, 2, 3, 4, 5, 6], y = [1, 2];
            var saved = new GradesRegression(5, ScalarType.Float64);
            for (int i = 0; i < 3; i++) saved.TrainStep(x, y);
            saved.Save(path);
            var loaded = new GradesRegression(9, ScalarType.Float64);
            loaded.TrainStep(x, y);            // its weights' memory is now known to the workspace
            loaded.Load(path);
            Assert.Equal(saved.TrainStep(x, y), loaded.TrainStep(x, y));
            SameWeights(saved, loaded);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

/// <summary>Indices in, class labels out: both spans of its span step hold integers.</summary>
[Model(5, Loss = ModelDsl.Kernels.Loss.SparseCategoricalCrossentropy, Metrics = [ModelDsl.Kernels.Metric.Accuracy])]
[Adam(0.01)]
public partial class EmbeddingClassifier
{
    [Embedding(10, 4)] private partial Tensor Embed(Tensor x);
    [Dense(3, ModelDsl.Kernels.Activation.Softmax)] private partial Tensor Output(Tensor x);

    [Forward] private Tensor Call(Tensor x) => Output(ModelDsl.Ops.Flatten(Embed(x)));
}
