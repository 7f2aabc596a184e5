using ModelDsl.Data;
using ModelDsl.Kernels;
using ModelDsl.ProcessHost;
using ModelDsl.Training;
using TorchSharp;
using static ModelDsl.Runtime.Tests.Training.FitTestModels;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Training;

/// <summary>Fit's Keras behaviour: callback hooks and their order, running batch logs, History.Epoch/Params,
/// initialEpoch, metric pooling from Totals, NaN handling, progress output (with a stepping clock), Fit over tensors
/// and arrays. Truths are hand computations from scripted step results and Keras' documented rules.</summary>
public class FitTests
{
    public FitTests() => TorchRuntime.Initialize();

    /// <summary>x = 1..5, y = 1..5 in batches of 2: [1, 2], [3, 4], [5]; scripted loss = mean y, "mae" = mean x.</summary>
    private static TensorDataset FiveRows(int batchSize = 2) => new(Column(1, 2, 3, 4, 5), Vector(1, 2, 3, 4, 5), batchSize);

    [Fact]
    public void Callbacks_run_in_keras_order_with_running_batch_logs()
    {
        // Running loss: 1.5; (2·1.5 + 2·3.5) / 4 = 2.5; (3 + 7 + 5) / 5 = 3. Validation (one batch): scripted 0.25, 0.125.
        var calls = new List<string>();
        var model = new ScriptedModel(0.25, 0.125);
        var history = TrainingLoop.Fit(model, FiveRows(), epochs: 2, validation: FiveRows(8), callbacks: [new RecordingCallback(calls)], verbose: 0);
        Assert.Equal(
        [
            "TrainBegin",
            "EpochBegin 0", "BatchEnd 0 loss=1.5 mae=1.5", "BatchEnd 1 loss=2.5 mae=2.5", "BatchEnd 2 loss=3 mae=3",
            "EpochEnd 0 [loss=3, mae=3, val_loss=0.25, val_mae=0.5]",
            "EpochBegin 1", "BatchEnd 0 loss=1.5 mae=1.5", "BatchEnd 1 loss=2.5 mae=2.5", "BatchEnd 2 loss=3 mae=3",
            "EpochEnd 1 [loss=3, mae=3, val_loss=0.125, val_mae=0.25]",
            "TrainEnd [loss, mae, val_loss, val_mae]",
        ], calls);
        Assert.Equal([0, 1], history.Epoch);
        Assert.Equal(new FitParams(0, 2, 3), history.Params);
    }

    /// <summary>Adds "seen" = 7 to the logs at every epoch end.</summary>
    private sealed class AddsALog : ICallback
    {
        public void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs, TrainingControl control) => control.SetLog("seen", 7);
    }

    [Fact]
    public void A_value_a_callback_adds_reaches_later_callbacks_the_history_and_the_progress_line()
    {
        var calls = new List<string>();
        var output = new StringWriter();
        var history = TrainingLoop.Fit(new ScriptedModel(), FiveRows(), 1, callbacks: [new RecordingCallback(calls, "a:"), new AddsALog(), new RecordingCallback(calls, "b:")],
            verbose: 2, output: output, initialEpoch: 0, clock: new SteppingClock().Read, log: null, validation: null);
        Assert.Contains("a:EpochEnd 0 [loss=3, mae=3]", calls);
        Assert.Contains("b:EpochEnd 0 [loss=3, mae=3, seen=7]", calls);
        Assert.Equal(["loss", "mae", "seen"], history.Keys);
        Assert.EndsWith("- loss: 3.0000 - mae: 3.0000 - seen: 7.0000\n", output.ToString());
        Assert.Throws<InvalidOperationException>(() => new TrainingControl(new ScriptedModel()).SetLog("x", 1));
    }

    [Fact]
    public void Verbose_2_prints_keras_epoch_lines()
    {
        // Clock readings 0.0, 0.1, ...: the epoch starts at 0.0, batches end at 0.1, 0.2, 0.3, the line at 0.4:
        // elapsed 0.4 s -> "0s"; per step, the first step left out as Keras does: (0.4 - 0.1) / 2 = 150 ms.
        var output = new StringWriter();
        TrainingLoop.Fit(new ScriptedModel(0.25, 1e-4), FiveRows(), 2, FiveRows(8), null, null, verbose: 2, output, 0, new SteppingClock().Read);
        Assert.Equal(
            "Epoch 1/2\n3/3 - 0s - 150ms/step - loss: 3.0000 - mae: 3.0000 - val_loss: 0.2500 - val_mae: 0.5000\n" +
            "Epoch 2/2\n3/3 - 0s - 150ms/step - loss: 3.0000 - mae: 3.0000 - val_loss: 1.0000e-04 - val_mae: 2.0000e-04\n",
            output.ToString());
    }

    [Fact]
    public void Verbose_1_prints_the_finished_bar_once_per_epoch_when_not_on_a_terminal()
    {
        var output = new StringWriter();
        TrainingLoop.Fit(new ScriptedModel(), FiveRows(), 1, null, null, null, verbose: 1, output, 0, new SteppingClock().Read);
        Assert.Equal("3/3 ━━━━━━━━━━━━━━━━━━━━ 0s 150ms/step - loss: 3.0000 - mae: 3.0000\n", output.ToString());   // no "Epoch 1/1" for one epoch

        var silent = new StringWriter();
        TrainingLoop.Fit(new ScriptedModel(), FiveRows(), 2, verbose: 0, output: silent);
        Assert.Equal("", silent.ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainingLoop.Fit(new ScriptedModel(), FiveRows(), 1, verbose: 3));
    }

    [Fact]
    public void Evaluate_prints_like_keras_evaluate()
    {
        var output = new StringWriter();
        var result = TrainingLoop.Evaluate(new ScriptedModel(), FiveRows(), verbose: 2, output, new SteppingClock().Read);
        Assert.Equal(3.0, result.Loss);
        Assert.Equal("3/3 - 0s - 150ms/step - loss: 3.0000 - mae: 6.0000\n", output.ToString());   // TestStep's "mae" is twice its loss
    }

    [Fact]
    public void The_live_bar_redraws_in_place_with_keras_layout()
    {
        // Step 1 of 4 after 0.1 s: 5 of 20 cells done, ETA 0.1 · 3 = 0.3 s -> "0s", 100 ms/step. Finished at 0.3 s:
        // (0.3 - 0.1) / 3 = 67 ms/step (Keras leaves the first step out of the estimate).
        var output = new StringWriter();
        var progress = new Progress(output, 1, dynamic: true, new SteppingClock().Read);
        progress.Begin();
        progress.Update(1, 4, [KeyValuePair.Create("loss", 12.5)]);
        progress.Update(2, 4, [KeyValuePair.Create("loss", 0.5)]);
        progress.Finish(4, [KeyValuePair.Create("loss", 0.25)]);
        string[] draws = output.ToString().Split('\r', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, draws.Length);
        Assert.Equal("\x1b[1m1/4\x1b[0m \x1b[32m━━━━━\x1b[0m\x1b[37m━━━━━━━━━━━━━━━\x1b[0m \x1b[1m0s\x1b[0m 100ms/step - loss: 12.5000", draws[0]);
        Assert.EndsWith("\x1b[1m0s\x1b[0m 100ms/step - loss: 0.5000 ", draws[1]);   // one space clears the longer line's last character
        Assert.Equal("\x1b[1m4/4\x1b[0m \x1b[32m━━━━━━━━━━━━━━━━━━━━\x1b[0m\x1b[37m\x1b[0m \x1b[1m0s\x1b[0m 67ms/step - loss: 0.2500 \n", draws[2]);   // padded over the longer previous line
        Assert.Equal(" 850us/step", Progress.FormatTime(0.00085));
        Assert.Equal(" 2s/step", Progress.FormatTime(2.4));
        Assert.Equal(["0.1235", "1.0000e-04", "-2.5000e-04", "0.0000e+00", "nan", "-inf"],
            new[] { 0.12345, 1e-4, -2.5e-4, 0, double.NaN, double.NegativeInfinity }.Select(Progress.FormatValue));
    }

    [Fact]
    public void Initial_epoch_continues_the_epoch_indices_as_keras()
    {
        var output = new StringWriter();
        var history = TrainingLoop.Fit(new ScriptedModel(), FiveRows(), epochs: 5, verbose: 2, output: output, initialEpoch: 3);
        Assert.Equal([3, 4], history.Epoch);
        Assert.Equal(2, history.Epochs);
        Assert.Equal(new FitParams(2, 5, 3), history.Params);
        Assert.StartsWith("Epoch 4/5\n", output.ToString());
        Assert.Contains("\nEpoch 5/5\n", output.ToString());
        Assert.Equal(0, TrainingLoop.Fit(new ScriptedModel(), FiveRows(), epochs: 2, verbose: 0, initialEpoch: 2).Epochs);
    }

    [Fact]
    public void Metrics_reporting_totals_are_pooled_as_keras_stateful_metrics()
    {
        // Batch 1: x 0.9, 0.1; y 1, 0 -> 1 predicted positive, 1 true: precision 1, squared errors 0.
        // Batch 2: x 0.9, 0.9; y 0, 0 -> 2 predicted, 0 true: precision 0, squared errors 2.
        // Keras: precision = ΣTP / Σpredicted = 1/3; the batch-weighted mean would be 0.5. RMSE sqrt(2/4) either way.
        var data = new TensorDataset(Vector(0.9, 0.1, 0.9, 0.9), Vector(1, 0, 0, 0), batchSize: 2);
        var pooled = TrainingLoop.Evaluate(new ThresholdClassifier(reportTotals: true), data, verbose: 0);
        Assert.Equal(1.0 / 3, pooled.Metrics["precision"], 15);
        Assert.Equal(Math.Sqrt(0.5), pooled.Metrics["root_mean_squared_error"], 15);
        Assert.Equal(new MetricTotals(1, 3), pooled.Totals!["precision"]);
        var meaned = TrainingLoop.Evaluate(new ThresholdClassifier(reportTotals: false), data, verbose: 0);
        Assert.Equal(0.5, meaned.Metrics["precision"], 15);
        Assert.Null(meaned.Totals);

        var history = TrainingLoop.Fit(new ThresholdClassifier(true), data, 2, validation: data, verbose: 0);
        Assert.Equal([1.0 / 3, 1.0 / 3], history["precision"]);
        Assert.Equal([1.0 / 3, 1.0 / 3], history["val_precision"]);
    }

    /// <summary>Reports Totals only in its first batch.</summary>
    private sealed class Inconsistent : ITrainableModel
    {
        private int _calls;
        public IReadOnlyList<string> MetricNames => ["precision"];
        public IReadOnlyList<Tensor> TrainableTensors => [];
        public StepResult TrainStep(Tensor x, Tensor y) => TestStep(x, y);
        public StepResult TestStep(Tensor x, Tensor y) => new(0, new Dictionary<string, double> { ["precision"] = 1 })
        {
            Totals = _calls++ == 0 ? new Dictionary<string, MetricTotals> { ["precision"] = new(1, 1) } : null,
        };
    }

    [Fact]
    public void A_metric_must_be_reported_the_same_way_in_every_batch()
    {
        var e = Assert.Throws<InvalidOperationException>(() => TrainingLoop.Evaluate(new Inconsistent(), FiveRows(), verbose: 0));
        Assert.Contains("'precision' was reported with Totals in an earlier batch and without them in this one", e.Message);
    }

    [Fact]
    public void A_non_finite_validation_loss_stops_with_epoch_and_key_before_callbacks_see_it()
    {
        var calls = new List<string>();
        var model = new ScriptedModel(1.0, double.NaN, 0.5);
        var stopper = new EarlyStopping(patience: 5, restoreBestWeights: true);
        var e = Assert.Throws<NonFiniteMetricException>(() =>
            TrainingLoop.Fit(model, FiveRows(), 3, FiveRows(8), [stopper, new RecordingCallback(calls)], verbose: 0));
        Assert.Equal((2, "val_loss"), (e.Epoch, e.Key));
        Assert.StartsWith("val_loss became NaN at epoch 2 (counted from 1) although every training batch had a finite loss.", e.Message);
        Assert.DoesNotContain(calls, c => c.StartsWith("EpochEnd 1", StringComparison.Ordinal));
        Assert.Equal(0, stopper.BestEpoch);
    }

    [Fact]
    public void Early_stopping_never_takes_nan_for_an_improvement_nor_restores_a_stale_snapshot()
    {
        var model = new ScriptedModel();
        var control = new TrainingControl(model);
        var stopper = new EarlyStopping(patience: 1, restoreBestWeights: true);
        ((ICallback)stopper).OnTrainBegin(control);
        stopper.OnEpochEnd(0, new Dictionary<string, double> { ["val_loss"] = double.NaN }, control);   // weights 0: not a snapshot
        model.W.fill_(5);
        stopper.OnEpochEnd(1, new Dictionary<string, double> { ["val_loss"] = 3 }, control);
        model.W.fill_(6);
        stopper.OnEpochEnd(2, new Dictionary<string, double> { ["val_loss"] = double.NaN }, control);
        Assert.True(control.StopTraining);
        Assert.Equal((1, 2), (stopper.BestEpoch, stopper.StoppedEpoch));
        Assert.Equal(5.0, model.W.item<double>());

        // Only NaN: nothing was ever best, nothing is restored (Keras would restore the epoch-0 weights).
        var nanOnly = new ScriptedModel();
        var control2 = new TrainingControl(nanOnly);
        var stopper2 = new EarlyStopping(patience: 1, restoreBestWeights: true);
        stopper2.OnEpochEnd(0, new Dictionary<string, double> { ["val_loss"] = double.NaN }, control2);
        nanOnly.W.fill_(9);
        stopper2.OnEpochEnd(1, new Dictionary<string, double> { ["val_loss"] = double.NaN }, control2);
        Assert.True(control2.StopTraining);
        Assert.Equal(-1, stopper2.BestEpoch);
        Assert.Equal(9.0, nanOnly.W.item<double>());
    }

    [Fact]
    public void Terminate_on_nan_stops_cleanly_and_keeps_only_complete_epochs()
    {
        // Three batches per epoch: step 5 is epoch 1, batch 1 (0-based).
        var calls = new List<string>();
        var output = new StringWriter();
        var terminate = new TerminateOnNaN();
        var model = new ScriptedModel { LossOverride = step => step == 5 ? double.NaN : 1.0 };
        var history = TrainingLoop.Fit(model, FiveRows(), 4, callbacks: [terminate, new RecordingCallback(calls)], verbose: 0, output: output);
        Assert.Equal(1, history.Epochs);
        Assert.Equal([0], history.Epoch);
        Assert.Equal((1, 1), (terminate.StoppedEpoch, terminate.StoppedBatch));
        Assert.Contains("Batch 1: Invalid loss, terminating training", output.ToString());
        Assert.Equal("TrainEnd [loss, mae]", calls[^1]);
        Assert.DoesNotContain(calls, c => c.StartsWith("EpochEnd 1", StringComparison.Ordinal));
        Assert.Equal(5, model.TrainBatches.Count);
    }

    /// <summary>Keeps a copy of the weights after every batch whose loss was finite.</summary>
    private sealed class LastFiniteWeights(TinyModel model) : ICallback
    {
        public float[]? Kernel;
        public void OnBatchEnd(int batch, IReadOnlyDictionary<string, double> logs, TrainingControl control)
        {
            if (double.IsFinite(logs["loss"])) Kernel = model.OutputKernel.data<float>().ToArray();
        }
        public void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs, TrainingControl control) { }
    }

    [Fact]
    public void Terminate_on_nan_leaves_the_last_finite_weights()
    {
        // Float32 overflow: a sample of 1e30 gives a squared error of ~1e60 = inf in the third batch.
        using var model = new TinyModel(2, 1, seed: 3, optimizer: new ModelDsl.Optimizers.Sgd(0.01));
        var x = tensor(new float[] { 1, 2, 3, 4, 1e30f, 1, 2, 2 }).reshape(4, 2);
        var y = tensor(new float[] { 1, 2, 3, 4 }).reshape(4, 1);
        var last = new LastFiniteWeights(model);
        var history = TrainingLoop.Fit(model, new TensorDataset(x, y, batchSize: 1), 3, callbacks: [new TerminateOnNaN(), last], verbose: 0, output: TextWriter.Null);
        Assert.Equal(0, history.Epochs);
        Assert.Equal(1, model.SkippedUpdates);
        Assert.Equal(last.Kernel, model.OutputKernel.data<float>().ToArray());
        Assert.All(model.OutputKernel.data<float>().ToArray(), v => Assert.True(float.IsFinite(v)));

        using var again = new TinyModel(2, 1, seed: 3, optimizer: new ModelDsl.Optimizers.Sgd(0.01));
        var e = Assert.Throws<NonFiniteLossException>(() => TrainingLoop.Fit(again, new TensorDataset(x, y, batchSize: 1), 3, verbose: 0));
        Assert.Equal((1, 3), (e.Epoch, e.Batch));
    }

    [Fact]
    public void Non_finite_inputs_are_reported_with_tensor_batch_and_index()
    {
        var bad = Column(1, 2, 3, double.NaN);
        var train = Assert.Throws<NonFiniteInputException>(() =>
            TrainingLoop.Fit(new ScriptedModel(), new TensorDataset(bad, Vector(1, 2, 3, 4), batchSize: 2), 1, verbose: 0));
        Assert.StartsWith("ScriptedModel: x of batch 2 (counted from 1) holds NaN at index [1, 0].", train.Message);

        var validation = Assert.Throws<NonFiniteInputException>(() =>
            TrainingLoop.Fit(new ScriptedModel(), FiveRows(), 1, new TensorDataset(bad, Vector(1, 2, 3, 4), batchSize: 8), verbose: 0));
        Assert.StartsWith("ScriptedModel: validation x of batch 1 (counted from 1) holds NaN at index [3, 0].", validation.Message);

        var targets = Assert.Throws<NonFiniteInputException>(() =>
            TrainingLoop.Evaluate(new ScriptedModel(), new TensorDataset(Column(1, 2), Vector(double.PositiveInfinity, 1), batchSize: 1), verbose: 0));
        Assert.StartsWith("ScriptedModel: y of batch 1 (counted from 1) holds +∞ at index [0].", targets.Message);

        using var model = new TinyModel(1, 1);
        var predict = Assert.Throws<NonFiniteInputException>(() =>
            TrainingLoop.Predict(model.Predict, new TensorDataset(tensor(new float[] { 1, float.NaN }).reshape(2, 1), zeros(2), batchSize: 1)));
        Assert.StartsWith("TinyModel: x of batch 2 (counted from 1) holds NaN at index [0, 0].", predict.Message);
    }

    [Fact]
    public void Fit_over_tensors_validates_on_the_last_fraction_before_shuffling()
    {
        // 10 samples, validationSplit 0.2: floor(10 · 0.8) = 8 train (0..7), validation 8 and 9, as Keras.
        var model = new ScriptedModel();
        var x = Column([.. Enumerable.Range(0, 10).Select(i => (double)i)]);
        var history = TrainingLoop.Fit(model, x, x, batchSize: 4, epochs: 1, validationSplit: 0.2, shuffle: false, verbose: 0);
        Assert.Equal([[0.0, 1, 2, 3], [4.0, 5, 6, 7]], model.TrainBatches);
        Assert.Equal([[8.0, 9]], model.TestBatches);
        Assert.Equal(["loss", "mae", "val_loss", "val_mae"], history.Keys);

        var shuffled = new ScriptedModel();
        TrainingLoop.Fit(shuffled, x, x, batchSize: 4, epochs: 3, validationSplit: 0.2, shuffle: true, verbose: 0, seed: 5);
        var orders = EpochPositionTestsOrders(8, 5, 3);
        for (int e = 0; e < 3; e++)
            Assert.Equal(orders[e], shuffled.TrainBatches.Skip(2 * e).Take(2).SelectMany(b => b).ToArray());
        Assert.All(shuffled.TestBatches, b => Assert.Equal([8.0, 9], b));

        // Resumed at epoch 2: the orders of the uninterrupted run continue.
        var resumed = new ScriptedModel();
        TrainingLoop.Fit(resumed, x, x, batchSize: 4, epochs: 3, validationSplit: 0.2, verbose: 0, seed: 5, initialEpoch: 2);
        Assert.Equal(orders[2], resumed.TrainBatches.SelectMany(b => b).ToArray());
    }

    private static double[][] EpochPositionTestsOrders(int count, int seed, int epochs)
    {
        var random = new Random(seed);
        var orders = new double[epochs][];
        for (int e = 0; e < epochs; e++)
        {
            var order = Enumerable.Range(0, count).Select(i => (long)i).ToArray();
            random.Shuffle(order);
            orders[e] = [.. order.Select(i => (double)i)];
        }
        return orders;
    }

    [Fact]
    public void Fit_over_tensors_prefers_validation_data_and_refuses_an_empty_split()
    {
        var model = new ScriptedModel();
        var x = Column(0, 1, 2, 3);
        TrainingLoop.Fit(model, x, x, batchSize: 4, validationSplit: 0.5, shuffle: false, validationData: (Column(7), Column(7)), verbose: 0);
        Assert.Equal([[0.0, 1, 2, 3]], model.TrainBatches);
        Assert.Equal([[7.0]], model.TestBatches);

        var e = Assert.Throws<ArgumentException>(() => TrainingLoop.Fit(new ScriptedModel(), Column(1), Column(1), validationSplit: 0.5, verbose: 0));
        Assert.StartsWith("Training data contains 1 samples, which is not sufficient to split it into a validation and training set", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainingLoop.Fit(new ScriptedModel(), x, x, validationSplit: 1, verbose: 0));
        Assert.Throws<ArgumentException>(() => TrainingLoop.Fit(new ScriptedModel(), x, Column(1, 2), verbose: 0));
    }

    [Fact]
    public void Fit_over_arrays_converts_as_keras_floatx()
    {
        var model = new ScriptedModel();
        TrainingLoop.Fit(model, new float[,] { { 1 }, { 2 }, { 3 } }, new double[] { 1, 2, 3 }, batchSize: 3, shuffle: false, verbose: 0);
        Assert.Equal([[1.0, 2, 3]], model.TrainBatches);

        using var floats = ArrayTensors.From(new double[,,] { { { 1, 2 } }, { { 3, 4 } } }, ScalarType.Float32, "x");
        Assert.Equal(ScalarType.Float32, floats.dtype);
        Assert.Equal([2L, 1, 2], floats.shape);
        Assert.Equal([1f, 2, 3, 4], floats.data<float>().ToArray());
        using var doubles = ArrayTensors.From(new float[] { 1.5f }, ScalarType.Float64, "x");
        Assert.Equal(ScalarType.Float64, doubles.dtype);
        using var labels = ArrayTensors.From(new[] { 1, 0, 2 }, ScalarType.Float32, "y");
        Assert.Equal(ScalarType.Int64, labels.dtype);
        Assert.Equal([1L, 0, 2], labels.data<long>().ToArray());
        Assert.Contains("String array", Assert.Throws<ArgumentException>(() => ArrayTensors.From(new[] { "a" }, ScalarType.Float32, "x")).Message);
    }
}
