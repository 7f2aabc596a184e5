using static TorchSharp.torch;

namespace ModelDsl.Initializers;

/// <summary>Keras' default LSTM bias (unit_forget_bias).</summary>
public static class LstmBias
{
    /// <summary>Zeros of length 4u with the forget block [u, 2u) set to 1.</summary>
    public static Tensor UnitForget(long units, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(units);
        var bias = zeros([4 * units], dtype);
        using (var forget = bias.narrow(0, units, units)) forget.fill_(1.0);
        return bias;
    }
}
