using System.Runtime.CompilerServices;
using static ModelDsl.Managed.SpanChecks;

namespace ModelDsl.Managed;

/// <summary>
/// What the LSTM, GRU and SimpleRNN span kernels share: their argument checks, and the layout every one of their traces
/// uses. All buffers are batch-major, (n, time, ·), as x and a sequence output are, so that the input projection,
/// the input gradient and the weight gradients are each one product over all n·time rows; a time step's rows are
/// then a matrix of row stride time·width, which <see cref="Gemm"/> takes as it is. Each trace keeps the
/// hidden state before every step, (n, time, u) with zeros at t = 0, so that dU = Σ_t h_{t−1}ᵀ·dz_t is one product too.
/// </summary>
internal static class RecurrentSpanChecks
{
    /// <summary>
    /// Checks the sizes and every span of a forward: x (n, time, features), kernel (features, gates·u), recurrent kernel
    /// (u, gates·u), bias (gates·u) or (biasRows, gates·u), output (n, u) or (n, time, u), and the trace.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T>(string layer, int gates, int biasRows, ReadOnlySpan<T> x, ReadOnlySpan<T> kernel,
        ReadOnlySpan<T> recurrentKernel, ReadOnlySpan<T> bias, ReadOnlySpan<T> output, int traceLength, int traceNeeded, string traceHow,
        int n, int time, int features, int units, bool returnSequences)
    {
        Simd.CheckType<T>(layer);
        Sizes(layer, n, time, features, units);
        Weights(layer, gates, kernel, recurrentKernel, features, units);
        Length(layer, "bias", bias.Length, BiasLength(layer, gates, biasRows, units), BiasFormula(gates, biasRows));
        Length(layer, "x", x.Length, Product(layer, "n·time·features", n, time, features), "n·time·features");
        Output(layer, "output", output.Length, n, time, units, returnSequences);
        AtLeast(layer, "trace", traceLength, traceNeeded, traceHow);
    }

    /// <summary>
    /// Checks the sizes and every span of a backward: dOutput as the output, x and the weights as in the forward, the
    /// trace and scratch, dx empty (not needed) or as x, and the weight gradients as the weights.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<T>(string layer, int gates, int biasRows, ReadOnlySpan<T> dOutput, ReadOnlySpan<T> x, ReadOnlySpan<T> kernel,
        ReadOnlySpan<T> recurrentKernel, int traceLength, int traceNeeded, string traceHow, int scratchLength, int scratchNeeded, string scratchHow,
        ReadOnlySpan<T> dx, ReadOnlySpan<T> dKernel, ReadOnlySpan<T> dRecurrentKernel, ReadOnlySpan<T> dBias,
        int n, int time, int features, int units, bool returnSequences)
    {
        Simd.CheckType<T>(layer);
        Sizes(layer, n, time, features, units);
        Weights(layer, gates, kernel, recurrentKernel, features, units);
        int xLength = Product(layer, "n·time·features", n, time, features);
        Length(layer, "x", x.Length, xLength, "n·time·features");
        Output(layer, "dOutput", dOutput.Length, n, time, units, returnSequences);
        AtLeast(layer, "trace", traceLength, traceNeeded, traceHow);
        AtLeast(layer, "scratch", scratchLength, scratchNeeded, scratchHow);
        Optional(layer, "dx", dx.Length, xLength, "n·time·features", "the input gradient is not needed");
        string g = gates == 1 ? "" : $"{gates}·";
        Length(layer, "dKernel", dKernel.Length, kernel.Length, $"features·{g}units");
        Length(layer, "dRecurrentKernel", dRecurrentKernel.Length, recurrentKernel.Length, $"units·{g}units");
        Length(layer, "dBias", dBias.Length, BiasLength(layer, gates, biasRows, units), BiasFormula(gates, biasRows));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Sizes(string layer, int n, int time, int features, int units)
    {
        Size(layer, nameof(n), n);
        Size(layer, nameof(time), time);
        Size(layer, nameof(features), features);
        Size(layer, nameof(units), units);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Weights<T>(string layer, int gates, ReadOnlySpan<T> kernel, ReadOnlySpan<T> recurrentKernel, int features, int units)
    {
        string g = gates == 1 ? "" : $"{gates}·";
        Length(layer, "kernel", kernel.Length, Product(layer, "kernel", features, gates, units), $"features·{g}units");
        Length(layer, "recurrentKernel", recurrentKernel.Length, Product(layer, "recurrentKernel", units, gates, units), $"units·{g}units");
    }

    private static int BiasLength(string layer, int gates, int biasRows, int units) => Product(layer, "bias", Math.Max(biasRows, 1), gates, units);

    private static string BiasFormula(int gates, int biasRows) =>
        (biasRows > 0 ? $"{biasRows}·" : "") + (gates == 1 ? "units" : $"{gates}·units");

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Output(string layer, string name, int length, int n, int time, int units, bool returnSequences)
    {
        if (returnSequences)
            Length(layer, name, length, Product(layer, name, n, time, units), "n·time·units (returnSequences: every step)");
        else
            Length(layer, name, length, Product(layer, name, n, units), "n·units (the last step only)");
    }
}
