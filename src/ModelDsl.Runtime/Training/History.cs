namespace ModelDsl.Training;

/// <summary>Keras' <c>History</c>: <c>history</c> (one value per epoch under "loss", each metric, "val_loss",
/// "val_&lt;metric&gt;" and keys callbacks add), <see cref="Epoch"/> and <see cref="Params"/>.</summary>
public sealed class History
{
    private readonly List<string> _keys = [];
    private readonly Dictionary<string, List<double>> _values = [];
    private readonly List<int> _epochs = [];

    public History() { }

    internal History(FitParams parameters) => Params = parameters;

    /// <exception cref="KeyNotFoundException">No such key; the message lists the keys there are.</exception>
    public IReadOnlyList<double> this[string key] => _values.TryGetValue(key, out var values)
        ? values
        : throw new KeyNotFoundException($"History has no '{key}'; it has [{string.Join(", ", _keys)}].");

    /// <summary>The keys in the order Keras logs them.</summary>
    public IReadOnlyList<string> Keys => _keys;

    /// <summary>Epochs recorded.</summary>
    public int Epochs { get; private set; }

    /// <summary>Keras' <c>history.epoch</c>: the 0-based index of each recorded epoch (from <c>initialEpoch</c> on).</summary>
    public IReadOnlyList<int> Epoch => _epochs;

    /// <summary>Keras' <c>history.params</c>: verbose, epochs, steps per epoch; null for a History not made by Fit.</summary>
    public FitParams? Params { get; }

    public bool ContainsKey(string key) => _values.ContainsKey(key);

    internal void Append(IReadOnlyDictionary<string, double> logs, IEnumerable<string> orderedKeys) => Append(Epochs, logs, orderedKeys);

    internal void Append(int epoch, IReadOnlyDictionary<string, double> logs, IEnumerable<string> orderedKeys)
    {
        foreach (var key in orderedKeys)
        {
            if (!logs.TryGetValue(key, out double value)) continue;
            if (!_values.TryGetValue(key, out var values))
            {
                _values[key] = values = [];
                _keys.Add(key);
            }
            values.Add(value);
        }
        _epochs.Add(epoch);
        Epochs++;
    }
}

/// <summary>Keras' <c>History.params</c>.</summary>
/// <param name="Verbose">The Fit's verbosity (0, 1 or 2).</param>
/// <param name="Epochs">The Fit's <c>epochs</c> argument.</param>
/// <param name="Steps">Batches per epoch.</param>
public sealed record FitParams(int Verbose, int Epochs, int Steps);
