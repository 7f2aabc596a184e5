using ModelDsl;
using ModelDsl.Kernels;
using TorchSharp;
using static TorchSharp.torch;
using static ModelDsl.Ops;

namespace ModelDsl.Generators.Tests.Models;

// One small network under each optimizer attribute whose arguments are not the defaults: the tests step them and
// recompute the update by hand. The betas are far apart (0.8 against 0.95) so that swapping them moves the weights.

[Model(3)]
[Adam(0.01, Beta1 = 0.8, Beta2 = 0.95, Epsilon = 1e-3)]
public partial class AdamArgumentsModel
{
    [Dense(2, Activation.Tanh)] private partial Tensor Hidden(Tensor x);
    [Dense(1)] private partial Tensor Output(Tensor x);

    [Forward] private Tensor Call(Tensor x) => Output(Hidden(x));
}

[Model(3)]
[Sgd(0.05, Momentum = 0.7, Nesterov = true)]
public partial class NesterovSgdModel
{
    [Dense(2, Activation.Tanh)] private partial Tensor Hidden(Tensor x);
    [Dense(1)] private partial Tensor Output(Tensor x);

    [Forward] private Tensor Call(Tensor x) => Output(Hidden(x));
}

[Model(3)]
[Sgd(0.05, Momentum = 0.7)]
public partial class MomentumSgdModel
{
    [Dense(2, Activation.Tanh)] private partial Tensor Hidden(Tensor x);
    [Dense(1)] private partial Tensor Output(Tensor x);

    [Forward] private Tensor Call(Tensor x) => Output(Hidden(x));
}

[Model(3)]
[Sgd(0.05)]
public partial class PlainSgdModel
{
    [Dense(2, Activation.Tanh)] private partial Tensor Hidden(Tensor x);
    [Dense(1)] private partial Tensor Output(Tensor x);

    [Forward] private Tensor Call(Tensor x) => Output(Hidden(x));
}
