using ModelDsl;
using ModelDsl.Kernels;
using TorchSharp;
using static TorchSharp.torch;
using static ModelDsl.Ops;

namespace ModelDsl.Generators.Tests.Models;

/// <summary>
/// Every initializer, declared in an order unlike the one the forward method first uses them in (Keras creates
/// weights in that order: Norm, Shift, Memory, Hidden, Scale, Offset, Rotation, Head, Output), so the test of the
/// initial weights sees both which initializer each tensor gets and the order the draws come from the generator.
/// </summary>
[Model(4, 3)]
[Sgd(0.01)]
public partial class InitializerOrderModel
{
    [Dense(1)] private partial Tensor Output(Tensor x);
    [Dense(2, UseBias = false, KernelInitializer = Init.LecunNormal)] private partial Tensor Head(Tensor x);
    [Parameter(5, 5, Initializer = Init.Orthogonal, Gain = 0.5)] private partial Tensor Rotation { get; }
    [Dense(5, Activation.Tanh, KernelInitializer = Init.Orthogonal, BiasInitializer = Init.RandomNormal)] private partial Tensor Hidden(Tensor x);
    [Lstm(3)] private partial Tensor Memory(Tensor x);
    [Parameter(3, Initializer = Init.RandomNormal, Mean = 0.5, Stddev = 2)] private partial Tensor Shift { get; }
    [Parameter(5, Initializer = Init.Ones)] private partial Tensor Scale { get; }
    [Parameter(5, Initializer = Init.RandomUniform, Min = -2, Max = 3)] private partial Tensor Offset { get; }
    [Parameter(1, Initializer = Init.Zeros)] private partial Tensor Floor { get; }
    [Normalization] private partial Tensor Norm(Tensor x);

    [Forward]
    private Tensor Call(Tensor x) => Output(Head(MatMul(Hidden(Memory(Norm(x) + Shift)) * Scale + Offset, Rotation))) + Floor;
}
