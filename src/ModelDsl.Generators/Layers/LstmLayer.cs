using ModelDsl.Generators.Model;
using static ModelDsl.Generators.Analysis.ShapeInference;

namespace ModelDsl.Generators.Layers;

/// <summary>
/// Keras' LSTM on (batch, time, features) to the last hidden state (batch, units): kernel (features, 4u) in gate
/// blocks i, f, c, o, recurrent kernel (u, 4u), one bias (4u) with the forget block set to 1. Kernel: <c>LstmKernel</c>.
/// </summary>
internal sealed class LstmLayer : LayerDefinition
{
    public override string Name => "Lstm";

    public override string KerasType => "LSTM";

    public override void ReadArguments(LayerArgumentReader reader) => reader.Count(0, "Units", "units");

    public override string Describe(LayerDeclaration layer) => $"LSTM({layer.Int("Units")}): the last hidden state";

    public override int[]? OutputShape(LayerDeclaration layer, LayerInput input, out string? problem)
    {
        problem = input.Shape is not [Batch, _, _] ? $"LSTM layer '{layer.Name}' takes (batch, time, features) but {input.Source} has shape {input.Format()}" : null;
        return problem is null ? [Batch, layer.Int("Units")] : null;
    }

    public override System.Collections.Generic.IReadOnlyList<LayerTensor> Tensors(LayerDeclaration layer, int[] inputShape)
    {
        int width = inputShape[2], units = layer.Int("Units");
        return
        [
            new("Kernel", [width, 4 * units], true, "kernel, gate blocks i, f, c, o", Initializers.Create("GlorotUniform", [width, 4 * units])),
            new("RecurrentKernel", [units, 4 * units], true, "recurrent kernel", Initializers.Create("Orthogonal", [units, 4 * units])),
            new("Bias", [4 * units], true, "bias, forget block set to 1 (unit_forget_bias)", $"{Initializers.Namespace}.LstmBias.UnitForget({units}, type)"),
        ];
    }

    public override KernelCall Forward(LayerDeclaration layer, LayerValues values, bool training)
        => new($"{Initializers.Kernels}.LstmKernel.Forward({values.Input}, {values.Tensor("Kernel")}, {values.Tensor("RecurrentKernel")}, {values.Tensor("Bias")})",
            $"{Initializers.Kernels}.LstmTrace");

    public override LayerBackward Backward(LayerDeclaration layer, LayerValues values)
        => new($"{Initializers.Kernels}.LstmKernel.Backward({values.Gradient}, {values.State})", ".Input",
            [new("Kernel", ".Kernel"), new("RecurrentKernel", ".RecurrentKernel"), new("Bias", ".Bias")]);

    public override string DescribeForBackward(LayerDeclaration layer, string output, string input) => $"{output} = {layer.Name}({input}), back through time";
}
