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
using ModelDsl.Generators.Model;

namespace ModelDsl.Generators.Parsing;

/// <summary>Reads a [Differentiable] method: checks its signature and lowers its body to a scalar graph.</summary>
internal static class FunctionParser
{
    public const string AttributeName = "ModelDsl.DifferentiableAttribute";

    public static Result<FunctionDeclaration> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticInfo>();
        if (context.TargetNode is not MethodDeclarationSyntax method || context.TargetSymbol is not IMethodSymbol symbol)
        {
            return Result.From<FunctionDeclaration>(null, diagnostics);
        }
        try
        {
            FunctionDeclaration? function = Parse(method, symbol, ModelParser.BodyModel(context.SemanticModel, method.SyntaxTree), diagnostics, cancellationToken);
            return Result.From(function, diagnostics);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, LocationInfo.From(method.Identifier.GetLocation()),
                symbol.Name, exception.Message));
            return Result.From<FunctionDeclaration>(null, diagnostics);
        }
    }

    private static FunctionDeclaration? Parse(MethodDeclarationSyntax method, IMethodSymbol symbol, SemanticModel model,
        List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        TypeLocation? type = TypeLocations.Read(symbol.ContainingType, diagnostics);
        string name = symbol.Name;
        string? numeric = NumericType(symbol.ReturnType);
        if (numeric is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DifferentiableType, LocationInfo.From(method.ReturnType),
                "The return type", name, symbol.ReturnType.ToDisplayString()));
        }
        foreach ((IParameterSymbol parameter, ParameterSyntax syntax) in symbol.Parameters.Zip(method.ParameterList.Parameters, (p, s) => (p, s)))
        {
            string? type_ = NumericType(parameter.Type);
            if (type_ is null || (numeric is not null && type_ != numeric) || parameter.RefKind != RefKind.None)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DifferentiableType, LocationInfo.From(syntax),
                    $"Parameter '{parameter.Name}'", name, (parameter.RefKind == RefKind.None ? "" : parameter.RefKind.ToString().ToLowerInvariant() + " ") + parameter.Type.ToDisplayString()));
            }
        }
        if (symbol.Parameters.Length == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DifferentiableType, LocationInfo.From(method.ParameterList),
                "The parameter list", name, "()"));
        }
        if (symbol.IsGenericMethod)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedConstruct, LocationInfo.From(method.TypeParameterList),
                "A generic method", "the [Differentiable] method '" + name + "'", "declare it over double or float"));
        }
        // A member of the user's with the name of a generated one (FDerivative beside F) would be declared twice.
        string[] generated = GeneratedNames(symbol);
        foreach (ISymbol clash in symbol.ContainingType.GetMembers().Where(m => generated.Contains(m.Name) && !m.IsImplicitlyDeclared))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateName, LocationInfo.From(clash.Locations.FirstOrDefault(l => l.IsInSource)),
                clash.Name, $"by your member '{clash.Name}' and by the derivative generated for [Differentiable] '{name}'"));
        }
        // The derivatives of another [Differentiable] method of this type with the same generated name (FWithDerivative
        // of both F and FWith): reported at the later of the two, which is to be renamed.
        foreach (IMethodSymbol other in symbol.ContainingType.GetMembers().OfType<IMethodSymbol>()
            .Where(m => m.Name != name && m.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == AttributeName) && DeclaredBefore(m, symbol)))
        {
            if (GeneratedNames(other).Intersect(generated, StringComparer.Ordinal).FirstOrDefault() is { } twice)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateName, LocationInfo.From(method.Identifier.GetLocation()),
                    twice, $"by the derivatives of [Differentiable] '{other.Name}' and of [Differentiable] '{name}'"));
            }
        }
        // A member may not share its enclosing type's name (CS0542): the derivatives of F cannot go into a class FDerivative.
        if (generated.FirstOrDefault(g => g == symbol.ContainingType.Name) is { } typeName)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateName, LocationInfo.From(method.Identifier.GetLocation()),
                typeName, $"by the type '{typeName}' and by the derivative generated for [Differentiable] '{name}' in it, and a member cannot be named like its type"));
        }
        // The gradient record has one member per parameter, in PascalCase: x and X would both be X.
        if (symbol.Parameters.Length > 1)
        {
            var members = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach ((IParameterSymbol parameter, ParameterSyntax syntax) in symbol.Parameters.Zip(method.ParameterList.Parameters, (p, s) => (p, s)))
            {
                string member = Emit.ScalarEmitter.GradientMember(parameter.Name);
                if (members.TryGetValue(member, out string? first))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateName, LocationInfo.From(syntax.Identifier.GetLocation()),
                        member, $"as the gradient member of both parameter '{first}' and parameter '{parameter.Name}' of [Differentiable] '{name}'; rename one of the parameters"));
                }
                else if (member == name + "GradientValue")
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateName, LocationInfo.From(syntax.Identifier.GetLocation()),
                        member, $"as the gradient record '{member}' and as its member for parameter '{parameter.Name}', and a member cannot be named like its type; rename the parameter"));
                }
                else members[member] = parameter.Name;
            }
        }
        // Only the signature decides whether derivative members can be declared at all.
        bool signatureSound = type is not null && numeric is not null && diagnostics.Count == 0;
        if (!symbol.IsStatic)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DifferentiableNotStatic, LocationInfo.From(method.Identifier.GetLocation()), name));
        }
        cancellationToken.ThrowIfCancellationRequested();
        var lowering = new ScalarLowering(model, diagnostics, symbol);
        OpGraph? graph = lowering.LowerBody(method);
        if (!signatureSound) return null;
        return new FunctionDeclaration(type!, name, Accessibility(symbol.DeclaredAccessibility), numeric!,
            symbol.Parameters.Select(p => p.Name).ToEquatableArray(), diagnostics.Count == 0 ? graph : null, LocationInfo.From(method.Identifier.GetLocation()));
    }

    /// <summary>The members generated for a [Differentiable] method: FDerivative and FWithDerivative, or FGradient, FWithGradient and FGradientValue.</summary>
    private static string[] GeneratedNames(IMethodSymbol method)
        => method.Parameters.Length == 1 ? [method.Name + "Derivative", method.Name + "WithDerivative"]
            : [method.Name + "Gradient", method.Name + "WithGradient", method.Name + "GradientValue"];

    /// <summary>True when <paramref name="a"/> is declared before <paramref name="b"/> (by file, then position).</summary>
    private static bool DeclaredBefore(ISymbol a, ISymbol b)
    {
        Location? la = a.Locations.FirstOrDefault(l => l.IsInSource), lb = b.Locations.FirstOrDefault(l => l.IsInSource);
        if (la is null || lb is null) return false;
        int byFile = StringComparer.Ordinal.Compare(la.SourceTree?.FilePath, lb.SourceTree?.FilePath);
        return byFile < 0 || (byFile == 0 && la.SourceSpan.Start < lb.SourceSpan.Start);
    }

    private static string? NumericType(ITypeSymbol type) => type.SpecialType switch
    {
        SpecialType.System_Double => "double",
        SpecialType.System_Single => "float",
        _ => null,
    };

    internal static string Accessibility(Accessibility accessibility) => accessibility switch
    {
        Microsoft.CodeAnalysis.Accessibility.Public => "public",
        Microsoft.CodeAnalysis.Accessibility.Internal => "internal",
        Microsoft.CodeAnalysis.Accessibility.Protected => "protected",
        Microsoft.CodeAnalysis.Accessibility.ProtectedOrInternal => "protected internal",
        Microsoft.CodeAnalysis.Accessibility.ProtectedAndInternal => "private protected",
        _ => "private",
    };

    /// <summary>Lowers a scalar body: parameters, literals, constants, + - * /, System.Math functions, [Differentiable] calls.</summary>
    private sealed class ScalarLowering : ForwardLowering
    {
        private int _counter;

        public ScalarLowering(SemanticModel model, List<DiagnosticInfo> diagnostics, IMethodSymbol method) : base(model, diagnostics, method)
        {
            foreach (IParameterSymbol parameter in method.Parameters)
            {
                Names[parameter.Name] = Add(OpKind.Input, [], parameter.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() ?? SyntaxFactory.IdentifierName(parameter.Name),
                    symbol: parameter.Name, name: parameter.Name);
            }
        }

        protected override string Context => $"the [Differentiable] method '{Method.Name}'";

        protected override string SupportedHint => "use + - * /, literals, const fields, Math." + string.Join("/", DerivativeRules.ScalarFunctions) + "/Pow and [Differentiable] methods";

        protected override string DefaultName(OpNode node) => "v" + ++_counter;

        public override int? VisitInvocationExpression(InvocationExpressionSyntax node)
        {
            var arguments = new List<int>();
            bool failed = false;
            foreach (ArgumentSyntax argument in node.ArgumentList.Arguments)
            {
                if (argument.RefKindKeyword.IsKind(SyntaxKind.None) && argument.NameColon is null)
                {
                    if (Visit(argument.Expression) is int id) arguments.Add(id); else failed = true;
                }
                else
                {
                    Unsupported(argument, "a named or ref argument", "pass arguments by position");
                    failed = true;
                }
            }
            IMethodSymbol? callee = Callee(node, out bool otherCount);
            string shown = node.Expression.ToString();
            if (callee is null) return null; // the compiler reports the unknown method
            // A candidate that takes another number of arguments (the compiler reports the call): nothing to lower.
            if (otherCount) return null;
            string containing = callee.ContainingType?.ToDisplayString() ?? "";
            string qualified = callee.ContainingType?.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) ?? "";
            if (containing is "System.Math" or "System.MathF")
            {
                if (callee.Name == "Pow" && callee.Parameters.Length == 2)
                {
                    return failed ? null : Add(OpKind.Power, [.. arguments], node, symbol: "Pow", extra: [qualified]);
                }
                if (DerivativeRules.ScalarFunctions.Contains(callee.Name) && callee.Parameters.Length == 1)
                {
                    return failed ? null : Add(OpKind.Elementwise, [.. arguments], node, symbol: callee.Name, extra: [qualified]);
                }
            }
            else if (callee.GetAttributes().Any(a => SymbolNames.Of(a.AttributeClass) == AttributeName) && callee.IsStatic)
            {
                return failed ? null : Add(OpKind.Call, [.. arguments], node, symbol: callee.Name,
                    extra: [qualified, .. callee.Parameters.Select(p => p.Name)]);
            }
            Report(DiagnosticDescriptors.NotDifferentiableCall, node, shown, "Math." + string.Join("/", DerivativeRules.ScalarFunctions) + "/Pow");
            return null;
        }

        /// <summary>
        /// The called method, and whether it is a candidate of a failed call that takes another number of arguments.
        /// Lookup decides when the methods of the name all take one fixed number of parameters (none optional or params)
        /// and there is one of them, or they are Math's (of which only the name and that number are read).
        /// </summary>
        private IMethodSymbol? Callee(InvocationExpressionSyntax node, out bool otherCount)
        {
            int count = node.ArgumentList.Arguments.Count;
            ImmutableArray<ISymbol> group = CalleeGroup(node);
            if (!group.IsDefault && FixedCount(group) is int parameters
                && (group.Length == 1 || group[0].ContainingType?.ToDisplayString() is "System.Math" or "System.MathF"))
            {
                otherCount = parameters != count;
                return (IMethodSymbol)group[0];
            }
            SymbolInfo info = Model.GetSymbolInfo(node);
            var callee = (info.Symbol ?? info.CandidateSymbols.FirstOrDefault()) as IMethodSymbol;
            otherCount = info.Symbol is null && callee is not null && callee.Parameters.Length != count;
            return callee;
        }

        /// <summary>The number of parameters every method of the group takes, none optional or params; null if there is no such number.</summary>
        private static int? FixedCount(ImmutableArray<ISymbol> group)
        {
            int count = ((IMethodSymbol)group[0]).Parameters.Length;
            foreach (IMethodSymbol method in group)
            {
                if (method.Parameters.Length != count || method.Parameters.Any(p => p.IsOptional || p.IsParams)) return null;
            }
            return count;
        }
    }
}

/// <summary>Reads the namespace and the chain of containing types, reporting the ones that are not partial.</summary>
internal static class TypeLocations
{
    public static TypeLocation? Read(INamedTypeSymbol type, List<DiagnosticInfo> diagnostics)
    {
        var chain = new List<ContainingType>();
        bool ok = true;
        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            var declaration = current.DeclaringSyntaxReferences.Select(r => r.GetSyntax()).OfType<TypeDeclarationSyntax>().FirstOrDefault();
            if (declaration is null) return null;
            bool isPartial = current.DeclaringSyntaxReferences.Select(r => r.GetSyntax()).OfType<TypeDeclarationSyntax>()
                .Any(d => d.Modifiers.Any(SyntaxKind.PartialKeyword));
            if (declaration.Modifiers.Any(SyntaxKind.FileKeyword))
            {
                // A file-local type cannot be extended from the generated file: no partial part of it can live there.
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TypeCannotBeExtended, LocationInfo.From(declaration.Identifier.GetLocation()),
                    current.Name, "it is file-local ('file'), and generated members live in a file of their own; remove 'file'"));
                ok = false;
                continue;
            }
            if (!isPartial)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TypeNotPartial, LocationInfo.From(declaration.Identifier.GetLocation()), current.Name));
                ok = false;
            }
            string keyword = declaration switch
            {
                RecordDeclarationSyntax r => r.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) ? "record struct" : "record",
                _ => declaration.Keyword.ValueText,
            };
            // As written in code: a keyword-named type (@class) keeps its '@' in the generated partial declaration.
            string name = Emit.Names.Identifier(current.Name) + (current.TypeParameters.Length == 0 ? "" : "<" + string.Join(", ", current.TypeParameters.Select(p => Emit.Names.Identifier(p.Name))) + ">");
            chain.Insert(0, new ContainingType(keyword, name));
        }
        string ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : "";
        return ok ? new TypeLocation(ns, chain.ToEquatableArray()) : null;
    }
}
