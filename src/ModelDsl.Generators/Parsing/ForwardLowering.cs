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
/// Lowers a method body (an expression body, or a block of local declarations and one final return) into an
/// <see cref="OpGraph"/>. Each construct the differentiator cannot handle has its own override that reports a
/// precise diagnostic at that node and returns null; lowering continues so that every problem is reported at once.
/// </summary>
internal abstract class ForwardLowering : CSharpSyntaxVisitor<int?>
{
    protected readonly SemanticModel Model;
    /// <summary>The lowered method.</summary>
    protected readonly IMethodSymbol Method;
    protected readonly List<OpNode> Nodes = [];
    protected readonly Dictionary<string, int> Names = new(System.StringComparer.Ordinal);
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly HashSet<string> _failedLocals = new(System.StringComparer.Ordinal);
    /// <summary>Every name the lowered method declares (locals, parameters, lambda parameters, ...): see <see cref="LookUp"/>.</summary>
    private readonly HashSet<string> _declared = new(System.StringComparer.Ordinal);

    protected ForwardLowering(SemanticModel model, List<DiagnosticInfo> diagnostics, IMethodSymbol method)
    {
        Model = model;
        _diagnostics = diagnostics;
        Method = method;
    }

    /// <summary>How the lowered method is named in messages ("the [Differentiable] method 'F'").</summary>
    protected abstract string Context { get; }

    /// <summary>What to write instead of an unsupported expression.</summary>
    protected abstract string SupportedHint { get; }

    public OpGraph? LowerBody(MethodDeclarationSyntax method)
    {
        // An identifier token that is not a name's is a declaration's (a local, a parameter, a lambda's parameter, a
        // pattern's designation, a local function, a range variable, ...): such names are left to the binder.
        foreach (SyntaxToken token in method.DescendantTokens())
        {
            if (token.IsKind(SyntaxKind.IdentifierToken) && token.Parent is not SimpleNameSyntax) _declared.Add(token.ValueText);
        }
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
        return ResolveName(node, NameSymbol(node) ?? Model.GetSymbolInfo(node).Symbol);
    }

    public override int? VisitMemberAccessExpression(MemberAccessExpressionSyntax node)
    {
        if (node.Expression is ThisExpressionSyntax) return Visit(node.Name);
        return ResolveName(node, MemberSymbol(node) ?? Model.GetSymbolInfo(node).Symbol);
    }

    // ---- names by lookup -----------------------------------------------------------------------------------
    // Binding one expression of a body binds the whole body, and most of that is Tensor's user-defined operators
    // and conversions, which the lowering never asks about (+ - * / are read from the syntax). So the names it does
    // ask about are looked up where lookup alone gives the binder's answer; anything else is left to the binder.

    /// <summary>
    /// The symbols a simple name finds at its position, as the binder's own lookup finds them but without binding the
    /// body; empty when the method declares that name (a local is the binder's to resolve) or the name finds nothing
    /// usable. Outside the declared names every position in the body has one scope, so a name is looked up once.
    /// </summary>
    private ImmutableArray<ISymbol> LookUp(IdentifierNameSyntax name)
    {
        string text = name.Identifier.ValueText;
        if (_declared.Contains(text)) return ImmutableArray<ISymbol>.Empty;
        // Most names are the type's own members (layers, parameters): found in it, the lookup stops there. Its
        // type parameters come first, and members of its base types of the name join or hide: those go the long way.
        INamedTypeSymbol type = Method.ContainingType;
        ImmutableArray<ISymbol> members = type.GetMembers(text);
        if (!members.IsEmpty && !type.TypeParameters.Any(p => p.Name == text) && !InBaseTypes(type, text)) return members;
        if (_lookedUp.TryGetValue(text, out ImmutableArray<ISymbol> found)) return found;
        // The name alone, bound where it stands (SemanticModel.LookupSymbols would list every imported namespace's members).
        SymbolInfo info = Model.GetSpeculativeSymbolInfo(name.SpanStart, SyntaxFactory.IdentifierName(text), SpeculativeBindingOption.BindAsExpression);
        found = info.Symbol is { } symbol ? ImmutableArray.Create(symbol)
            : info.CandidateReason is CandidateReason.MemberGroup or CandidateReason.OverloadResolutionFailure ? info.CandidateSymbols
            : ImmutableArray<ISymbol>.Empty;
        _lookedUp[text] = found;
        return found;
    }

    private readonly Dictionary<string, ImmutableArray<ISymbol>> _lookedUp = new(System.StringComparer.Ordinal);

    /// <summary>True when a base type of <paramref name="type"/> has a member of the name.</summary>
    private bool InBaseTypes(INamedTypeSymbol type, string name)
    {
        // A class declared without a base list derives from object (asking a source type for its base type binds its base list).
        if (type is { TypeKind: TypeKind.Class, DeclaringSyntaxReferences.Length: > 0 }
            && type.DeclaringSyntaxReferences.All(r => r.GetSyntax() is ClassDeclarationSyntax { BaseList: null }))
        {
            return !Model.Compilation.GetSpecialType(SpecialType.System_Object).GetMembers(name).IsEmpty;
        }
        for (INamedTypeSymbol? baseType = type.BaseType; baseType is not null; baseType = baseType.BaseType)
        {
            if (!baseType.GetMembers(name).IsEmpty) return true;
        }
        return false;
    }

    /// <summary>
    /// What a simple name (or the name in <c>this.Name</c>) binds to, when lookup decides it: a const field, or an
    /// instance field or property of the method's own type read in an instance method. Null: ask the binder.
    /// </summary>
    private ISymbol? NameSymbol(IdentifierNameSyntax node)
    {
        bool afterThis = node.Parent is MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax } access && access.Name == node;
        ImmutableArray<ISymbol> found = LookUp(node);
        if (found.Length != 1) return null;
        ISymbol symbol = found[0];
        if (symbol is IFieldSymbol { IsConst: true } && !afterThis) return Model.IsAccessible(node.SpanStart, symbol) ? symbol : null;
        return symbol is IFieldSymbol or IPropertySymbol && !symbol.IsStatic && !Method.IsStatic
            && SymbolEqualityComparer.Default.Equals(symbol.ContainingType, Method.ContainingType) ? symbol : null;
    }

    /// <summary>What <c>Type.Name</c> binds to, when lookup decides it: an accessible const field of a named type. Null: ask the binder.</summary>
    private ISymbol? MemberSymbol(MemberAccessExpressionSyntax node)
    {
        if (!node.IsKind(SyntaxKind.SimpleMemberAccessExpression) || node.Expression is not IdentifierNameSyntax receiver
            || node.Name is not IdentifierNameSyntax name || TypeNamed(receiver) is not { } type) return null;
        ImmutableArray<ISymbol> members = type.GetMembers(name.Identifier.ValueText);
        return members.Length == 1 && members[0] is IFieldSymbol { IsConst: true } field && Model.IsAccessible(node.SpanStart, field) ? field : null;
    }

    /// <summary>The type a simple name denotes by lookup (not a local, a member, an alias or anything else first), or null.</summary>
    private INamedTypeSymbol? TypeNamed(IdentifierNameSyntax name)
        => !Names.ContainsKey(name.Identifier.ValueText) && LookUp(name) is { Length: 1 } found && found[0] is INamedTypeSymbol { Arity: 0 } type
           && Model.IsAccessible(name.SpanStart, type) ? type : null;

    /// <summary>
    /// The methods a call names (<c>F(...)</c> or <c>Type.F(...)</c>), when lookup finds only methods, all of one type;
    /// default otherwise (ask the binder). Overload resolution picks one of them, or fails and offers them as candidates.
    /// </summary>
    protected ImmutableArray<ISymbol> CalleeGroup(InvocationExpressionSyntax node)
    {
        ImmutableArray<ISymbol> found;
        switch (node.Expression)
        {
            case IdentifierNameSyntax name when !Names.ContainsKey(name.Identifier.ValueText):
                found = LookUp(name);
                break;
            case MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax receiver, Name: IdentifierNameSyntax name } access
                when access.IsKind(SyntaxKind.SimpleMemberAccessExpression) && TypeNamed(receiver) is { TypeKind: not TypeKind.Interface } type:
                // Methods of the type's base types are in the group too: left to the binder.
                if (InBaseTypes(type, name.Identifier.ValueText)) return default;
                found = type.GetMembers(name.Identifier.ValueText);
                break;
            default:
                return default;
        }
        if (found.IsEmpty) return default;
        foreach (ISymbol symbol in found)
        {
            if (symbol is not IMethodSymbol || !SymbolEqualityComparer.Default.Equals(symbol.ContainingType, found[0].ContainingType)) return default;
        }
        return found;
    }

    /// <summary>
    /// An expression's constant value: an int literal or a negated one read from the syntax, anything else from the
    /// compiler (which binds the body).
    /// </summary>
    protected Optional<object?> ConstantValue(ExpressionSyntax expression) => expression switch
    {
        LiteralExpressionSyntax { Token.Value: int value } literal when literal.IsKind(SyntaxKind.NumericLiteralExpression) => new Optional<object?>(value),
        PrefixUnaryExpressionSyntax { Operand: LiteralExpressionSyntax { Token.Value: int value } literal } negation
            when negation.IsKind(SyntaxKind.UnaryMinusExpression) && literal.IsKind(SyntaxKind.NumericLiteralExpression) => new Optional<object?>(-value),
        _ => Model.GetConstantValue(expression),
    };

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
