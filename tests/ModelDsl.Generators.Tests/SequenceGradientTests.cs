using ModelDsl.Generators.Tests.Models;
using TorchSharp;
using static TorchSharp.torch;
using static ModelDsl.Generators.Tests.Infrastructure.Reference;

namespace ModelDsl.Generators.Tests;

/// <summary>
/// Issue 8's layers in generated models: Backward against TorchSharp autograd of each model written here from Keras'
/// equations in plain torch, in float64 (relative error ≤ 1e-8).
/// </summary>
public class SequenceGradientTests
{
    private static Tensor Dense(Tensor x, Tensor kernel, Tensor bias) => x.matmul(kernel) + bias;

    /// <summary>Keras' LSTM: gate blocks i, f, c, o of x·W + h·U + b; every step's h.</summary>
    private static Tensor Lstm(Tensor x, Tensor w, Tensor u, Tensor b)
    {
        long n = x.size(0), units = u.size(0);
        Tensor h = zeros(n, units, dtype: F64), c = zeros(n, units, dtype: F64);
        var steps = new List<Tensor>();
        for (long t = 0; t < x.size(1); t++)
        {
            Tensor z = x.select(1, t).matmul(w) + h.matmul(u) + b;
            Tensor i = z.narrow(1, 0, units).sigmoid(), f = z.narrow(1, units, units).sigmoid();
            Tensor g = z.narrow(1, 2 * units, units).tanh(), o = z.narrow(1, 3 * units, units).sigmoid();
            c = f * c + i * g;
            h = o * c.tanh();
            steps.Add(h);
        }
        return stack(steps, 1);
    }

    /// <summary>Keras' GRU with reset_after: blocks z, r, h; bias row 0 with x·W, row 1 with h·U; every step's h.</summary>
    private static Tensor Gru(Tensor x, Tensor w, Tensor u, Tensor b)
    {
        long n = x.size(0), units = u.size(0);
        Tensor h = zeros(n, units, dtype: F64);
        var steps = new List<Tensor>();
        for (long t = 0; t < x.size(1); t++)
        {
            Tensor xw = x.select(1, t).matmul(w) + b[0], hu = h.matmul(u) + b[1];
            Tensor z = (xw.narrow(1, 0, units) + hu.narrow(1, 0, units)).sigmoid();
            Tensor r = (xw.narrow(1, units, units) + hu.narrow(1, units, units)).sigmoid();
            Tensor candidate = (xw.narrow(1, 2 * units, units) + r * hu.narrow(1, 2 * units, units)).tanh();
            h = z * h + (1 - z) * candidate;
            steps.Add(h);
        }
        return stack(steps, 1);
    }

    /// <summary>Keras' SimpleRNN: h = tanh(x·W + b + h·U); the last h.</summary>
    private static Tensor SimpleRnn(Tensor x, Tensor w, Tensor u, Tensor b)
    {
        Tensor h = zeros(x.size(0), u.size(0), dtype: F64);
        for (long t = 0; t < x.size(1); t++) h = (x.select(1, t).matmul(w) + b + h.matmul(u)).tanh();
        return h;
    }

    [Fact]
    public void Stacked_LSTM_GRU_SimpleRNN_backward_equals_autograd()
    {
        var model = new StackedRecurrentModel(seed: 3, dtype: F64);
        Tensor x = Random(7, 4, 6, 3), dOutput = Random(2, 4, 2);
        var trace = model.ForwardWithTrace(x);
        var gradients = model.Backward(trace, dOutput);

        var p = model.Weights;
        Tensor[] leaves = p.Trainable.Select(Leaf).ToArray();
        // Trainable order: First (LSTM) kernel, recurrent kernel, bias; Second (GRU) likewise; Third (SimpleRNN); Output.
        Tensor first = Lstm(x, leaves[0], leaves[1], leaves[2]);
        Tensor second = Gru(first, leaves[3], leaves[4], leaves[5]);
        Tensor third = SimpleRnn(second, leaves[6], leaves[7], leaves[8]);
        Tensor output = Dense(third, leaves[9], leaves[10]);
        Backpropagate(output, dOutput);

        Close(output, trace.Output, "output");
        for (int i = 0; i < leaves.Length; i++) Close(leaves[i].grad!, gradients.Trainable[i], $"trainable tensor {i}");
        Assert.Equal(new long[] { 4, 6, 5 }, trace.First.shape); // every step's state passed on
    }

    [Fact]
    public void Convolution1D_pooling_and_global_pooling_backward_equals_autograd()
    {
        var model = new Convolution1DModel(seed: 4, dtype: F64);
        Tensor x = Random(7, 3, 9, 2), dOutput = Random(3, 3, 1);
        var trace = model.ForwardWithTrace(x);
        var gradients = model.Backward(trace, dOutput);

        var p = model.Weights;
        Tensor k1 = Leaf(p.CausalKernel), b1 = Leaf(p.CausalBias), k2 = Leaf(p.StridedKernel), b2 = Leaf(p.StridedBias), k3 = Leaf(p.OutputKernel), b3 = Leaf(p.OutputBias);
        Tensor channels = x.permute(0, 2, 1); // torch convolves (batch, channels, steps); Keras' kernel (k, in, out) is torch's (out, in, k) transposed
        // Causal, kernel 3, dilation 2: 4 zeros before.
        Tensor causal = nn.functional.relu(nn.functional.conv1d(nn.functional.pad(channels, [4, 0]), k1.permute(2, 1, 0), b1, dilation: 2));
        // Same max pooling 2 on 9 steps: 5 outputs, one −∞ after.
        Tensor pooled = nn.functional.max_pool1d(nn.functional.pad(causal, [0, 1], value: double.NegativeInfinity), 2);
        // Same convolution, kernel 2, stride 2, on 5 steps: 3 outputs, one zero after.
        Tensor strided = nn.functional.conv1d(nn.functional.pad(pooled, [0, 1]), k2.permute(2, 1, 0), b2, stride: 2);
        Tensor averaged = nn.functional.avg_pool1d(pooled, 2); // valid: 2 windows, the fifth step dropped
        Tensor joined = cat([strided.amax([2L]), averaged.mean([2L])], 1);
        Tensor output = Dense(joined, k3, b3);
        Backpropagate(output, dOutput);

        Close(output, trace.Output, "output");
        Close(k1.grad!, gradients.CausalKernel, "CausalKernel");
        Close(b1.grad!, gradients.CausalBias, "CausalBias");
        Close(k2.grad!, gradients.StridedKernel, "StridedKernel");
        Close(b2.grad!, gradients.StridedBias, "StridedBias");
        Close(k3.grad!, gradients.OutputKernel, "OutputKernel");
        Close(b3.grad!, gradients.OutputBias, "OutputBias");
    }

    [Fact]
    public void Embedding_and_layer_normalization_backward_equals_autograd()
    {
        var model = new EmbeddingModel(seed: 5, dtype: F64);
        Tensor x = randint(0, 10, [6, 5], generator: new Generator(3)), dOutput = Random(4, 6, 2);
        x[0, 0] = x[1, 0]; // a repeated index: its rows' gradients add up
        var trace = model.ForwardWithTrace(x);
        var gradients = model.Backward(trace, dOutput);

        var p = model.Weights;
        Tensor table = Leaf(p.EmbedEmbeddings), gamma = Leaf(p.NormalizeGamma), beta = Leaf(p.NormalizeBeta), k = Leaf(p.OutputKernel), b = Leaf(p.OutputBias);
        Tensor embedded = table.index_select(0, x.flatten()).reshape(6, 5, 4);
        Tensor mean = embedded.mean([-1L], keepdim: true), variance = (embedded - mean).square().mean([-1L], keepdim: true);
        Tensor normalized = gamma * (embedded - mean) / (variance + 1e-3).sqrt() + beta;
        Tensor output = Dense(normalized.reshape(6, -1), k, b);
        Backpropagate(output, dOutput);

        Close(output, trace.Output, "output");
        Close(table.grad!, gradients.EmbedEmbeddings, "EmbedEmbeddings");
        Close(gamma.grad!, gradients.NormalizeGamma, "NormalizeGamma");
        Close(beta.grad!, gradients.NormalizeBeta, "NormalizeBeta");
        Close(k.grad!, gradients.OutputKernel, "OutputKernel");
        Close(b.grad!, gradients.OutputBias, "OutputBias");
    }

    [Fact]
    public void An_index_outside_the_embedding_table_is_an_exception_naming_it()
    {
        var model = new EmbeddingModel(seed: 5);
        var error = Assert.ThrowsAny<ArgumentException>(() => model.Forward(tensor(new long[] { 1, 2, 3, 4, 10 }).reshape(1, 5)));
        Assert.Contains("10", error.Message);
        var dtype = Assert.ThrowsAny<ArgumentException>(() => model.Forward(ones(1, 5)));
        Assert.Contains("Int64", dtype.Message);
    }

    [Fact]
    public void A_shared_layers_gradients_are_the_sum_of_its_calls()
    {
        var model = new SiameseModel(seed: 6, dtype: F64);
        Tensor x = Random(7, 5, 3), dOutput = Random(8, 5, 1);
        var trace = model.ForwardWithTrace(x);
        var gradients = model.Backward(trace, dOutput);

        var p = model.Weights;
        Tensor k = Leaf(p.SharedKernel), b = Leaf(p.SharedBias), k2 = Leaf(p.OutputKernel), b2 = Leaf(p.OutputBias);
        Tensor output = Dense(Dense(x, k, b).tanh() * Dense(x.square(), k, b).tanh(), k2, b2);
        Backpropagate(output, dOutput);

        Close(output, trace.Output, "output");
        Close(k.grad!, gradients.SharedKernel, "SharedKernel (both calls)");
        Close(b.grad!, gradients.SharedBias, "SharedBias (both calls)");
        Close(k2.grad!, gradients.OutputKernel, "OutputKernel");
        Assert.Equal(new ParameterCount(21, 21, 0), SiameseModel.ParameterCount); // the shared layer's 16 counted once
    }
}
