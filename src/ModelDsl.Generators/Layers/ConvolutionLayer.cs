using System.Collections.Generic;
using System.Linq;
using ModelDsl.Generators.Model;
using static ModelDsl.Generators.Analysis.ShapeInference;

namespace ModelDsl.Generators.Layers;

/// <summary>
/// What Keras' Conv1D and Conv2D share (keras/src/layers/convolutional/base_conv.py): channels-last input, a kernel
/// (window..., in, filters) and a bias (filters), cross-correlation with strides, padding and dilation, then the
/// activation. Output length per spatial axis: <see cref="Geometry.OutputLength"/>.
/// </summary>
internal abstract class ConvolutionLayer : LayerDefinition
{
    /// <summary>1 or 2 spatial axes.</summary>
    protected abstract int Rank { get; }

    public override bool HasActivation => true;

    public override void ReadArguments(LayerArgumentReader reader)
    {
        reader.Count(0, "Filters", "filters");
        if (Rank == 1) reader.Int("KernelSize", 0, 1, "give the window's length, at least 1", position: 1);
        else reader.Pair(1, "KernelSize", "kernel size");
        int strides = reader.Int("Strides", 1, 1, "give a stride of at least 1");
        reader.Enum("Padding", "Valid", allowed: Rank == 1 ? ["Valid", "Same", "Causal"] : ["Valid", "Same"]);
        int dilation = reader.Int("DilationRate", 1, 1, "give a dilation rate of at least 1");
        if (strides > 1 && dilation > 1)
            reader.Conflict("DilationRate", $"DilationRate of {reader.Owner}", $"{dilation} with Strides = {strides}", "Keras does not allow both: keep Strides = 1 or DilationRate = 1");
        reader.Activation();
        reader.Bool("UseBias", true);
        reader.Enum("KernelInitializer", "GlorotUniform");
        reader.Enum("BiasInitializer", "Zeros", allowed: LayerArgumentReader.VectorInitializers);
    }

    /// <summary>The window's size along each spatial axis.</summary>
    protected int[] Window(LayerDeclaration layer) => Rank == 1 ? [layer.Int("KernelSize")] : [layer.Int("KernelSizeRows"), layer.Int("KernelSizeCols")];

    public override string Describe(LayerDeclaration layer)
        => $"{KerasType}({layer.Text("Filters")}, {string.Join(" × ", Window(layer))}"
           + (layer.Int("Strides") > 1 ? $", strides {layer.Text("Strides")}" : "") + (layer.Text("Padding") != "Valid" ? $", {layer.Text("Padding")!.ToLowerInvariant()} padding" : "")
           + (layer.Int("DilationRate") > 1 ? $", dilation {layer.Text("DilationRate")}" : "") + (layer.Activation == "Linear" ? "" : ", " + layer.Activation) + ")";

    public override int[]? OutputShape(LayerDeclaration layer, LayerInput input, out string? problem)
    {
        string expected = Rank == 1 ? "(batch, steps, channels)" : "(batch, rows, cols, channels)";
        if (input.Shape.Length != Rank + 2 || input.Shape[0] != Batch)
        {
            problem = $"{KerasType} layer '{layer.Name}' takes {expected} but {input.Source} has shape {input.Format()}"
                      + (Rank == 2 && input.Shape.Length == 2 ? $"; Reshape it first, e.g. Reshape({input.Source}, -1, rows, cols, 1)" : "");
            return null;
        }
        int[] window = Window(layer);
        var output = new List<int> { Batch };
        for (int axis = 0; axis < Rank; axis++)
        {
            long length = Geometry.OutputLength(input.Shape[axis + 1], window[axis], layer.Int("Strides"), layer.Text("Padding")!, layer.Int("DilationRate"));
            if (length < 1)
            {
                problem = $"{KerasType} layer '{layer.Name}' with {Geometry.Window(window[0], Rank == 1 ? -1 : window[1], layer.Int("DilationRate"))} and valid padding does not fit in {input.Source} of shape {input.Format()}; use a smaller kernel or Padding = Padding.Same";
                return null;
            }
            output.Add((int)length);
        }
        output.Add(layer.Int("Filters"));
        problem = null;
        return [.. output];
    }

    public override IReadOnlyList<LayerTensor> Tensors(LayerDeclaration layer, int[] inputShape)
    {
        int filters = layer.Int("Filters");
        int[] kernelShape = [.. Window(layer), inputShape[inputShape.Length - 1], filters];
        LayerTensor kernel = new("Kernel", kernelShape, true, $"kernel ({(Rank == 1 ? "window" : "rows, cols")}, in, filters)", Initializers.Create(layer.Text("KernelInitializer")!, kernelShape));
        return layer.Flag("UseBias")
            ? [kernel, new LayerTensor("Bias", [filters], true, "bias", Initializers.Create(layer.Text("BiasInitializer")!, [filters]))]
            : [kernel];
    }

    /// <summary>The kernel call's arguments after the tensors: strides, padding and dilation, per spatial axis where the kernel takes both.</summary>
    private string Options(LayerDeclaration layer)
    {
        string strides = layer.Text("Strides")!, dilation = layer.Text("DilationRate")!, padding = $"{Initializers.Kernels}.Padding.{layer.Text("Padding")}";
        return Rank == 1 ? $"{strides}, {padding}, {dilation}" : $"{strides}, {strides}, {padding}, {dilation}, {dilation}";
    }

    public override KernelCall Forward(LayerDeclaration layer, LayerValues values, bool training)
        => new($"{Initializers.Kernels}.{KerasType}Kernel.Forward({values.Input}, {values.Tensor("Kernel")}, {(layer.Flag("UseBias") ? values.Tensor("Bias") : "null")}, {Options(layer)})");

    public override LayerBackward Backward(LayerDeclaration layer, LayerValues values)
    {
        bool bias = layer.Flag("UseBias");
        return new LayerBackward(
            $"{Initializers.Kernels}.{KerasType}Kernel.Backward({values.Gradient}, {values.Input}, {values.Tensor("Kernel")}, {(bias ? "true" : "false")}, {Options(layer)}{(values.InputGradientNeeded ? "" : ", inputGradient: false")})",
            ".Input!",
            bias ? [new("Kernel", ".Kernel"), new("Bias", ".Bias!")] : [new("Kernel", ".Kernel")]);
    }

    public override string DescribeForBackward(LayerDeclaration layer, string output, string input) => $"{output} = {KerasType}({input})";

    public override ManagedLayer? Managed(LayerDeclaration layer, int[] input, int[] output)
    {
        int[] window = Window(layer);
        string padding = $"global::ModelDsl.Kernels.Padding.{layer.Text("Padding")}", strides = layer.Text("Strides")!, dilation = layer.Text("DilationRate")!;
        string sizes = Rank == 1
            ? $"{ManagedCall.N}, {input[1]}, {input[2]}, {layer.Int("Filters")}, {window[0]}, {strides}, {padding}, {dilation}"
            : $"{ManagedCall.N}, {input[1]}, {input[2]}, {input[3]}, {layer.Int("Filters")}, {window[0]}, {window[1]}, {strides}, {strides}, {padding}, {dilation}, {dilation}";
        bool bias = layer.Flag("UseBias");
        string kernels = $"{ManagedCall.Kernels}.{KerasType}Spans";
        return new ManagedLayer(
            c => $"{kernels}.Forward<{ManagedCall.T}>({c.Input}, {c.Weight("Kernel")}, {(bias ? c.Weight("Bias") : "default")}, {c.Output}, {sizes});",
            c => $"{kernels}.Backward<{ManagedCall.T}>({c.Gradient}, {c.Input}, {c.Weight("Kernel")}, {c.InputGradient}, {c.WeightGradient("Kernel")}, {(bias ? c.WeightGradient("Bias") : "default")}, {sizes});");
    }
}

/// <summary>Keras' Conv1D on (batch, steps, channels), kernel (k, in, filters); valid, same or causal padding. Kernel: <c>Conv1DKernel</c>.</summary>
internal sealed class Conv1DLayer : ConvolutionLayer
{
    public override string Name => "Conv1D";
    protected override int Rank => 1;
}

/// <summary>Keras' Conv2D on (batch, rows, cols, channels), kernel (kh, kw, in, filters); valid or same padding. Kernel: <c>Conv2DKernel</c>.</summary>
internal sealed class Conv2DLayer : ConvolutionLayer
{
    public override string Name => "Conv2D";
    protected override int Rank => 2;
}
