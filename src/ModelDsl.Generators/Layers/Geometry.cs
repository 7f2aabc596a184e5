namespace ModelDsl.Generators.Layers;

/// <summary>
/// Keras' output length of a convolution or pooling window along one axis (keras/src/ops/operation_utils.py), the same
/// rule the runtime's kernels apply: valid ⌊(L − d(k−1) − 1)/s⌋ + 1, same and causal ⌈L/s⌉.
/// </summary>
internal static class Geometry
{
    /// <summary>The output length, or a value below 1 when a valid window does not fit (the caller reports it).</summary>
    public static long OutputLength(long length, long window, long stride, string padding, long dilation = 1)
        => padding == "Valid" ? FloorDivide(length - dilation * (window - 1) - 1, stride) + 1 : (length + stride - 1) / stride;

    private static long FloorDivide(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    /// <summary>"a 3 × 3 window (dilation 2)" for messages.</summary>
    public static string Window(long rows, long cols, long dilation = 1)
        => (cols < 0 ? $"a window of {rows}" : $"a {rows} × {cols} window") + (dilation > 1 ? $" (dilation {dilation})" : "");
}
