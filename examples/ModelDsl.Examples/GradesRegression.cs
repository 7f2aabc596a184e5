using ModelDsl;
using TorchSharp;
using static TorchSharp.torch;
using static ModelDsl.Ops;

namespace ModelDsl.Examples;

/// <summary>Linear regression of the final grade on three inputs, with raw parameters.</summary>
[Model(3)]
[Sgd(0.002)]
public partial class GradesRegression
{
    [Parameter(3, 1, Initializer = Init.RandomNormal, Stddev = 0.01)] private partial Tensor W { get; }
    [Parameter(1, Initializer = Init.Zeros)] private partial Tensor B { get; }

    [Forward] private Tensor Call(Tensor x) => MatMul(x, W) + B;
}
