using ModelDsl.Initializers;
using ModelDsl.Kernels;
using ModelDsl.Optimizers;
using ModelDsl.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.ProcessHost;

/// <summary>
/// A hand-written <see cref="ICheckpointable"/> standing in for a generated model: <c>y = (dropout(x) · scale) · kernel + bias</c>,
/// mean squared error, metric "mae", gradients by hand through <see cref="DenseKernel"/>. Trainable: OutputKernel
/// (in, out), OutputBias (out); non-trainable: InputScale (in, fixed), StepCount (an int64 scalar counting train steps).
/// Like the generated TrainStep will, it skips the optimizer update when the loss is not finite.
/// </summary>
public sealed class TinyModel : ICheckpointable, IDisposable
{
    private readonly int _inputs, _outputs;
    private readonly double _dropout;
    private readonly ScalarType _dtype;

    public TinyModel(int inputs, int outputs, int seed = 0, ScalarType dtype = ScalarType.Float32, double dropout = 0, Optimizer? optimizer = null)
    {
        TorchRuntime.Initialize();
        _inputs = inputs;
        _outputs = outputs;
        _dropout = dropout;
        _dtype = dtype;
        var init = new Generator((ulong)seed);
        OutputKernel = new GlorotUniform().Create([inputs, outputs], dtype, init);
        OutputBias = zeros(outputs, dtype: dtype);
        InputScale = linspace(1.0, 0.5, inputs, dtype: dtype);
        StepCount = tensor(0L);
        RandomGenerator = dropout > 0 ? new Generator((ulong)seed + 1) : null;
        Optimizer = optimizer ?? new Adam(0.01);
        NamedTensors =
        [
            new("OutputKernel", OutputKernel, true), new("OutputBias", OutputBias, true),
            new("InputScale", InputScale, false), new("StepCount", StepCount, false),
        ];
    }

    public Tensor OutputKernel { get; }
    public Tensor OutputBias { get; }
    public Tensor InputScale { get; }
    public Tensor StepCount { get; }

    public IReadOnlyList<NamedTensor> NamedTensors { get; }
    public Optimizer Optimizer { get; set; }
    public Generator? RandomGenerator { get; }
    public IReadOnlyList<string> MetricNames { get; } = ["mae"];
    public IReadOnlyList<Tensor> TrainableTensors => [OutputKernel, OutputBias];

    public string Architecture =>
        $"TinyModel: input ({_inputs}) {_dtype}; Dropout({_dropout}) (None, {_inputs}) 0; Scale (None, {_inputs}) {_inputs}; " +
        $"Dense({_outputs}) (None, {_outputs}) {(_inputs + 1) * _outputs}; total {(_inputs + 2) * _outputs + _inputs + 1}";

    /// <summary>How many updates TrainStep skipped because the loss was not finite.</summary>
    public int SkippedUpdates { get; private set; }

    public Tensor Predict(Tensor x)
    {
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(DenseKernel.Forward(x.mul(InputScale), OutputKernel, OutputBias));
    }

    public StepResult TrainStep(Tensor x, Tensor y)
    {
        StepResult result;
        DenseGradients gradients;
        using (var scope = NewDisposeScope())
        {
            var input = x.mul(InputScale);
            if (RandomGenerator is not null)
            {
                var keep = rand(input.shape, dtype: input.dtype, generator: RandomGenerator).ge(_dropout);
                input = input.mul(keep).div(1 - _dropout);
            }
            var prediction = DenseKernel.Forward(input, OutputKernel, OutputBias);
            double loss = LossKernel.Forward(Loss.MeanSquaredError, prediction, y).ToDouble();
            result = new StepResult(loss, new Dictionary<string, double> { ["mae"] = MetricKernel.Compute(Metric.MeanAbsoluteError, prediction, y) });
            if (!double.IsFinite(loss))
            {
                SkippedUpdates++;
                return result;
            }
            gradients = DenseKernel.Backward(LossKernel.Backward(Loss.MeanSquaredError, prediction, y), input, OutputKernel);
            scope.MoveToOuter(gradients.Kernel, gradients.Bias!);
        }
        Optimizer.Step(TrainableTensors, [gradients.Kernel, gradients.Bias!]);
        StepCount.add_(1);
        gradients.Kernel.Dispose();
        gradients.Bias!.Dispose();
        return result;
    }

    public StepResult TestStep(Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        var prediction = DenseKernel.Forward(x.mul(InputScale), OutputKernel, OutputBias);
        return new StepResult(LossKernel.Forward(Loss.MeanSquaredError, prediction, y).ToDouble(),
            new Dictionary<string, double> { ["mae"] = MetricKernel.Compute(Metric.MeanAbsoluteError, prediction, y) });
    }

    public void Dispose()
    {
        foreach (var t in NamedTensors) t.Tensor.Dispose();
        Optimizer.Dispose();
        RandomGenerator?.Dispose();
    }
}
