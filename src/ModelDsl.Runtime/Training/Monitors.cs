namespace ModelDsl.Training;

/// <summary>What the monitoring callbacks (EarlyStopping, ReduceLROnPlateau, ModelCheckpoint) share.</summary>
internal static class Monitors
{
    /// <summary>Keras' rule for accuracies: higher is better for names ending in "acc", "accuracy" or "auc".</summary>
    public static bool HigherIsBetter(string monitor) =>
        monitor.EndsWith("acc", StringComparison.Ordinal) || monitor.EndsWith("accuracy", StringComparison.Ordinal)
        || monitor.EndsWith("auc", StringComparison.Ordinal);

    /// <summary>The monitored value of an epoch.</summary>
    /// <exception cref="InvalidOperationException">The logs lack it; the message lists what they have.</exception>
    public static double Read(string callback, string monitor, IReadOnlyDictionary<string, double> logs) =>
        logs.TryGetValue(monitor, out double value)
            ? value
            : throw new InvalidOperationException(
                $"{callback} monitors '{monitor}', which the epoch logs do not have: they have [{string.Join(", ", logs.Keys)}]. " +
                "Monitoring a val_ value needs validation data.");
}
