namespace ModelDsl.Training;

/// <summary>Which way a monitored value improves (Keras' <c>mode</c>).</summary>
public enum MonitorMode
{
    /// <summary>Decided from the monitor's name: higher is better for accuracies ("acc", "accuracy", "auc"), lower otherwise.</summary>
    Auto,
    /// <summary>Lower is better.</summary>
    Min,
    /// <summary>Higher is better.</summary>
    Max,
}
