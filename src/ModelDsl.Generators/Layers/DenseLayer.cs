using ModelDsl.Generators.Model;
using static ModelDsl.Generators.Analysis.ShapeInference;

namespace ModelDsl.Generators.Layers;

/// <summary>
/// Keras' Dense: <c>activation(x · kernel + bias)</c> on (batch, features); kernel (features, units) GlorotUniform,
/// bias (units) zeros. Kernel: <c>DenseKernel</c>.
/// </summary>
internal sealed class DenseLayer : LayerDefinition
{
    public override string Name => "Dense";

    public override bool HasActivation => true;

    public override void ReadArguments(LayerArgumentReader reader)
    {
        reader.Count(0, "Units", "units");
        reader.Activation(1);
        reader.Bool("UseBias", true);
        reader.Enum("KernelInitializer", "GlorotUniform");
        reader.Enum("BiasInitializer", "Zeros", allowed: LayerArgumentReader.VectorInitializers);
    }

    public override string Describe(LayerDeclaration layer)
        => $"Dense({layer.Int("Units")}{(layer.Activation == "Linear" ? "" : ", " + layer.Activation)})";

    public override int[]? OutputShape(LayerDeclaration layer, LayerInput input, out string? problem)
    {
        problem = input.Shape is not [Batch, _]
            ? $"Dense layer '{layer.Name}' takes (batch, features) but {input.Source} has shape {input.Format()}; Flatten it first: {layer.Name}(Flatten({input.Source}))"
            : null;
        return problem is null ? [Batch, layer.Int("Units")] : null;
    }

    public override System.Collections.Generic.IReadOnlyList<LayerTensor> Tensors(LayerDeclaration layer, int[] inputShape)
    {
        int width = inputShape[1], units = layer.Int("Units");
        LayerTensor kernel = new("Kernel", [width, units], true, "kernel", Initializers.Create(layer.Text("KernelInitializer")!, [width, units]));
        return layer.Flag("UseBias")
            ? [kernel, new LayerTensor("Bias", [units], true, "bias", Initializers.Create(layer.Text("BiasInitializer")!, [units]))]
            : [kernel];
    }

    public override KernelCall Forward(LayerDeclaration layer, LayerValues values, bool training)
        => new($"{Initializers.Kernels}.DenseKernel.Forward({values.Input}, {values.Tensor("Kernel")}, {(layer.Flag("UseBias") ? values.Tensor("Bias") : "null")})");

    public override LayerBackward Backward(LayerDeclaration layer, LayerValues values)
    {
        bool bias = layer.Flag("UseBias");
        return new LayerBackward(
            $"{Initializers.Kernels}.DenseKernel.Backward({values.Gradient}, {values.Input}, {values.Tensor("Kernel")}, hasBias: {(bias ? "true" : "false")}{(values.InputGradientNeeded ? "" : ", inputGradient: false")})",
            ".Input!",
            bias ? [new("Kernel", ".Kernel"), new("Bias", ".Bias!")] : [new("Kernel", ".Kernel")]);
    }

    public override string DescribeForBackward(LayerDeclaration layer, string output, string input) => $"{output} = Dense({input})";

    public override ManagedLayer? Managed(LayerDeclaration layer, int[] input, int[] output)
    {
        string sizes = $"{ManagedCall.N}, {input[1]}, {layer.Int("Units")}";
        bool bias = layer.Flag("UseBias");
        return new ManagedLayer(
            c => $"{ManagedCall.Kernels}.DenseSpans.Forward<{ManagedCall.T}>({c.Input}, {c.Weight("Kernel")}, {(bias ? c.Weight("Bias") : "default")}, {c.Output}, {sizes});",
            c => $"{ManagedCall.Kernels}.DenseSpans.Backward<{ManagedCall.T}>({c.Gradient}, {c.Input}, {c.Weight("Kernel")}, {c.InputGradient}, {c.WeightGradient("Kernel")}, {(bias ? c.WeightGradient("Bias") : "default")}, {sizes});");
    }
}
