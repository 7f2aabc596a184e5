using ModelDsl.Kernels;
using TorchSharp;
using static ModelDsl.Ops;
using static TorchSharp.torch;

namespace ModelDsl.Labs.Stock;

/// <summary>
/// The report's second model exactly as its notebook builds it: Flatten, three Dense(16, selu) with Keras' default
/// GlorotUniform kernels (the notebook sets no initializer), Dense(1); Adam 0.08; 2,577 parameters.
/// <c>ModelDsl.Examples.StockSeluMlp</c> is the same network with LeCun-normal kernels, which SELU is meant for:
/// the labs use it in the improved configuration.
/// </summary>
[Model(25, 5, Loss = Loss.MeanSquaredError, Metrics = [Metric.MeanAbsoluteError])]
[Adam(0.08)]
public partial class ReportSeluMlp
{
    [Dense(16, Activation.Selu)] private partial Tensor Hidden1(Tensor x);
    [Dense(16, Activation.Selu)] private partial Tensor Hidden2(Tensor x);
    [Dense(16, Activation.Selu)] private partial Tensor Hidden3(Tensor x);
    [Dense(1)] private partial Tensor Output(Tensor x);

    [Forward] private Tensor Call(Tensor x) => Output(Hidden3(Hidden2(Hidden1(Flatten(x)))));
}
