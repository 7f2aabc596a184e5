using ModelDsl.Data;

namespace ModelDsl.Training;

/// <summary>What callbacks may see and steer during <see cref="TrainingLoop"/>'s Fit.</summary>
public sealed class TrainingControl(ITrainableModel model)
{
    private Dictionary<string, double>? _logs;
    private List<string>? _addedKeys;

    /// <summary>Set to end training: after the current batch when set in <see cref="ICallback.OnBatchEnd"/>, after the
    /// current epoch otherwise (Keras' <c>model.stop_training</c>).</summary>
    public bool StopTraining { get; set; }

    public ITrainableModel Model { get; } = model ?? throw new ArgumentNullException(nameof(model));

    /// <summary>The training data of this Fit (null when the control was built outside a Fit).</summary>
    public IDataset? Train { get; init; }

    /// <summary>The validation data of this Fit, if any.</summary>
    public IDataset? Validation { get; init; }

    /// <summary>Where the Fit prints (Console.Out unless the caller gave another writer); callbacks print their messages here.</summary>
    public TextWriter Output { get; init; } = Console.Out;

    /// <summary>The Fit's verbosity: 0 silent, 1 progress bar, 2 one line per epoch.</summary>
    public int Verbose { get; init; }

    /// <summary>The Fit's <c>epochs</c>: the index (exclusive) of the last epoch, as in Keras.</summary>
    public int Epochs { get; init; }

    /// <summary>
    /// Adds <paramref name="key"/> to the current epoch's logs, as a Keras callback writes into <c>logs</c> (ReduceLROnPlateau's
    /// "learning_rate"): callbacks later in the list, the history and the progress line see it.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called outside <see cref="ICallback.OnEpochEnd"/>.</exception>
    public void SetLog(string key, double value)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_logs is null) throw new InvalidOperationException("SetLog adds to an epoch's logs: call it from OnEpochEnd.");
        if (!_logs.ContainsKey(key)) _addedKeys?.Add(key);
        _logs[key] = value;
    }

    internal void BeginEpochLogs(Dictionary<string, double> logs, List<string> addedKeys)
    {
        _logs = logs;
        _addedKeys = addedKeys;
    }

    internal void EndEpochLogs()
    {
        _logs = null;
        _addedKeys = null;
    }
}
