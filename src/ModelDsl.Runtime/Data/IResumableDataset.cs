namespace ModelDsl.Data;

/// <summary>
/// A dataset whose sequence of epoch orders can be positioned, so that a resumed run shuffles as the uninterrupted
/// one did. <see cref="TensorDataset"/> and <see cref="TimeseriesDataset"/> implement it; checkpoints save and restore
/// <see cref="EpochPosition"/>.
/// </summary>
public interface IResumableDataset : IDataset
{
    /// <summary>
    /// Enumerations (epochs) started so far. Setting it to <c>k</c> makes the next enumeration yield exactly the
    /// batches that enumeration number <c>k + 1</c> of a freshly built, equal dataset yields; the orders that follow
    /// continue that sequence. Reading and setting never change the orders of a run that does not set it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to a negative value.</exception>
    long EpochPosition { get; set; }
}
