using ModelDsl;
using ModelDsl.Kernels;
using TorchSharp;
using static TorchSharp.torch;
using static ModelDsl.Ops;

namespace ModelDsl.Examples;

/// <summary>The lab's self-normalising MLP: three Dense(16, SELU) with LeCun-normal kernels; 2,577 parameters.</summary>
[Model(25, 5, Loss = Loss.MeanSquaredError, Metrics = [Metric.MeanAbsoluteError])]
[Adam(0.08)]
public partial class StockSeluMlp
{
    [Dense(16, Activation.Selu, KernelInitializer = Init.LecunNormal)] private partial Tensor Hidden1(Tensor x);
    [Dense(16, Activation.Selu, KernelInitializer = Init.LecunNormal)] private partial Tensor Hidden2(Tensor x);
    [Dense(16, Activation.Selu, KernelInitializer = Init.LecunNormal)] private partial Tensor Hidden3(Tensor x);
    [Dense(1)] private partial Tensor Output(Tensor x);

    [Forward] private Tensor Call(Tensor x) => Output(Hidden3(Hidden2(Hidden1(Flatten(x)))));
}
