using ModelDsl.Generators.Tests.Models;
using TorchSharp;
using static ModelDsl.Generators.Tests.Infrastructure.Reference;
using static TorchSharp.torch;

namespace ModelDsl.Generators.Tests;

/// <summary>
/// Generated Backward against TorchSharp autograd in float64 (relative error ≤ 1e-8) for the rules the example models
/// do not reach: division by and of trainable tensors, Sum and Mean without an axis, two Normalization layers.
/// </summary>
public class GradientRuleTests
{
    private const double Tolerance = 1e-8;

    [Fact]
    public void Division_by_and_of_trainable_tensors_backward_equals_autograd()
    {
        var model = new DivisionModel(seed: 5, dtype: F64);
        Tensor x = Random(41, 8, 3) * 0.3 + 1.5, dOutput = Random(42, 8, 2);   // x kept away from 0: Q / x
        var trace = model.ForwardWithTrace(x);
        var gradients = model.Backward(trace, dOutput);

        var p = model.Weights;
        Tensor pp = Leaf(p.P), q = Leaf(p.Q), k = Leaf(p.OutputKernel), b = Leaf(p.OutputBias);
        Tensor output = (x / pp / (q / x + 3) + 2 / q).matmul(k) + b;
        Backpropagate(output, dOutput);

        Close(output, trace.Output, Tolerance, "output");
        Close(output, model.Forward(x), Tolerance, "Forward");
        Close(pp.grad!, gradients.P, Tolerance, "P (divisor of x)");
        Close(q.grad!, gradients.Q, Tolerance, "Q (numerator over x, divisor of 2)");
        Close(k.grad!, gradients.OutputKernel, Tolerance, "OutputKernel");
        Close(b.grad!, gradients.OutputBias, Tolerance, "OutputBias");
    }

    [Fact]
    public void Sum_and_mean_without_an_axis_backward_equals_autograd()
    {
        var model = new WholeTensorReductionModel(seed: 6, dtype: F64);
        Tensor x = Random(43, 8, 4), dOutput = Random(44, 8, 3);
        var trace = model.ForwardWithTrace(x);
        var gradients = model.Backward(trace, dOutput);

        Tensor w = Leaf(model.Weights.W), v = Leaf(model.Weights.V);
        Tensor h = x.matmul(w).tanh();
        Tensor output = h * v.sum() - (h * v).mean() + h.square().sum() / 10;
        Backpropagate(output, dOutput);

        Close(output, trace.Output, Tolerance, "output");
        Close(w.grad!, gradients.W, Tolerance, "W");
        Close(v.grad!, gradients.V, Tolerance, "V (through Sum(V) and Mean(h * V))");
    }

    [Fact]
    public void Two_normalization_layers_are_adapted_separately_and_backward_equals_autograd()
    {
        var model = new TwoNormalizationsModel(seed: 7, dtype: F64);
        // Statistics far apart, so that one layer's mean or variance used for the other shows.
        Tensor inputData = Random(45, 64, 4) * 3 + 1, hiddenData = Random(46, 64, 4) * 0.2 - 0.5;
        model.AdaptInputNorm(inputData);
        Close(zeros(4, dtype: F64), model.Weights.HiddenNormMean, 0, "HiddenNormMean before its own Adapt");
        model.AdaptHiddenNorm(hiddenData);
        var p = model.Weights;
        // Keras' adapt: the mean and the population variance of each feature, and the number of rows.
        Close(inputData.mean([0L]), p.InputNormMean, 1e-12, "InputNormMean");
        Close((inputData - inputData.mean([0L])).square().mean([0L]), p.InputNormVariance, 1e-12, "InputNormVariance");
        Close(hiddenData.mean([0L]), p.HiddenNormMean, 1e-12, "HiddenNormMean");
        Close((hiddenData - hiddenData.mean([0L])).square().mean([0L]), p.HiddenNormVariance, 1e-12, "HiddenNormVariance");
        Assert.Equal((64L, 64L), (p.InputNormCount.ToInt64(), p.HiddenNormCount.ToInt64()));

        Tensor x = Random(47, 8, 4) * 3 + 1, dOutput = Random(48, 8, 1);
        var trace = model.ForwardWithTrace(x);
        var gradients = model.Backward(trace, dOutput);

        Tensor k1 = Leaf(p.HiddenKernel), b1 = Leaf(p.HiddenBias), k2 = Leaf(p.OutputKernel), b2 = Leaf(p.OutputBias);
        static Tensor Normalize(Tensor t, Tensor mean, Tensor variance) => (t - mean) / variance.sqrt().clamp_min(1e-7);
        Tensor hidden = (Normalize(x, p.InputNormMean, p.InputNormVariance).matmul(k1) + b1).tanh();
        Tensor output = Normalize(hidden, p.HiddenNormMean, p.HiddenNormVariance).matmul(k2) + b2;
        Backpropagate(output, dOutput);

        Close(output, trace.Output, Tolerance, "output");
        Close(output, model.Forward(x), Tolerance, "Forward");
        Close(k1.grad!, gradients.HiddenKernel, Tolerance, "HiddenKernel (through HiddenNorm)");
        Close(b1.grad!, gradients.HiddenBias, Tolerance, "HiddenBias (through HiddenNorm)");
        Close(k2.grad!, gradients.OutputKernel, Tolerance, "OutputKernel");
        Close(b2.grad!, gradients.OutputBias, Tolerance, "OutputBias");
    }
}
