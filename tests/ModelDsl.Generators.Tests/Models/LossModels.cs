using ModelDsl;
using ModelDsl.Kernels;
using TorchSharp;
using static TorchSharp.torch;
using static ModelDsl.Ops;

namespace ModelDsl.Generators.Tests.Models;

// One Dense(2) per loss. SGD at rate 1 moves each weight by exactly minus its gradient, so one TrainStep shows the
// gradient the generated step took.

[Model(3, Loss = Loss.MeanSquaredError, Metrics = [Metric.MeanAbsoluteError, Metric.MeanSquaredError, Metric.RootMeanSquaredError])]
[Sgd(1.0)]
public partial class MeanSquaredErrorModel
{
    [Dense(2)] private partial Tensor Output(Tensor x);

    [Forward] private Tensor Call(Tensor x) => Output(x);
}

[Model(3, Loss = Loss.MeanAbsoluteError)]
[Sgd(1.0)]
public partial class MeanAbsoluteErrorModel
{
    [Dense(2)] private partial Tensor Output(Tensor x);

    [Forward] private Tensor Call(Tensor x) => Output(x);
}

[Model(3, Loss = Loss.Huber, HuberDelta = 0.7)]
[Sgd(1.0)]
public partial class HuberModel
{
    [Dense(2)] private partial Tensor Output(Tensor x);

    [Forward] private Tensor Call(Tensor x) => Output(x);
}
