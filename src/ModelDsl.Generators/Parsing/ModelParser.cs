using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ModelDsl.Generators.Analysis;
using ModelDsl.Generators.Diagnostics;
using ModelDsl.Generators.Layers;
using ModelDsl.Generators.Model;

namespace ModelDsl.Generators.Parsing;

/// <summary>Reads a [Model] class: its attributes, layer methods, parameter properties and [Forward] method.</summary>
internal static class ModelParser
{
    public const string AttributeName = "ModelDsl.ModelAttribute";
    private const string TensorType = "TorchSharp.torch.Tensor";
    private const string ParameterAttribute = "ModelDsl.ParameterAttribute";

    /// <summary>Why a model type cannot hold the generated constructor and instance members, or null.</summary>
    private static string? CannotBeExtended(INamedTypeSymbol type, TypeDeclarationSyntax declaration)
        => type.IsStatic ? "a model is instantiated, so it cannot be static; remove 'static'"
            : type.TypeKind != TypeKind.Class || type.IsRecord ? $"a model is a class, not a {(type.IsRecord ? "record " : "")}{type.TypeKind.ToString().ToLowerInvariant()}; declare 'partial class {type.Name}'"
            : type.DeclaringSyntaxReferences.Select(r => r.GetSyntax()).OfType<TypeDeclarationSyntax>().Any(d => d.ParameterList is not null)
                ? "its constructor is generated (taking the seed and the dtype), and a primary constructor would have to be called by it; remove the primary constructor's parameters"
            : null;

    /// <summary>
    /// The members the user declared in the model class, but its layer methods and parameter properties (which have
    /// their own checks): names the generated members must not take.
    /// </summary>
    private static EquatableArray<UserMember> UserMembers(INamedTypeSymbol type, CancellationToken cancellationToken)
        => type.GetMembers()
            .Where(m => !m.IsImplicitlyDeclared && m is not IMethodSymbol { MethodKind: not MethodKind.Ordinary }
                        && !m.GetAttributes().Any(a => IsLayerAttribute(a) || SymbolNames.Of(a.AttributeClass) == ParameterAttribute))
            .Select(m => new UserMember(m.Name, LocationInfo.From(m.Locations.FirstOrDefault(l => l.IsInSource))))
            .Concat(type.GetTypeMembers().Select(t => new UserMember(t.Name, LocationInfo.From(t.Locations.FirstOrDefault(l => l.IsInSource)))))
            .GroupBy(m => m.Name).Select(g => g.First())
            .OrderBy(m => m.Name, StringComparer.Ordinal)
            .ToEquatableArray();

    /// <summary>A declaration's modifiers as written, without <c>partial</c>, which the implementation repeats in place.</summary>
    internal static string Modifiers(SyntaxTokenList modifiers)
    {
        string written = "";
        foreach (SyntaxToken modifier in modifiers)
        {
            if (!modifier.IsKind(SyntaxKind.PartialKeyword)) written = written.Length == 0 ? modifier.Text : written + " " + modifier.Text;
        }
        return written;
    }

    /// <summary>An attribute whose type the compiler could not find ([Desne(16)]).</summary>
    internal static bool IsUnknown(AttributeData attribute) => attribute.AttributeClass is null or { TypeKind: TypeKind.Error };

    /// <summary>True for the attribute of a layer in the catalogue ([Dense], [Lstm], ...).</summary>
    internal static bool IsLayerAttribute(AttributeData attribute) => LayerCatalogue.ForAttribute(SymbolNames.Of(attribute.AttributeClass)) is not null;

    public static Result<ParsedModel> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticInfo>();
        if (context.TargetSymbol is not INamedTypeSymbol type || context.TargetNode is not TypeDeclarationSyntax declaration)
        {
            return Result.From<ParsedModel>(null, diagnostics);
        }
        try
        {
            // [Model] on two partial parts (CS0579, the compiler's to report): only the first part generates, so that the
            // model's hint name is added once.
            AttributeData? first = type.GetAttributes().Where(a => SymbolNames.Of(a.AttributeClass) == AttributeName && a.ApplicationSyntaxReference is not null)
                .OrderBy(a => a.ApplicationSyntaxReference!.SyntaxTree.FilePath, StringComparer.Ordinal).ThenBy(a => a.ApplicationSyntaxReference!.Span.Start).FirstOrDefault();
            // (context.Attributes holds the symbol's matching attributes from every part: compare with the target declaration.)
            if (first is not null && (first.ApplicationSyntaxReference!.SyntaxTree != declaration.SyntaxTree || !declaration.Span.Contains(first.ApplicationSyntaxReference.Span)))
            {
                return Result.From<ParsedModel>(null, diagnostics);
            }
            // Not partial (MD0001): nothing can be added to the type, not even the partial members' implementations.
            if (TypeLocations.Read(type, diagnostics) is not { } location) return Result.From<ParsedModel>(null, diagnostics);
            if (CannotBeExtended(type, declaration) is { } reason)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TypeCannotBeExtended, LocationInfo.From(declaration.Identifier.GetLocation()), type.Name, reason));
                return Result.From<ParsedModel>(null, diagnostics);
            }
            var stubs = new List<AttributeStub>();
            ModelDeclaration? model = Parse(type, location, declaration, context.Attributes[0], context.SemanticModel, diagnostics, stubs, cancellationToken);
            return Result.From(new ParsedModel(location, type.Name, LocationInfo.From(declaration.Identifier.GetLocation()), PartialMembers(type), stubs.ToEquatableArray(), model), diagnostics);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, LocationInfo.From(declaration.Identifier.GetLocation()),
                type.Name, exception.Message));
            return Result.From<ParsedModel>(null, diagnostics);
        }
    }

    private static readonly SymbolDisplayFormat Qualified = SymbolDisplayFormat.FullyQualifiedFormat
        .WithMiscellaneousOptions(SymbolDisplayFormat.FullyQualifiedFormat.MiscellaneousOptions | SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers);

    /// <summary>The declared partial layer methods and get-only parameter properties that have no implementation yet.</summary>
    private static EquatableArray<PartialMember> PartialMembers(INamedTypeSymbol type)
    {
        var members = new List<PartialMember>();
        // The members' types, mostly one Tensor, displayed once. Only plain named types are kept: equal ones (which may
        // differ in their nullable annotation, not shown in this format) display alike. A name of plain identifiers (no
        // keyword to escape) is global:: and its full name, written without the display visitor.
        var displayed = new Dictionary<INamedTypeSymbol, string>(SymbolEqualityComparer.Default);
        string Display(ITypeSymbol symbol)
        {
            if (symbol is not INamedTypeSymbol { IsGenericType: false, SpecialType: SpecialType.None, TypeKind: not TypeKind.Error } named)
                return symbol.ToDisplayString(Qualified);
            if (!displayed.TryGetValue(named, out string? text))
            {
                displayed[named] = text = SymbolNames.Of(named) is { } name && IsPlainPath(name) ? "global::" + name : named.ToDisplayString(Qualified);
            }
            return text;
        }
        foreach (ISymbol member in type.GetMembers())
        {
            if (!member.GetAttributes().Any(a => SymbolNames.Of(a.AttributeClass) is var name
                    && (LayerCatalogue.ForAttribute(name) is not null || name == ParameterAttribute || IsUnknown(a))))
                continue;
            SyntaxTokenList declared = default;
            foreach (SyntaxReference reference in member.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax() is MemberDeclarationSyntax { Modifiers: var modifiersOf } && modifiersOf.Any(SyntaxKind.PartialKeyword))
                {
                    declared = modifiersOf;
                    break;
                }
            }
            string written = Modifiers(declared);
            string modifiers = (written.Length > 0 ? written + " " : "") + "partial ";
            switch (member)
            {
                case IMethodSymbol { IsPartialDefinition: true, PartialImplementationPart: null, IsGenericMethod: false } method:
                    // Parameter modifiers (ref, in, params, scoped, this) as written: the implementation must repeat them.
                    var parameterSyntax = method.DeclaringSyntaxReferences.Select(r => r.GetSyntax()).OfType<MethodDeclarationSyntax>()
                        .FirstOrDefault()?.ParameterList.Parameters;
                    string parameters = string.Join(", ", method.Parameters.Select((p, i) =>
                        (parameterSyntax is { } list && i < list.Count && list[i].Modifiers.Count > 0 ? list[i].Modifiers.ToString() + " " : "")
                        + Display(p.Type) + " " + Emit.Names.Identifier(p.Name)));
                    if (method.Parameters.Any(p => p.RefKind == RefKind.Out)) break; // an out parameter needs an assignment, not a throw
                    members.Add(new PartialMember($"{modifiers}{Display(method.ReturnType)} {Emit.Names.Identifier(method.Name)}({parameters})"));
                    break;
                case IPropertySymbol { IsPartialDefinition: true, PartialImplementationPart: null, SetMethod: null, IsIndexer: false } property:
                    members.Add(new PartialMember($"{modifiers}{Display(property.Type)} {Emit.Names.Identifier(property.Name)}"));
                    break;
            }
        }
        return members.ToEquatableArray();
    }

    /// <summary>True for a dotted name whose parts are ASCII identifiers and no keyword, contextual ones included (none is escaped).</summary>
    private static bool IsPlainPath(string name)
    {
        foreach (string part in name.Split('.'))
        {
            if (part.Length == 0 || char.IsDigit(part[0]) || SyntaxFacts.GetKeywordKind(part) != SyntaxKind.None
                || SyntaxFacts.GetContextualKeywordKind(part) != SyntaxKind.None) return false;
            foreach (char c in part)
            {
                if (!(c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '_')) return false;
            }
        }
        return true;
    }

    private static ModelDeclaration? Parse(INamedTypeSymbol type, TypeLocation location, TypeDeclarationSyntax declaration, AttributeData model,
        SemanticModel semanticModel, List<DiagnosticInfo> diagnostics, List<AttributeStub> stubs, CancellationToken cancellationToken)
    {
        var attribute = new AttributeReader(model, declaration, diagnostics);

        int[] inputShape = attribute.Constructor(0) is { Kind: TypedConstantKind.Array, IsNull: false } shape
            ? shape.Values.Select(v => v.Value is int i ? i : 0).ToArray()
            : [];
        if (inputShape.Length == 0)
        {
            attribute.Invalid(null, "The input shape of [Model]", "empty", "give the shape of one sample without the batch axis, e.g. [Model(25, 5)]");
        }
        for (int i = 0; i < inputShape.Length; i++)
        {
            if (inputShape[i] < 1)
            {
                attribute.InvalidPositional(i, $"Input dimension {i + 1} of [Model]", inputShape[i].ToString(), "every dimension must be at least 1");
            }
        }
        long values = inputShape.Aggregate(1L, (p, d) => d > 0 && p <= int.MaxValue ? p * d : p);
        if (values > int.MaxValue)
        {
            attribute.Invalid(null, "The input shape of [Model]", $"({string.Join(", ", inputShape)}), {ShapeInference.Count(values)} values per sample",
                $"a sample may hold at most {ShapeInference.Count(int.MaxValue)} values (the largest tensor axis); use a smaller input");
        }
        var modelArguments = new LayerArgumentReader(attribute, "[Model]");
        string loss = modelArguments.Enum("Loss", "MeanSquaredError");
        bool fromLogits = modelArguments.Bool("FromLogits", false);
        double huberDelta = modelArguments.Double("HuberDelta", 1.0, d => d > 0 && !double.IsInfinity(d), "give the Huber threshold as a finite number greater than 0");
        string backend = modelArguments.Enum("Backend", "Auto");
        if (fromLogits && !loss.EndsWith("Crossentropy", StringComparison.Ordinal))
        {
            attribute.Invalid(attribute.NamedLocation("FromLogits"), "FromLogits of [Model]", "true",
                $"it applies to the cross-entropy losses only, not to Loss.{loss}: remove it, or use Loss.BinaryCrossentropy, CategoricalCrossentropy or SparseCategoricalCrossentropy");
        }
        var metrics = new List<string>();
        if (attribute.Named("Metrics") is { Kind: TypedConstantKind.Array, IsNull: false } m)
        {
            foreach (TypedConstant value in m.Values)
            {
                if (AttributeReader.EnumMemberName(value) is { } metric && metrics.Contains(metric))
                    attribute.Invalid(attribute.NamedLocation("Metrics"), "A metric of [Model]", $"Metric.{metric}, twice", "name each metric once");
                else if (AttributeReader.EnumMemberName(value) is { } known) metrics.Add(known);
                else attribute.Invalid(attribute.NamedLocation("Metrics"), "A metric of [Model]", $"(Metric){value.Value}",
                    "use " + string.Join(", ", AttributeReader.EnumMembers(value).Select(n => "Metric." + n)));
            }
        }

        OptimizerDeclaration optimizer = ReadOptimizer(type, declaration, diagnostics);

        var layers = new List<LayerDeclaration>();
        var parameters = new List<ParameterDeclaration>();
        var forwards = new List<(IMethodSymbol Symbol, MethodDeclarationSyntax? Syntax)>();
        var losses = new List<(IMethodSymbol Symbol, MethodDeclarationSyntax? Syntax)>();
        foreach (ISymbol member in type.GetMembers())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (member is IMethodSymbol { IsPartialDefinition: true } or IPropertySymbol { IsPartialDefinition: true } && UnknownAttributes(member, stubs, diagnostics, cancellationToken))
            {
                continue;
            }
            AttributeData[] layerAttributes = member.GetAttributes().Where(IsLayerAttribute).ToArray();
            if (layerAttributes.Length > 1)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SeveralLayerAttributes,
                    LocationInfo.From(layerAttributes[1].ApplicationSyntaxReference?.GetSyntax(cancellationToken)), member.Name,
                    LayerCatalogue.ForAttribute(SymbolNames.Of(layerAttributes[0].AttributeClass))!.Name,
                    LayerCatalogue.ForAttribute(SymbolNames.Of(layerAttributes[1].AttributeClass))!.Name));
                continue;
            }
            foreach (AttributeData data in member.GetAttributes())
            {
                string? name = SymbolNames.Of(data.AttributeClass);
                if (LayerCatalogue.ForAttribute(name) is { } definition)
                {
                    if (member is IMethodSymbol layerMethod && ReadLayer(layerMethod, data, definition, diagnostics, cancellationToken) is { } layer) layers.Add(layer);
                    continue;
                }
                switch (name)
                {
                    case ParameterAttribute when member is IPropertySymbol property:
                        if (ReadParameter(property, data, diagnostics, cancellationToken) is { } parameter) parameters.Add(parameter);
                        break;
                    case "ModelDsl.ForwardAttribute" when member is IMethodSymbol method:
                        forwards.Add((method, method.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<MethodDeclarationSyntax>().FirstOrDefault()));
                        break;
                    case "ModelDsl.LossAttribute" when member is IMethodSymbol method:
                        losses.Add((method, method.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<MethodDeclarationSyntax>().FirstOrDefault()));
                        break;
                }
            }
        }

        // Two layer methods (overloads) or parameter properties of one name would be two sets of tensors of one name:
        // the later is MD0009, and it is left out so that nothing else looks it up by its name.
        var named = new Dictionary<string, string>(StringComparer.Ordinal);
        bool Unique(string name, string owner, LocationInfo? location)
        {
            if (!named.TryGetValue(name, out string? first)) { named[name] = owner; return true; }
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateName, location, name, $"by {first} and by {owner}"));
            return false;
        }
        layers.RemoveAll(l => !Unique(l.Name, $"layer '{l.Name}'", l.Location));
        parameters.RemoveAll(p => !Unique(p.Name, $"parameter '{p.Name}'", p.Location));

        // The generated constructor takes (int seed, ScalarType? dtype, Device? device): the user's may not take the same.
        foreach (IMethodSymbol constructor in type.InstanceConstructors.Where(c => !c.IsImplicitlyDeclared
            && c.Parameters.Select(p => p.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString())
                .SequenceEqual(["int", "TorchSharp.torch.ScalarType?", "TorchSharp.torch.Device"])))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateName, LocationInfo.From(constructor.Locations.FirstOrDefault(l => l.IsInSource)),
                type.Name, "by your constructor and by the generated constructor (int seed, ScalarType? dtype, Device? device): give yours other parameters"));
        }

        if (forwards.Count == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingForward, LocationInfo.From(declaration.Identifier.GetLocation()), type.Name));
            return null;
        }
        if (forwards.Count > 1)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MultipleForward, LocationInfo.From(forwards[1].Syntax?.Identifier.GetLocation()),
                type.Name, forwards[0].Symbol.Name, forwards[1].Symbol.Name));
            return null;
        }
        (IMethodSymbol forward, MethodDeclarationSyntax? forwardSyntax) = forwards[0];
        if (forwardSyntax is null) return null;
        string? problem = forward.IsStatic ? "it is static"
            : SymbolNames.Of(forward.ReturnType) != TensorType ? $"it returns '{forward.ReturnType.ToDisplayString()}'"
            : forward.Parameters.Length != 1 ? $"it has {forward.Parameters.Length} parameters"
            : SymbolNames.Of(forward.Parameters[0].Type) != TensorType ? $"its parameter has type '{forward.Parameters[0].Type.ToDisplayString()}'"
            : forwardSyntax.ParameterList.Parameters[0].Modifiers.Count > 0 ? $"its parameter is declared '{forwardSyntax.ParameterList.Parameters[0].Modifiers}'"
            : forwardSyntax.Body is null && forwardSyntax.ExpressionBody is null ? "it has no body"
            : forward.IsGenericMethod ? "it is generic"
            : null;
        if (problem is null && forward.Name is "Forward" or "ForwardWithTrace" or "Backward" or "Predict" or "TrainStep" or "TestStep")
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateName, LocationInfo.From(forwardSyntax.Identifier.GetLocation()),
                forward.Name, $"by the [Forward] method and by the generated model member '{forward.Name}'"));
            return null;
        }
        if (problem is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ForwardSignature, LocationInfo.From(forwardSyntax.Identifier.GetLocation()), forward.Name, problem));
            return null;
        }

        SemanticModel forwardModel = BodyModel(semanticModel, forwardSyntax.SyntaxTree);
        var lowering = new TensorLowering(forwardModel, diagnostics, type, forward, layers, parameters);
        OpGraph? graph = lowering.LowerBody(forwardSyntax);
        foreach (LayerDeclaration layer in layers.Where(l => graph is not null && !graph.Nodes.Any(n => n.Kind == OpKind.Layer && n.Symbol == l.Name)))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnusedLayer, layer.Location, layer.Name));
        }
        LossDeclaration? lossMethod = ReadLossMethod(type, losses, attribute, layers, parameters, semanticModel, diagnostics);
        if (graph is null || diagnostics.Any(d => DiagnosticDescriptors.ById(d.Id).DefaultSeverity == DiagnosticSeverity.Error))
        {
            return null;
        }
        return new ModelDeclaration(location, type.Name, inputShape.ToEquatableArray(), loss, fromLogits, metrics.ToEquatableArray(), huberDelta, optimizer,
            layers.ToEquatableArray(), parameters.ToEquatableArray(), forward.Name, graph, lossMethod, UserMembers(type, cancellationToken), backend,
            LocationInfo.From(declaration.Identifier.GetLocation()));
    }

    /// <summary>
    /// The model's own [Loss] method, lowered to a graph over its prediction and target parameters (null when there is
    /// none, or after reporting why it cannot be used: MD0022 for its signature, MD0002/MD0003 for its body).
    /// </summary>
    private static LossDeclaration? ReadLossMethod(INamedTypeSymbol type, List<(IMethodSymbol Symbol, MethodDeclarationSyntax? Syntax)> losses,
        AttributeReader model, List<LayerDeclaration> layers, List<ParameterDeclaration> parameters, SemanticModel semanticModel, List<DiagnosticInfo> diagnostics)
    {
        if (losses.Count == 0) return null;
        (IMethodSymbol method, MethodDeclarationSyntax? syntax) = losses[0];
        if (syntax is null) return null;
        LocationInfo? at = LocationInfo.From(syntax.Identifier.GetLocation());
        string? problem = losses.Count > 1 ? $"it is one of {losses.Count} [Loss] methods ('{string.Join("', '", losses.Select(l => l.Symbol.Name))}'); keep one"
            : model.Named("Loss") is not null ? "[Model] also names a Loss; remove one of the two"
            : method.IsStatic ? "it is static"
            : SymbolNames.Of(method.ReturnType) != TensorType ? $"it returns '{method.ReturnType.ToDisplayString()}'"
            : method.Parameters.Length != 2 || method.Parameters.Any(p => SymbolNames.Of(p.Type) != TensorType)
              || syntax.ParameterList.Parameters.Any(p => p.Modifiers.Count > 0) ? "it must take exactly two tensors, the prediction and the target"
            : syntax.Body is null && syntax.ExpressionBody is null ? "it has no body"
            : method.IsGenericMethod ? "it is generic"
            : null;
        if (problem is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LossSignature, losses.Count > 1 ? LocationInfo.From(losses[1].Syntax?.Identifier.GetLocation()) : at,
                method.Name, problem));
            return null;
        }
        SemanticModel lossModel = BodyModel(semanticModel, syntax.SyntaxTree);
        OpGraph? graph = new TensorLowering(lossModel, diagnostics, type, method, [], [], isLoss: true).LowerBody(syntax);
        return graph is null ? null : new LossDeclaration(method.Name, method.Parameters[0].Name, method.Parameters[1].Name, graph);
    }

    private static OptimizerDeclaration ReadOptimizer(INamedTypeSymbol type, TypeDeclarationSyntax declaration, List<DiagnosticInfo> diagnostics)
    {
        OptimizerDeclaration? chosen = null;
        foreach (AttributeData data in type.GetAttributes())
        {
            if (OptimizerCatalogue.ForAttribute(SymbolNames.Of(data.AttributeClass)) is not { } definition) continue;
            if (chosen is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SeveralOptimizers, LocationInfo.From(data.ApplicationSyntaxReference?.GetSyntax()),
                    type.Name, chosen.Kind, definition.Name));
                continue;
            }
            chosen = definition.Read(new AttributeReader(data, declaration, diagnostics));
        }
        // No optimizer attribute: Keras' default, Adam(0.001); MissingOptimizerAnalyzer warns (MD0018).
        return chosen ?? new OptimizerDeclaration("Adam", EquatableArray.Of(new LayerArgument("LearningRate", "0.001"), new LayerArgument("Beta1", "0.9"),
            new LayerArgument("Beta2", "0.999"), new LayerArgument("Epsilon", "1E-07")));
    }

    /// <summary>
    /// Reports an attribute on a partial member that the compiler could not find (MD0019, naming the layer attributes
    /// there are) and records a stub for it: the rejected model's generated file declares the stub, so the compiler adds
    /// no "type not found" error of its own and the user sees the one MD error.
    /// </summary>
    private static bool UnknownAttributes(ISymbol member, List<AttributeStub> stubs, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        bool any = false;
        foreach (AttributeData data in member.GetAttributes().Where(IsUnknown))
        {
            if (data.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is not AttributeSyntax syntax) continue;
            string written = syntax.Name is QualifiedNameSyntax qualified ? qualified.Right.Identifier.ValueText
                : syntax.Name is SimpleNameSyntax simple ? simple.Identifier.ValueText : syntax.Name.ToString();
            if (syntax.Name is not SimpleNameSyntax) continue; // a qualified name cannot be stubbed inside the model; the compiler's error stands
            any = true;
            string shown = written.EndsWith("Attribute", StringComparison.Ordinal) ? written.Substring(0, written.Length - "Attribute".Length) : written;
            string known = member is IPropertySymbol ? "[Parameter]" : LayerCatalogue.AttributeList;
            string? closest = member is IPropertySymbol ? (Close(shown, "Parameter") ? "Parameter" : null) : LayerCatalogue.All.Select(l => l.Name).FirstOrDefault(n => Close(shown, n));
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownLayerAttribute, LocationInfo.From(syntax), shown,
                closest is null ? "use one of " + known : $"did you mean [{closest}]? The layer attributes are {known}"));
            string stub = shown + "Attribute";
            EquatableArray<string> named = (syntax.ArgumentList?.Arguments ?? default)
                .Where(a => a.NameEquals is not null).Select(a => a.NameEquals!.Name.Identifier.ValueText).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToEquatableArray();
            if (stubs.FindIndex(s => s.Name == stub) is int index and >= 0)
            {
                stubs[index] = stubs[index] with { NamedArguments = stubs[index].NamedArguments.Concat(named).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToEquatableArray() };
            }
            else stubs.Add(new AttributeStub(stub, named));
        }
        return any;
    }

    /// <summary>
    /// True when <paramref name="written"/> is a likely misspelling of <paramref name="name"/>: ignoring case, at most one
    /// edit for short names and two for names of four letters or more (an adjacent swap counts as one edit).
    /// </summary>
    private static bool Close(string written, string name)
    {
        string a = written.ToLowerInvariant(), b = name.ToLowerInvariant();
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length] <= (b.Length >= 4 ? 2 : 1);
    }

    private static LayerDeclaration? ReadLayer(IMethodSymbol method, AttributeData data, LayerDefinition definition, List<DiagnosticInfo> diagnostics,
        CancellationToken cancellationToken)
    {
        var syntax = method.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<MethodDeclarationSyntax>().FirstOrDefault();
        if (syntax is null) return null;
        string modifiers = Modifiers(syntax.Modifiers);
        string expected = $"{(modifiers.Length == 0 ? "private " : modifiers + " ")}partial Tensor {method.Name}(Tensor x);";
        bool ok = true;
        if (!method.IsPartialDefinition || method.PartialImplementationPart is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerNotPartial, LocationInfo.From(syntax.Identifier.GetLocation()), method.Name, expected));
            ok = false;
        }
        else if (method.IsStatic || SymbolNames.Of(method.ReturnType) != TensorType || method.Parameters.Length != 1
                 || SymbolNames.Of(method.Parameters[0].Type) != TensorType || method.IsGenericMethod || method.IsAsync
                 || syntax.ParameterList.Parameters.Any(p => p.Modifiers.Count > 0 || p.Default is not null))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerSignature, LocationInfo.From(syntax.Identifier.GetLocation()),
                method.Name, $"a [{definition.Name}] layer", expected));
            ok = false;
        }
        var reader = new LayerArgumentReader(new AttributeReader(data, syntax, diagnostics), $"layer '{method.Name}'");
        definition.ReadArguments(reader);
        return ok && reader.Valid
            ? new LayerDeclaration(method.Name, definition.Name, reader.Arguments, modifiers,
                method.Parameters[0].Name, LocationInfo.From(syntax.Identifier.GetLocation()))
            : null;
    }

    private static ParameterDeclaration? ReadParameter(IPropertySymbol property, AttributeData data, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        var syntax = property.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<PropertyDeclarationSyntax>().FirstOrDefault();
        if (syntax is null) return null;
        string modifiers = Modifiers(syntax.Modifiers);
        string expected = $"[Parameter(...)] {(modifiers.Length == 0 ? "private " : modifiers + " ")}partial Tensor {property.Name} {{ get; }}";
        bool ok = true;
        if (!property.IsPartialDefinition || property.PartialImplementationPart is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerNotPartial, LocationInfo.From(syntax.Identifier.GetLocation()), property.Name, expected));
            ok = false;
        }
        else if (property.IsStatic || SymbolNames.Of(property.Type) != TensorType || property.SetMethod is not null || property.GetMethod is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerSignature, LocationInfo.From(syntax.Identifier.GetLocation()),
                property.Name, "a [Parameter]", expected));
            ok = false;
        }
        var reader = new AttributeReader(data, syntax, diagnostics);
        int[] shape = reader.Constructor(0) is { Kind: TypedConstantKind.Array, IsNull: false } s ? s.Values.Select(v => v.Value is int i ? i : 0).ToArray() : [];
        if (shape.Length == 0)
        {
            reader.Invalid(null, $"The shape of parameter '{property.Name}'", "empty", "give its dimensions, e.g. [Parameter(3, 1)]");
            ok = false;
        }
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] < 1)
            {
                reader.InvalidPositional(i, $"Dimension {i + 1} of parameter '{property.Name}'", shape[i].ToString(), "every dimension must be at least 1");
                ok = false;
            }
        }
        var arguments = new LayerArgumentReader(reader, $"parameter '{property.Name}'");
        string initializer = arguments.Enum("Initializer", "GlorotUniform", allowed: shape.Length >= 2 ? null : LayerArgumentReader.VectorInitializers);
        static bool Finite(double d) => !double.IsNaN(d) && !double.IsInfinity(d);
        double mean = arguments.Double("Mean", 0, Finite, "give a finite mean");
        double stddev = arguments.Double("Stddev", 0.05, d => d >= 0 && Finite(d), "give a finite standard deviation, 0 or more");
        double min = arguments.Double("Min", -0.05, Finite, "give a finite lower bound");
        double max = arguments.Double("Max", 0.05, d => Finite(d) && d >= min, $"give a finite upper bound, at least Min ({AttributeReader.Number(min)})");
        double gain = arguments.Double("Gain", 1.0, Finite, "give a finite gain");
        return ok && arguments.Valid
            ? new ParameterDeclaration(property.Name, shape.ToEquatableArray(), initializer, mean, stddev, min, max, gain,
                modifiers, LocationInfo.From(syntax.Identifier.GetLocation()))
            : null;
    }

    /// <summary>
    /// The semantic model a method body is lowered with: without nullable analysis, which the lowering never reads and
    /// which otherwise costs about a third of binding a body (the transform reruns for every model on every edit).
    /// The option is marked experimental in Roslyn: should a host compiler lack it, the ordinary model is used.
    /// </summary>
    internal static SemanticModel BodyModel(SemanticModel declaring, SyntaxTree tree)
    {
        if (!s_noNullableAnalysisMissing)
        {
            try
            {
                return WithoutNullableAnalysis(declaring.Compilation, tree);
            }
            catch (MissingMethodException)
            {
                s_noNullableAnalysisMissing = true;
            }
            catch (TypeLoadException)
            {
                s_noNullableAnalysisMissing = true;
            }
        }
        return tree == declaring.SyntaxTree ? declaring : declaring.Compilation.GetSemanticModel(tree);
    }

    private static volatile bool s_noNullableAnalysisMissing;

#pragma warning disable RSEXPERIMENTAL001 // SemanticModelOptions: see BodyModel.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static SemanticModel WithoutNullableAnalysis(Compilation compilation, SyntaxTree tree)
        => compilation.GetSemanticModel(tree, SemanticModelOptions.DisableNullableAnalysis);
#pragma warning restore RSEXPERIMENTAL001
}
