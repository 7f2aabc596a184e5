using ModelDsl.Examples;
using ModelDsl.Optimizers;
using ModelDsl.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Benchmarks;

/// <summary>
/// A train step written the usual TorchSharp way: parameters with requires_grad, a forward of TorchSharp ops, the loss,
/// loss.backward(), then the update of the generated model's optimizer with in-place tensor ops under no_grad — the
/// formula of ModelDsl.Optimizers (Keras': for Adam, epsilon added to the uncorrected sqrt(v)), not torch.optim, so the
/// result can be checked against the generated step. <see cref="AutogradModels"/> builds one per model.
/// </summary>
public sealed class TorchAutogradStep
{
    private readonly Func<Tensor, Tensor> _forward;
    private readonly Func<Tensor, Tensor, Tensor> _loss;
    private readonly TorchUpdate _update;

    /// <param name="trainable">The tensors the optimizer updates (requires_grad), in the optimizer's order.</param>
    /// <param name="forward">The model's output on a batch.</param>
    /// <param name="loss">The loss of an output against the targets.</param>
    /// <param name="optimizer">The generated model's optimizer, whose kind and hyperparameters the update copies.</param>
    public TorchAutogradStep(IReadOnlyList<Tensor> trainable, Func<Tensor, Tensor> forward, Func<Tensor, Tensor, Tensor> loss, Optimizer optimizer)
    {
        Trainable = trainable;
        _forward = forward;
        _loss = loss;
        _update = TorchUpdate.Like(optimizer, trainable);
    }

    public IReadOnlyList<Tensor> Trainable { get; }

    /// <summary>Returns the loss before the update.</summary>
    public double TrainStep(Tensor x, Tensor y) => TrainStep(x, y, metric: null).Loss;

    /// <summary>Returns the loss and <paramref name="metric"/> (of the output and targets, under no_grad) before the update.</summary>
    public (double Loss, double Metric) TrainStep(Tensor x, Tensor y, Func<Tensor, Tensor, Tensor>? metric)
    {
        using var scope = NewDisposeScope();
        var output = _forward(x);
        var loss = _loss(output, y);
        loss.backward();
        double value = double.NaN;
        using (no_grad())
        {
            if (metric is not null) value = metric(output, y).ToDouble();
        }
        _update.Step();
        return (loss.ToDouble(), value);
    }

    public static Tensor MeanSquaredError(Tensor output, Tensor y) => (output - y).square().mean();

    /// <summary>Sparse categorical cross-entropy of logits against int64 class indices.</summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor labels) => nn.functional.cross_entropy(logits, labels);
}

/// <summary>
/// The update of ModelDsl.Optimizers written with in-place tensor ops on the parameters' .grad under no_grad, which it
/// then zeroes: Keras' Adam (<see cref="Adam"/>) or plain SGD (<see cref="Sgd"/> without momentum).
/// </summary>
public sealed class TorchUpdate
{
    private readonly IReadOnlyList<Tensor> _parameters;
    private readonly Tensor[] _m, _v;
    private readonly double _learningRate, _beta1, _beta2, _epsilon;
    private readonly bool _adam;
    private long _iterations;

    private TorchUpdate(IReadOnlyList<Tensor> parameters, bool adam, double learningRate, double beta1 = 0, double beta2 = 0, double epsilon = 0)
    {
        _parameters = parameters;
        _adam = adam;
        (_learningRate, _beta1, _beta2, _epsilon) = (learningRate, beta1, beta2, epsilon);
        _m = adam ? [.. parameters.Select(p => zeros_like(p))] : [];
        _v = adam ? [.. parameters.Select(p => zeros_like(p))] : [];
    }

    /// <summary>The update <paramref name="optimizer"/> applies, at its current (constant) learning rate.</summary>
    /// <exception cref="NotSupportedException">Another optimizer, or SGD with momentum.</exception>
    public static TorchUpdate Like(Optimizer optimizer, IReadOnlyList<Tensor> parameters) => optimizer switch
    {
        Adam adam => new(parameters, adam: true, adam.CurrentLearningRate, adam.Beta1, adam.Beta2, adam.Epsilon),
        Sgd { Momentum: 0 } sgd => new(parameters, adam: false, sgd.CurrentLearningRate),
        _ => throw new NotSupportedException($"The autograd steps write Adam and plain SGD only, not {optimizer.GetType().Name}."),
    };

    /// <summary>Updates every parameter from its .grad and zeroes the gradients.</summary>
    public void Step()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        double t = _iterations + 1;
        double alpha = _adam ? _learningRate * Math.Sqrt(1 - Math.Pow(_beta2, t)) / (1 - Math.Pow(_beta1, t)) : _learningRate;
        for (int i = 0; i < _parameters.Count; i++)
        {
            var (p, g) = (_parameters[i], _parameters[i].grad!);
            if (_adam)
            {
                var (m, v) = (_m[i], _v[i]);
                m.add_(g.sub(m).mul_(1 - _beta1));
                v.add_(g.square().sub_(v).mul_(1 - _beta2));
                p.sub_(m.mul(alpha).div_(v.sqrt().add_(_epsilon)));
            }
            else p.sub_(g.mul(alpha));
            g.zero_();
        }
        _iterations++;
    }
}

/// <summary>
/// <see cref="GradesRegression"/>'s train step written the usual TorchSharp way (<see cref="AutogradModels.Regression"/>):
/// the SGD update and zeroing of the gradients under no_grad.
/// </summary>
public sealed class TorchAutogradRegressionStep(GradesRegression model)
{
    private readonly TorchAutogradStep _step = AutogradModels.Regression(model);

    public Tensor W => _step.Trainable[0];
    public Tensor B => _step.Trainable[1];

    /// <summary>Returns the loss before the update.</summary>
    public double TrainStep(Tensor x, Tensor y) => _step.TrainStep(x, y);
}

/// <summary>
/// <see cref="StockMlp"/>'s train step written the usual TorchSharp way (<see cref="AutogradModels.StockMlp"/>), with
/// the mean absolute error under no_grad.
/// </summary>
public sealed class TorchAutogradMlpStep(StockMlp model)
{
    private readonly TorchAutogradStep _step = AutogradModels.StockMlp(model);

    /// <summary>HiddenKernel, HiddenBias, OutputKernel, OutputBias, as <see cref="StockMlp.Parameters.Trainable"/>.</summary>
    public IReadOnlyList<Tensor> Trainable => _step.Trainable;

    /// <summary>Returns the loss and mean absolute error before the update.</summary>
    public (double Loss, double MeanAbsoluteError) TrainStep(Tensor x, Tensor y) =>
        _step.TrainStep(x, y, (output, target) => (output - target).abs().mean());
}

/// <summary>
/// Each benchmarked model written the usual TorchSharp way, from a copy of the generated model's weights (so that the
/// first step's loss can be compared with the generated TrainStep's): Keras' layouts kept where TorchSharp takes them
/// (a Dense kernel is (in, out) and a matmul uses it as is), converted once where a torch module or functional op wants
/// its own (conv2d's (out, in, kh, kw), nn.LSTM's transposed weights).
/// </summary>
public static class AutogradModels
{
    public static TorchAutogradStep Regression(GradesRegression model)
    {
        Tensor[] p = Copy(model);
        return new(p, x => x.matmul(p[0]).add(p[1]), TorchAutogradStep.MeanSquaredError, model.Optimizer);
    }

    /// <summary>Normalization (the adapted mean and variance as constants), flatten, Dense(16, relu), Dense(1).</summary>
    public static TorchAutogradStep StockMlp(StockMlp model)
    {
        Tensor[] p = Copy(model);
        var normalize = Normalization(model.Weights.NormMean, model.Weights.NormVariance);
        return new(p, x => Dense(nn.functional.relu(Dense(normalize(x).flatten(1), p, 0)), p, 2),
            TorchAutogradStep.MeanSquaredError, model.Optimizer);
    }

    /// <summary>Flatten, three Dense(16, selu), Dense(1).</summary>
    public static TorchAutogradStep StockSeluMlp(StockSeluMlp model)
    {
        Tensor[] p = Copy(model);
        return new(p, x =>
        {
            var h = x.flatten(1);
            for (int layer = 0; layer < 3; layer++) h = nn.functional.selu(Dense(h, p, 2 * layer));
            return Dense(h, p, 6);
        }, TorchAutogradStep.MeanSquaredError, model.Optimizer);
    }

    /// <summary>Normalization, nn.LSTM(16) (its last output), Dense(1).</summary>
    public static TorchAutogradStep StockLstm(StockLstm model)
    {
        var w = model.Weights;
        return Lstm(w.MemoryKernel, w.MemoryRecurrentKernel, w.MemoryBias, w.OutputKernel, w.OutputBias, model.Optimizer,
            Normalization(w.NormMean, w.NormVariance));
    }

    /// <summary>nn.LSTM(128) (its last output), Dense(1).</summary>
    public static TorchAutogradStep ScaledLstm(ScaledLstm model)
    {
        var w = model.Weights;
        return Lstm(w.MemoryKernel, w.MemoryRecurrentKernel, w.MemoryBias, w.OutputKernel, w.OutputBias, model.Optimizer, x => x);
    }

    /// <summary>Two Dense(512, relu), Dense(1).</summary>
    public static TorchAutogradStep ScaledMlp(ScaledMlp model)
    {
        Tensor[] p = Copy(model);
        return new(p, x => Dense(nn.functional.relu(Dense(nn.functional.relu(Dense(x, p, 0)), p, 2)), p, 4),
            TorchAutogradStep.MeanSquaredError, model.Optimizer);
    }

    /// <summary>Dense(64, relu), Dense(10) logits, cross-entropy (the generated model's softmax folded into the loss).</summary>
    public static TorchAutogradStep DigitsMlp(DigitsMlp model)
    {
        Tensor[] p = Copy(model);
        return new(p, x => Dense(nn.functional.relu(Dense(x, p, 0)), p, 2), TorchAutogradStep.CrossEntropy, model.Optimizer);
    }

    /// <summary>
    /// conv2d(16, 3×3, relu) on NCHW, max_pool2d(2), flatten, Dense(10) logits, cross-entropy. The Keras kernel
    /// (kh, kw, in, out) becomes conv2d's (out, in, kh, kw); the Dense kernel's rows, in Keras' (h, w, c) flatten
    /// order, are reordered to NCHW's (c, h, w).
    /// </summary>
    public static TorchAutogradStep DigitsCnn(DigitsCnn model)
    {
        var w = model.Weights;
        Tensor[] p =
        [
            Trainable(w.FeaturesKernel.permute(3, 2, 0, 1)),
            Trainable(w.FeaturesBias),
            Trainable(w.OutputKernel.reshape(3, 3, 16, 10).permute(2, 0, 1, 3).reshape(144, 10)),
            Trainable(w.OutputBias),
        ];
        return new(p, x =>
        {
            var features = nn.functional.relu(nn.functional.conv2d(x.view(-1, 1, 8, 8), p[0], p[1]));
            return Dense(nn.functional.max_pool2d(features, 2).flatten(1), p, 2);
        }, TorchAutogradStep.CrossEntropy, model.Optimizer);
    }

    /// <summary>
    /// nn.LSTM (batch first) with Keras' weights (<see cref="KerasLstm.ToTorch"/>), its second bias frozen at zero so that
    /// the one trained bias is Keras'; then Dense(1) on the last output.
    /// </summary>
    private static TorchAutogradStep Lstm(Tensor kernel, Tensor recurrentKernel, Tensor bias, Tensor outputKernel, Tensor outputBias,
        Optimizer optimizer, Func<Tensor, Tensor> normalize)
    {
        var lstm = KerasLstm.ToTorch(kernel, recurrentKernel, bias);
        lstm.get_parameter("bias_hh_l0")!.requires_grad_(false);
        Tensor[] p =
        [
            lstm.get_parameter("weight_ih_l0")!, lstm.get_parameter("weight_hh_l0")!, lstm.get_parameter("bias_ih_l0")!,
            Trainable(outputKernel), Trainable(outputBias),
        ];
        return new(p, x =>
        {
            var (output, h, c) = lstm.call(normalize(x));
            h.Dispose();
            c.Dispose();
            return Dense(output.select(1, -1), p, 3);
        }, TorchAutogradStep.MeanSquaredError, optimizer);
    }

    private static Tensor Dense(Tensor x, Tensor[] p, int kernel) => x.matmul(p[kernel]).add(p[kernel + 1]);

    private static Func<Tensor, Tensor> Normalization(Tensor mean, Tensor variance)
    {
        var (m, s) = (mean.detach().clone(), variance.sqrt().clamp_min(1e-7));
        return x => (x - m) / s;
    }

    /// <summary>Copies of the model's trainable tensors that require grad, in the optimizer's order.</summary>
    private static Tensor[] Copy(ITrainableModel model) => [.. model.TrainableTensors.Select(Trainable)];

    private static Tensor Trainable(Tensor t) => t.detach().contiguous().clone().requires_grad_();
}

/// <summary>Keras' LSTM weights as TorchSharp's nn.LSTM.</summary>
public static class KerasLstm
{
    /// <summary>
    /// An nn.LSTM (batch first) computing Keras' LSTM: the same gate order i, f, c (torch's g), o; the kernels transposed;
    /// torch's second bias zero.
    /// </summary>
    public static TorchSharp.Modules.LSTM ToTorch(Tensor kernel, Tensor recurrentKernel, Tensor bias)
    {
        var lstm = nn.LSTM(kernel.size(0), recurrentKernel.size(0), batchFirst: true);
        using (no_grad())
        {
            lstm.get_parameter("weight_ih_l0")!.copy_(kernel.t());
            lstm.get_parameter("weight_hh_l0")!.copy_(recurrentKernel.t());
            lstm.get_parameter("bias_ih_l0")!.copy_(bias);
            lstm.get_parameter("bias_hh_l0")!.zero_();
        }
        return lstm;
    }
}
