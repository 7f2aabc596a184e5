using System.Collections.Generic;
using ModelDsl.Generators.Model;

namespace ModelDsl.Generators.Layers;

/// <summary>
/// Everything the pipeline knows about one kind of layer, in one place: its attribute's arguments and their
/// validation, its output-shape rule, its tensors (shape, Keras initializer, trainable or not), the kernel calls the
/// emitter writes for its forward (in training and in inference) and backward, and its Summary row. Parser, shape
/// inference, reverse mode, emitter and Summary consult <see cref="LayerCatalogue"/> instead of switching on a kind.
/// Adding a layer is adding one subclass (and its runtime kernel); see docs/generator.md, "Adding a layer".
/// </summary>
internal abstract class LayerDefinition
{
    /// <summary>The attribute's name without "Attribute" (<c>ModelDsl.DenseAttribute</c> → "Dense"): the catalogue key.</summary>
    public abstract string Name { get; }

    /// <summary>Keras' class name, shown in Summary().</summary>
    public virtual string KerasType => Name;

    /// <summary>
    /// True for a layer with an <c>Activation</c> argument applied after it (Dense, convolutions): the shared emitter
    /// writes the activation and its derivative, the layer only its linear part.
    /// </summary>
    public virtual bool HasActivation => false;

    /// <summary>True for a layer whose non-trainable statistics are set from data by a generated <c>Adapt{Layer}</c> method.</summary>
    public virtual bool Adapts => false;

    /// <summary>True when the layer computes differently in TrainStep/Fit than in Forward/Predict/Evaluate.</summary>
    public virtual bool DiffersInTraining => false;

    /// <summary>True when the layer draws random numbers while training (from the model's seeded generator).</summary>
    public virtual bool UsesRandomness => false;

    /// <summary>Reads and validates the attribute's arguments; invalid ones are reported at their own location by the reader.</summary>
    public abstract void ReadArguments(LayerArgumentReader reader);

    /// <summary>How the layer reads in documentation comments: "Dense(16, Relu)".</summary>
    public abstract string Describe(LayerDeclaration layer);

    /// <summary>The output shape (-1 for the batch axis) for an input, or null with a problem for MD0004.</summary>
    public abstract int[]? OutputShape(LayerDeclaration layer, LayerInput input, out string? problem);

    /// <summary>The layer's tensors for an input shape, in Keras' order: trainable ones as Keras creates them, then the rest.</summary>
    public virtual IReadOnlyList<LayerTensor> Tensors(LayerDeclaration layer, int[] inputShape) => [];

    /// <summary>The forward kernel call (its linear part when the layer has an activation), in training or inference mode.</summary>
    public abstract KernelCall Forward(LayerDeclaration layer, LayerValues values, bool training);

    /// <summary>The backward kernel call from d(loss)/d(output) (<see cref="LayerValues.Gradient"/>), after the training forward.</summary>
    public abstract LayerBackward Backward(LayerDeclaration layer, LayerValues values);

    /// <summary>
    /// The layer in the managed backend for these input and output shapes, or null when it has none there (a model
    /// using it then trains with TorchSharp, and the generator says why).
    /// </summary>
    public virtual ManagedLayer? Managed(LayerDeclaration layer, int[] input, int[] output) => null;

    /// <summary>The forward expression a backward line differentiates, for its comment: "Output = Dense(Hidden)".</summary>
    public virtual string DescribeForBackward(LayerDeclaration layer, string output, string input) => $"{output} = {layer.Name}({input})";

    /// <summary>Writes the model members the layer adds (Normalization's <c>Adapt{Layer}</c>), given its tensors.</summary>
    public virtual void EmitMembers(LayerDeclaration layer, string model, IReadOnlyList<TensorInfo> tensors, Emit.CodeWriter writer) { }
}

/// <summary>A layer's input while shapes are inferred: its static shape and its source text, for messages.</summary>
internal sealed record LayerInput(int[] Shape, string Source)
{
    public string Format() => Analysis.ShapeInference.Format(Shape);
}

/// <summary>
/// One tensor a layer owns: the suffix of its generated name (layer "Hidden" + "Kernel"), shape, whether the optimizer
/// updates it, its role in documentation, and the C# expression that creates it (see <see cref="Initializers"/>).
/// </summary>
internal sealed record LayerTensor(string Suffix, int[] Shape, bool Trainable, string Role, string Initializer);

/// <summary>
/// A kernel call: <see cref="Expression"/> is the layer's output tensor, or, when <see cref="StateType"/> is set, a
/// record of that type whose <c>Output</c> is; the record is kept in the trace for the backward pass.
/// </summary>
internal sealed record KernelCall(string Expression, string? StateType = null);

/// <summary>
/// A backward kernel call. With no <see cref="Gradients"/> the call is the input's gradient itself (or nothing when
/// <see cref="Input"/> is null). Otherwise its result is kept in a local, <see cref="Input"/> is the member access
/// giving the input's gradient (null: the input has none, e.g. integer indices) and each gradient names the
/// tensor suffix and the member access ("" for the result itself).
/// </summary>
internal sealed record LayerBackward(string Call, string? Input, IReadOnlyList<TensorGradient> Gradients)
{
    /// <summary>A call whose result is the input gradient and that owns no trainable tensor (Normalization, Dropout).</summary>
    public static LayerBackward InputOnly(string call) => new(call, "", []);
}

/// <summary>The gradient of one of a layer's tensors: its suffix and the member of the backward result holding it.</summary>
internal sealed record TensorGradient(string Suffix, string Access);

/// <summary>
/// The C# the emitter gives a layer definition to write its calls with: the input, the output and the kept state
/// (in a backward pass: read from the trace), the incoming gradient, the layer's tensors and the model's generator.
/// </summary>
internal sealed class LayerValues(string input, string output, string state, string gradient, string layerName, string random,
    bool inputGradientNeeded = true)
{
    /// <summary>Whether the backward must give the input's gradient (not for a layer reading the model's input).</summary>
    public bool InputGradientNeeded { get; } = inputGradientNeeded;

    public string Input { get; } = input;
    public string Output { get; } = output;
    public string State { get; } = state;
    public string Gradient { get; } = gradient;
    public string Random { get; } = random;

    /// <summary>The C# of the layer's tensor with this suffix.</summary>
    public string Tensor(string suffix) => "this.Weights." + layerName + suffix;
}

/// <summary>C# for the runtime's initializers, as layer definitions write them.</summary>
internal static class Initializers
{
    public const string Namespace = "global::ModelDsl.Initializers";
    public const string Torch = "global::TorchSharp.torch";
    public const string Kernels = "global::ModelDsl.Kernels";

    /// <summary>A Keras initializer (<c>GlorotUniform</c>, <c>Zeros</c>, ... with its arguments) drawn from the model's generator.</summary>
    public static string Create(string initializer, int[] shape, string arguments = "")
        => $"new {Namespace}.{initializer}({arguments}).Create(new long[] {{ {string.Join(", ", shape)} }}, type, generator)";

    /// <summary>A constant tensor of the model's dtype: <c>zeros</c> or <c>ones</c>.</summary>
    public static string Constant(string function, int length) => $"{Torch}.{function}({length}, dtype: type)";
}
