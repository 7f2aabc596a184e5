using System.Linq;
using ModelDsl.Generators.Analysis;

namespace ModelDsl.Generators.Model;

/// <summary>
/// A layer method: its name, its kind (the <see cref="Layers.LayerDefinition.Name"/> of its attribute), the attribute's
/// arguments as read and validated by that definition, and what implementing the partial method needs: its modifiers
/// as declared (without <c>partial</c>; "" when none) and its parameter's name.
/// </summary>
internal sealed record LayerDeclaration(
    string Name, string Kind, EquatableArray<LayerArgument> Arguments, string Modifiers, string Parameter, LocationInfo? Location)
{
    public Layers.LayerDefinition Definition => Layers.LayerCatalogue.Get(Kind);

    /// <summary>The activation applied after the layer ("Linear" when none).</summary>
    public string Activation => Text("Activation") ?? "Linear";

    public string? Text(string name)
    {
        foreach (LayerArgument argument in Arguments)
        {
            if (argument.Name == name) return argument.Value;
        }
        return null;
    }

    public int Int(string name) => int.Parse(Text(name)!, System.Globalization.CultureInfo.InvariantCulture);

    public double Double(string name) => double.Parse(Text(name)!, System.Globalization.CultureInfo.InvariantCulture);

    public bool Flag(string name) => Text(name) == "true";
}

/// <summary>One validated attribute argument of a layer, as invariant text: "16", "Relu", "true", "0.25".</summary>
internal sealed record LayerArgument(string Name, string Value);

/// <summary>A raw [Parameter] property with its shape and initializer.</summary>
internal sealed record ParameterDeclaration(
    string Name, EquatableArray<int> Shape, string Initializer, double Mean, double Stddev, double Min, double Max, double Gain,
    string Modifiers, LocationInfo? Location);

/// <summary>The default optimizer: its attribute's name ("Adam", "Sgd", ...; see <see cref="Parsing.OptimizerCatalogue"/>) and validated arguments.</summary>
internal sealed record OptimizerDeclaration(string Kind, EquatableArray<LayerArgument> Arguments);

/// <summary>A [Model] class, parsed: input shape, loss, metrics, optimizer, layers, parameters and the forward graph.</summary>
internal sealed record ModelDeclaration(
    TypeLocation Type,
    string Name,
    EquatableArray<int> InputShape,
    string Loss,
    bool FromLogits,
    EquatableArray<string> Metrics,
    double HuberDelta,
    OptimizerDeclaration Optimizer,
    EquatableArray<LayerDeclaration> Layers,
    EquatableArray<ParameterDeclaration> Parameters,
    string ForwardName,
    OpGraph Graph,
    LossDeclaration? LossMethod,
    EquatableArray<UserMember> Members,
    string Backend,
    LocationInfo? Location);

/// <summary>A member the user declared in the model class (not a layer or parameter), for generated names that would collide with it.</summary>
internal sealed record UserMember(string Name, LocationInfo? Location);

/// <summary>A model's own [Loss] method: its name, its two parameters and its body as a graph over them.</summary>
internal sealed record LossDeclaration(string Name, string Prediction, string Target, OpGraph Graph);

/// <summary>One tensor of a model: its generated name, shape, role and how it is initialised (C# expression).</summary>
internal sealed record TensorInfo(string Name, EquatableArray<int> Shape, bool Trainable, string Owner, string Role, string Initializer)
{
    public long Count
    {
        get
        {
            long count = 1;
            foreach (int d in Shape) count *= d;
            return count;
        }
    }
}

/// <summary>A row of the Keras-like summary.</summary>
internal sealed record SummaryRow(string Layer, string Type, string OutputShape, long Parameters);

/// <summary>A [Model] after shape inference and the reverse sweep: everything the emitters need.</summary>
internal sealed record ModelPlan(
    ModelDeclaration Model,
    OpGraph Graph,
    EquatableArray<TensorInfo> Tensors,
    ReversePlan Reverse,
    EquatableArray<SummaryRow> Summary,
    EquatableArray<MetricPlan> Metrics,
    LossPlan? LossMethod,
    bool IndexInput,
    bool Managed)
{
    /// <summary>True when a layer draws random numbers while training (Dropout): the model keeps a seeded generator for them.</summary>
    public bool UsesRandomness => Model.Layers.Any(l => l.Definition.UsesRandomness);
}

/// <summary>
/// A metric as declared (its History key comes from it) and the kind that computes it: Keras' "accuracy" resolves
/// to binary, sparse categorical or categorical accuracy from the output's shape and the loss.
/// </summary>
internal sealed record MetricPlan(string Declared, string Computed);

/// <summary>
/// A [Loss] method with its shapes (prediction and target shaped like the model's output) and its reverse sweep from
/// its result to the prediction; <see cref="Mean"/> when the result keeps a batch axis and is averaged, as Keras does.
/// </summary>
internal sealed record LossPlan(LossDeclaration Declaration, OpGraph Graph, ReversePlan Reverse, bool Mean);

/// <summary>
/// A partial layer method or parameter property as declared, for implementing it when the model is rejected:
/// <see cref="Signature"/> is its declaration with fully qualified types, without a body.
/// </summary>
internal sealed record PartialMember(string Signature);

/// <summary>
/// A parsed [Model] class: where its members go and its partial members as declared, always; its
/// <see cref="Declaration"/> only when parsing accepted it.
/// </summary>
internal sealed record ParsedModel(TypeLocation Type, string Name, LocationInfo? Location, EquatableArray<PartialMember> PartialMembers,
    EquatableArray<AttributeStub> AttributeStubs, ModelDeclaration? Declaration);

/// <summary>
/// An attribute the compiler could not find on a layer member (MD0019): the rejected model declares a private nested
/// attribute class of that name, taking any arguments, so that the MD error is the only error.
/// </summary>
internal sealed record AttributeStub(string Name, EquatableArray<string> NamedArguments);

/// <summary>
/// What analysis made of a parsed model: its <see cref="Plan"/>, or null when parsing or analysis rejected it (the
/// reasons are in the result's diagnostics), in which case only the partial members are implemented.
/// </summary>
internal sealed record AnalysedModel(ParsedModel Parsed, ModelPlan? Plan);
