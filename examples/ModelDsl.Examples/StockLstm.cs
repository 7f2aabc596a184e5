using ModelDsl;
using ModelDsl.Kernels;
using TorchSharp;
using static TorchSharp.torch;
using static ModelDsl.Ops;

namespace ModelDsl.Examples;

/// <summary>
/// The lab's recurrent model: Normalization, LSTM(16), Dense(1); 1,436 parameters, 11 non-trainable.
/// Adam at 0.01: ten times Keras' default, which the short lab runs need, and a tenth of the MLPs' rate, which
/// makes the recurrent gradients (larger through time) diverge in early epochs.
/// </summary>
[Model(25, 5, Loss = Loss.MeanSquaredError, Metrics = [Metric.MeanAbsoluteError])]
[Adam(0.01)]
public partial class StockLstm
{
    [Normalization] private partial Tensor Norm(Tensor x);
    [Lstm(16)] private partial Tensor Recurrent(Tensor x);
    [Dense(1)] private partial Tensor Output(Tensor x);

    [Forward] private Tensor Call(Tensor x) => Output(Recurrent(Norm(x)));
}
