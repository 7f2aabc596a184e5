using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using ModelDsl.Generators.Analysis;
using ModelDsl.Generators.Emit;
using ModelDsl.Generators.Model;
using ModelDsl.Generators.Parsing;

namespace ModelDsl.Generators;

/// <summary>
/// The one pipeline: [Differentiable] methods and [Model] classes are parsed into value-equatable records,
/// analysed (shapes, reverse mode) and emitted; diagnostics travel beside the models and are reported on their own.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ModelDslGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline steps, for incrementality tests.</summary>
    public static class Steps
    {
        public const string ParseFunctions = nameof(ParseFunctions);
        public const string FunctionGroups = nameof(FunctionGroups);
        public const string ParseModels = nameof(ParseModels);
        public const string AnalyseModels = nameof(AnalyseModels);
        public static readonly ImmutableArray<string> All = [ParseFunctions, FunctionGroups, ParseModels, AnalyseModels];
    }

    /// <summary>The hint name of the module initializer that repairs TorchSharp's native loading in the user's assembly.</summary>
    public const string ModuleInitializerHintName = "ModelDsl.ModuleInitializer.g.cs";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // TorchSharp's natives must be repaired before the user's first torch call, which may precede any ModelDsl
        // type: a module initializer in the user's own assembly runs before its Main (or first type use).
        IncrementalValueProvider<bool> canInitialize = context.CompilationProvider.Select(static (compilation, _) =>
            compilation.GetTypeByMetadataName("ModelDsl.TorchRuntime") is not null
            && compilation.GetTypeByMetadataName("System.Runtime.CompilerServices.ModuleInitializerAttribute") is not null);
        context.RegisterSourceOutput(canInitialize, static (spc, can) =>
        {
            if (can) spc.AddSource(ModuleInitializerHintName, SourceText.From(ModuleInitializerEmitter.Emit(), System.Text.Encoding.UTF8));
        });

        // [Differentiable] static methods → one derivative file per containing type.
        IncrementalValuesProvider<Result<FunctionDeclaration>> functions = context.SyntaxProvider
            .ForAttributeWithMetadataName(FunctionParser.AttributeName,
                static (node, _) => node is MethodDeclarationSyntax,
                FunctionParser.Parse)
            .WithTrackingName(Steps.ParseFunctions);

        context.RegisterSourceOutput(functions.SelectMany(static (r, _) => r.Diagnostics), Report);

        IncrementalValuesProvider<FunctionGroup> groups = functions
            .Select(static (r, _) => r.Value)
            .Where(static f => f is not null)
            .Collect()
            .SelectMany(static (all, _) => all
                .GroupBy(f => f!.Type)
                .Select(g => new FunctionGroup(g.Key, g.Select(f => FunctionPlan.For(f!)).ToEquatableArray()))
                .OrderBy(g => g.Type.FullName, System.StringComparer.Ordinal)
                .ToImmutableArray())
            .WithTrackingName(Steps.FunctionGroups);

        context.RegisterSourceOutput(groups, static (spc, group)
            => AddSource(spc, group.Type.HintName + ".Derivatives.g.cs", group.Type.FullName, group.Functions[0].Function.Location, () => ScalarEmitter.Emit(group)));

        // [Model] classes → parse, infer shapes and plan the reverse sweep, emit one file per model.
        IncrementalValuesProvider<Result<AnalysedModel>> models = context.SyntaxProvider
            .ForAttributeWithMetadataName(ModelParser.AttributeName,
                // Records and structs too: they are rejected (MD0023) rather than silently left without their members.
                static (node, _) => node is TypeDeclarationSyntax,
                ModelParser.Parse)
            .WithTrackingName(Steps.ParseModels)
            .Select(static (parsed, _) => ModelAnalysis.Analyse(parsed))
            .WithTrackingName(Steps.AnalyseModels);

        context.RegisterSourceOutput(models.SelectMany(static (r, _) => r.Diagnostics), Report);

        // A rejected model still gets its partial members (throwing), so the user sees our MD errors alone,
        // not the compiler's follow-on "partial member must have an implementation part".
        context.RegisterSourceOutput(models.Select(static (r, _) => r.Value).Where(static m => m is { Plan: not null } or { Parsed.PartialMembers.Count: > 0 } or { Parsed.AttributeStubs.Count: > 0 }), static (spc, model)
            => AddSource(spc, model!.Parsed.Type.HintName + ".g.cs", model.Parsed.Type.FullName, model.Parsed.Location,
                () => model.Plan is { } plan ? ModelEmitter.Emit(plan) : RejectedModelEmitter.Emit(model.Parsed)));
    }

    private static void AddSource(SourceProductionContext context, string hintName, string type, LocationInfo? location, System.Func<string> emit)
    {
        string text;
        try
        {
            text = emit();
        }
        catch (System.Exception exception) when (exception is not System.OperationCanceledException)
        {
            context.ReportDiagnostic(Diagnostic.Create(Diagnostics.DiagnosticDescriptors.InternalError, location?.ToLocation() ?? Location.None, type, exception.Message));
            return;
        }
        context.AddSource(hintName, SourceText.From(text, System.Text.Encoding.UTF8));
    }

    private static void Report(SourceProductionContext context, DiagnosticInfo diagnostic) => context.ReportDiagnostic(diagnostic.ToDiagnostic());
}
