using System.Collections.Generic;
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
    private readonly IMethodSymbol _forward;
    private readonly Dictionary<string, LayerDeclaration> _layers;
    private readonly Dictionary<string, ParameterDeclaration> _parameters;

    private static readonly string[] Structural = ["Flatten", "Reshape", "MatMul", "Sum", "Mean"];

    public TensorLowering(SemanticModel model, List<DiagnosticInfo> diagnostics, INamedTypeSymbol type, IMethodSymbol forward,
        IEnumerable<LayerDeclaration> layers, IEnumerable<ParameterDeclaration> parameters) : base(model, diagnostics)
    {
        _type = type;
        _forward = forward;
        _layers = layers.ToDictionary(l => l.Name);
        _parameters = parameters.ToDictionary(p => p.Name);
        string input = forward.Parameters[0].Name;
        Names[input] = Add(OpKind.Input, [], SyntaxFactory.IdentifierName(input), symbol: input, name: input);
    }

    protected override string Context => $"the [Forward] method '{_forward.Name}'";

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
        if (symbol is IPropertySymbol other && other.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "ModelDsl.ParameterAttribute"))
        {
            return null; // the parameter itself was rejected; its diagnostic is already reported
        }
        return base.ResolveName(node, symbol);
    }

    public override int? VisitInvocationExpression(InvocationExpressionSyntax node)
    {
        SymbolInfo info = Model.GetSymbolInfo(node);
        var callee = (info.Symbol ?? info.CandidateSymbols.FirstOrDefault()) as IMethodSymbol;
        string shown = node.Expression.ToString();
        SeparatedSyntaxList<ArgumentSyntax> arguments = node.ArgumentList.Arguments;
        if (callee is not null && SymbolEqualityComparer.Default.Equals(callee.ContainingType, _type))
        {
            if (_layers.TryGetValue(callee.Name, out LayerDeclaration? layer))
            {
                int? input = arguments.Count == 1 ? Visit(arguments[0].Expression) : null;
                if (Nodes.Any(n => n.Kind == OpKind.Layer && n.Symbol == layer.Name))
                {
                    Report(DiagnosticDescriptors.LayerCalledTwice, node, layer.Name);
                    return null;
                }
                return input is null ? null : Add(OpKind.Layer, [input.Value], node, symbol: layer.Name, name: layer.Name);
            }
            if (callee.GetAttributes().Any(a => ModelParser.IsLayerAttribute(a) || ModelParser.IsUnknown(a)))
            {
                return null; // a rejected layer: its diagnostic is already reported
            }
        }
        if (callee is null) return null; // the compiler reports the unknown method
        if (callee.ContainingType?.ToDisplayString() != OpsType)
        {
            Report(DiagnosticDescriptors.NotDifferentiableCall, node, shown,
                "a layer method, a [Parameter] property or Ops." + string.Join("/", Structural.Concat(DerivativeRules.TensorElementwise)));
            return null;
        }
        string name = callee.Name;
        int? first = arguments.Count > 0 ? Visit(arguments[0].Expression) : null;
        if (first is null) return null;
        switch (name)
        {
            case "MatMul" when arguments.Count == 2:
                return Visit(arguments[1].Expression) is int second ? Add(OpKind.MatMul, [first.Value, second], node) : null;
            case "Flatten" when arguments.Count == 1:
                return Add(OpKind.Flatten, [first.Value], node);
            case "Reshape":
                var dims = new List<string>();
                foreach (ArgumentSyntax argument in arguments.Skip(1))
                {
                    if (Model.GetConstantValue(argument.Expression) is { HasValue: true, Value: int or long } value) dims.Add(value.Value!.ToString());
                    else return Unsupported(argument, "a shape that is not a constant", "give Reshape constant dimensions, -1 for the batch axis");
                }
                return Add(OpKind.Reshape, [first.Value], node, extra: [.. dims]);
            case "Sum" or "Mean":
                int? axis = null;
                if (arguments.Count == 2)
                {
                    if (Model.GetConstantValue(arguments[1].Expression) is { HasValue: true, Value: int or long } a) axis = System.Convert.ToInt32(a.Value);
                    else return Unsupported(arguments[1], "an axis that is not a constant", $"give {name} a constant axis");
                }
                return Add(name == "Sum" ? OpKind.Sum : OpKind.Mean, [first.Value], node, axis: axis);
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
}
