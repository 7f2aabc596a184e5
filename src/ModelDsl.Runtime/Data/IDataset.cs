namespace ModelDsl.Data;

/// <summary>A source of minibatches. Each enumeration is one epoch; shuffled sets reshuffle per epoch (seeded).</summary>
/// <remarks>Every yielded <see cref="Batch"/> holds new tensors owned by the consumer: <see cref="Training.TrainingLoop"/>
/// (Fit, Evaluate) and a generated model's <c>Predict(IDataset)</c> dispose them after each batch, so an implementation
/// must not yield tensors it keeps.</remarks>
public interface IDataset : IEnumerable<Batch>
{
    /// <summary>Samples (windows) per epoch.</summary>
    long Count { get; }

    /// <summary>Batches per epoch, the last one partial when the batch size does not divide <see cref="Count"/>.</summary>
    int BatchCount { get; }
}
