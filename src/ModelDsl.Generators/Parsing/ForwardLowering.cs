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
/// Lowers a method body (an expression body, or a block of local declarations and one final return) into an
/// <see cref="OpGraph"/>. Each construct the differentiator cannot handle has its own override that reports a
/// precise diagnostic at that node and returns null; lowering continues so that every problem is reported at once.
/// </summary>
internal abstract class ForwardLowering : CSharpSyntaxVisitor<int?>
{
    protected readonly SemanticModel Model;
    protected readonly List<OpNode> Nodes = [];
    protected readonly Dictionary<string, int> Names = new(System.StringComparer.Ordinal);
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly HashSet<string> _failedLocals = new(System.StringComparer.Ordinal);

    protected ForwardLowering(SemanticModel model, List<DiagnosticInfo> diagnostics)
    {
        Model = model;
        _diagnostics = diagnostics;
    }

    /// <summary>How the lowered method is named in messages ("the [Differentiable] method 'F'").</summary>
    protected abstract string Context { get; }

    /// <summary>What to write instead of an unsupported expression.</summary>
    protected abstract string SupportedHint { get; }

    public OpGraph? LowerBody(MethodDeclarationSyntax method)
    {
        int? result = null;
        if (method.ExpressionBody is { } arrow)
        {
            result = Visit(arrow.Expression);
        }
        else if (method.Body is { } block)
        {
            ReturnStatementSyntax? firstReturn = null;
            foreach (StatementSyntax statement in block.Statements)
            {
                if (firstReturn is not null && statement is not ReturnStatementSyntax)
                {
                    Unsupported(statement, "a statement after the return", "return once, as the last statement");
                    continue;
                }
                switch (statement)
                {
                    case LocalDeclarationStatementSyntax local:
                        LowerLocal(local);
                        break;
                    case ReturnStatementSyntax ret when firstReturn is null:
                        firstReturn = ret;
                        result = ret.Expression is null ? null : Visit(ret.Expression);
                        break;
                    case ReturnStatementSyntax ret:
                        Report(DiagnosticDescriptors.MultipleReturns, ret, MethodName(method));
                        break;
                    default:
                        UnsupportedStatement(statement);
                        break;
                }
            }
        }
        if (result is null) return null;
        AssignNames();
        return new OpGraph(Nodes.ToEquatableArray(), result.Value);
    }

    private static string MethodName(MethodDeclarationSyntax method) => method.Identifier.ValueText;

    private void LowerLocal(LocalDeclarationStatementSyntax local)
    {
        foreach (VariableDeclaratorSyntax variable in local.Declaration.Variables)
        {
            if (variable.Initializer is null)
            {
                Unsupported(variable, $"the uninitialised local '{variable.Identifier.ValueText}'", "initialise every local where it is declared");
                continue;
            }
            int? id = Visit(variable.Initializer.Value);
            if (id is not int value)
            {
                _failedLocals.Add(variable.Identifier.ValueText); // its uses are not reported again
                continue;
            }
            string name = variable.Identifier.ValueText;
            OpNode node = Nodes[value];
            if (node.Name.Length == 0 && node.Kind is not (OpKind.Input or OpKind.Parameter or OpKind.Constant))
            {
                Nodes[value] = node with { Name = name };
            }
            Names[name] = value;
        }
    }

    private void UnsupportedStatement(StatementSyntax statement)
    {
        switch (statement)
        {
            case IfStatementSyntax:
                Unsupported(statement, "an if statement", "branches have no derivative rule here; compute one expression");
                break;
            case ForStatementSyntax or ForEachStatementSyntax or WhileStatementSyntax or DoStatementSyntax:
                Unsupported(statement, "a loop", "unroll it into local variables");
                break;
            case ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax }:
                Unsupported(statement, "an assignment", "declare a new local variable for each value ('var y2 = ...;')");
                break;
            default:
                Unsupported(statement, $"the statement '{Shorten(statement)}'", "use local declarations and one return");
                break;
        }
    }

    // ---- expressions shared by both forms -------------------------------------------------------------------

    public override int? VisitParenthesizedExpression(ParenthesizedExpressionSyntax node) => Visit(node.Expression);

    private static OpKind? Arithmetic(BinaryExpressionSyntax node) => node.Kind() switch
    {
        SyntaxKind.AddExpression => OpKind.Add,
        SyntaxKind.SubtractExpression => OpKind.Subtract,
        SyntaxKind.MultiplyExpression => OpKind.Multiply,
        SyntaxKind.DivideExpression => OpKind.Divide,
        _ => null,
    };

    public override int? VisitBinaryExpression(BinaryExpressionSyntax node)
    {
        if (Arithmetic(node) is null)
        {
            return Unsupported(node.OperatorToken, $"the operator '{node.OperatorToken.Text}'", "use + - * / and the supported functions");
        }
        // A chain (a + b + c + ...) nests to the left: walk its spine in a loop, not by recursion, so that a body of
        // thousands of operations neither recurses thousands deep nor costs more than linear time.
        var spine = new Stack<BinaryExpressionSyntax>();
        ExpressionSyntax leftmost = node;
        while (leftmost is BinaryExpressionSyntax binary && Arithmetic(binary) is not null)
        {
            spine.Push(binary);
            leftmost = binary.Left;
        }
        int? current = Visit(leftmost);
        while (spine.Count > 0)
        {
            BinaryExpressionSyntax binary = spine.Pop();
            int? right = Visit(binary.Right); // visited even after a failure, so that every problem is reported
            current = current is int l && right is int r ? Binary(Arithmetic(binary)!.Value, l, r, binary) : null;
        }
        return current;
    }

    public override int? Visit(SyntaxNode? node)
    {
        // Deep nesting of another kind (f(f(f(...)))) recurses: report it rather than let the compiler's stack overflow.
        try
        {
            System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        }
        catch (System.InsufficientExecutionStackException)
        {
            return node is null ? null : Unsupported(node, "an expression nested this deeply", "split it into local variables ('var h = ...;')");
        }
        return base.Visit(node);
    }

    protected virtual int? Binary(OpKind kind, int left, int right, ExpressionSyntax node)
        => Add(kind, [left, right], node);

    protected virtual int? Negate(int operand, ExpressionSyntax node) => Add(OpKind.Negate, [operand], node);

    public override int? VisitPrefixUnaryExpression(PrefixUnaryExpressionSyntax node)
    {
        int? operand = Visit(node.Operand);
        if (operand is null) return null;
        return node.Kind() switch
        {
            SyntaxKind.UnaryPlusExpression => operand,
            SyntaxKind.UnaryMinusExpression => Negate(operand.Value, node),
            _ => Unsupported(node, $"the operator '{node.OperatorToken.Text}'", "use unary minus only"),
        };
    }

    public override int? VisitLiteralExpression(LiteralExpressionSyntax node)
        => node.IsKind(SyntaxKind.NumericLiteralExpression)
            ? Add(OpKind.Constant, [], node, symbol: node.Token.Text, name: node.Token.Text)
            : Unsupported(node, $"the literal {node.Token.Text}", "use numbers");

    public override int? VisitIdentifierName(IdentifierNameSyntax node)
    {
        string name = node.Identifier.ValueText;
        if (Names.TryGetValue(name, out int id)) return id;
        if (_failedLocals.Contains(name)) return null;
        return ResolveName(node, Model.GetSymbolInfo(node).Symbol);
    }

    public override int? VisitMemberAccessExpression(MemberAccessExpressionSyntax node)
    {
        if (node.Expression is ThisExpressionSyntax) return Visit(node.Name);
        return ResolveName(node, Model.GetSymbolInfo(node).Symbol);
    }

    /// <summary>A name that is not a local or parameter: a constant, a model parameter, ...</summary>
    protected virtual int? ResolveName(ExpressionSyntax node, ISymbol? symbol)
    {
        if (symbol is IFieldSymbol { IsConst: true } field)
        {
            string text = field.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + field.Name;
            return Add(OpKind.Constant, [], node, symbol: text, name: node.ToString());
        }
        if (symbol is null) return null; // the compiler reports the unknown name
        string what = symbol switch
        {
            IFieldSymbol => $"reading the field '{node}'",
            IPropertySymbol => $"reading the property '{node}'",
            _ => $"'{node}'",
        };
        return Unsupported(node, what, "use parameters, locals, literals and const fields");
    }

    public override int? VisitConditionalExpression(ConditionalExpressionSyntax node)
        => Unsupported(node, "a conditional expression", "branches have no derivative rule here; use Math.Abs or compute one expression");

    public override int? VisitCastExpression(CastExpressionSyntax node)
        => Unsupported(node, $"the cast '({node.Type})'", "use values of the method's own numeric type");

    public override int? VisitElementAccessExpression(ElementAccessExpressionSyntax node)
        => Unsupported(node, "indexing", "pass each value as its own parameter");

    public override int? VisitAssignmentExpression(AssignmentExpressionSyntax node)
        => Unsupported(node, "an assignment", "declare a new local variable for each value");

    public override int? VisitPostfixUnaryExpression(PostfixUnaryExpressionSyntax node)
        => Unsupported(node, $"the operator '{node.OperatorToken.Text}'", "declare a new local variable ('var y = x + 1;')");

    public override int? VisitSimpleLambdaExpression(SimpleLambdaExpressionSyntax node)
        => Unsupported(node, "a lambda", "call a method marked [Differentiable]");

    public override int? VisitParenthesizedLambdaExpression(ParenthesizedLambdaExpressionSyntax node)
        => Unsupported(node, "a lambda", "call a method marked [Differentiable]");

    public override int? VisitObjectCreationExpression(ObjectCreationExpressionSyntax node)
        => Unsupported(node, "creating an object", SupportedHint);

    public override int? DefaultVisit(SyntaxNode node)
        => Unsupported(node, $"'{Shorten(node)}'", SupportedHint);

    // ---- helpers -------------------------------------------------------------------------------------------

    protected int Add(OpKind kind, int[] inputs, SyntaxNode source, string symbol = "", string name = "",
        string[]? extra = null, int? axis = null, int[]? shape = null)
    {
        int id = Nodes.Count;
        Nodes.Add(new OpNode(id, kind, inputs.ToEquatableArray(), (shape ?? []).ToEquatableArray(), name,
            Shorten(source), symbol, (extra ?? []).ToEquatableArray(), axis, LocationInfo.From(source)));
        return id;
    }

    protected int? Unsupported(SyntaxNode node, string what, string instead)
    {
        Report(DiagnosticDescriptors.UnsupportedConstruct, node, what, Context, instead);
        return null;
    }

    private int? Unsupported(SyntaxToken token, string what, string instead)
    {
        _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedConstruct, LocationInfo.From(token.GetLocation()), what, Context, instead));
        return null;
    }

    protected void Report(DiagnosticDescriptor descriptor, SyntaxNode node, params object?[] arguments)
        => _diagnostics.Add(DiagnosticInfo.Create(descriptor, LocationInfo.From(node), arguments));

    /// <summary>
    /// A node's source on one line, at most 80 characters. Only a prefix of the source is read: in a long chain every
    /// node spans most of the body, and reading each whole would make lowering quadratic.
    /// </summary>
    protected static string Shorten(SyntaxNode node)
    {
        string source = node.Span.Length <= 240 ? node.ToString() : node.SyntaxTree.GetText().ToString(new Microsoft.CodeAnalysis.Text.TextSpan(node.SpanStart, 240));
        // Every white-space character splits, line separators (U+2028, U+2029, U+0085) too: the text goes into one-line comments.
        string text = string.Join(" ", source.Split((char[]?)null, System.StringSplitOptions.RemoveEmptyEntries));
        return text.Length <= 80 ? text : text.Substring(0, 77) + "...";
    }

    /// <summary>The default name of a node that no local names (v1, v2 ... for scalars; the operation for tensors).</summary>
    protected abstract string DefaultName(OpNode node);

    private void AssignNames()
    {
        var names = new Emit.UniqueNames(Nodes.Where(n => n.Name.Length > 0).Select(n => n.Name).Concat(Names.Keys));
        for (int i = 0; i < Nodes.Count; i++)
        {
            if (Nodes[i].Name.Length == 0) Nodes[i] = Nodes[i] with { Name = names.Next(DefaultName(Nodes[i])) };
        }
    }
}
