using System.Collections.Generic;
using ModelDsl.Generators.Model;
using static ModelDsl.Generators.Analysis.ShapeInference;

namespace ModelDsl.Generators.Layers;

/// <summary>
/// Keras' LayerNormalization over the last axis: γ(x − μ)/√(σ² + ε) + β with μ and the biased σ² per sample, epsilon
/// 1e-3, gamma and beta trainable (2 × features parameters); the same in training and inference. Kernel:
/// <c>LayerNormalizationKernel</c>.
/// </summary>
internal sealed class LayerNormalizationLayer : LayerDefinition
{
    public override string Name => "LayerNormalization";

    public override void ReadArguments(LayerArgumentReader reader)
        => reader.Double("Epsilon", 1e-3, e => e > 0 && !double.IsInfinity(e), "give a small positive epsilon (Keras' default is 0.001)");

    public override string Describe(LayerDeclaration layer) => "LayerNormalization: gamma · (x - mean) / sqrt(variance + epsilon) + beta over the last axis of each sample";

    public override int[]? OutputShape(LayerDeclaration layer, LayerInput input, out string? problem)
    {
        problem = input.Shape.Length < 2 || input.Shape[0] != Batch ? $"LayerNormalization layer '{layer.Name}' takes (batch, ..., features) but {input.Source} has shape {input.Format()}" : null;
        return problem is null ? input.Shape : null;
    }

    public override IReadOnlyList<LayerTensor> Tensors(LayerDeclaration layer, int[] inputShape)
    {
        int features = inputShape[inputShape.Length - 1];
        return
        [
            new("Gamma", [features], true, "gamma (scale)", Initializers.Constant("ones", features)),
            new("Beta", [features], true, "beta (offset)", Initializers.Constant("zeros", features)),
        ];
    }

    public override KernelCall Forward(LayerDeclaration layer, LayerValues values, bool training)
        => new($"{Initializers.Kernels}.LayerNormalizationKernel.Forward({values.Input}, {values.Tensor("Gamma")}, {values.Tensor("Beta")}, {layer.Text("Epsilon")})",
            $"{Initializers.Kernels}.LayerNormalizationTrace");

    public override LayerBackward Backward(LayerDeclaration layer, LayerValues values)
        => new($"{Initializers.Kernels}.LayerNormalizationKernel.Backward({values.Gradient}, {values.State}, {values.Tensor("Gamma")})", ".Input",
            [new("Gamma", ".Gamma"), new("Beta", ".Beta")]);

    public override ManagedLayer? Managed(LayerDeclaration layer, int[] input, int[] output)
    {
        string rows = ManagedCall.Rows(input), features = input[input.Length - 1].ToString(System.Globalization.CultureInfo.InvariantCulture);
        string kernels = $"{ManagedCall.Kernels}.LayerNormalizationSpans";
        return new ManagedLayer(
            c => $"{kernels}.Forward<{ManagedCall.T}>({c.Input}, {c.Weight("Gamma")}, {c.Weight("Beta")}, {c.Output}, {c.Trace}, {rows}, {features}, {ManagedCall.Constant(layer.Text("Epsilon")!)});",
            c => $"{kernels}.Backward<{ManagedCall.T}>({c.Gradient}, {c.Trace}, {c.Weight("Gamma")}, {c.InputGradient}, {c.WeightGradient("Gamma")}, {c.WeightGradient("Beta")}, {rows}, {features});",
            TraceLength: n => $"{kernels}.TraceLength({rows.Replace(ManagedCall.N, n)}, {features})");
    }
}
