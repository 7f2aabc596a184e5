namespace ModelDsl.Training;

/// <summary>
/// Hooks <see cref="TrainingLoop.Fit(ITrainableModel, Data.IDataset, int, Data.IDataset?, IReadOnlyList{ICallback}?, Action{string}?, int, TextWriter?, int)"/>
/// calls, as Keras' <c>Callback</c>: <see cref="OnTrainBegin"/>; per epoch <see cref="OnEpochBegin"/>, per batch
/// <see cref="OnBatchEnd"/>, then <see cref="OnEpochEnd"/> after validation; <see cref="OnTrainEnd"/> last. Only
/// <see cref="OnEpochEnd"/> must be written; the others do nothing unless overridden.
/// </summary>
/// <remarks>Callbacks run in list order, before the history records the epoch and before the progress line is
/// finished (as Keras appends its History and ProgbarLogger after the user's callbacks), so a value a callback adds
/// with <see cref="TrainingControl.SetLog"/> reaches both.</remarks>
public interface ICallback
{
    /// <param name="epoch">0-based, as in Keras.</param>
    /// <param name="logs">This epoch's "loss", metrics, "val_loss", "val_&lt;metric&gt;" (and whatever earlier callbacks added).</param>
    /// <param name="control">Set <see cref="TrainingControl.StopTraining"/> to end training after this epoch.</param>
    void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs, TrainingControl control);

    /// <summary>Before the first epoch.</summary>
    void OnTrainBegin(TrainingControl control) { }

    /// <summary>After the last epoch (also after a stop by a callback); <paramref name="logs"/> are the last epoch's,
    /// empty when no epoch completed. Not called when training ends with an exception.</summary>
    void OnTrainEnd(IReadOnlyDictionary<string, double> logs, TrainingControl control) { }

    /// <summary>Before each epoch's first batch; <paramref name="epoch"/> is 0-based.</summary>
    void OnEpochBegin(int epoch, TrainingControl control) { }

    /// <summary>After each training batch.</summary>
    /// <param name="batch">0-based within the epoch, as Keras' <c>on_train_batch_end</c>.</param>
    /// <param name="logs">"loss" and the metrics over the epoch's batches so far (Keras' running values), including
    /// this one: a non-finite batch loss makes "loss" non-finite.</param>
    /// <param name="control">Set <see cref="TrainingControl.StopTraining"/> to stop after this batch.</param>
    void OnBatchEnd(int batch, IReadOnlyDictionary<string, double> logs, TrainingControl control) { }
}
