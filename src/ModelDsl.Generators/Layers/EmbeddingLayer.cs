using System.Collections.Generic;
using ModelDsl.Generators.Model;
using static ModelDsl.Generators.Analysis.ShapeInference;

namespace ModelDsl.Generators.Layers;

/// <summary>
/// Keras' Embedding: integer indices (batch, ...) to rows of a trainable table (inputDim, outputDim), giving
/// (batch, ..., outputDim); the table starts uniform in ±0.05. A model whose input feeds an Embedding takes int64
/// indices. Kernel: <c>EmbeddingKernel</c> (an index outside [0, inputDim) is an exception naming it).
/// </summary>
internal sealed class EmbeddingLayer : LayerDefinition
{
    public override string Name => "Embedding";

    public override void ReadArguments(LayerArgumentReader reader)
    {
        reader.Int("InputDim", 0, 1, "give the number of distinct indices (the vocabulary size), at least 1", position: 0);
        reader.Int("OutputDim", 0, 1, "give the size of each embedding vector, at least 1", position: 1);
    }

    public override string Describe(LayerDeclaration layer) => $"Embedding({layer.Text("InputDim")}, {layer.Text("OutputDim")})";

    public override int[]? OutputShape(LayerDeclaration layer, LayerInput input, out string? problem)
    {
        problem = input.Shape.Length < 1 || input.Shape[0] != Batch ? $"Embedding layer '{layer.Name}' takes indices (batch, ...) but {input.Source} has shape {input.Format()}" : null;
        return problem is null ? [.. input.Shape, layer.Int("OutputDim")] : null;
    }

    public override IReadOnlyList<LayerTensor> Tensors(LayerDeclaration layer, int[] inputShape)
    {
        int rows = layer.Int("InputDim"), width = layer.Int("OutputDim");
        return [new("Embeddings", [rows, width], true, "embeddings, one row per index", Initializers.Create("RandomUniform", [rows, width], "Min: -0.05, Max: 0.05"))];
    }

    public override KernelCall Forward(LayerDeclaration layer, LayerValues values, bool training)
        => new($"{Initializers.Kernels}.EmbeddingKernel.Forward({values.Input}, {values.Tensor("Embeddings")})");

    // Indices have no gradient: only the table's.
    public override LayerBackward Backward(LayerDeclaration layer, LayerValues values)
        => new($"{Initializers.Kernels}.EmbeddingKernel.Backward({values.Gradient}, {values.Input}, {values.Tensor("Embeddings")})", null, [new("Embeddings", "")]);

    public override ManagedLayer? Managed(LayerDeclaration layer, int[] input, int[] output)
    {
        long count = 1;
        for (int i = 1; i < input.Length; i++) count *= input[i];
        string sizes = $"{ManagedCall.N} * {count}, {layer.Text("InputDim")}, {layer.Text("OutputDim")}";
        return new ManagedLayer(
            c => $"{ManagedCall.Kernels}.EmbeddingSpans.Forward<{ManagedCall.T}>({c.Input}, {c.Weight("Embeddings")}, {c.Output}, {sizes});",
            c => $"{ManagedCall.Kernels}.EmbeddingSpans.Backward<{ManagedCall.T}>({c.Gradient}, {c.Input}, {c.WeightGradient("Embeddings")}, {sizes});");
    }
}
