using System;
using ModelDsl;
using ModelDsl.Kernels;
using TorchSharp;
using static TorchSharp.torch;
using static ModelDsl.Ops;
using Padding = ModelDsl.Kernels.Padding;

namespace ModelDsl.Generators.Tests.Models;

/// <summary>
/// Convolution with same padding and strides, average pooling with same padding (divided by the real elements at the
/// border), a 1 × 1 convolution without bias, global max and average pooling joined by Concatenate, and the newer
/// activations: the paths of the 2-D catalogue.
/// </summary>
[Model(7, 6, 2)]
[Sgd(0.01)]
public partial class ConvolutionModel
{
    [Conv2D(4, 3, 2, Strides = 2, Padding = Padding.Same, Activation = Activation.Gelu)] private partial Tensor Features(Tensor x);
    [AveragePooling2D(2, Padding = Padding.Same)] private partial Tensor Pool(Tensor x);
    [Conv2D(3, 1, UseBias = false, Activation = Activation.Swish)] private partial Tensor Mix(Tensor x);
    [GlobalMaxPooling2D] private partial Tensor Strongest(Tensor x);
    [GlobalAveragePooling2D] private partial Tensor Average(Tensor x);
    [Dense(2, Activation.LeakyRelu)] private partial Tensor Output(Tensor x);

    [Forward]
    private Tensor Call(Tensor x)
    {
        var pooled = Pool(Features(x));
        return Output(Concatenate(1, Strongest(Mix(pooled)), Average(pooled)));
    }
}

/// <summary>
/// The tensor operations of forward and loss bodies (Transpose, Max over an axis, Sum, Abs, Sqrt, Maximum, Minimum,
/// Softmax, LogSoftmax) and a model's own [Loss] method, differentiated by the generator.
/// </summary>
[Model(3, 4)]
[Sgd(0.01)]
public partial class OperationsModel
{
    [Parameter(4, 5, Initializer = Init.RandomNormal, Stddev = 0.5)] private partial Tensor W { get; }
    [Parameter(4, Initializer = Init.RandomUniform, Min = 0.5, Max = 1.5)] private partial Tensor Floor { get; }
    [Dense(3)] private partial Tensor Output(Tensor x);

    [Forward]
    private Tensor Call(Tensor x)
    {
        var t = Transpose(x, 1, 2);
        var peak = Max(t, 2);
        var size = Sqrt(Abs(Sum(t, 2)) + 1);
        var h = Maximum(peak, size) + Minimum(size, Floor);
        var z = MatMul(h, W);
        return Output(Softmax(z) + 0.1 * LogSoftmax(z));
    }

    /// <summary>The mean squared error per sample plus half the largest absolute error: averaged by the generator.</summary>
    [Loss]
    private Tensor Discrepancy(Tensor prediction, Tensor target)
    {
        var error = prediction - target;
        return Mean(Square(error), 1) + 0.5 * Max(Abs(error), 1);
    }
}
