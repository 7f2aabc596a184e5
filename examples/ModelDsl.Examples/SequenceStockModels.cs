using ModelDsl;
using ModelDsl.Kernels;
using TorchSharp;
using static TorchSharp.torch;
using static ModelDsl.Ops;
using Padding = ModelDsl.Kernels.Padding;

namespace ModelDsl.Examples;

// The stock lab's sequence models (issue 8), on the same 25-day windows of 5 features as StockLstm.

/// <summary>Normalization → GRU(16) → Dense(1): Keras' GRU (reset_after), 1,104 recurrent parameters on 5 features.</summary>
[Model(25, 5, Loss = Loss.MeanSquaredError, Metrics = [Metric.MeanAbsoluteError])]
[Adam(0.001)]
public partial class StockGru
{
    [Normalization] private partial Tensor Norm(Tensor x);
    [Gru(16)] private partial Tensor Memory(Tensor x);
    [Dense(1)] private partial Tensor Output(Tensor x);

    [Forward] private Tensor Call(Tensor x) => Output(Memory(Norm(x)));
}

/// <summary>Normalization → LSTM(16) passing every step on → LSTM(8) → Dense(1): two stacked recurrent layers.</summary>
[Model(25, 5, Loss = Loss.MeanSquaredError, Metrics = [Metric.MeanAbsoluteError])]
[Adam(0.001)]
public partial class StockStackedLstm
{
    [Normalization] private partial Tensor Norm(Tensor x);
    [Lstm(16, ReturnSequences = true)] private partial Tensor Steps(Tensor x);
    [Lstm(8)] private partial Tensor Memory(Tensor x);
    [Dense(1)] private partial Tensor Output(Tensor x);

    [Forward] private Tensor Call(Tensor x) => Output(Memory(Steps(Norm(x))));
}

/// <summary>
/// Normalization → Conv1D(16, 5, causal, relu) → GlobalAveragePooling1D → Dense(1): each output step sees only the
/// five days up to it; the average summarises the window.
/// </summary>
[Model(25, 5, Loss = Loss.MeanSquaredError, Metrics = [Metric.MeanAbsoluteError])]
[Adam(0.001)]
public partial class StockConv1D
{
    [Normalization] private partial Tensor Norm(Tensor x);
    [Conv1D(16, 5, Padding = Padding.Causal, Activation = Activation.Relu)] private partial Tensor Features(Tensor x);
    [GlobalAveragePooling1D] private partial Tensor Pool(Tensor x);
    [Dense(1)] private partial Tensor Output(Tensor x);

    [Forward] private Tensor Call(Tensor x) => Output(Pool(Features(Norm(x))));
}
