using ModelDsl;
using ModelDsl.Kernels;
using TorchSharp;
using static TorchSharp.torch;
using static ModelDsl.Ops;

namespace ModelDsl.Generators.Tests.Models;

/// <summary>
/// Division with trainable tensors on every side: a trainable divisor (x / P, 2 / Q), a trainable numerator broadcast
/// over the batch (Q / x) and a quotient of two computed tensors.
/// </summary>
[Model(3)]
[Sgd(0.01)]
public partial class DivisionModel
{
    [Parameter(3, Initializer = Init.RandomUniform, Min = 1, Max = 2)] private partial Tensor P { get; }
    [Parameter(3, Initializer = Init.RandomUniform, Min = 0.5, Max = 1.5)] private partial Tensor Q { get; }
    [Dense(2)] private partial Tensor Output(Tensor x);

    [Forward]
    private Tensor Call(Tensor x)
    {
        var scaled = x / P;
        var inverse = Q / x;
        return Output(scaled / (inverse + 3) + 2 / Q);
    }
}

/// <summary>Sum and Mean without an axis: scalars (over the batch too) broadcast back onto every sample.</summary>
[Model(4)]
[Sgd(0.01)]
public partial class WholeTensorReductionModel
{
    [Parameter(4, 3, Initializer = Init.RandomNormal, Stddev = 0.5)] private partial Tensor W { get; }
    [Parameter(3, Initializer = Init.RandomNormal, Stddev = 0.5)] private partial Tensor V { get; }

    [Forward]
    private Tensor Call(Tensor x)
    {
        var h = Tanh(MatMul(x, W));
        return h * Sum(V) - Mean(h * V) + Sum(Square(h)) / 10;
    }
}

/// <summary>Two Normalization layers of the same width, adapted separately; the second sits after a trainable layer.</summary>
[Model(4)]
[Sgd(0.01)]
public partial class TwoNormalizationsModel
{
    [Normalization] private partial Tensor InputNorm(Tensor x);
    [Dense(4, Activation.Tanh)] private partial Tensor Hidden(Tensor x);
    [Normalization] private partial Tensor HiddenNorm(Tensor x);
    [Dense(1)] private partial Tensor Output(Tensor x);

    [Forward] private Tensor Call(Tensor x) => Output(HiddenNorm(Hidden(InputNorm(x))));
}
