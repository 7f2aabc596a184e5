using System.Collections.Generic;
using ModelDsl.Generators.Model;
using static ModelDsl.Generators.Analysis.ShapeInference;

namespace ModelDsl.Generators.Layers;

/// <summary>
/// Keras' BatchNormalization over the last axis: while training, the batch's mean and (biased) variance normalise it
/// and update the moving statistics (momentum 0.99); otherwise the moving statistics do. γ(x̂) + β with gamma and beta
/// trainable, moving mean and variance not: 4 × features parameters. Kernel: <c>BatchNormalizationKernel</c>.
/// </summary>
internal sealed class BatchNormalizationLayer : LayerDefinition
{
    public override string Name => "BatchNormalization";

    public override bool DiffersInTraining => true;

    public override void ReadArguments(LayerArgumentReader reader)
    {
        reader.Double("Momentum", 0.99, m => m >= 0 && m < 1, "give the moving statistics' momentum in [0, 1)");
        reader.Double("Epsilon", 1e-3, e => e > 0 && !double.IsInfinity(e), "give a small positive epsilon (Keras' default is 0.001)");
    }

    public override string Describe(LayerDeclaration layer) => "BatchNormalization: gamma · (x - moving mean) / sqrt(moving variance + epsilon) + beta here; batch statistics while training";

    public override int[]? OutputShape(LayerDeclaration layer, LayerInput input, out string? problem)
    {
        problem = input.Shape.Length < 2 || input.Shape[0] != Batch ? $"BatchNormalization layer '{layer.Name}' takes (batch, ..., features) but {input.Source} has shape {input.Format()}" : null;
        return problem is null ? input.Shape : null;
    }

    public override IReadOnlyList<LayerTensor> Tensors(LayerDeclaration layer, int[] inputShape)
    {
        int features = inputShape[inputShape.Length - 1];
        return
        [
            new("Gamma", [features], true, "gamma (scale)", Initializers.Constant("ones", features)),
            new("Beta", [features], true, "beta (offset)", Initializers.Constant("zeros", features)),
            new("MovingMean", [features], false, "moving mean, updated while training", Initializers.Constant("zeros", features)),
            new("MovingVariance", [features], false, "moving variance, updated while training", Initializers.Constant("ones", features)),
        ];
    }

    public override KernelCall Forward(LayerDeclaration layer, LayerValues values, bool training)
    {
        string k = Initializers.Kernels + ".BatchNormalizationKernel", statistics = $"{values.Tensor("Gamma")}, {values.Tensor("Beta")}, {values.Tensor("MovingMean")}, {values.Tensor("MovingVariance")}";
        return training
            ? new($"{k}.ForwardTraining({values.Input}, {statistics}, {layer.Text("Momentum")}, {layer.Text("Epsilon")})", $"{Initializers.Kernels}.BatchNormalizationTrace")
            : new($"{k}.ForwardInference({values.Input}, {statistics}, {layer.Text("Epsilon")})");
    }

    public override LayerBackward Backward(LayerDeclaration layer, LayerValues values)
        => new($"{Initializers.Kernels}.BatchNormalizationKernel.Backward({values.Gradient}, {values.State}, {values.Tensor("Gamma")})", ".Input",
            [new("Gamma", ".Gamma"), new("Beta", ".Beta")]);

    public override ManagedLayer? Managed(LayerDeclaration layer, int[] input, int[] output)
    {
        string rows = ManagedCall.Rows(input), features = input[input.Length - 1].ToString(System.Globalization.CultureInfo.InvariantCulture);
        string kernels = $"{ManagedCall.Kernels}.BatchNormalizationSpans";
        string epsilon = ManagedCall.Constant(layer.Text("Epsilon")!);
        return new ManagedLayer(
            c => $"if ({c.Training}) {kernels}.ForwardTraining<{ManagedCall.T}>({c.Input}, {c.Weight("Gamma")}, {c.Weight("Beta")}, {c.Weight("MovingMean")}, {c.Weight("MovingVariance")}, " +
                 $"{c.Output}, {c.Trace}, {rows}, {features}, {ManagedCall.Constant(layer.Text("Momentum")!)}, {epsilon});\n" +
                 $"else {kernels}.ForwardInference<{ManagedCall.T}>({c.Input}, {c.Weight("Gamma")}, {c.Weight("Beta")}, {c.Weight("MovingMean")}, {c.Weight("MovingVariance")}, {c.Output}, {rows}, {features}, {epsilon});",
            c => $"{kernels}.Backward<{ManagedCall.T}>({c.Gradient}, {c.Trace}, {c.Weight("Gamma")}, {c.InputGradient}, {c.WeightGradient("Gamma")}, {c.WeightGradient("Beta")}, {rows}, {features});",
            TraceLength: n => $"{kernels}.TraceLength({rows.Replace(ManagedCall.N, n)}, {features})");
    }
}
