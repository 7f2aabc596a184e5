using ModelDsl;
using ModelDsl.Kernels;
using TorchSharp;
using static TorchSharp.torch;
using static ModelDsl.Ops;

namespace ModelDsl.Generators.Tests.Models;

/// <summary>
/// A model with raw parameters, broadcasting (a (4,) bias and a (1,) scale against (batch, 4)), a parameter used twice,
/// every Ops function, reductions over an axis, Reshape, locals, and a layer after the raw computation.
/// </summary>
[Model(2, 3)]
[Sgd(0.01)]
public partial class BroadcastingModel
{
    [Parameter(6, 4, Initializer = Init.RandomNormal, Stddev = 0.5)] private partial Tensor W { get; }
    [Parameter(4, Initializer = Init.RandomUniform, Min = -0.5, Max = 0.5)] private partial Tensor B { get; }
    [Parameter(1, Initializer = Init.Ones)] private partial Tensor Scale { get; }
    [Parameter(4, 1, Initializer = Init.RandomNormal, Stddev = 0.5)] private partial Tensor V { get; }
    [Dense(2, Activation.Tanh)] private partial Tensor Head(Tensor x);

    [Forward]
    private Tensor Call(Tensor x)
    {
        var h = Tanh(MatMul(Flatten(x), W) + B);
        var z = h * Scale - Square(h) * 0.5 + Sigmoid(h) / 3;
        var r = Softplus(z) + Selu(z) - Elu(-z) + Relu(z) * Exp(-Square(z)) + Log(Square(h) + 1);
        var s = Reshape(Sum(r * B, 1), -1, 1) + Reshape(Mean(r, 1), -1, 1);
        return Head(MatMul(r, V) * s - Scale);
    }
}
