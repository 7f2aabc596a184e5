using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using ModelDsl.Generators.Diagnostics;
using ModelDsl.Generators.Parsing;

namespace ModelDsl.Generators.Analyzers;

/// <summary>
/// MD0018, a [Model] without an optimizer attribute, as an analyzer rather than from the generator: a warning the user
/// may silence with <c>#pragma warning disable MD0018</c> or .editorconfig, which only analyzer diagnostics (whose
/// locations lie in the compilation's own syntax trees) honour. Generating needs no such rule: Adam(0.001) is used.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class MissingOptimizerAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [DiagnosticDescriptors.MissingOptimizer];

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterSymbolAction(static symbolContext =>
        {
            var type = (INamedTypeSymbol)symbolContext.Symbol;
            ImmutableArray<AttributeData> attributes = type.GetAttributes();
            if (!attributes.Any(a => a.AttributeClass?.ToDisplayString() == ModelParser.AttributeName)) return;
            if (attributes.Any(a => OptimizerCatalogue.ForAttribute(a.AttributeClass?.ToDisplayString()) is not null)) return;
            if (type.Locations.FirstOrDefault(l => l.IsInSource) is not { } location) return;
            symbolContext.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.MissingOptimizer, location, type.Name, OptimizerCatalogue.AttributeList));
        }, SymbolKind.NamedType);
    }
}
