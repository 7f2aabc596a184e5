using static TorchSharp.torch;

namespace ModelDsl.Kernels;

/// <summary>Keras' Embedding: y = embeddings[indices], a row lookup in the (inputDim, outputDim) table.</summary>
public static class EmbeddingKernel
{
    private const string Kernel = nameof(EmbeddingKernel);

    /// <summary>
    /// indices: int64 or int32 of any shape, each in [0, inputDim); embeddings (inputDim, outputDim). Returns
    /// indices.shape + (outputDim), embeddings' dtype.
    /// </summary>
    /// <exception cref="ArgumentException">Indices not integer, or one out of range (the message names the first bad
    /// value and its position), or embeddings not a floating (inputDim, outputDim) table.</exception>
    public static Tensor Forward(Tensor indices, Tensor embeddings)
    {
        CheckTable(embeddings);
        CheckIndices(indices, embeddings.size(0));
        using var scope = NewDisposeScope();
        return embeddings.index_select(0, indices.reshape(-1)).reshape(OutputShape(indices, embeddings.size(1))).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// dEmbeddings (inputDim, outputDim): row k is the sum of dy over every position whose index is k (repeated
    /// indices accumulate). dy is indices.shape + (outputDim).
    /// </summary>
    public static Tensor Backward(Tensor dy, Tensor indices, Tensor embeddings)
    {
        CheckTable(embeddings);
        CheckIndices(indices, embeddings.size(0));
        long outputDim = embeddings.size(1);
        bool fits = dy.dim() == indices.dim() + 1 && dy.size(-1) == outputDim;
        for (int i = 0; fits && i < indices.dim(); i++) fits = dy.size(i) == indices.size(i);
        if (!fits)
            throw new ArgumentException($"{Kernel}: dy must be indices' shape {Targets.Shape(indices)} plus ({outputDim}); got {Targets.Shape(dy)}.", nameof(dy));
        ArgumentChecks.SameType(dy, nameof(dy), embeddings, nameof(embeddings), Kernel);
        using var scope = NewDisposeScope();
        return zeros_like(embeddings).index_add_(0, indices.reshape(-1), dy.reshape(-1, outputDim), 1).MoveToOuterDisposeScope();
    }

    private static void CheckTable(Tensor embeddings)
    {
        if (embeddings.dim() != 2)
            throw new ArgumentException($"{Kernel}: embeddings must be the (inputDim, outputDim) table; got shape {Targets.Shape(embeddings)}.", nameof(embeddings));
        ArgumentChecks.Floating(embeddings, nameof(embeddings), Kernel);
    }

    private static void CheckIndices(Tensor indices, long inputDim)
    {
        if (indices.dtype != ScalarType.Int64 && indices.dtype != ScalarType.Int32)
            throw new ArgumentException(
                $"{Kernel}: indices must be integer class indices (int64, or int32); got {indices.dtype}. " +
                "Pass int64 indices (e.g. .to_type(ScalarType.Int64) on whole-valued data).", nameof(indices));
        if (ArgumentChecks.FirstInvalidIndex(indices, inputDim) is { } bad)
            throw new ArgumentException(OutOfRange(bad, inputDim), nameof(indices));
    }

    /// <summary>The message of an index outside [0, inputDim); <paramref name="bad"/> is "value at position".
    /// Shared with the managed backend's <c>EmbeddingSpans</c>, so both backends say the same.</summary>
    internal static string OutOfRange(string bad, long inputDim) =>
        $"{Kernel}: index {bad} is out of range: indices must be in [0, {inputDim}) for a table of inputDim = " +
        $"{inputDim} rows. Raise inputDim or fix the indices.";

    private static long[] OutputShape(Tensor indices, long outputDim)
    {
        var shape = new long[indices.dim() + 1];
        for (int i = 0; i < indices.dim(); i++) shape[i] = indices.size(i);
        shape[^1] = outputDim;
        return shape;
    }
}
