using ModelDsl;
using ModelDsl.Kernels;
using TorchSharp;
using static TorchSharp.torch;
using static ModelDsl.Ops;

namespace ModelDsl.Benchmarks;

// The scaled rows of `--quick`: the lab's layer kinds at sizes where the arithmetic, not the per-call overhead,
// dominates a step.

/// <summary>An MLP of two hidden Dense(512, relu) on 128 features, MSE; measured at batch 4,096.</summary>
[Model(128, Loss = Loss.MeanSquaredError)]
[Adam(0.001)]
public partial class ScaledMlp
{
    [Dense(512, Activation.Relu)] private partial Tensor Hidden1(Tensor x);
    [Dense(512, Activation.Relu)] private partial Tensor Hidden2(Tensor x);
    [Dense(1)] private partial Tensor Output(Tensor x);

    [Forward] private Tensor Call(Tensor x) => Output(Hidden2(Hidden1(x)));
}

/// <summary>LSTM(128) over 100 steps of 8 features, then Dense(1), MSE; measured at batch 64.</summary>
[Model(100, 8, Loss = Loss.MeanSquaredError)]
[Adam(0.001)]
public partial class ScaledLstm
{
    [Lstm(128)] private partial Tensor Memory(Tensor x);
    [Dense(1)] private partial Tensor Output(Tensor x);

    [Forward] private Tensor Call(Tensor x) => Output(Memory(x));
}
