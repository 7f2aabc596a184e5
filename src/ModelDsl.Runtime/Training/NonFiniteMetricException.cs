namespace ModelDsl.Training;

/// <summary>
/// An epoch ended with a NaN or infinite value under a log key although every training batch had a finite loss:
/// typically "val_loss" when the model's outputs overflow on the validation data. Fit throws it before the callbacks
/// and the history see the epoch, so no callback can take the value for an improvement.
/// </summary>
public sealed class NonFiniteMetricException : ArithmeticException
{
    public NonFiniteMetricException(int epoch, string key, double value)
        : base($"{key} became {value} at epoch {epoch} (counted from 1) although every training batch had a finite loss. The " +
               "model's outputs overflow on these data: lower the learning rate, scale the inputs and targets, or stop earlier " +
               $"(EarlyStopping, ModelCheckpoint with saveBestOnly). Training stopped before the callbacks and the history saw " +
               $"epoch {epoch}; the weights are those after it.")
    {
        Epoch = epoch;
        Key = key;
        Value = value;
    }

    /// <summary>1-based, as in the log line "Epoch 3/10".</summary>
    public int Epoch { get; }

    /// <summary>The log key: "val_loss", "val_mae", "mae", ...</summary>
    public string Key { get; }

    public double Value { get; }
}
