using ModelDsl.Data;
using ModelDsl.Examples;
using ModelDsl.Generators.Tests.Infrastructure;
using ModelDsl.Generators.Tests.Models;
using TorchSharp;
using static ModelDsl.Generators.Tests.Infrastructure.Reference;
using static TorchSharp.torch;

namespace ModelDsl.Generators.Tests;

/// <summary>
/// Generated Backward against TorchSharp autograd on the same forward, written here from plain torch ops with
/// requires_grad, in float64: every gradient within a relative error of 1e-8.
/// </summary>
public class GradientTruthTests
{
    private static Tensor Random(params long[] shape) => Reference.Random(7, shape);

    [Fact]
    public void GradesRegression_backward_equals_autograd()
    {
        var model = new GradesRegression(seed: 3, dtype: F64);
        Tensor x = Random(16, 3), dOutput = Random(16, 1) + 0.5;
        var trace = model.ForwardWithTrace(x);
        var gradients = model.Backward(trace, dOutput);

        Tensor w = Leaf(model.Weights.W), b = Leaf(model.Weights.B);
        Tensor output = x.matmul(w) + b;
        Backpropagate(output, dOutput);

        Close(output, trace.Output, "output");
        Close(w.grad!, gradients.W, "W");
        Close(b.grad!, gradients.B, "B");
    }

    [Fact]
    public void StockMlp_backward_equals_autograd()
    {
        var model = new StockMlp(seed: 5, dtype: F64);
        model.Adapt(Random(64, 25, 5) * 3 + 1);
        Tensor x = Random(8, 25, 5) * 2 + 1, dOutput = Random(8, 1);
        var trace = model.ForwardWithTrace(x);
        var gradients = model.Backward(trace, dOutput);

        var p = model.Weights;
        Tensor k1 = Leaf(p.HiddenKernel), b1 = Leaf(p.HiddenBias), k2 = Leaf(p.OutputKernel), b2 = Leaf(p.OutputBias);
        Tensor normalized = (x - p.NormMean) / p.NormVariance.sqrt().clamp_min(1e-7);
        Tensor hidden = nn.functional.relu(normalized.reshape(8, -1).matmul(k1) + b1);
        Tensor output = hidden.matmul(k2) + b2;
        Backpropagate(output, dOutput);

        Close(output, trace.Output, "output");
        Close(output, model.Forward(x), "Forward");
        Close(k1.grad!, gradients.HiddenKernel, "HiddenKernel");
        Close(b1.grad!, gradients.HiddenBias, "HiddenBias");
        Close(k2.grad!, gradients.OutputKernel, "OutputKernel");
        Close(b2.grad!, gradients.OutputBias, "OutputBias");
    }

    [Fact]
    public void StockSeluMlp_backward_equals_autograd()
    {
        var model = new StockSeluMlp(seed: 11, dtype: F64);
        AssertSeluMlpBackward(model.ForwardWithTrace, model.Backward, model.Weights.Trainable, t => t.Output, g => g.Trainable);
    }

    [Fact]
    public void The_labs_ReportSeluMlp_backward_equals_autograd()
    {
        var model = new ModelDsl.Labs.Stock.ReportSeluMlp(seed: 13, dtype: F64);
        AssertSeluMlpBackward(model.ForwardWithTrace, model.Backward, model.Weights.Trainable, t => t.Output, g => g.Trainable);
    }

    /// <summary>Flatten + 3 × Dense(16, selu) + Dense(1) written with autograd, against a generated backward.</summary>
    private static void AssertSeluMlpBackward<TTrace, TGradients>(Func<Tensor, TTrace> forwardWithTrace, Func<TTrace, Tensor, TGradients> backward,
        IReadOnlyList<Tensor> trainable, Func<TTrace, Tensor> output, Func<TGradients, IReadOnlyList<Tensor>> gradientList)
    {
        Tensor x = Random(8, 25, 5), dOutput = Random(8, 1);
        var trace = forwardWithTrace(x);
        var gradients = gradientList(backward(trace, dOutput));

        Tensor[] leaves = trainable.Select(Leaf).ToArray();
        Tensor h = x.reshape(8, -1);
        for (int i = 0; i < 3; i++) h = nn.functional.selu(h.matmul(leaves[2 * i]) + leaves[2 * i + 1]);
        Tensor reference = h.matmul(leaves[6]) + leaves[7];
        Backpropagate(reference, dOutput);

        Close(reference, output(trace), "output");
        string[] names = ["Hidden1Kernel", "Hidden1Bias", "Hidden2Kernel", "Hidden2Bias", "Hidden3Kernel", "Hidden3Bias", "OutputKernel", "OutputBias"];
        for (int i = 0; i < leaves.Length; i++) Close(leaves[i].grad!, gradients[i], names[i]);
    }

    [Fact]
    public void StockLstm_backward_equals_autograd()
    {
        var model = new StockLstm(seed: 2, dtype: F64);
        model.Adapt(Random(64, 25, 5) * 2 - 1);
        Tensor x = Random(4, 25, 5), dOutput = Random(4, 1);
        var trace = model.ForwardWithTrace(x);
        var gradients = model.Backward(trace, dOutput);

        var p = model.Weights;
        Tensor kernel = Leaf(p.MemoryKernel), recurrent = Leaf(p.MemoryRecurrentKernel), bias = Leaf(p.MemoryBias);
        Tensor dense = Leaf(p.OutputKernel), denseBias = Leaf(p.OutputBias);
        Tensor normalized = (x - p.NormMean) / p.NormVariance.sqrt().clamp_min(1e-7);
        const int u = 16;
        Tensor h = zeros(4, u, dtype: F64), c = zeros(4, u, dtype: F64);
        for (int t = 0; t < 25; t++)
        {
            Tensor z = normalized.select(1, t).matmul(kernel) + h.matmul(recurrent) + bias;
            Tensor i = z.narrow(1, 0, u).sigmoid(), f = z.narrow(1, u, u).sigmoid();
            Tensor g = z.narrow(1, 2 * u, u).tanh(), o = z.narrow(1, 3 * u, u).sigmoid();
            c = f * c + i * g;
            h = o * c.tanh();
        }
        Tensor output = h.matmul(dense) + denseBias;
        Backpropagate(output, dOutput);

        Close(output, trace.Output, "output");
        Close(kernel.grad!, gradients.MemoryKernel, "MemoryKernel");
        Close(recurrent.grad!, gradients.MemoryRecurrentKernel, "MemoryRecurrentKernel");
        Close(bias.grad!, gradients.MemoryBias, "MemoryBias");
        Close(dense.grad!, gradients.OutputKernel, "OutputKernel");
        Close(denseBias.grad!, gradients.OutputBias, "OutputBias");
    }

    [Fact]
    public void Raw_parameters_with_broadcasting_backward_equals_autograd()
    {
        var model = new BroadcastingModel(seed: 9, dtype: F64);
        model.Weights.Scale.fill_(1.3);
        Tensor x = Random(6, 2, 3), dOutput = Random(6, 2);
        var trace = model.ForwardWithTrace(x);
        var gradients = model.Backward(trace, dOutput);

        var p = model.Weights;
        Tensor w = Leaf(p.W), b = Leaf(p.B), scale = Leaf(p.Scale), v = Leaf(p.V), hk = Leaf(p.HeadKernel), hb = Leaf(p.HeadBias);
        Tensor h = (x.reshape(6, -1).matmul(w) + b).tanh();
        Tensor z = h * scale - h.square() * 0.5 + h.sigmoid() / 3;
        Tensor r = nn.functional.softplus(z) + nn.functional.selu(z) - nn.functional.elu(-z, 1.0)
                   + nn.functional.relu(z) * (-z.square()).exp() + (h.square() + 1).log();
        Tensor s = (r * b).sum(1).reshape(-1, 1) + r.mean([1]).reshape(-1, 1);
        Tensor output = ((r.matmul(v) * s - scale).matmul(hk) + hb).tanh();
        Backpropagate(output, dOutput);

        Close(output, trace.Output, "output");
        Close(w.grad!, gradients.W, "W");
        Close(b.grad!, gradients.B, "B (used twice, broadcast)");
        Close(scale.grad!, gradients.Scale, "Scale (broadcast from (1,))");
        Close(v.grad!, gradients.V, "V");
        Close(hk.grad!, gradients.HeadKernel, "HeadKernel");
        Close(hb.grad!, gradients.HeadBias, "HeadBias");
    }

    [Fact]
    public void Parameter_counts_and_summaries_match_keras()
    {
        Assert.Equal(new ParameterCount(2044, 2033, 11), StockMlp.ParameterCount);
        Assert.Equal(new ParameterCount(2577, 2577, 0), StockSeluMlp.ParameterCount);
        Assert.Equal(new ParameterCount(1436, 1425, 11), StockLstm.ParameterCount);
        Assert.Equal(new ParameterCount(4, 4, 0), GradesRegression.ParameterCount);
        string summary = new StockMlp().Summary();
        Assert.Contains("Total params: 2,044", summary);
        Assert.Contains("Trainable params: 2,033", summary);
        Assert.Contains("Non-trainable params: 11", summary);
        Assert.Contains(" Hidden (Dense)              (None, 16)                2,016", summary);
        Assert.Contains("Total params: 1,436", new StockLstm().Summary());
        Assert.Contains("Total params: 2,577", new StockSeluMlp().Summary());
        long counted = new StockMlp().Weights.Trainable.Concat(new StockMlp().Weights.NonTrainable).Sum(t => t.numel());
        Assert.Equal(2044, counted);
    }

    [Fact]
    public void Forward_rejects_a_wrong_input_shape_naming_both_shapes()
    {
        var model = new StockMlp();
        var error = Assert.Throws<ArgumentException>(() => model.Forward(zeros(4, 25, 6)));
        Assert.Contains("(batch, 25, 5)", error.Message);
        Assert.Contains("(4, 25, 6)", error.Message);
    }

    [Fact]
    public void Initialisation_is_seeded_and_the_optimizer_comes_from_the_attribute()
    {
        Assert.True(new StockMlp(seed: 4).Weights.HiddenKernel.eq(new StockMlp(seed: 4).Weights.HiddenKernel).all().ToBoolean());
        Assert.False(new StockMlp(seed: 4).Weights.HiddenKernel.eq(new StockMlp(seed: 5).Weights.HiddenKernel).all().ToBoolean());
        var adam = Assert.IsType<ModelDsl.Optimizers.Adam>(new StockMlp().Optimizer);
        Assert.Equal(0.1, adam.CurrentLearningRate);
        var sgd = Assert.IsType<ModelDsl.Optimizers.Sgd>(new GradesRegression().Optimizer);
        Assert.Equal(0.002, sgd.CurrentLearningRate);
        Assert.Equal(0.1, new StockLstm().Optimizer.CurrentLearningRate);
        Assert.Equal(1.0, new StockLstm(dtype: F64).Weights.MemoryBias.narrow(0, 16, 16).mean().ToDouble());
    }

    [Fact]
    public void Fit_reduces_the_loss_of_a_linear_regression()
    {
        var generator = new Generator(1);
        Tensor x = randn([256, 3], generator: generator);
        Tensor y = x.matmul(tensor(new float[] { 2, -1, 0.5f }).reshape(3, 1)) + 0.3f;
        var model = new GradesRegression(seed: 0) { Optimizer = new ModelDsl.Optimizers.Sgd(0.1) };
        var history = model.Fit(new TensorDataset(x, y, batchSize: 32), epochs: 20);
        Assert.Equal(20, history.Epochs);
        Assert.True(history["loss"][^1] < history["loss"][0] / 100, $"loss {history["loss"][0]} → {history["loss"][^1]}");
        Assert.Equal(256, model.Predict(new TensorDataset(x, y, batchSize: 32)).shape[0]);
        Assert.True(model.Evaluate(new TensorDataset(x, y)).Loss < 1e-3);
    }

    [Fact]
    public void TrainStep_reports_loss_and_keras_metric_names()
    {
        var model = new StockMlp(seed: 1);
        model.Adapt(randn([32, 25, 5], generator: new Generator(2)));
        var result = model.TrainStep(randn([8, 25, 5], generator: new Generator(3)), randn([8], generator: new Generator(4)));
        Assert.True(double.IsFinite(result.Loss));
        Assert.Equal(["mae"], model.MetricNames);
        Assert.True(result.Metrics.ContainsKey("mae"));
        Assert.Equal(1, model.Optimizer.Iterations);
    }

    [Fact]
    public void Adapt_sets_the_normalization_statistics_and_count()
    {
        var model = new StockMlp();
        Tensor data = randn([64, 25, 5], generator: new Generator(8)) * 3 + 2;
        model.Adapt(data);
        var expected = ModelDsl.Kernels.NormalizationKernel.Adapt(data);
        Assert.True(model.Weights.NormMean.allclose(expected.Mean));
        Assert.True(model.Weights.NormVariance.allclose(expected.Variance));
        Assert.Equal(expected.Count, model.Weights.NormCount.ToInt64());
        var error = Assert.Throws<ArgumentException>(() => model.AdaptNorm(zeros(4, 25, 6)));
        Assert.Contains("normalizes 5 features", error.Message);
    }
}
