using System;
using ModelDsl;
using ModelDsl.Kernels;
using TorchSharp;
using static TorchSharp.torch;
using static ModelDsl.Ops;
using Padding = ModelDsl.Kernels.Padding;

namespace ModelDsl.Generators.Tests.Models;

/// <summary>Recurrent layers that stack: LSTM and GRU passing every step on, a SimpleRNN keeping the last.</summary>
[Model(6, 3)]
[Adam(0.01)]
public partial class StackedRecurrentModel
{
    [Lstm(5, ReturnSequences = true)] private partial Tensor First(Tensor x);
    [Gru(4, ReturnSequences = true)] private partial Tensor Second(Tensor x);
    [SimpleRnn(3)] private partial Tensor Third(Tensor x);
    [Dense(2)] private partial Tensor Output(Tensor x);

    [Forward] private Tensor Call(Tensor x) => Output(Third(Second(First(x))));
}

/// <summary>
/// 1-D convolutions (causal with dilation; same with strides), 1-D max pooling with same padding, average pooling,
/// and both global poolings.
/// </summary>
[Model(9, 2)]
[Adam(0.01)]
public partial class Convolution1DModel
{
    [Conv1D(4, 3, Padding = Padding.Causal, DilationRate = 2, Activation = Activation.Relu)] private partial Tensor Causal(Tensor x);
    [MaxPooling1D(2, Padding = Padding.Same)] private partial Tensor Pool(Tensor x);
    [Conv1D(3, 2, Strides = 2, Padding = Padding.Same)] private partial Tensor Strided(Tensor x);
    [AveragePooling1D(2)] private partial Tensor Average(Tensor x);
    [GlobalMaxPooling1D] private partial Tensor Strongest(Tensor x);
    [GlobalAveragePooling1D] private partial Tensor StepMean(Tensor x);
    [Dense(1)] private partial Tensor Output(Tensor x);

    [Forward]
    private Tensor Call(Tensor x)
    {
        var pooled = Pool(Causal(x));
        return Output(Concatenate(1, Strongest(Strided(pooled)), StepMean(Average(pooled))));
    }
}

/// <summary>Integer indices through an Embedding table, LayerNormalization, then a dense head.</summary>
[Model(5)]
[Adam(0.01)]
public partial class EmbeddingModel
{
    [Embedding(10, 4)] private partial Tensor Embed(Tensor x);
    [LayerNormalization] private partial Tensor Normalize(Tensor x);
    [Dense(2)] private partial Tensor Output(Tensor x);

    [Forward] private Tensor Call(Tensor x) => Output(Flatten(Normalize(Embed(x))));
}

/// <summary>A siamese pair: one Dense layer applied to two views of the input, its kernel and bias shared.</summary>
[Model(3)]
[Sgd(0.1)]
public partial class SiameseModel
{
    [Dense(4, Activation.Tanh)] private partial Tensor Shared(Tensor x);
    [Dense(1)] private partial Tensor Output(Tensor x);

    [Forward] private Tensor Call(Tensor x) => Output(Shared(x) * Shared(Square(x)));
}
