namespace ModelDsl.Training;

/// <summary>Called by <see cref="TrainingLoop.Fit"/> after each epoch's training and validation.</summary>
public interface ICallback
{
    /// <param name="epoch">0-based, as in Keras.</param>
    /// <param name="logs">This epoch's "loss", metrics, "val_loss", "val_&lt;metric&gt;".</param>
    /// <param name="control">Set <see cref="TrainingControl.StopTraining"/> to end training after this epoch.</param>
    void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs, TrainingControl control);
}
