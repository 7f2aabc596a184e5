using System.Collections.Generic;
using ModelDsl.Generators.Model;
using static ModelDsl.Generators.Analysis.ShapeInference;

namespace ModelDsl.Generators.Layers;

/// <summary>
/// What Keras' recurrent layers share (keras/src/layers/rnn/): (batch, time, features) in, zero initial state, the
/// last hidden state (batch, units) out, or every step's (batch, time, units) with <c>ReturnSequences</c> so that
/// recurrent layers stack; kernel GlorotUniform, recurrent kernel Orthogonal. The backward pass runs back through time.
/// </summary>
internal abstract class RecurrentLayer : LayerDefinition
{
    /// <summary>Gate blocks per unit: 4 for the LSTM, 3 for the GRU, 1 for SimpleRNN.</summary>
    protected abstract int Gates { get; }

    /// <summary>The kernel's documented gate order.</summary>
    protected abstract string GateOrder { get; }

    public override void ReadArguments(LayerArgumentReader reader)
    {
        reader.Count(0, "Units", "units");
        reader.Bool("ReturnSequences", false);
    }

    public override string Describe(LayerDeclaration layer)
        => $"{KerasType}({layer.Int("Units")}): {(layer.Flag("ReturnSequences") ? "every step's hidden state" : "the last hidden state")}";

    public override int[]? OutputShape(LayerDeclaration layer, LayerInput input, out string? problem)
    {
        problem = input.Shape is not [Batch, _, _]
            ? $"{KerasType} layer '{layer.Name}' takes (batch, time, features) but {input.Source} has shape {input.Format()}"
              + (input.Shape is [Batch, _] ? "; a recurrent layer before it needs ReturnSequences = true to pass on every step" : "")
            : null;
        if (problem is not null) return null;
        int units = layer.Int("Units");
        return layer.Flag("ReturnSequences") ? [Batch, input.Shape[1], units] : [Batch, units];
    }

    public override IReadOnlyList<LayerTensor> Tensors(LayerDeclaration layer, int[] inputShape)
    {
        int width = inputShape[2], units = layer.Int("Units"), columns = Gates * units;
        return
        [
            new("Kernel", [width, columns], true, "kernel" + GateOrder, Initializers.Create("GlorotUniform", [width, columns])),
            new("RecurrentKernel", [units, columns], true, "recurrent kernel", Initializers.Create("Orthogonal", [units, columns])),
            Bias(units),
        ];
    }

    protected abstract LayerTensor Bias(int units);

    public override KernelCall Forward(LayerDeclaration layer, LayerValues values, bool training)
        => new($"{Initializers.Kernels}.{Name}Kernel.Forward({values.Input}, {values.Tensor("Kernel")}, {values.Tensor("RecurrentKernel")}, {values.Tensor("Bias")}"
               + (layer.Flag("ReturnSequences") ? ", returnSequences: true)" : ")"),
            $"{Initializers.Kernels}.{Name}Trace");

    public override LayerBackward Backward(LayerDeclaration layer, LayerValues values)
        => new($"{Initializers.Kernels}.{Name}Kernel.Backward({values.Gradient}, {values.State}{(values.InputGradientNeeded ? "" : ", inputGradient: false")})", ".Input!",
            [new("Kernel", ".Kernel"), new("RecurrentKernel", ".RecurrentKernel"), new("Bias", ".Bias")]);

    public override string DescribeForBackward(LayerDeclaration layer, string output, string input) => $"{output} = {layer.Name}({input}), back through time";

    public override ManagedLayer? Managed(LayerDeclaration layer, int[] input, int[] output)
    {
        string kernels = $"{ManagedCall.Kernels}.{Name}Spans";
        string sizes = $"{ManagedCall.N}, {input[1]}, {input[2]}, {layer.Int("Units")}, {(layer.Flag("ReturnSequences") ? "true" : "false")}";
        string state = $"{ManagedCall.N}, {input[1]}, {layer.Int("Units")}";
        return new ManagedLayer(
            c => $"{kernels}.Forward<{ManagedCall.T}>({c.Input}, {c.Weight("Kernel")}, {c.Weight("RecurrentKernel")}, {c.Weight("Bias")}, {c.Output}, {c.Trace}, {sizes});",
            c => $"{kernels}.Backward<{ManagedCall.T}>({c.Gradient}, {c.Input}, {c.Weight("Kernel")}, {c.Weight("RecurrentKernel")}, {c.Trace}, {c.Scratch}, " +
                 $"{c.InputGradient}, {c.WeightGradient("Kernel")}, {c.WeightGradient("RecurrentKernel")}, {c.WeightGradient("Bias")}, {sizes});",
            TraceLength: n => $"{kernels}.TraceLength({state.Replace(ManagedCall.N, n)})",
            ScratchLength: n => $"{kernels}.ScratchLength({state.Replace(ManagedCall.N, n)})");
    }
}

/// <summary>Keras' LSTM: gate blocks i, f, c, o; one bias (4u) with the forget block set to 1. 4u(F + u + 1) parameters. Kernel: <c>LstmKernel</c>.</summary>
internal sealed class LstmLayer : RecurrentLayer
{
    public override string Name => "Lstm";
    public override string KerasType => "LSTM";
    protected override int Gates => 4;
    protected override string GateOrder => ", gate blocks i, f, c, o";

    protected override LayerTensor Bias(int units)
        => new("Bias", [4 * units], true, "bias, forget block set to 1 (unit_forget_bias)", $"{Initializers.Namespace}.LstmBias.UnitForget({units}, type)");
}

/// <summary>
/// Keras' GRU with reset_after (its default): gate blocks z, r, h; bias (2, 3u), row 0 added to x·W and row 1 to
/// h·U. 3u(F + u + 2) parameters. Kernel: <c>GruKernel</c>.
/// </summary>
internal sealed class GruLayer : RecurrentLayer
{
    public override string Name => "Gru";
    public override string KerasType => "GRU";
    protected override int Gates => 3;
    protected override string GateOrder => ", gate blocks z, r, h";

    protected override LayerTensor Bias(int units)
        => new("Bias", [2, 3 * units], true, "bias, row 0 for the input and row 1 for the recurrent projection", Initializers.Create("Zeros", [2, 3 * units]));
}

/// <summary>Keras' SimpleRNN: h = tanh(x·W + b + h·U). u(F + u + 1) parameters. Kernel: <c>SimpleRnnKernel</c>.</summary>
internal sealed class SimpleRnnLayer : RecurrentLayer
{
    public override string Name => "SimpleRnn";
    public override string KerasType => "SimpleRNN";
    protected override int Gates => 1;
    protected override string GateOrder => "";

    protected override LayerTensor Bias(int units) => new("Bias", [units], true, "bias", Initializers.Create("Zeros", [units]));
}
