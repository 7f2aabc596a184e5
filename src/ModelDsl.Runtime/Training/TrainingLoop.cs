using System.Globalization;
using System.Text;
using ModelDsl.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Training;

/// <summary>Keras' <c>fit</c>, <c>evaluate</c> and <c>predict</c> over any <see cref="ITrainableModel"/>.</summary>
public static class TrainingLoop
{
    private const string LossKey = "loss";
    private const string ValidationPrefix = "val_";

    /// <summary>
    /// Trains epochs <paramref name="initialEpoch"/> to <paramref name="epochs"/> − 1 (Keras' <c>initial_epoch</c>: the
    /// epoch indices, the history's <see cref="History.Epoch"/> and the "Epoch k/n" lines continue from there). Per
    /// epoch: the loss is the batch-size-weighted mean of the batch losses; a metric is pooled from the steps'
    /// <see cref="StepResult.Totals"/> when they report them (Keras' stateful metrics), else weighted like the loss;
    /// then, given <paramref name="validation"/>, "val_loss" and "val_&lt;metric&gt;" as <see cref="Evaluate(ITrainableModel, IDataset, int, TextWriter?)"/>
    /// computes them; then the callbacks (any may stop training), the history, the progress line.
    /// </summary>
    /// <param name="model">The model; its TrainStep must skip the update when the loss is not finite.</param>
    /// <param name="train">The training batches; enumerated once per epoch. Its shuffling position is left as it is
    /// (a checkpoint's Load sets it for a resumed run).</param>
    /// <param name="epochs">Index (exclusive) of the last epoch, as Keras' <c>epochs</c>.</param>
    /// <param name="validation">Evaluated after every epoch, silently.</param>
    /// <param name="callbacks">Called in list order (see <see cref="ICallback"/>).</param>
    /// <param name="log">Receives one line per epoch in the earlier format: <c>Epoch 1/10 - 4/4 - loss: 0.1234 - mae: ...</c>.</param>
    /// <param name="verbose">0 silent; 1 (Keras' default) a progress bar redrawn in place on a terminal, one line per epoch
    /// when the output is redirected or is not the console; 2 one line per epoch.</param>
    /// <param name="output">Where progress goes; Console.Out by default.</param>
    /// <param name="initialEpoch">The epoch to start at (0-based).</param>
    /// <exception cref="NonFiniteLossException">A training batch's loss was NaN or infinite and no callback stopped
    /// training at that batch (<see cref="TerminateOnNaN"/> does); the weights are the last finite ones.</exception>
    /// <exception cref="NonFiniteMetricException">An epoch's validation loss or metric (or a training metric) was not
    /// finite; thrown before the callbacks see the epoch.</exception>
    /// <exception cref="NonFiniteInputException">A batch holds NaN or ±∞.</exception>
    public static History Fit(ITrainableModel model, IDataset train, int epochs, IDataset? validation = null,
        IReadOnlyList<ICallback>? callbacks = null, Action<string>? log = null, int verbose = 1, TextWriter? output = null,
        int initialEpoch = 0)
        => Fit(model, train, epochs, validation, callbacks, log, verbose, output, initialEpoch, clock: null);

    /// <summary>
    /// Keras' <c>fit(x, y, batch_size, epochs, validation_split, shuffle, validation_data)</c> over tensors whose first
    /// axis is the sample. <paramref name="validationSplit"/> takes the last fraction of the samples, before any
    /// shuffling (<c>floor(n · (1 − split))</c> samples train), unless <paramref name="validationData"/> is given, which
    /// wins. Validation batches have <paramref name="batchSize"/> samples. With <paramref name="shuffle"/>, epoch
    /// <c>e</c> visits the training samples in permutation number <c>e</c> of <paramref name="seed"/>, so a Fit resumed
    /// with <paramref name="initialEpoch"/> shuffles as the uninterrupted one did.
    /// </summary>
    /// <exception cref="ArgumentException">x and y disagree on the samples, the split leaves one side empty, or an
    /// argument is out of range.</exception>
    public static History Fit(ITrainableModel model, Tensor x, Tensor y, int batchSize = 32, int epochs = 1,
        double validationSplit = 0, bool shuffle = true, (Tensor X, Tensor Y)? validationData = null,
        IReadOnlyList<ICallback>? callbacks = null, int verbose = 1, TextWriter? output = null, int initialEpoch = 0, int seed = 0)
        => FitTensors(model, x, y, batchSize, epochs, validationSplit, shuffle, validationData, callbacks, verbose, output, initialEpoch, seed, clock: null);

    /// <summary>
    /// <see cref="Fit(ITrainableModel, Tensor, Tensor, int, int, double, bool, ValueTuple{Tensor, Tensor}?, IReadOnlyList{ICallback}?, int, TextWriter?, int, int)"/>
    /// over .NET arrays of any rank (<c>float[,]</c>, <c>double[,,]</c>, <c>long[]</c>, ...), first axis the sample:
    /// float and double arrays become <paramref name="dtype"/> tensors (float32 by default, as Keras' floatx), integer
    /// arrays Int64 (class indices).
    /// </summary>
    public static History Fit(ITrainableModel model, Array x, Array y, int batchSize = 32, int epochs = 1,
        double validationSplit = 0, bool shuffle = true, IReadOnlyList<ICallback>? callbacks = null, int verbose = 1,
        TextWriter? output = null, int initialEpoch = 0, int seed = 0, ScalarType dtype = ScalarType.Float32)
    {
        using var tx = ArrayTensors.From(x, dtype, nameof(x));
        using var ty = ArrayTensors.From(y, dtype, nameof(y));
        return Fit(model, tx, ty, batchSize, epochs, validationSplit, shuffle, null, callbacks, verbose, output, initialEpoch, seed);
    }

    internal static History FitTensors(ITrainableModel model, Tensor x, Tensor y, int batchSize, int epochs, double validationSplit,
        bool shuffle, (Tensor X, Tensor Y)? validationData, IReadOnlyList<ICallback>? callbacks, int verbose, TextWriter? output,
        int initialEpoch, int seed, Func<double>? clock)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (double.IsNaN(validationSplit) || validationSplit < 0 || validationSplit >= 1)
            throw new ArgumentOutOfRangeException(nameof(validationSplit), validationSplit, "validationSplit must lie in [0, 1).");
        if (initialEpoch < 0) throw new ArgumentOutOfRangeException(nameof(initialEpoch), initialEpoch, "initialEpoch cannot be negative.");
        if (x.dim() == 0 || y.dim() == 0 || x.size(0) != y.size(0))
            throw new ArgumentException(
                $"x and y need the same first (sample) axis: x has shape ({string.Join(", ", x.shape)}), y has shape ({string.Join(", ", y.shape)}).", nameof(y));
        long n = x.size(0);
        var owned = new List<Tensor>();
        try
        {
            Tensor xTrain = x, yTrain = y;
            IDataset? validation = null;
            if (validationData is (Tensor vx, Tensor vy))
                validation = new TensorDataset(vx, vy, batchSize);
            else if (validationSplit > 0)
            {
                long splitAt = (long)Math.Floor(n * (1.0 - validationSplit));
                if (splitAt == 0 || splitAt == n)
                    throw new ArgumentException(
                        $"Training data contains {n} samples, which is not sufficient to split it into a validation and training set as " +
                        $"specified by validationSplit = {validationSplit.ToString(CultureInfo.InvariantCulture)}. Either provide more data, " +
                        "or a different value for validationSplit.", nameof(validationSplit));
                owned.Add(xTrain = x.narrow(0, 0, splitAt));
                owned.Add(yTrain = y.narrow(0, 0, splitAt));
                var xVal = x.narrow(0, splitAt, n - splitAt);
                var yVal = y.narrow(0, splitAt, n - splitAt);
                owned.Add(xVal);
                owned.Add(yVal);
                validation = new TensorDataset(xVal, yVal, batchSize);
            }
            var trainSet = new TensorDataset(xTrain, yTrain, batchSize, shuffle, seed) { EpochPosition = initialEpoch };
            return Fit(model, trainSet, epochs, validation, callbacks, null, verbose, output, initialEpoch, clock);
        }
        finally
        {
            foreach (var t in owned) t.Dispose();
        }
    }

    internal static History Fit(ITrainableModel model, IDataset train, int epochs, IDataset? validation,
        IReadOnlyList<ICallback>? callbacks, Action<string>? log, int verbose, TextWriter? output, int initialEpoch, Func<double>? clock)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        if (epochs < 0) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "epochs cannot be negative.");
        if (initialEpoch < 0) throw new ArgumentOutOfRangeException(nameof(initialEpoch), initialEpoch, "initialEpoch cannot be negative.");
        RequireVerbose(verbose);
        output ??= Console.Out;
        callbacks ??= [];
        var metricNames = model.MetricNames;
        string[] keys = [LossKey, .. metricNames];
        string[] orderedKeys = validation is null ? keys : [.. keys, .. keys.Select(k => ValidationPrefix + k)];
        string name = model.GetType().Name;
        int steps = train.BatchCount;

        var history = new History(new FitParams(verbose, epochs, steps));
        var control = new TrainingControl(model) { Train = train, Validation = validation, Output = output, Verbose = verbose, Epochs = epochs };
        var progress = new Progress(output, verbose, IsTerminal(output), clock ?? Stopwatch());
        IReadOnlyDictionary<string, double> lastLogs = new Dictionary<string, double>();
        foreach (var callback in callbacks) callback.OnTrainBegin(control);
        for (int epoch = initialEpoch; epoch < epochs; epoch++)
        {
            int epochNumber = epoch + 1;
            foreach (var callback in callbacks) callback.OnEpochBegin(epoch, control);
            progress.EpochHeader(epoch, epochs);
            progress.Begin();
            var accumulator = new EpochAccumulator(metricNames);
            bool diverged = false;
            foreach (var batch in train)
            {
                var result = accumulator.Add(name, "", batch, model.TrainStep);
                int batchNumber = accumulator.Batches;
                var running = accumulator.Logs();
                foreach (var callback in callbacks) callback.OnBatchEnd(batchNumber - 1, running, control);
                progress.Update(batchNumber, steps, running);
                if (!double.IsFinite(result.Loss))
                {
                    if (!control.StopTraining) throw new NonFiniteLossException(epochNumber, batchNumber, result.Loss);
                    diverged = true;
                    break;
                }
                if (control.StopTraining) break;
            }
            if (diverged)
            {
                // Stopped cleanly at a non-finite batch (TerminateOnNaN): the partial epoch is not recorded.
                if (verbose == 1 && IsTerminal(output)) output.WriteLine();
                break;
            }
            if (accumulator.Batches == 0 || accumulator.Samples == 0)
                throw new ArgumentException("The dataset yielded no samples: it is too short for one window or batch.", nameof(train));
            var logs = accumulator.Logs();
            if (validation is not null)
                foreach (var (key, value) in EpochAccumulator.ToLogs(Run(model, validation, "validation ", null, null), ValidationPrefix))
                    logs[key] = value;
            foreach (var key in orderedKeys)
                if (!double.IsFinite(logs[key])) throw new NonFiniteMetricException(epochNumber, key, logs[key]);

            var added = new List<string>();
            control.BeginEpochLogs(logs, added);
            try
            {
                foreach (var callback in callbacks) callback.OnEpochEnd(epoch, logs, control);
            }
            finally
            {
                control.EndEpochLogs();
            }
            string[] epochKeys = [.. orderedKeys, .. added];
            history.Append(epoch, logs, epochKeys);
            log?.Invoke(Line(epochNumber, epochs, accumulator.Batches, logs, epochKeys));
            progress.Finish(steps, epochKeys.Select(k => KeyValuePair.Create(k, logs[k])));
            lastLogs = logs;
            if (control.StopTraining) break;
        }
        foreach (var callback in callbacks) callback.OnTrainEnd(lastLogs, control);
        return history;
    }

    /// <summary>Keras' <c>evaluate</c>: the loss and metrics of <see cref="ITrainableModel.TestStep"/> over every batch,
    /// pooled as in Fit (batch-size-weighted means, or the steps' <see cref="StepResult.Totals"/>).</summary>
    /// <param name="model">The model.</param>
    /// <param name="data">The batches.</param>
    /// <param name="verbose">0 silent, 1 (default) a progress bar, 2 one line at the end.</param>
    /// <param name="output">Where progress goes; Console.Out by default.</param>
    /// <exception cref="NonFiniteInputException">A batch holds NaN or ±∞ (x or y).</exception>
    public static StepResult Evaluate(ITrainableModel model, IDataset data, int verbose = 1, TextWriter? output = null)
        => Evaluate(model, data, verbose, output, clock: null);

    /// <summary>Keras' <c>evaluate(x, y, batch_size)</c> over tensors, first axis the sample.</summary>
    public static StepResult Evaluate(ITrainableModel model, Tensor x, Tensor y, int batchSize = 32, int verbose = 1, TextWriter? output = null)
        => Evaluate(model, new TensorDataset(x, y, batchSize), verbose, output, clock: null);

    internal static StepResult Evaluate(ITrainableModel model, IDataset data, int verbose, TextWriter? output, Func<double>? clock)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        RequireVerbose(verbose);
        output ??= Console.Out;
        var progress = verbose == 0 ? null : new Progress(output, verbose, IsTerminal(output), clock ?? Stopwatch());
        return Run(model, data, "", progress, nameof(data));
    }

    /// <summary>
    /// <paramref name="predictBatch"/> on every batch of <paramref name="data"/>, concatenated along the batch axis.
    /// The dataset's tensors are disposed after use, as in Fit; the caller owns the result.
    /// </summary>
    /// <exception cref="NonFiniteInputException">A batch's x holds NaN or ±∞.</exception>
    public static Tensor Predict(Func<Tensor, Tensor> predictBatch, IDataset data)
    {
        ArgumentNullException.ThrowIfNull(predictBatch);
        ArgumentNullException.ThrowIfNull(data);
        string name = predictBatch.Target?.GetType().Name ?? "Predict";
        var outputs = new List<Tensor>();
        try
        {
            foreach (var batch in data)
            {
                using var x = batch.X;
                using var y = batch.Y;
                InputGuard.RequireFinite(name, "x", x, outputs.Count + 1);
                outputs.Add(predictBatch(x));
            }
            if (outputs.Count == 0) throw new ArgumentException("The dataset yielded no batch to predict.", nameof(data));
            return torch.cat(outputs, 0);
        }
        finally
        {
            foreach (var output in outputs) output.Dispose();
        }
    }

    private static StepResult Run(ITrainableModel model, IDataset data, string role, Progress? progress, string? dataName)
    {
        string name = model.GetType().Name;
        var accumulator = new EpochAccumulator(model.MetricNames);
        int steps = data.BatchCount;
        progress?.Begin();
        foreach (var batch in data)
        {
            accumulator.Add(name, role, batch, model.TestStep);
            progress?.Update(accumulator.Batches, steps, accumulator.Logs());
        }
        if (accumulator.Batches == 0 || accumulator.Samples == 0)
            throw new ArgumentException("The dataset yielded no samples: it is too short for one window or batch.", dataName ?? "validation");
        var result = accumulator.Result();
        progress?.Finish(steps, EpochAccumulator.ToLogs(result, ""));
        return result;
    }

    private static void RequireVerbose(int verbose)
    {
        if (verbose is < 0 or > 2)
            throw new ArgumentOutOfRangeException(nameof(verbose), verbose, "verbose must be 0 (silent), 1 (progress bar) or 2 (one line per epoch).");
    }

    /// <summary>Live redrawing only on the real console, not redirected.</summary>
    private static bool IsTerminal(TextWriter output) => ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;

    private static Func<double> Stopwatch()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        return () => watch.Elapsed.TotalSeconds;
    }

    private static string Line(int epoch, int epochs, int batches, Dictionary<string, double> logs, IEnumerable<string> keys)
    {
        var line = new StringBuilder().Append(CultureInfo.InvariantCulture, $"Epoch {epoch}/{epochs} - {batches}/{batches}");
        foreach (var key in keys)
        {
            double v = logs[key];
            line.Append(CultureInfo.InvariantCulture, $" - {key}: {v.ToString(Math.Abs(v) > 1e-3 || v == 0 ? "F4" : "0.0000e+00", CultureInfo.InvariantCulture)}");
        }
        return line.ToString();
    }
}
