using ModelDsl.Kernels;
using ModelDsl.Data;
using ModelDsl.Optimizers;
using ModelDsl.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Training;

public class TrainingLoopTests
{
    public TrainingLoopTests() => TorchRuntime.Initialize();

    private static Tensor Column(params double[] values) => tensor((double[])values.Clone(), dtype: ScalarType.Float64).reshape(-1, 1);

    /// <summary>y = w x with MSE, metric "mae", gradient by hand: dL/dw = mean(2 (w x - y) x); plain SGD.</summary>
    private sealed class Linear(double w, double learningRate) : ITrainableModel
    {
        private readonly Sgd _sgd = new(learningRate);
        public Tensor W { get; } = tensor(new[] { w }, dtype: ScalarType.Float64);
        public IReadOnlyList<string> MetricNames => ["mae"];
        public IReadOnlyList<Tensor> TrainableTensors => [W];

        public StepResult TrainStep(Tensor x, Tensor y)
        {
            var result = TestStep(x, y);
            var error = x.mul(W).sub(y);
            _sgd.Step([W], [error.mul(x).mul(2).mean().reshape(1)]);
            return result;
        }

        public StepResult TestStep(Tensor x, Tensor y)
        {
            var error = x.mul(W).sub(y);
            return new StepResult(error.square().mean().item<double>(),
                new Dictionary<string, double> { ["mae"] = error.abs().mean().item<double>() });
        }
    }

    /// <summary>Reports the batch's mean y as the loss and mean x as "mae"; plays back scripted validation losses,
    /// one per TestStep call (validation sets of one batch: one per epoch) and adds 1 to its weight at each.</summary>
    private sealed class Scripted(params double[] validationLosses) : ITrainableModel
    {
        private int _tests, _trainSteps;
        public Tensor W { get; } = tensor(new[] { 0.0 }, dtype: ScalarType.Float64);
        public List<int> TrainBatchSizes { get; } = [];
        /// <summary>The loss of the n-th TrainStep call (1-based), when set.</summary>
        public Func<int, double>? LossOverride { get; init; }
        public IReadOnlyList<string> MetricNames => ["mae"];
        public IReadOnlyList<Tensor> TrainableTensors => [W];

        public StepResult TrainStep(Tensor x, Tensor y)
        {
            TrainBatchSizes.Add((int)x.shape[0]);
            _trainSteps++;
            double loss = LossOverride?.Invoke(_trainSteps) ?? y.mean().item<double>();
            return new StepResult(loss, new Dictionary<string, double> { ["mae"] = x.mean().item<double>() });
        }

        public StepResult TestStep(Tensor x, Tensor y)
        {
            double loss = validationLosses.Length > 0 ? validationLosses[_tests] : y.mean().item<double>();
            _tests++;
            W.add_(1);
            return new StepResult(loss, new Dictionary<string, double> { ["mae"] = 2 * loss });
        }
    }

    /// <summary>Predicts 0; reports the batch RMSE (computed by the metric kernel) under Keras' name.</summary>
    private sealed class ZeroPredictor : ITrainableModel
    {
        private static readonly string Rmse = MetricKernel.KerasName(Metric.RootMeanSquaredError);
        public IReadOnlyList<string> MetricNames => [Rmse];
        public IReadOnlyList<Tensor> TrainableTensors => [];
        public StepResult TrainStep(Tensor x, Tensor y) => TestStep(x, y);
        public StepResult TestStep(Tensor x, Tensor y) =>
            new(0, new Dictionary<string, double> { [Rmse] = MetricKernel.Compute(Metric.RootMeanSquaredError, zeros_like(y), y) });
    }

    [Fact]
    public void Epoch_rmse_is_the_root_of_the_pooled_mean_square_as_in_keras()
    {
        // Errors 1, 1, 1 | 5 (batches of 3 and 1): Keras' stateful RMSE is sqrt((1 + 1 + 1 + 25) / 4) = sqrt(7);
        // the batch-weighted mean of the batch roots would be (3 * 1 + 1 * 5) / 4 = 2.
        var y = Column(1, 1, 1, 5);
        var data = new TensorDataset(Column(0, 0, 0, 0), y, batchSize: 3);
        var result = TrainingLoop.Evaluate(new ZeroPredictor(), data);
        Assert.Equal(Math.Sqrt(7), result.Metrics["root_mean_squared_error"], 12);
    }

    [Fact]
    public void Epoch_values_are_batch_size_weighted_means_and_history_has_keras_keys()
    {
        // y = 0..9 in batches of 4, 4, 2: batch means 1.5, 5.5, 8.5. Weighted: (4*1.5 + 4*5.5 + 2*8.5) / 10 = 4.5,
        // the plain mean of the batch means would be 5.1667.
        var x = Column([.. Enumerable.Range(0, 10).Select(i => 100.0 + i)]);
        var y = tensor(Enumerable.Range(0, 10).Select(i => (double)i).ToArray(), dtype: ScalarType.Float64);
        var model = new Scripted();
        var history = TrainingLoop.Fit(model, new TensorDataset(x, y, batchSize: 4), epochs: 2);

        Assert.Equal(["loss", "mae"], history.Keys);
        Assert.Equal(2, history.Epochs);
        Assert.Equal([4.5, 4.5], history["loss"]);
        Assert.Equal(104.5, history["mae"][0], 12);
        Assert.Equal([4, 4, 2, 4, 4, 2], model.TrainBatchSizes);
        Assert.Contains("has no 'val_loss'; it has [loss, mae]", Assert.Throws<KeyNotFoundException>(() => history["val_loss"]).Message);
    }

    [Fact]
    public void Validation_adds_val_keys_and_the_log_prints_a_line_per_epoch()
    {
        var x = Column(1, 2, 3, 4);
        var y = tensor(new[] { 1.0, 2, 3, 4 }, dtype: ScalarType.Float64);
        var model = new Scripted(0.25, 0.125, 0.0001);
        var lines = new List<string>();
        var history = TrainingLoop.Fit(model, new TensorDataset(x, y, batchSize: 3), epochs: 3,
            validation: new TensorDataset(x, y, batchSize: 8), log: lines.Add);

        Assert.Equal(["loss", "mae", "val_loss", "val_mae"], history.Keys);
        Assert.Equal([0.25, 0.125, 0.0001], history["val_loss"]);
        Assert.Equal([0.5, 0.25, 0.0002], history["val_mae"]);
        Assert.Equal(3, lines.Count);
        Assert.Equal("Epoch 1/3 - 2/2 - loss: 2.5000 - mae: 2.5000 - val_loss: 0.2500 - val_mae: 0.5000", lines[0]);
        Assert.EndsWith("val_loss: 1.0000e-04 - val_mae: 2.0000e-04", lines[2]);
    }

    [Fact]
    public void A_linear_model_learns_with_the_hand_gradient()
    {
        // One batch of x = [1, 2], y = 3x; w0 = 0: loss = mean((0 - 3x)^2) = (9 + 36) / 2 = 22.5;
        // dL/dw = mean(2 * (-3x) * x) = -15; w1 = 0 + 0.01 * 15 = 0.15.
        var model = new Linear(0, 0.01);
        var data = new TensorDataset(Column(1, 2), Column(3, 6), batchSize: 2);
        var history = TrainingLoop.Fit(model, data, epochs: 1);
        Assert.Equal(22.5, history["loss"][0], 12);
        Assert.Equal(4.5, history["mae"][0], 12);
        Assert.Equal(0.15, model.W.item<double>(), 12);

        TrainingLoop.Fit(model, data, epochs: 600);   // w -> 3 by a factor 0.95 per step
        Assert.Equal(3.0, model.W.item<double>(), 6);
        var evaluated = TrainingLoop.Evaluate(model, data);
        Assert.True(evaluated.Loss < 1e-10, $"loss {evaluated.Loss}");
    }

    [Fact]
    public void Evaluate_weights_batches_by_size()
    {
        var x = Column(1, 2, 3, 4, 5);
        var y = tensor(new[] { 0.0, 0, 0, 10, 10 }, dtype: ScalarType.Float64);
        // Batches of 3 and 2: TestStep of the scripted model without a script gives mean y: 0 and 10 -> (3*0 + 2*10) / 5 = 4.
        var result = TrainingLoop.Evaluate(new Scripted(), new TensorDataset(x, y, batchSize: 3));
        Assert.Equal(4.0, result.Loss, 12);
        Assert.Equal(8.0, result.Metrics["mae"], 12);
    }

    [Fact]
    public void Early_stopping_waits_patience_epochs_and_restores_the_best_weights()
    {
        // val_loss 5, 3, 4, 6, 7, ...: best at epoch 1 (weights 2); epochs 2 and 3 do not improve; patience 2 stops after epoch 3.
        var model = new Scripted(5, 3, 4, 6, 7, 8);
        var stopper = new EarlyStopping(patience: 2, restoreBestWeights: true);
        var data = new TensorDataset(Column(1, 2), tensor(new[] { 1.0, 2 }, dtype: ScalarType.Float64), batchSize: 2);
        var history = TrainingLoop.Fit(model, data, epochs: 6, validation: data, callbacks: [stopper]);

        Assert.Equal(4, history.Epochs);
        Assert.Equal((1, 3), (stopper.BestEpoch, stopper.StoppedEpoch));
        Assert.Equal(2.0, model.W.item<double>());   // 4 without the restore

        var keep = new Scripted(5, 3, 4, 6, 7, 8);
        TrainingLoop.Fit(keep, data, epochs: 6, validation: data, callbacks: [new EarlyStopping(patience: 2)]);
        Assert.Equal(4.0, keep.W.item<double>());
    }

    [Fact]
    public void Early_stopping_on_a_missing_monitor_lists_the_logs()
    {
        var data = new TensorDataset(Column(1, 2), tensor(new[] { 1.0, 2 }, dtype: ScalarType.Float64));
        var e = Assert.Throws<InvalidOperationException>(() => TrainingLoop.Fit(new Scripted(), data, 2, callbacks: [new EarlyStopping()]));
        Assert.Contains("monitors 'val_loss', which the epoch logs do not have: they have [loss, mae]", e.Message);
    }

    [Fact]
    public void A_nan_loss_names_epoch_and_batch()
    {
        // 5 rows in batches of 2: 3 batches per epoch, so the 6th step is epoch 2, batch 3.
        var model = new Scripted { LossOverride = step => step == 6 ? double.NaN : 1.0 };
        var data = new TensorDataset(Column(1, 2, 3, 4, 5), tensor(new[] { 1.0, 2, 3, 4, 5 }, dtype: ScalarType.Float64), batchSize: 2);
        var e = Assert.Throws<NonFiniteLossException>(() => TrainingLoop.Fit(model, data, epochs: 3));
        Assert.Equal((2, 3), (e.Epoch, e.Batch));
        Assert.StartsWith("The loss became NaN at epoch 2, batch 3", e.Message);
        Assert.Contains("lower the learning rate", e.Message);
        Assert.Contains("scale the targets", e.Message);

        var diverging = new Linear(0, 10);
        var big = new TensorDataset(Column(100, 200), Column(300, 600), batchSize: 1);
        var inf = Assert.Throws<NonFiniteLossException>(() => TrainingLoop.Fit(diverging, big, epochs: 100));
        Assert.True(inf.Epoch >= 1 && inf.Batch is 1 or 2, inf.Message);
    }
}
