using System.Runtime.CompilerServices;
using System.Globalization;
using System.Numerics;
using System.Numerics.Tensors;
using ModelDsl.Kernels;

namespace ModelDsl.Managed;

/// <summary>
/// Keras' Embedding over spans, as <c>ModelDsl.Kernels.EmbeddingKernel</c>: <c>count</c> indices (the batch's, flattened)
/// select rows of the (inputDim, outputDim) table, giving (count, outputDim).
/// </summary>
public static class EmbeddingSpans
{
    private const string Kernel = nameof(EmbeddingSpans);

    /// <summary>y[i] = table[indices[i]] (overwrites y, (count, outputDim)).</summary>
    /// <exception cref="ArgumentException">A span whose length does not fit the sizes, or an index outside
    /// [0, inputDim) (EmbeddingKernel's message, naming the first bad index and its row), before anything is written.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T>(ReadOnlySpan<long> indices, ReadOnlySpan<T> table, Span<T> y, int count, int inputDim, int outputDim)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanChecks.Length(Kernel, table.Length, (long)inputDim * outputDim, nameof(table), "(inputDim, outputDim)");
        Check(indices, y.Length, nameof(y), count, inputDim, outputDim);
        for (int i = 0; i < count; i++)
            table.Slice((int)indices[i] * outputDim, outputDim).CopyTo(y.Slice(i * outputDim, outputDim));
    }

    /// <summary>
    /// dTable[k] += Σ dy[i] over every i whose index is k (repeated indices add up); dy is (count, outputDim). An empty
    /// <paramref name="dTable"/> is "not needed": nothing is done (after the checks).
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="Forward"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<long> indices, Span<T> dTable, int count, int inputDim, int outputDim)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(indices, dy.Length, nameof(dy), count, inputDim, outputDim);
        if (!SpanChecks.Wanted(Kernel, dTable.Length, (long)inputDim * outputDim, nameof(dTable), "(inputDim, outputDim)")) return;
        for (int i = 0; i < count; i++)
        {
            Span<T> row = dTable.Slice((int)indices[i] * outputDim, outputDim);
            TensorPrimitives.Add(row, dy.Slice(i * outputDim, outputDim), row);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Check(ReadOnlySpan<long> indices, int values, string valuesName, int count, int inputDim, int outputDim)
    {
        SpanChecks.Sizes(Kernel, count, nameof(count));
        SpanChecks.Positive(Kernel, inputDim, nameof(inputDim));
        SpanChecks.Positive(Kernel, outputDim, nameof(outputDim));
        SpanChecks.Length(Kernel, indices.Length, count, nameof(indices), "(count)");
        SpanChecks.Length(Kernel, values, (long)count * outputDim, valuesName, "(count, outputDim)");
        for (int i = 0; i < indices.Length; i++)
        {
            if ((ulong)indices[i] >= (ulong)inputDim)
                throw new ArgumentException(EmbeddingKernel.OutOfRange(
                    $"{indices[i].ToString(CultureInfo.InvariantCulture)} at row {i.ToString(CultureInfo.InvariantCulture)}", inputDim), nameof(indices));
        }
    }
}
