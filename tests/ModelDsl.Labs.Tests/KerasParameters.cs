namespace ModelDsl.Labs.Tests;

/// <summary>Keras' parameter counts of the layers the stock models use, written out from Keras' weight shapes.</summary>
internal static class KerasParameters
{
    /// <summary>Normalization on f features: mean and variance (f each) and a count, none trainable.</summary>
    public static long Normalization(long features) => 2 * features + 1;

    /// <summary>Dense: kernel (in, out) and bias (out).</summary>
    public static long Dense(long inputs, long units) => inputs * units + units;

    /// <summary>LSTM(u): kernel (in, 4u), recurrent kernel (u, 4u), bias (4u).</summary>
    public static long Lstm(long inputs, long units) => 4 * units * (inputs + units + 1);

    /// <summary>GRU(u) with reset_after (Keras' default): kernel (in, 3u), recurrent kernel (u, 3u), bias (2, 3u).</summary>
    public static long Gru(long inputs, long units) => 3 * units * (inputs + units + 2);

    /// <summary>Conv1D(filters, k): kernel (k, in, filters), bias (filters).</summary>
    public static long Conv1D(long kernelSize, long inputs, long filters) => kernelSize * inputs * filters + filters;
}
