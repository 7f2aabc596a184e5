using System.Collections.Generic;
using System.Linq;
using ModelDsl.Generators.Emit;
using ModelDsl.Generators.Model;
using static ModelDsl.Generators.Analysis.ShapeInference;

namespace ModelDsl.Generators.Layers;

/// <summary>
/// Keras' Normalization over the last axis: <c>(x - mean) / max(sqrt(variance), 1e-7)</c> with mean, population variance
/// and a sample count set from data by <c>Adapt{Layer}</c>, never trained. Kernel: <c>NormalizationKernel</c>.
/// </summary>
internal sealed class NormalizationLayer : LayerDefinition
{
    public override string Name => "Normalization";

    public override bool Adapts => true;

    public override void ReadArguments(LayerArgumentReader reader) { }

    public override string Describe(LayerDeclaration layer) => "Normalization: (x - mean) / max(sqrt(variance), 1e-7)";

    public override int[]? OutputShape(LayerDeclaration layer, LayerInput input, out string? problem)
    {
        problem = input.Shape.Length < 2 || input.Shape[0] != Batch
            ? $"Normalization layer '{layer.Name}' takes (batch, ..., features) but {input.Source} has shape {input.Format()}"
            : null;
        return problem is null ? input.Shape : null;
    }

    public override IReadOnlyList<LayerTensor> Tensors(LayerDeclaration layer, int[] inputShape)
    {
        int width = inputShape[inputShape.Length - 1];
        return
        [
            new("Mean", [width], false, "mean, adapted", Initializers.Constant("zeros", width)),
            new("Variance", [width], false, "variance (population), adapted", Initializers.Constant("ones", width)),
            new("Count", [], false, "number of samples adapted on", $"{Initializers.Torch}.tensor(0L)"),
        ];
    }

    public override KernelCall Forward(LayerDeclaration layer, LayerValues values, bool training)
        => new($"{Initializers.Kernels}.NormalizationKernel.Forward({values.Input}, {values.Tensor("Mean")}, {values.Tensor("Variance")})");

    public override LayerBackward Backward(LayerDeclaration layer, LayerValues values)
        => LayerBackward.InputOnly($"{Initializers.Kernels}.NormalizationKernel.Backward({values.Gradient}, {values.Tensor("Variance")})");

    public override ManagedLayer? Managed(LayerDeclaration layer, int[] input, int[] output)
    {
        string sizes = $"{ManagedCall.Rows(input)}, {input[input.Length - 1]}";
        return new ManagedLayer(
            c => $"{ManagedCall.Kernels}.NormalizationSpans.Forward<{ManagedCall.T}>({c.Input}, {c.Weight("Mean")}, {c.Weight("Variance")}, {c.Output}, {sizes});",
            c => $"{ManagedCall.Kernels}.NormalizationSpans.Backward<{ManagedCall.T}>({c.Gradient}, {c.Weight("Variance")}, {c.InputGradient}, {sizes});");
    }

    public override void EmitMembers(LayerDeclaration layer, string model, IReadOnlyList<TensorInfo> tensors, CodeWriter w)
    {
        string n = layer.Name;
        int features = tensors.First(t => t.Name == n + "Mean").Shape[0];
        w.WriteLine();
        w.WriteLine($"/// <summary>Sets the mean and population variance of layer {n} from <paramref name=\"data\"/> (Keras' adapt).</summary>");
        w.WriteLine(CodeWriter.GeneratedCodeAttribute);
        using (w.WriteBlock($"public void Adapt{n}({Initializers.Torch}.Tensor data)"))
        {
            using (w.WriteBlock($"if (data.dim() < 1 || data.shape[data.dim() - 1] != {features})"))
            {
                w.WriteLine($"throw new global::System.ArgumentException($\"Layer {n} normalizes {features} features but the data has shape ({{string.Join(\", \", data.shape)}}).\", nameof(data));");
            }
            w.WriteLine($"global::ModelDsl.Training.InputGuard.RequireFinite(\"{model}\", \"data\", data);");
            w.WriteLine($"var statistics = {Initializers.Kernels}.NormalizationKernel.Adapt(data);");
            w.WriteLine($"this.Weights.{n}Mean.copy_(statistics.Mean);");
            w.WriteLine($"this.Weights.{n}Variance.copy_(statistics.Variance);");
            w.WriteLine($"this.Weights.{n}Count.fill_(statistics.Count);");
        }
    }
}
