using System.Collections.Generic;
using ModelDsl.Generators.Model;
using static ModelDsl.Generators.Analysis.ShapeInference;

namespace ModelDsl.Generators.Layers;

/// <summary>
/// What Keras' max and average pooling layers share (keras/src/layers/pooling/base_pooling.py): a window over each
/// spatial axis, strides defaulting to the window, valid or same padding, channels kept, no weights. Max pooling keeps
/// the arg-max positions for its backward pass; "same" average pooling divides by the real (unpadded) elements.
/// Kernel: <c>PoolingKernel</c>.
/// </summary>
internal abstract class PoolingLayer : LayerDefinition
{
    protected abstract int Rank { get; }

    protected abstract bool IsMax { get; }

    private string Function => (IsMax ? "MaxPool" : "AveragePool") + Rank + "D";

    public override void ReadArguments(LayerArgumentReader reader)
    {
        // Keras: MaxPooling defaults to a window of 2; AveragePooling requires one.
        if (Rank == 1) reader.Int("PoolSize", IsMax ? 2 : 0, 1, IsMax ? "give a window of at least 1" : "give the window's length (AveragePooling has no default), at least 1", position: 0);
        else reader.Pair(0, "PoolSize", "pool size", IsMax ? 2 : null);
        reader.Int("Strides", 0, 0, "give a stride of at least 1, or leave it out for strides equal to the window");
        reader.Enum("Padding", "Valid", allowed: ["Valid", "Same"]);
    }

    private int[] Window(LayerDeclaration layer) => Rank == 1 ? [layer.Int("PoolSize")] : [layer.Int("PoolSizeRows"), layer.Int("PoolSizeCols")];

    private int[] Strides(LayerDeclaration layer) => layer.Int("Strides") is int s and > 0 ? (Rank == 1 ? [s] : [s, s]) : Window(layer);

    public override string Describe(LayerDeclaration layer)
        => $"{KerasType}({string.Join(" × ", Window(layer))}{(layer.Int("Strides") > 0 ? ", strides " + layer.Text("Strides") : "")}{(layer.Text("Padding") == "Same" ? ", same padding" : "")})";

    public override int[]? OutputShape(LayerDeclaration layer, LayerInput input, out string? problem)
    {
        string expected = Rank == 1 ? "(batch, steps, channels)" : "(batch, rows, cols, channels)";
        if (input.Shape.Length != Rank + 2 || input.Shape[0] != Batch)
        {
            problem = $"{KerasType} layer '{layer.Name}' takes {expected} but {input.Source} has shape {input.Format()}";
            return null;
        }
        int[] window = Window(layer), strides = Strides(layer);
        var output = new List<int> { Batch };
        for (int axis = 0; axis < Rank; axis++)
        {
            long length = Geometry.OutputLength(input.Shape[axis + 1], window[axis], strides[axis], layer.Text("Padding")!);
            if (length < 1)
            {
                problem = $"{KerasType} layer '{layer.Name}' with {Geometry.Window(window[0], Rank == 1 ? -1 : window[1])} does not fit in {input.Source} of shape {input.Format()}; use a smaller pool size or Padding = Padding.Same";
                return null;
            }
            output.Add((int)length);
        }
        output.Add(input.Shape[input.Shape.Length - 1]);
        problem = null;
        return [.. output];
    }

    private string Options(LayerDeclaration layer)
        => $"{string.Join(", ", Window(layer))}, {string.Join(", ", Strides(layer))}, {Initializers.Kernels}.Padding.{layer.Text("Padding")}";

    public override KernelCall Forward(LayerDeclaration layer, LayerValues values, bool training)
        => new($"{Initializers.Kernels}.PoolingKernel.{Function}({values.Input}, {Options(layer)})", IsMax ? $"{Initializers.Kernels}.PoolingTrace" : null);

    public override LayerBackward Backward(LayerDeclaration layer, LayerValues values)
        => LayerBackward.InputOnly(IsMax
            ? $"{Initializers.Kernels}.PoolingKernel.{Function}Backward({values.Gradient}, {values.State}, {values.Input})"
            : $"{Initializers.Kernels}.PoolingKernel.{Function}Backward({values.Gradient}, {values.Input}, {Options(layer)})");

    public override string DescribeForBackward(LayerDeclaration layer, string output, string input) => $"{output} = {KerasType}({input})";

    public override ManagedLayer? Managed(LayerDeclaration layer, int[] input, int[] output)
    {
        string padding = $"global::ModelDsl.Kernels.Padding.{layer.Text("Padding")}";
        string sizes = Rank == 1
            ? $"{ManagedCall.N}, {input[1]}, {input[2]}, {string.Join(", ", Window(layer))}, {string.Join(", ", Strides(layer))}, {padding}"
            : $"{ManagedCall.N}, {input[1]}, {input[2]}, {input[3]}, {string.Join(", ", Window(layer))}, {string.Join(", ", Strides(layer))}, {padding}";
        string kernels = $"{ManagedCall.Kernels}.PoolingSpans";
        long outputs = 1;
        for (int i = 1; i < output.Length; i++) outputs *= output[i];
        return IsMax
            ? new ManagedLayer(
                c => $"{kernels}.{Function}<{ManagedCall.T}>({c.Input}, {c.Output}, {c.Indices}, {sizes});",
                c => $"{kernels}.{Function}Backward<{ManagedCall.T}>({c.Gradient}, {c.Indices}, {c.InputGradient}, {sizes});",
                IndexLength: n => $"{n} * {outputs}")
            : new ManagedLayer(
                c => $"{kernels}.{Function}<{ManagedCall.T}>({c.Input}, {c.Output}, {sizes});",
                c => $"{kernels}.{Function}Backward<{ManagedCall.T}>({c.Gradient}, {c.InputGradient}, {sizes});");
    }
}

internal sealed class MaxPooling1DLayer : PoolingLayer
{
    public override string Name => "MaxPooling1D";
    protected override int Rank => 1;
    protected override bool IsMax => true;
}

internal sealed class AveragePooling1DLayer : PoolingLayer
{
    public override string Name => "AveragePooling1D";
    protected override int Rank => 1;
    protected override bool IsMax => false;
}

internal sealed class MaxPooling2DLayer : PoolingLayer
{
    public override string Name => "MaxPooling2D";
    protected override int Rank => 2;
    protected override bool IsMax => true;
}

internal sealed class AveragePooling2DLayer : PoolingLayer
{
    public override string Name => "AveragePooling2D";
    protected override int Rank => 2;
    protected override bool IsMax => false;
}

/// <summary>
/// Keras' global pooling (keras/src/layers/pooling/base_global_pooling.py): the mean or max over the steps axis
/// (1-D) or over rows and cols (2-D), giving (batch, channels); no weights. Kernel: <c>GlobalPoolingKernel</c>.
/// </summary>
internal abstract class GlobalPoolingLayer : LayerDefinition
{
    protected abstract int Rank { get; }

    protected abstract bool IsMax { get; }

    public override void ReadArguments(LayerArgumentReader reader) { }

    public override string Describe(LayerDeclaration layer) => $"{KerasType}: the {(IsMax ? "maximum" : "mean")} over {(Rank == 1 ? "the steps" : "rows and cols")} of each channel";

    public override int[]? OutputShape(LayerDeclaration layer, LayerInput input, out string? problem)
    {
        string expected = Rank == 1 ? "(batch, steps, channels)" : "(batch, rows, cols, channels)";
        problem = input.Shape.Length != Rank + 2 || input.Shape[0] != Batch ? $"{KerasType} layer '{layer.Name}' takes {expected} but {input.Source} has shape {input.Format()}" : null;
        return problem is null ? [Batch, input.Shape[input.Shape.Length - 1]] : null;
    }

    public override KernelCall Forward(LayerDeclaration layer, LayerValues values, bool training)
        => IsMax
            ? new($"{Initializers.Kernels}.GlobalPoolingKernel.Max({values.Input})", $"{Initializers.Kernels}.GlobalMaxTrace")
            : new($"{Initializers.Kernels}.GlobalPoolingKernel.Average({values.Input})");

    public override LayerBackward Backward(LayerDeclaration layer, LayerValues values)
        => LayerBackward.InputOnly(IsMax
            ? $"{Initializers.Kernels}.GlobalPoolingKernel.MaxBackward({values.Gradient}, {values.State}, {values.Input})"
            : $"{Initializers.Kernels}.GlobalPoolingKernel.AverageBackward({values.Gradient}, {values.Input})");

    public override string DescribeForBackward(LayerDeclaration layer, string output, string input) => $"{output} = {KerasType}({input})";

    public override ManagedLayer? Managed(LayerDeclaration layer, int[] input, int[] output)
    {
        long steps = 1;
        for (int i = 1; i < input.Length - 1; i++) steps *= input[i];
        string sizes = $"{ManagedCall.N}, {steps}, {input[input.Length - 1]}";
        string kernels = $"{ManagedCall.Kernels}.GlobalPoolingSpans";
        return IsMax
            ? new ManagedLayer(
                c => $"{kernels}.Max<{ManagedCall.T}>({c.Input}, {c.Output}, {sizes});",
                c => $"{kernels}.MaxBackward<{ManagedCall.T}>({c.Gradient}, {c.Input}, {c.Output}, {c.InputGradient}, {sizes});")
            : new ManagedLayer(
                c => $"{kernels}.Average<{ManagedCall.T}>({c.Input}, {c.Output}, {sizes});",
                c => $"{kernels}.AverageBackward<{ManagedCall.T}>({c.Gradient}, {c.InputGradient}, {sizes});");
    }
}

internal sealed class GlobalAveragePooling1DLayer : GlobalPoolingLayer
{
    public override string Name => "GlobalAveragePooling1D";
    protected override int Rank => 1;
    protected override bool IsMax => false;
}

internal sealed class GlobalMaxPooling1DLayer : GlobalPoolingLayer
{
    public override string Name => "GlobalMaxPooling1D";
    protected override int Rank => 1;
    protected override bool IsMax => true;
}

internal sealed class GlobalAveragePooling2DLayer : GlobalPoolingLayer
{
    public override string Name => "GlobalAveragePooling2D";
    protected override int Rank => 2;
    protected override bool IsMax => false;
}

internal sealed class GlobalMaxPooling2DLayer : GlobalPoolingLayer
{
    public override string Name => "GlobalMaxPooling2D";
    protected override int Rank => 2;
    protected override bool IsMax => true;
}
