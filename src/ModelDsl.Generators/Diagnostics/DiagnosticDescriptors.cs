using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace ModelDsl.Generators.Diagnostics;

/// <summary>Every diagnostic ModelDsl.Generators reports. Ids are stable; see AnalyzerReleases.Unshipped.md.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "ModelDsl";

    private static DiagnosticDescriptor Error(string id, string title, string message)
        => new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor TypeNotPartial = Error("MD0001", "Type must be partial",
        "'{0}' must be declared 'partial' (and so must every type that contains it) so that ModelDsl can add the generated members; write 'partial class {0}'");

    public static readonly DiagnosticDescriptor UnsupportedConstruct = Error("MD0002", "Construct not supported by the differentiator",
        "{0} is not supported in {1}: {2}");

    public static readonly DiagnosticDescriptor NotDifferentiableCall = Error("MD0003", "Call is not differentiable",
        "'{0}' has no derivative rule; use {1}, or mark the called method [Differentiable]");

    public static readonly DiagnosticDescriptor ShapeMismatch = Error("MD0004", "Shape mismatch",
        "{0}: {1}");

    public static readonly DiagnosticDescriptor MissingForward = Error("MD0005", "Model has no [Forward] method",
        "Model '{0}' has no [Forward] method; add '[Forward] private Tensor Call(Tensor x) => ...;' composing its layers");

    public static readonly DiagnosticDescriptor MultipleForward = Error("MD0006", "Model has more than one [Forward] method",
        "Model '{0}' has more than one [Forward] method ('{1}' and '{2}'); keep exactly one");

    public static readonly DiagnosticDescriptor ForwardSignature = Error("MD0007", "Wrong [Forward] signature",
        "[Forward] method '{0}' must be a non-static method 'Tensor {0}(Tensor x)' with a body; {1}");

    public static readonly DiagnosticDescriptor UnknownActivation = Error("MD0008", "Unknown activation",
        "'{0}' is not an activation; use one of Activation.{1}");

    public static readonly DiagnosticDescriptor DuplicateName = Error("MD0009", "Duplicate generated name",
        "'{0}' would be generated twice ({1}); rename one of the declarations");

    public static readonly DiagnosticDescriptor InvalidAttributeArgument = Error("MD0010", "Invalid attribute argument",
        "{0} is {1}; {2}");

    public static readonly DiagnosticDescriptor LayerNotPartial = Error("MD0011", "Layer or parameter member must be partial",
        "'{0}' must be a partial declaration without a body so that ModelDsl can implement it; write '{1}'");

    public static readonly DiagnosticDescriptor LayerSignature = Error("MD0012", "Wrong layer or parameter signature",
        "'{0}' has the wrong signature for {1}; write '{2}'");

    public static readonly DiagnosticDescriptor DifferentiableNotStatic = Error("MD0013", "[Differentiable] method must be static",
        "[Differentiable] method '{0}' must be static; write 'static' (it may only read its parameters and constants)");

    public static readonly DiagnosticDescriptor DifferentiableType = Error("MD0014", "[Differentiable] method must use double or float",
        "{0} of [Differentiable] method '{1}' has type '{2}'; use 'double' (or 'float' for every parameter and the return)");

    public static readonly DiagnosticDescriptor MultipleReturns = Error("MD0015", "More than one return",
        "'{0}' has more than one return statement; compute intermediate values in local variables and return once, as the last statement");

    public static readonly DiagnosticDescriptor UnusedLayer = Error("MD0016", "Layer not used by the forward method",
        "Layer '{0}' is not called by the [Forward] method, so its input shape cannot be inferred; call it from the [Forward] method or remove it");

    public static readonly DiagnosticDescriptor MissingOptimizer = new("MD0018", "Model has no optimizer attribute",
        "Model '{0}' declares no optimizer attribute ({1}); Adam(0.001) is used", Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnknownLayerAttribute = Error("MD0019", "Unknown layer attribute",
        "'{0}' is not a ModelDsl layer attribute; {1}");

    public static readonly DiagnosticDescriptor SeveralLayerAttributes = Error("MD0020", "More than one layer attribute",
        "'{0}' has two layer attributes, [{1}] and [{2}]; a layer method declares one layer: declare a second method for the second layer");

    public static readonly DiagnosticDescriptor SeveralOptimizers = Error("MD0021", "More than one optimizer attribute",
        "Model '{0}' declares two optimizers, [{1}] and [{2}]; keep one (another can be set at run time through the Optimizer property)");

    public static readonly DiagnosticDescriptor LossSignature = Error("MD0022", "Wrong [Loss] method",
        "[Loss] method '{0}' must be a non-static method 'Tensor {0}(Tensor prediction, Tensor target)' with a body; {1}");

    public static readonly DiagnosticDescriptor TypeCannotBeExtended = Error("MD0023", "Type cannot get generated members",
        "'{0}' cannot get the members ModelDsl generates: {1}");

    public static readonly DiagnosticDescriptor ManagedUnavailable = Error("MD0024", "The managed backend cannot run this model",
        "Model '{0}' asks for Backend.Managed but {1}; use Backend.Auto or Backend.Torch");

    public static readonly DiagnosticDescriptor TorchBackend = new("MD0025", "The model trains with TorchSharp",
        "Model '{0}' trains with the TorchSharp backend only: {1}", Category, DiagnosticSeverity.Info, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InternalError = Error("MD0099", "ModelDsl generator failed",
        "ModelDsl could not process '{0}': {1}; please report this with the declaration");

    public static IReadOnlyList<DiagnosticDescriptor> All { get; } =
    [
        TypeNotPartial, UnsupportedConstruct, NotDifferentiableCall, ShapeMismatch, MissingForward, MultipleForward,
        ForwardSignature, UnknownActivation, DuplicateName, InvalidAttributeArgument, LayerNotPartial, LayerSignature,
        DifferentiableNotStatic, DifferentiableType, MultipleReturns, UnusedLayer, MissingOptimizer, UnknownLayerAttribute,
        SeveralLayerAttributes, SeveralOptimizers, LossSignature, TypeCannotBeExtended, ManagedUnavailable, TorchBackend, InternalError,
    ];

    private static readonly Dictionary<string, DiagnosticDescriptor> Index = All.ToDictionary(d => d.Id);

    public static DiagnosticDescriptor ById(string id) => Index[id];
}
