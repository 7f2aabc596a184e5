namespace ModelDsl.Labs.Data;

/// <summary>What a Yahoo reader does with days Yahoo reports as <c>null</c> (no quotes that day).</summary>
public enum YahooNullRows
{
    /// <summary>Throw a <see cref="DataFormatException"/> naming the row (the default: nothing is silently changed).</summary>
    Error,
    /// <summary>Leave the day out.</summary>
    Drop,
    /// <summary>Repeat the previous day's values (volume 0); a null first row is still an error.</summary>
    FillForward,
}
