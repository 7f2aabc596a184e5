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
    /// Trains for <paramref name="epochs"/> epochs. Per epoch: the loss and each metric are the means of the batch values
    /// weighted by batch size; then, given <paramref name="validation"/>, "val_loss" and "val_&lt;metric&gt;" from
    /// <see cref="Evaluate"/>; then the callbacks, any of which may stop training.
    /// </summary>
    /// <remarks><c>log</c> receives one Keras-like line per epoch: <c>Epoch 1/10 - 4/4 - loss: 0.1234 - mae: 0.2345 - val_loss: ...</c>.</remarks>
    /// <exception cref="NonFiniteLossException">A training batch's loss was NaN or infinite.</exception>
    public static History Fit(ITrainableModel model, IDataset train, int epochs, IDataset? validation = null,
        IReadOnlyList<ICallback>? callbacks = null, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        if (epochs < 0) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "epochs cannot be negative.");
        var metricNames = model.MetricNames;
        string[] keys = [LossKey, .. metricNames];
        string[] orderedKeys = validation is null ? keys : [.. keys, .. keys.Select(k => ValidationPrefix + k)];

        var history = new History();
        var control = new TrainingControl(model);
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            int epochNumber = epoch + 1;
            var trained = Run(model, train, metricNames, nameof(train), (m, b) => m.TrainStep(b.X, b.Y), (batch, loss) =>
            {
                if (!double.IsFinite(loss)) throw new NonFiniteLossException(epochNumber, batch, loss);
            });
            var logs = Logs(trained.Result, "");
            if (validation is not null)
            {
                foreach (var (key, value) in Logs(Evaluate(model, validation), ValidationPrefix))
                    logs[key] = value;
            }
            history.Append(logs, orderedKeys);
            log?.Invoke(Line(epochNumber, epochs, trained.Batches, logs, orderedKeys));
            foreach (var callback in callbacks ?? [])
                callback.OnEpochEnd(epoch, logs, control);
            if (control.StopTraining) break;
        }
        return history;
    }

    /// <summary>Keras' <c>evaluate</c>: the loss and metrics of <see cref="ITrainableModel.TestStep"/> over every batch,
    /// averaged with batch-size weights.</summary>
    public static StepResult Evaluate(ITrainableModel model, IDataset data)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        return Run(model, data, model.MetricNames, nameof(data), (m, b) => m.TestStep(b.X, b.Y), null).Result;
    }

    /// <summary>
    /// <paramref name="predictBatch"/> on every batch of <paramref name="data"/>, concatenated along the batch axis.
    /// The dataset's tensors are disposed after use, as in <see cref="Fit"/>; the caller owns the result.
    /// </summary>
    public static Tensor Predict(Func<Tensor, Tensor> predictBatch, IDataset data)
    {
        ArgumentNullException.ThrowIfNull(predictBatch);
        ArgumentNullException.ThrowIfNull(data);
        var outputs = new List<Tensor>();
        try
        {
            foreach (var batch in data)
            {
                using var x = batch.X;
                using var y = batch.Y;
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

    private static (StepResult Result, int Batches) Run(ITrainableModel model, IDataset data, IReadOnlyList<string> metricNames,
        string dataName, Func<ITrainableModel, Batch, StepResult> step, Action<int, double>? checkLoss)
    {
        double samples = 0, loss = 0;
        var metrics = new double[metricNames.Count];
        // Root-of-mean metrics are pooled as squares and rooted at the end, as Keras' stateful metric does.
        bool[] rootOfMean = metricNames.Select(Kernels.MetricKernel.IsRootOfMean).ToArray();
        int batches = 0;
        foreach (var batch in data)
        {
            using var x = batch.X;
            using var y = batch.Y;
            double size = batch.Size;
            var result = step(model, batch);
            batches++;
            checkLoss?.Invoke(batches, result.Loss);
            loss += size * result.Loss;
            for (int m = 0; m < metrics.Length; m++)
            {
                if (!result.Metrics.TryGetValue(metricNames[m], out double value))
                    throw new InvalidOperationException(
                        $"The model names the metric '{metricNames[m]}' in MetricNames but its step reported only [{string.Join(", ", result.Metrics.Keys)}].");
                metrics[m] += size * (rootOfMean[m] ? value * value : value);
            }
            samples += size;
        }
        if (batches == 0 || samples == 0)
            throw new ArgumentException("The dataset yielded no samples: it is too short for one window or batch.", dataName);
        var means = new Dictionary<string, double>();
        for (int m = 0; m < metrics.Length; m++)
            means[metricNames[m]] = rootOfMean[m] ? Math.Sqrt(metrics[m] / samples) : metrics[m] / samples;
        return (new StepResult(loss / samples, means), batches);
    }

    private static Dictionary<string, double> Logs(StepResult result, string prefix)
    {
        var logs = new Dictionary<string, double> { [prefix + LossKey] = result.Loss };
        foreach (var (name, value) in result.Metrics) logs[prefix + name] = value;
        return logs;
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
