using ModelDsl.Examples;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Benchmarks;

/// <summary>
/// <see cref="GradesRegression"/>'s train step written the usual TorchSharp way: parameters with requires_grad,
/// loss.backward(), then the SGD update and zeroing of the gradients under no_grad.
/// </summary>
public sealed class TorchAutogradRegressionStep
{
    private const double LearningRate = 0.002;

    public TorchAutogradRegressionStep(GradesRegression model)
    {
        W = model.Weights.W.detach().clone().requires_grad_();
        B = model.Weights.B.detach().clone().requires_grad_();
    }

    public Tensor W { get; }
    public Tensor B { get; }

    /// <summary>Returns the loss before the update.</summary>
    public double TrainStep(Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        var loss = (x.matmul(W).add(B) - y).square().mean();
        loss.backward();
        using (no_grad())
        {
            foreach (var p in (ReadOnlySpan<Tensor>)[W, B])
            {
                var grad = p.grad!;
                p.sub_(grad.mul(LearningRate));
                grad.zero_();
            }
        }
        return loss.ToDouble();
    }
}

/// <summary>
/// <see cref="StockMlp"/>'s train step written the usual TorchSharp way: normalize, flatten, linear, relu, linear and
/// MSE with autograd (loss.backward()), MAE under no_grad, then Keras' Adam written with in-place tensor ops under
/// no_grad: the formula of ModelDsl.Optimizers.Adam (epsilon added to the uncorrected sqrt(v)), not
/// torch.optim.Adam, so the result can be checked against the generated step.
/// </summary>
public sealed class TorchAutogradMlpStep
{
    private const double LearningRate = 0.1, Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-7;

    private readonly Tensor _mean, _standardDeviation;
    private readonly Tensor[] _m, _v;
    private long _iterations;

    public TorchAutogradMlpStep(StockMlp model)
    {
        var w = model.Weights;
        Trainable = [.. w.Trainable.Select(p => p.detach().clone().requires_grad_())];
        _mean = w.NormMean.detach().clone();
        _standardDeviation = w.NormVariance.sqrt().clamp_min(1e-7);
        _m = [.. Trainable.Select(p => zeros_like(p))];
        _v = [.. Trainable.Select(p => zeros_like(p))];
    }

    /// <summary>HiddenKernel, HiddenBias, OutputKernel, OutputBias, as <see cref="StockMlp.Parameters.Trainable"/>.</summary>
    public Tensor[] Trainable { get; }

    /// <summary>Returns the loss and mean absolute error before the update.</summary>
    public (double Loss, double MeanAbsoluteError) TrainStep(Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        var (hiddenKernel, hiddenBias, outputKernel, outputBias) = (Trainable[0], Trainable[1], Trainable[2], Trainable[3]);
        var flat = ((x - _mean) / _standardDeviation).flatten(1);
        var hidden = nn.functional.relu(flat.matmul(hiddenKernel).add(hiddenBias));
        var error = hidden.matmul(outputKernel).add(outputBias) - y;
        var loss = error.square().mean();
        loss.backward();
        double mae;
        using (no_grad())
        {
            mae = error.abs().mean().ToDouble();
            double t = _iterations + 1;
            double alpha = LearningRate * Math.Sqrt(1 - Math.Pow(Beta2, t)) / (1 - Math.Pow(Beta1, t));
            for (int i = 0; i < Trainable.Length; i++)
            {
                var (p, g, m, v) = (Trainable[i], Trainable[i].grad!, _m[i], _v[i]);
                m.add_(g.sub(m).mul_(1 - Beta1));
                v.add_(g.square().sub_(v).mul_(1 - Beta2));
                p.sub_(m.mul(alpha).div_(v.sqrt().add_(Epsilon)));
                g.zero_();
            }
        }
        _iterations++;
        return (loss.ToDouble(), mae);
    }
}
