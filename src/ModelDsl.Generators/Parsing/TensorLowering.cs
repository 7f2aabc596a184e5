using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ModelDsl.Generators.Analysis;
using ModelDsl.Generators.Diagnostics;
using ModelDsl.Generators.Model;

namespace ModelDsl.Generators.Parsing;

/// <summary>
/// Lowers a [Forward] body: the input, [Parameter] properties, layer calls, + - * / with broadcasting, numeric
/// literals and the functions of ModelDsl.Ops. Shapes are filled in later by <see cref="ShapeInference"/>.
/// </summary>
internal sealed class TensorLowering : ForwardLowering
{
    private const string OpsType = "ModelDsl.Ops";
    private readonly INamedTypeSymbol _type;
    private readonly Dictionary<string, LayerDeclaration> _layers;
    private readonly Dictionary<string, ParameterDeclaration> _parameters;

    private static readonly string[] Structural = ["Flatten", "Reshape", "MatMul", "Sum", "Mean", "Max", "Maximum", "Minimum", "Concatenate", "Transpose"];

    private readonly bool _isLoss;

    /// <summary>
    /// Lowers a [Forward] method (its one parameter the model's input) or, with <paramref name="isLoss"/>, a [Loss]
    /// method (its parameters the prediction and the target; no layers or parameters: a loss compares, it does not learn).
    /// </summary>
    public TensorLowering(SemanticModel model, List<DiagnosticInfo> diagnostics, INamedTypeSymbol type, IMethodSymbol forward,
        IEnumerable<LayerDeclaration> layers, IEnumerable<ParameterDeclaration> parameters, bool isLoss = false) : base(model, diagnostics, forward)
    {
        _type = type;
        _isLoss = isLoss;
        _layers = layers.ToDictionary(l => l.Name);
        _parameters = parameters.ToDictionary(p => p.Name);
        foreach (IParameterSymbol parameter in forward.Parameters)
        {
            Names[parameter.Name] = Add(OpKind.Input, [], SyntaxFactory.IdentifierName(parameter.Name), symbol: parameter.Name, name: parameter.Name);
        }
    }

    protected override string Context => $"the {(_isLoss ? "[Loss]" : "[Forward]")} method '{Method.Name}'";

    protected override string SupportedHint
        => "use layer calls, [Parameter] properties, + - * /, numeric literals and Ops." + string.Join("/", Structural.Concat(DerivativeRules.TensorElementwise));

    protected override string DefaultName(OpNode node) => node.Kind switch
    {
        OpKind.Elementwise or OpKind.Layer => node.Symbol,
        _ => node.Kind.ToString(),
    };

    // Numbers combined with numbers stay numbers ("2 * 3", "-1"): only tensors become graph values.
    protected override int? Binary(OpKind kind, int left, int right, ExpressionSyntax node)
        => Nodes[left].Kind == OpKind.Constant && Nodes[right].Kind == OpKind.Constant
            ? Add(OpKind.Constant, [], node, symbol: $"({Nodes[left].Symbol} {Operator(kind)} {Nodes[right].Symbol})", name: $"({Shorten(node)})")
            : base.Binary(kind, left, right, node);

    protected override int? Negate(int operand, ExpressionSyntax node)
        => Nodes[operand].Kind == OpKind.Constant
            ? Add(OpKind.Constant, [], node, symbol: $"(-{Nodes[operand].Symbol})", name: Shorten(node))
            : base.Negate(operand, node);

    private static string Operator(OpKind kind) => kind switch
    {
        OpKind.Add => "+",
        OpKind.Subtract => "-",
        OpKind.Multiply => "*",
        _ => "/",
    };

    protected override int? ResolveName(ExpressionSyntax node, ISymbol? symbol)
    {
        if (symbol is IPropertySymbol property && SymbolEqualityComparer.Default.Equals(property.ContainingType, _type)
            && _parameters.ContainsKey(property.Name))
        {
            if (Names.TryGetValue("\0" + property.Name, out int existing)) return existing;
            int id = Add(OpKind.Parameter, [], node, symbol: property.Name, name: property.Name);
            Names["\0" + property.Name] = id;
            return id;
        }
        if (symbol is IPropertySymbol other && other.GetAttributes().Any(a => SymbolNames.Of(a.AttributeClass) == "ModelDsl.ParameterAttribute"))
        {
            // In a [Loss] method parameters are not inputs; elsewhere the parameter was rejected and its diagnostic reported.
            return _isLoss ? Unsupported(node, $"the parameter '{other.Name}'", "a loss compares the prediction with the target: use only those and Ops functions") : null;
        }
        return base.ResolveName(node, symbol);
    }

    public override int? VisitInvocationExpression(InvocationExpressionSyntax node)
    {
        // A method of another type is used by its type and name alone (an Ops function, or a call to report), one of
        // this type only when it is the one of its name.
        ImmutableArray<ISymbol> group = CalleeGroup(node);
        IMethodSymbol? callee;
        if (!group.IsDefault && (group.Length == 1 || !SymbolEqualityComparer.Default.Equals(group[0].ContainingType, _type)))
        {
            callee = (IMethodSymbol)group[0];
        }
        else
        {
            SymbolInfo info = Model.GetSymbolInfo(node);
            callee = (info.Symbol ?? info.CandidateSymbols.FirstOrDefault()) as IMethodSymbol;
        }
        string shown = node.Expression.ToString();
        SeparatedSyntaxList<ArgumentSyntax> arguments = node.ArgumentList.Arguments;
        if (callee is not null && SymbolEqualityComparer.Default.Equals(callee.ContainingType, _type))
        {
            if (_layers.TryGetValue(callee.Name, out LayerDeclaration? layer))
            {
                // A layer called again shares its tensors: each call is a node of its own, their gradients add up.
                int? input = arguments.Count == 1 ? Visit(arguments[0].Expression) : null;
                // A later call of a shared layer is named Shared2, Shared3, ... (AssignNames), so that comments tell the calls apart.
                bool again = Nodes.Any(n => n.Kind == OpKind.Layer && n.Symbol == layer.Name);
                return input is null ? null : Add(OpKind.Layer, [input.Value], node, symbol: layer.Name, name: again ? "" : layer.Name);
            }
            if (_isLoss && callee.GetAttributes().Any(ModelParser.IsLayerAttribute))
            {
                return Unsupported(node, $"the layer call '{shown}'", "a loss compares the prediction with the target: use only those and Ops functions");
            }
            if (callee.GetAttributes().Any(a => ModelParser.IsLayerAttribute(a) || ModelParser.IsUnknown(a)))
            {
                return null; // a rejected layer: its diagnostic is already reported
            }
        }
        if (callee is null) return null; // the compiler reports the unknown method
        if (SymbolNames.Of(callee.ContainingType) != OpsType)
        {
            Report(DiagnosticDescriptors.NotDifferentiableCall, node, shown,
                "a layer method, a [Parameter] property or Ops." + string.Join("/", Structural.Concat(DerivativeRules.TensorElementwise)));
            return null;
        }
        string name = callee.Name;
        if (name == "Concatenate") return Concatenate(node, arguments);
        int? first = arguments.Count > 0 ? Visit(arguments[0].Expression) : null;
        if (first is null) return null;
        switch (name)
        {
            case "MatMul" or "Maximum" or "Minimum" when arguments.Count == 2:
                OpKind binary = name switch { "MatMul" => OpKind.MatMul, "Maximum" => OpKind.Maximum, _ => OpKind.Minimum };
                return Visit(arguments[1].Expression) is int second ? Add(binary, [first.Value, second], node) : null;
            case "Flatten" when arguments.Count == 1:
                return Add(OpKind.Flatten, [first.Value], node);
            case "Reshape":
                var dims = new List<string>();
                foreach (ArgumentSyntax argument in arguments.Skip(1))
                {
                    if (ConstantValue(argument.Expression) is { HasValue: true, Value: int or long } value) dims.Add(value.Value!.ToString());
                    else return Unsupported(argument, "a shape that is not a constant", "give Reshape constant dimensions, -1 for the batch axis");
                }
                return Add(OpKind.Reshape, [first.Value], node, extra: [.. dims]);
            case "Sum" or "Mean" or "Max":
                int? axis = null;
                if (arguments.Count == 2)
                {
                    if (Constant(arguments[1]) is int a) axis = a;
                    else return Unsupported(arguments[1], "an axis that is not a constant", $"give {name} a constant axis");
                }
                else if (name == "Max") return Unsupported(node, "Max without an axis", "give the axis to reduce: Max(x, 1)");
                return Add(name switch { "Sum" => OpKind.Sum, "Mean" => OpKind.Mean, _ => OpKind.Max }, [first.Value], node, axis: axis);
            case "Transpose" when arguments.Count is 1 or 3:
                string[] axes = ["-2", "-1"];
                if (arguments.Count == 3)
                {
                    if (Constant(arguments[1]) is not int a1 || Constant(arguments[2]) is not int a2)
                        return Unsupported(arguments[1], "axes that are not constants", "give Transpose two constant axes");
                    axes = [a1.ToString(System.Globalization.CultureInfo.InvariantCulture), a2.ToString(System.Globalization.CultureInfo.InvariantCulture)];
                }
                return Add(OpKind.Transpose, [first.Value], node, extra: axes);
            default:
                if (DerivativeRules.TensorElementwise.Contains(name) && arguments.Count == 1)
                {
                    return Add(OpKind.Elementwise, [first.Value], node, symbol: name);
                }
                Report(DiagnosticDescriptors.NotDifferentiableCall, node, shown,
                    "a layer method, a [Parameter] property or Ops." + string.Join("/", Structural.Concat(DerivativeRules.TensorElementwise)));
                return null;
        }
    }

    private int? Constant(ArgumentSyntax argument)
        => ConstantValue(argument.Expression) is { HasValue: true, Value: int or long } value ? System.Convert.ToInt32(value.Value) : null;

    /// <summary><c>Concatenate(axis, a, b, ...)</c>: a constant axis, then two or more tensors.</summary>
    private int? Concatenate(InvocationExpressionSyntax node, SeparatedSyntaxList<ArgumentSyntax> arguments)
    {
        if (arguments.Count < 3) return Unsupported(node, "Concatenate of fewer than two tensors", "write Concatenate(axis, a, b, ...)");
        if (Constant(arguments[0]) is not int axis) return Unsupported(arguments[0], "an axis that is not a constant", "give Concatenate a constant axis first");
        var inputs = new List<int>();
        bool failed = false;
        foreach (ArgumentSyntax argument in arguments.Skip(1))
        {
            if (Visit(argument.Expression) is int id) inputs.Add(id); else failed = true;
        }
        return failed ? null : Add(OpKind.Concatenate, [.. inputs], node, axis: axis);
    }
}
