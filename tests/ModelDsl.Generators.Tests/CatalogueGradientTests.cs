using ModelDsl.Examples;
using ModelDsl.Generators.Tests.Models;
using TorchSharp;
using static TorchSharp.torch;
using static ModelDsl.Generators.Tests.Infrastructure.Reference;

namespace ModelDsl.Generators.Tests;

/// <summary>
/// The catalogue's layers and operations in generated models: Backward (and, for a [Loss] method, the whole TrainStep)
/// against TorchSharp autograd of the same model written here from plain torch operations, in float64.
/// </summary>
public class CatalogueGradientTests
{
    private static Tensor Dense(Tensor x, Tensor kernel, Tensor bias) => x.matmul(kernel) + bias;

    [Fact]
    public void DigitsMlp_softmax_classifier_backward_equals_autograd()
    {
        var model = new DigitsMlp(seed: 3, dtype: F64);
        Tensor x = Random(7, 8, 64), dOutput = Random(2, 8, 10);
        var trace = model.ForwardWithTrace(x);
        var gradients = model.Backward(trace, dOutput);

        var p = model.Weights;
        Tensor k1 = Leaf(p.HiddenKernel), b1 = Leaf(p.HiddenBias), k2 = Leaf(p.OutputKernel), b2 = Leaf(p.OutputBias);
        Tensor output = Dense(nn.functional.relu(Dense(x, k1, b1)), k2, b2).softmax(-1);
        Backpropagate(output, dOutput);

        Close(output, trace.Output, "output");
        Close(output, model.Forward(x), "Forward");
        Close(k1.grad!, gradients.HiddenKernel, "HiddenKernel");
        Close(b1.grad!, gradients.HiddenBias, "HiddenBias");
        Close(k2.grad!, gradients.OutputKernel, "OutputKernel");
        Close(b2.grad!, gradients.OutputBias, "OutputBias");
    }

    [Fact]
    public void DigitsCnn_convolution_and_pooling_backward_equals_autograd()
    {
        var model = new DigitsCnn(seed: 4, dtype: F64);
        Tensor x = Random(7, 5, 64), dOutput = Random(3, 5, 10);
        var trace = model.ForwardWithTrace(x);
        var gradients = model.Backward(trace, dOutput);

        // torch convolves channels-first with its kernel as (out, in, kh, kw); Keras stores (kh, kw, in, out).
        var p = model.Weights;
        Tensor kernel = Leaf(p.FeaturesKernel), bias = Leaf(p.FeaturesBias), k2 = Leaf(p.OutputKernel), b2 = Leaf(p.OutputBias);
        Tensor images = x.reshape(5, 8, 8, 1).permute(0, 3, 1, 2);
        Tensor features = nn.functional.relu(nn.functional.conv2d(images, kernel.permute(3, 2, 0, 1), bias));
        Tensor pooled = nn.functional.max_pool2d(features, 2);
        // Keras flattens channels-last: rows, then columns, then channels.
        Tensor flat = pooled.permute(0, 2, 3, 1).reshape(5, -1);
        Tensor output = Dense(flat, k2, b2).softmax(-1);
        Backpropagate(output, dOutput);

        Close(output, trace.Output, "output");
        Close(kernel.grad!, gradients.FeaturesKernel, "FeaturesKernel");
        Close(bias.grad!, gradients.FeaturesBias, "FeaturesBias");
        Close(k2.grad!, gradients.OutputKernel, "OutputKernel");
        Close(b2.grad!, gradients.OutputBias, "OutputBias");
    }

    [Fact]
    public void DigitsRegularizedMlp_batch_normalization_and_dropout_in_training_backward_equals_autograd()
    {
        var model = new DigitsRegularizedMlp(seed: 5, dtype: F64);
        Tensor x = Random(7, 16, 64), dOutput = Random(4, 16, 10);
        var trace = model.ForwardWithTrace(x);
        var gradients = model.Backward(trace, dOutput);

        // Training mode: batch statistics (biased variance), epsilon 1e-3; the dropout mask the trace drew.
        var p = model.Weights;
        Tensor k1 = Leaf(p.HiddenKernel), b1 = Leaf(p.HiddenBias), gamma = Leaf(p.NormalizeGamma), beta = Leaf(p.NormalizeBeta);
        Tensor k2 = Leaf(p.OutputKernel), b2 = Leaf(p.OutputBias);
        Tensor hidden = Dense(x, k1, b1);
        Tensor mean = hidden.mean([0L], keepdim: true), variance = (hidden - mean).square().mean([0L], keepdim: true);
        Tensor normalized = gamma * (hidden - mean) / (variance + 1e-3).sqrt() + beta;
        Tensor dropped = nn.functional.relu(normalized) * trace.DropState.Mask;
        Tensor output = Dense(dropped, k2, b2).softmax(-1);
        Backpropagate(output, dOutput);

        Close(output, trace.Output, "output");
        Close(k1.grad!, gradients.HiddenKernel, "HiddenKernel");
        Close(b1.grad!, gradients.HiddenBias, "HiddenBias");
        Close(gamma.grad!, gradients.NormalizeGamma, "NormalizeGamma");
        Close(beta.grad!, gradients.NormalizeBeta, "NormalizeBeta");
        Close(k2.grad!, gradients.OutputKernel, "OutputKernel");
        Close(b2.grad!, gradients.OutputBias, "OutputBias");
        // Dropout kept ~70 % of the units, each scaled by 1/0.7; Predict uses neither the mask nor batch statistics.
        double kept = (trace.DropState.Mask > 0).to_type(F64).mean().ToDouble();
        Assert.InRange(kept, 0.6, 0.8);
        Assert.True(trace.DropState.Mask.max().ToDouble() is > 1.42 and < 1.43);
    }

    [Fact]
    public void Prediction_of_the_regularized_model_uses_moving_statistics_and_no_dropout()
    {
        var model = new DigitsRegularizedMlp(seed: 6, dtype: F64);
        Tensor x = Random(7, 32, 64);
        model.ForwardWithTrace(x); // one training forward: moving statistics move 1 % towards the batch's
        var p = model.Weights;
        Tensor hidden = Dense(x, p.HiddenKernel, p.HiddenBias);
        Tensor batchMean = hidden.mean([0L]), batchVariance = (hidden - batchMean).square().mean([0L]);
        Close(0.01 * batchMean, p.NormalizeMovingMean, "moving mean after one step");
        Close(0.99 + 0.01 * batchVariance, p.NormalizeMovingVariance, "moving variance after one step");

        Tensor normalized = p.NormalizeGamma * (hidden - p.NormalizeMovingMean) / (p.NormalizeMovingVariance + 1e-3).sqrt() + p.NormalizeBeta;
        Tensor expected = Dense(nn.functional.relu(normalized), p.OutputKernel, p.OutputBias).softmax(-1);
        Close(expected, model.Predict(x), "Predict");
        Close(model.Predict(x), model.Predict(x), "Predict is deterministic");
    }

    [Fact]
    public void BreastCancerLogistic_sigmoid_backward_equals_autograd()
    {
        var model = new BreastCancerLogistic(seed: 7, dtype: F64);
        Tensor x = Random(7, 12, 30), dOutput = Random(5, 12, 1);
        var trace = model.ForwardWithTrace(x);
        var gradients = model.Backward(trace, dOutput);
        Tensor k = Leaf(model.Weights.OutputKernel), b = Leaf(model.Weights.OutputBias);
        Tensor output = Dense(x, k, b).sigmoid();
        Backpropagate(output, dOutput);
        Close(output, trace.Output, "output");
        Close(k.grad!, gradients.OutputKernel, "OutputKernel");
        Close(b.grad!, gradients.OutputBias, "OutputBias");
    }

    [Fact]
    public void Convolution_model_with_same_padding_strides_and_global_pooling_backward_equals_autograd()
    {
        var model = new ConvolutionModel(seed: 8, dtype: F64);
        Tensor x = Random(7, 3, 7, 6, 2), dOutput = Random(6, 3, 2);
        var trace = model.ForwardWithTrace(x);
        var gradients = model.Backward(trace, dOutput);

        var p = model.Weights;
        Tensor k1 = Leaf(p.FeaturesKernel), b1 = Leaf(p.FeaturesBias), k2 = Leaf(p.MixKernel), k3 = Leaf(p.OutputKernel), b3 = Leaf(p.OutputBias);
        // Keras' "same" with a 3 × 2 kernel and stride 2 on 7 × 6: out 4 × 3, padding rows 2 (1 before, 1 after), cols 1 (0 before, 1 after).
        Tensor images = nn.functional.pad(x.permute(0, 3, 1, 2), [0, 1, 1, 1]);
        Tensor features = nn.functional.conv2d(images, k1.permute(3, 2, 0, 1), b1, strides: [2, 2]);
        features = 0.5 * features * (1 + torch.special.erf(features / Math.Sqrt(2))); // exact GELU
        // Same average pooling 2 × 2 on 4 × 3: out 2 × 2, one padded column at the end, not counted in the divisor.
        Tensor padded = nn.functional.pad(features, [0, 1, 0, 0]);
        Tensor counts = nn.functional.avg_pool2d(nn.functional.pad(ones_like(features), [0, 1, 0, 0]), 2);
        Tensor pooled = nn.functional.avg_pool2d(padded, 2) / counts;
        Tensor mixed = nn.functional.conv2d(pooled, k2.permute(3, 2, 0, 1));
        mixed = mixed * mixed.sigmoid(); // swish
        Tensor joined = cat([mixed.amax([2L, 3L]), pooled.mean([2L, 3L])], 1);
        Tensor z = Dense(joined, k3, b3);
        Tensor output = torch.maximum(z, 0.2 * z); // leaky ReLU, slope 0.2
        Backpropagate(output, dOutput);

        Close(output, trace.Output, "output");
        Close(k1.grad!, gradients.FeaturesKernel, "FeaturesKernel");
        Close(b1.grad!, gradients.FeaturesBias, "FeaturesBias");
        Close(k2.grad!, gradients.MixKernel, "MixKernel");
        Close(k3.grad!, gradients.OutputKernel, "OutputKernel");
        Close(b3.grad!, gradients.OutputBias, "OutputBias");
    }

    [Fact]
    public void Tensor_operations_and_an_own_loss_train_as_autograd_says()
    {
        var model = new OperationsModel(seed: 9, dtype: F64) { Optimizer = new ModelDsl.Optimizers.Sgd(1.0) };
        Tensor x = Random(7, 6, 3, 4), y = Random(3, 6, 3);
        var p = model.Weights;
        Tensor w = Leaf(p.W), floor = Leaf(p.Floor), k = Leaf(p.OutputKernel), b = Leaf(p.OutputBias);

        Tensor t = x.transpose(1, 2);
        Tensor size = (t.sum(2).abs() + 1).sqrt();
        Tensor h = torch.maximum(t.amax([2L]), size) + torch.minimum(size, floor);
        Tensor z = h.matmul(w);
        Tensor output = Dense(z.softmax(-1) + 0.1 * z.log_softmax(-1), k, b);
        Tensor error = output - y;
        // The [Loss] method gives one value per sample; the generator averages it, as Keras' reduction does.
        Tensor loss = (error.square().mean([1L]) + 0.5 * error.abs().amax([1L])).mean();
        loss.backward();

        // TestStep runs the user's own [Loss] method (averaged); TrainStep the generated value and gradient.
        Assert.Equal(loss.ToDouble(), model.TestStep(x, y).Loss, 12);
        var result = model.TrainStep(x, y);
        Assert.Equal(loss.ToDouble(), result.Loss, 12);
        // SGD with rate 1: each weight moved by minus its gradient.
        Close(w.detach() - w.grad!, p.W, "W");
        Close(floor.detach() - floor.grad!, p.Floor, "Floor");
        Close(k.detach() - k.grad!, p.OutputKernel, "OutputKernel");
        Close(b.detach() - b.grad!, p.OutputBias, "OutputBias");
    }
}
