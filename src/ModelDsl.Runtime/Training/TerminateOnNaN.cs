namespace ModelDsl.Training;

/// <summary>
/// Keras' <c>TerminateOnNaN</c>: at the first batch whose loss is NaN or infinite, prints
/// <c>"Batch {batch}: Invalid loss, terminating training"</c> and stops training cleanly, without an exception.
/// The train step skips its update on a non-finite loss, so the weights stay the last finite ones.
/// </summary>
/// <remarks>Unlike Keras, which records the interrupted epoch (with its NaN loss) in the history, Fit records only
/// complete epochs: the history ends with the last finite epoch and the callbacks' OnEpochEnd never sees the
/// interrupted one (OnTrainEnd still runs). <see cref="StoppedEpoch"/> and <see cref="StoppedBatch"/> tell where it
/// stopped.</remarks>
public sealed class TerminateOnNaN : ICallback
{
    private int _epoch;

    /// <summary>0-based epoch of the non-finite batch; -1 while training was not terminated.</summary>
    public int StoppedEpoch { get; private set; } = -1;

    /// <summary>0-based batch (within <see cref="StoppedEpoch"/>) whose loss was not finite; -1 while none was.</summary>
    public int StoppedBatch { get; private set; } = -1;

    public void OnTrainBegin(TrainingControl control)
    {
        StoppedEpoch = -1;
        StoppedBatch = -1;
    }

    public void OnEpochBegin(int epoch, TrainingControl control) => _epoch = epoch;

    public void OnBatchEnd(int batch, IReadOnlyDictionary<string, double> logs, TrainingControl control)
    {
        ArgumentNullException.ThrowIfNull(logs);
        ArgumentNullException.ThrowIfNull(control);
        if (!logs.TryGetValue("loss", out double loss) || double.IsFinite(loss)) return;
        control.Output.WriteLine();
        control.Output.WriteLine($"Batch {batch}: Invalid loss, terminating training");
        StoppedEpoch = _epoch;
        StoppedBatch = batch;
        control.StopTraining = true;
    }

    public void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs, TrainingControl control) { }
}
