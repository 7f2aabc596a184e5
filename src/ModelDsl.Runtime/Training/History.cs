namespace ModelDsl.Training;

/// <summary>Keras' <c>History.history</c>: one value per epoch under "loss", each metric, "val_loss", "val_&lt;metric&gt;".</summary>
public sealed class History
{
    private readonly List<string> _keys = [];
    private readonly Dictionary<string, List<double>> _values = [];

    /// <exception cref="KeyNotFoundException">No such key; the message lists the keys there are.</exception>
    public IReadOnlyList<double> this[string key] => _values.TryGetValue(key, out var values)
        ? values
        : throw new KeyNotFoundException($"History has no '{key}'; it has [{string.Join(", ", _keys)}].");

    /// <summary>The keys in the order Keras logs them.</summary>
    public IReadOnlyList<string> Keys => _keys;

    /// <summary>Epochs recorded.</summary>
    public int Epochs { get; private set; }

    public bool ContainsKey(string key) => _values.ContainsKey(key);

    internal void Append(IReadOnlyDictionary<string, double> logs, IEnumerable<string> orderedKeys)
    {
        foreach (var key in orderedKeys)
        {
            if (!_values.TryGetValue(key, out var values))
            {
                _values[key] = values = [];
                _keys.Add(key);
            }
            values.Add(logs[key]);
        }
        Epochs++;
    }
}
