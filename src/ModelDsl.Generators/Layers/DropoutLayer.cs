using ModelDsl.Generators.Model;
using static ModelDsl.Generators.Analysis.ShapeInference;

namespace ModelDsl.Generators.Layers;

/// <summary>
/// Keras' Dropout: while training, each element is kept with probability 1 − rate and scaled by 1/(1 − rate) (the
/// mask drawn from the model's seeded generator and kept for the backward pass); the identity in Forward, Predict and
/// Evaluate. No weights. Kernel: <c>DropoutKernel</c>.
/// </summary>
internal sealed class DropoutLayer : LayerDefinition
{
    public override string Name => "Dropout";

    public override bool DiffersInTraining => true;

    public override bool UsesRandomness => true;

    public override void ReadArguments(LayerArgumentReader reader)
        => reader.Double("Rate", 0, r => r >= 0 && r < 1, "the rate is the fraction of inputs dropped: give a number in [0, 1)", position: 0);

    public override string Describe(LayerDeclaration layer) => $"Dropout({layer.Text("Rate")}): the identity here; while training, inputs dropped with probability {layer.Text("Rate")}";

    public override int[]? OutputShape(LayerDeclaration layer, LayerInput input, out string? problem)
    {
        problem = input.Shape.Length < 2 || input.Shape[0] != Batch ? $"Dropout layer '{layer.Name}' takes (batch, ...) but {input.Source} has shape {input.Format()}" : null;
        return problem is null ? input.Shape : null;
    }

    public override KernelCall Forward(LayerDeclaration layer, LayerValues values, bool training)
        => training
            ? new($"{Initializers.Kernels}.DropoutKernel.Forward({values.Input}, {layer.Text("Rate")}, {values.Random})", $"{Initializers.Kernels}.DropoutTrace")
            : new(values.Input);

    public override LayerBackward Backward(LayerDeclaration layer, LayerValues values)
        => LayerBackward.InputOnly($"{Initializers.Kernels}.DropoutKernel.Backward({values.Gradient}, {values.State})");

    public override ManagedLayer? Managed(LayerDeclaration layer, int[] input, int[] output)
    {
        long values = 1;
        for (int i = 1; i < input.Length; i++) values *= input[i];
        string kernels = $"{ManagedCall.Kernels}.DropoutSpans";
        // The mask is drawn from the model's generator as the TorchSharp backend draws it, so both see the same masks.
        return new ManagedLayer(
            c => $"if ({c.Training}) {kernels}.Forward<{ManagedCall.T}>({c.Input}, {kernels}.DrawMask<{ManagedCall.T}>({c.Trace}, {layer.Text("Rate")}, {c.Random}), {c.Output});\n" +
                 $"else {c.Input}.CopyTo({c.Output});",
            c => $"{kernels}.Backward<{ManagedCall.T}>({c.Gradient}, {c.Trace}, {c.InputGradient});",
            TraceLength: n => $"{n} * {values}");
    }
}
