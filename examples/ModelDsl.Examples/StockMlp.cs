using ModelDsl;
using ModelDsl.Kernels;
using TorchSharp;
using static TorchSharp.torch;
using static ModelDsl.Ops;

namespace ModelDsl.Examples;

/// <summary>The lab's MLP on 25-day windows of 5 features: 2,044 parameters, 11 of them non-trainable.</summary>
[Model(25, 5, Loss = Loss.MeanSquaredError, Metrics = [Metric.MeanAbsoluteError])]
[Adam(0.1)]
public partial class StockMlp
{
    [Normalization] private partial Tensor Norm(Tensor x);
    [Dense(16, Activation.Relu)] private partial Tensor Hidden(Tensor x);
    [Dense(1)] private partial Tensor Output(Tensor x);

    [Forward] private Tensor Call(Tensor x) => Output(Hidden(Flatten(Norm(x))));
}
