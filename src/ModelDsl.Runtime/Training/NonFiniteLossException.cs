namespace ModelDsl.Training;

/// <summary>A training batch produced a NaN or infinite loss.</summary>
public sealed class NonFiniteLossException : ArithmeticException
{
    public NonFiniteLossException(int epoch, int batch, double loss)
        : base($"The loss became {loss} at epoch {epoch}, batch {batch} (both counted from 1). Training diverged or met " +
               "non-finite inputs: lower the learning rate, scale the targets (normalize them or predict changes rather " +
               "than prices), and check the data for NaN or infinite values.")
    {
        Epoch = epoch;
        Batch = batch;
        Loss = loss;
    }

    /// <summary>1-based epoch, as in the log line "Epoch 3/10".</summary>
    public int Epoch { get; }

    /// <summary>1-based batch within the epoch.</summary>
    public int Batch { get; }

    public double Loss { get; }
}
