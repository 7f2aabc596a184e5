using System.Collections.Immutable;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using ModelDsl.Generators.Tests.Infrastructure;

namespace ModelDsl.Generators.Tests.Fuzzing;

/// <summary>One broken promise of the generator on one input.</summary>
/// <param name="Assertion">Which assertion failed (one of <see cref="FuzzOracle.Assertions"/>).</param>
/// <param name="Class">The failure class: the assertion and what distinguishes this failure (an exception's type and
/// message shape, a diagnostic id, the compiler errors of the generated code), with the input's own names removed.</param>
/// <param name="Detail">The evidence: the exception, the diagnostic, the first compiler errors with their generated lines.</param>
public sealed record FuzzFailure(string Assertion, string Class, string Detail);

/// <summary>What the oracle found for one input.</summary>
public sealed record OracleResult(ImmutableArray<FuzzFailure> Failures, bool CompiledWithoutGenerator, bool ReportedMdError, TimeSpan GeneratorTime);

/// <summary>
/// The promises of issue 9, point 4, checked on any C# input:
/// <list type="number">
/// <item>the generator does not throw (<c>GeneratorRunResult.Exception</c> null, no CS8785 or AD0001);</item>
/// <item>it reports no MD0099 (a caught internal error);</item>
/// <item>every MD diagnostic has a source location: <c>Location.Kind != None</c>, in an input file, its span inside that file;
/// and its message formats;</item>
/// <item>when the input compiles without the generator (see <see cref="IsCausedByMissingGeneratedCode"/>) and the
/// generator reports no MD error, the compilation with the generated code has no errors;</item>
/// <item>(beyond the issue, cheap and always a generator bug) when the input has no syntax error, neither has the generated code.</item>
/// </list>
/// </summary>
public static class FuzzOracle
{
    public const string Throws = "generator throws";
    public const string InternalError = "MD0099 reported";
    public const string NoLocation = "MD diagnostic without a source location";
    public const string BadMessage = "MD diagnostic message does not format";
    public const string DoesNotCompile = "generated code does not compile";
    public const string GeneratedSyntax = "generated code has syntax errors";
    public const string Timeout = "generator did not finish in time";
    public const string Unreported = "invalid declaration accepted without an MD error";

    public static readonly ImmutableArray<string> Assertions = [Throws, InternalError, NoLocation, BadMessage, DoesNotCompile, GeneratedSyntax, Timeout, Unreported];

    /// <summary>The per-input budget of the generator run; a deep body that exceeds it is a failure of its own.</summary>
    public static TimeSpan GeneratorBudget { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>
    /// The one parse options of every input and of the driver: the harness's, without nullable analysis (it reports
    /// warnings only, and takes a third of the time of binding the generated code).
    /// </summary>
    public static readonly CSharpParseOptions ParseOptions = GeneratorHarness.ParseOptions.WithFeatures([new("run-nullable-analysis", "never")]);

    // One compilation with the harness's (cached) references and nothing else: every input is added to it, so the
    // referenced assemblies are bound once and shared by every variant. Variants run in parallel, so each compilation
    // binds on its own thread (no concurrent build).
    private static readonly Lazy<CSharpCompilation> Empty = new(() =>
    {
        CSharpCompilation empty = GeneratorHarness.Compile();
        return empty.WithOptions(empty.Options.WithConcurrentBuild(false));
    });

    /// <summary>Parses <paramref name="sources"/> with the shared parse options (paths Input0.cs, Input1.cs, ...).</summary>
    public static CSharpCompilation Compile(IReadOnlyList<string> sources) =>
        Empty.Value.AddSyntaxTrees(sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Input{i}.cs")));

    /// <summary>
    /// ModelDsl's analyzers (MD0018 moved to one), found in the generator's assembly, so that the oracle covers them as
    /// the compiler runs them: they must not throw (AD0001) and must locate what they report.
    /// </summary>
    public static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers =
    [
        .. typeof(ModelDslGenerator).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.IsDefined(typeof(DiagnosticAnalyzerAttribute), false))
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!),
    ];

    /// <summary>
    /// Runs the generator over <paramref name="input"/> as the harness does (<see cref="GeneratorHarness.RunAgain"/>),
    /// without step tracking and under the <see cref="GeneratorBudget"/>.
    /// </summary>
    public static GeneratorRun Run(CSharpCompilation input, CancellationToken cancellationToken = default, IIncrementalGenerator? generator = null)
    {
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [(generator ?? new ModelDslGenerator()).AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: false));
        driver = driver.RunGeneratorsAndUpdateCompilation(input, out Compilation output, out _, cancellationToken);
        return new GeneratorRun(driver, driver.GetRunResult(), output);
    }

    /// <param name="expectMdError">Set when the input declares something ModelDsl must reject (an out-of-range enum
    /// value, a non-finite learning rate, a shape that overflows): if it compiles on its own, an MD error must follow.</param>
    /// <param name="generator">The generator under test: ModelDsl's; another only for the oracle's own tests.</param>
    public static OracleResult Check(IReadOnlyList<string> sources, string? expectMdError = null, IIncrementalGenerator? generator = null)
    {
        CSharpCompilation input = Compile(sources);
        var failures = new List<FuzzFailure>();
        GeneratorRun run;
        var clock = Stopwatch.StartNew();
        using (var budget = new CancellationTokenSource(GeneratorBudget))
        {
            try
            {
                run = Run(input, budget.Token, generator);
            }
            catch (OperationCanceledException)
            {
                failures.Add(new(Timeout, Timeout, $"the generator ran longer than {GeneratorBudget.TotalSeconds:0} s"));
                return new([.. failures], false, false, clock.Elapsed);
            }
        }
        TimeSpan generatorTime = clock.Elapsed;
        GeneratorRunResult result = run.Result.Results.Single();

        if (result.Exception is { } exception)
        {
            failures.Add(new(Throws, $"{Throws}: {exception.GetType().Name}: {Shape(exception.Message)}", exception.ToString()));
        }
        else if (result.Diagnostics.FirstOrDefault(d => d.Id is "CS8785" or "AD0001") is { } crash)
        {
            failures.Add(new(Throws, $"{Throws}: {crash.Id}: {Shape(crash.GetMessage())}", crash.ToString()));
        }

        var reported = result.Diagnostics;
        if (!Analyzers.IsEmpty && generator is null)
        {
            var analyzerDiagnostics = input.WithAnalyzers(Analyzers).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
            if (analyzerDiagnostics.FirstOrDefault(d => d.Id is "AD0001") is { } analyzerCrash)
            {
                failures.Add(new(Throws, $"{Throws}: analyzer {analyzerCrash.Id}: {Shape(analyzerCrash.GetMessage())}", analyzerCrash.ToString()));
            }
            reported = reported.AddRange(analyzerDiagnostics.Where(d => d.Id.StartsWith("MD", StringComparison.Ordinal)));
        }

        var paths = input.SyntaxTrees.ToDictionary(t => t.FilePath, t => t.Length, StringComparer.Ordinal);
        foreach (Diagnostic d in reported.Where(d => d.Id.StartsWith("MD", StringComparison.Ordinal)))
        {
            string message;
            try
            {
                message = d.GetMessage();
            }
            catch (Exception e) when (e is FormatException or IndexOutOfRangeException)
            {
                failures.Add(new(BadMessage, $"{BadMessage}: {d.Id}", $"{d.Id}: {e.Message}"));
                message = d.Descriptor.MessageFormat.ToString();
            }
            if (d.Id == "MD0099")
            {
                failures.Add(new(InternalError, $"{InternalError}: {Shape(InternalMessage(message))}", $"{d.Id} at {Where(d)}: {message}"));
            }
            string? locationProblem = d.Location.Kind == LocationKind.None ? "Location.None"
                : d.Location.GetLineSpan() is var span && !paths.TryGetValue(span.Path, out int length) ? $"in '{span.Path}', not an input file"
                : d.Location.SourceSpan.Start < 0 || d.Location.SourceSpan.End > length ? $"span {d.Location.SourceSpan} outside the input ({length} characters)"
                : null;
            if (locationProblem is not null)
            {
                failures.Add(new(NoLocation, $"{NoLocation}: {d.Id} ({(d.Location.Kind == LocationKind.None ? "none" : "outside the input")})",
                    $"{d.Id} {locationProblem}: {message}"));
            }
        }

        bool inputSyntaxClean = input.SyntaxTrees.All(t => !t.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error));
        if (inputSyntaxClean)
        {
            foreach (SyntaxTree tree in result.GeneratedSources.Select(s => s.SyntaxTree))
            {
                var errors = tree.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
                if (errors.Count > 0)
                {
                    failures.Add(new(GeneratedSyntax, $"{GeneratedSyntax}: {FirstError(errors)}", Describe(errors, tree)));
                }
            }
        }

        bool mdError = result.Diagnostics.Any(d => d.Id.StartsWith("MD", StringComparison.Ordinal) && d.Severity == DiagnosticSeverity.Error);
        bool compiles = false;
        if (!mdError && result.Exception is null)
        {
            // The input alone first (small); the input with the generated code (large) only when the input compiles.
            var generatedNames = NamesOf(result);
            compiles = input.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error)
                .All(d => IsCausedByMissingGeneratedCode(d, input, generatedNames));
            if (compiles)
            {
                var outputErrors = run.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
                if (outputErrors.FirstOrDefault(d => d.Id is "CS8785" or "AD0001") is { } late)
                {
                    failures.Add(new(Throws, $"{Throws}: {late.Id}: {Shape(late.GetMessage())}", late.ToString()));
                }
                if (outputErrors.Count > 0 && !failures.Any(f => f.Assertion == GeneratedSyntax))
                {
                    failures.Add(new(DoesNotCompile, $"{DoesNotCompile}: {FirstError(outputErrors)}", Describe(outputErrors, null)));
                }
                if (expectMdError is not null)
                {
                    string what = Regex.Replace(expectMdError, @"(\[|\().*(\]|\))", "…").Replace("  ", " ");
                    failures.Add(new(Unreported, $"{Unreported}: {Shape(what)}", $"{expectMdError}; the generator reported " +
                        (result.Diagnostics.IsEmpty ? "nothing" : string.Join(", ", result.Diagnostics.Select(d => d.Id).Distinct()))));
                }
            }
        }
        return new([.. failures], compiles, mdError, generatorTime);
    }

    /// <summary>
    /// The errors an input has only because the generated code is missing, so that the input "compiles without the
    /// generator" when these are its only errors:
    /// <list type="bullet">
    /// <item>CS8795 (partial method) and CS9248 (partial property) "must have an implementation part", for a member of a
    /// type that carries [ModelDsl.Model] on any part, with a layer attribute, [Parameter] or an attribute the compiler
    /// cannot find: the members the generator implements. Any other partial member (no attribute, [Differentiable],
    /// a type that is no model) is the user's own to implement;</item>
    /// <item>CS0103 (no such name) for a member or type the generated sources declare, used inside a type they extend;</item>
    /// <item>CS0117, CS1061 (no such member) for a member the generated sources declare, accessed on a type they declare
    /// or extend (<c>model.Weights</c>, <c>Functions.FDerivative</c>);</item>
    /// <item>CS0246, CS0234, CS0426 (no such type) for a type the generated sources declare (<c>Trace</c>, <c>FGradientValue</c>).</item>
    /// </list>
    /// Anything else (a syntax error, a duplicate attribute, a missing access modifier on a non-void partial method
    /// (CS8796), a type or enum member that does not exist) is an input that does not compile on its own.
    /// </summary>
    public static bool IsCausedByMissingGeneratedCode(Diagnostic error, Compilation input, GeneratedNames generated)
    {
        if (error.Location.SourceTree is not { } tree) return false;
        SyntaxNode node = tree.GetRoot().FindNode(error.Location.SourceSpan, getInnermostNodeForTie: true);
        switch (error.Id)
        {
            case "CS8795" or "CS9248":
                var member = node.AncestorsAndSelf().OfType<MemberDeclarationSyntax>().FirstOrDefault(m => m is MethodDeclarationSyntax or PropertyDeclarationSyntax);
                if (member is null || member.AttributeLists.Count == 0) return false;
                ISymbol? symbol = input.GetSemanticModel(tree).GetDeclaredSymbol(member);
                return symbol?.ContainingType?.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "ModelDsl.ModelAttribute") == true
                    && symbol.GetAttributes().Any(IsImplementedByTheGenerator);
            case "CS0103":
                return node is SimpleNameSyntax name0 && (generated.Members.Contains(name0.Identifier.ValueText) || generated.Types.Contains(name0.Identifier.ValueText))
                    && node.Ancestors().OfType<TypeDeclarationSyntax>().Any(t => generated.Types.Contains(t.Identifier.ValueText));
            case "CS0117" or "CS1061":
                if (node.AncestorsAndSelf().OfType<MemberAccessExpressionSyntax>().FirstOrDefault() is not { } access
                    || !generated.Members.Contains(access.Name.Identifier.ValueText) && !generated.Types.Contains(access.Name.Identifier.ValueText)) return false;
                SemanticModel model = input.GetSemanticModel(tree);
                ITypeSymbol? receiver = model.GetTypeInfo(access.Expression).Type ?? model.GetSymbolInfo(access.Expression).Symbol as ITypeSymbol;
                return receiver is not null && generated.Types.Contains(receiver.Name);
            case "CS0246" or "CS0234" or "CS0426":
                string text = tree.GetText().ToString(error.Location.SourceSpan);
                string last = text.Split('.', '<', '(').Select(p => p.Trim().TrimStart('@')).LastOrDefault(p => p.Length > 0) ?? "";
                return generated.Types.Contains(last);
            default:
                return false;
        }
    }

    /// <summary>
    /// An attribute that makes a partial member the generator's to implement: a layer attribute or [Parameter] (any
    /// attribute of the ModelDsl namespace but [Forward], [Loss] and [Differentiable], which go on methods with bodies), or
    /// an attribute the compiler cannot find (a misspelt layer, implemented throwing beside its MD0019).
    /// </summary>
    private static bool IsImplementedByTheGenerator(AttributeData attribute) => attribute.AttributeClass switch
    {
        null or { TypeKind: TypeKind.Error } => true,
        { ContainingNamespace: var ns, Name: var name } => ns.ToDisplayString() == "ModelDsl"
            && name is not ("ForwardAttribute" or "LossAttribute" or "DifferentiableAttribute"),
    };

    /// <summary>The names the generated sources declare: types (the partial types they extend, their nested types) and members.</summary>
    public sealed record GeneratedNames(IReadOnlySet<string> Types, IReadOnlySet<string> Members);

    public static GeneratedNames NamesOf(GeneratorRunResult result)
    {
        var types = new HashSet<string>(StringComparer.Ordinal);
        var members = new HashSet<string>(StringComparer.Ordinal);
        foreach (SyntaxNode node in result.GeneratedSources.SelectMany(s => s.SyntaxTree.GetRoot().DescendantNodes()))
        {
            switch (node)
            {
                case BaseTypeDeclarationSyntax t: types.Add(t.Identifier.ValueText); break;
                case DelegateDeclarationSyntax d: types.Add(d.Identifier.ValueText); break;
                case MethodDeclarationSyntax m: members.Add(m.Identifier.ValueText); break;
                case PropertyDeclarationSyntax p: members.Add(p.Identifier.ValueText); break;
                case EventDeclarationSyntax e: members.Add(e.Identifier.ValueText); break;
                case VariableDeclaratorSyntax v when v.Parent?.Parent is BaseFieldDeclarationSyntax: members.Add(v.Identifier.ValueText); break;
                case ParameterSyntax p when p.Parent?.Parent is RecordDeclarationSyntax: members.Add(p.Identifier.ValueText); break;
            }
        }
        return new GeneratedNames(types, members);
    }

    /// <summary>
    /// The class of a compilation failure: the first error in generated code (else the first error), its id and message
    /// shape. Later errors are mostly consequences of the first.
    /// </summary>
    private static string FirstError(IReadOnlyList<Diagnostic> errors)
    {
        Diagnostic first = errors
            .OrderBy(e => e.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true ? 0 : 1)
            .ThenBy(e => e.Location.SourceTree?.FilePath, StringComparer.Ordinal)
            .ThenBy(e => e.Location.SourceSpan.Start).First();
        return $"{first.Id} {Shape(first.GetMessage())}";
    }

    private static string Where(Diagnostic d) => d.Location.Kind == LocationKind.None ? "no location" : d.Location.GetLineSpan().ToString();

    /// <summary>The exception message inside "ModelDsl could not process 'X': {message}; please report ...".</summary>
    private static string InternalMessage(string message)
    {
        var match = Regex.Match(message, "could not process '[^']*': (.*); please report", RegexOptions.Singleline);
        return match.Success ? match.Groups[1].Value : message;
    }

    /// <summary>A message with the input's own names, numbers and paths replaced, so that failures of one cause group together.</summary>
    public static string Shape(string message)
    {
        string s = Regex.Replace(message, "'[^']*'", "'…'");
        s = Regex.Replace(s, "\"[^\"]*\"", "\"…\"");
        s = Regex.Replace(s, @"(?<![\w.])-?\d+(\.\d+)?\b", "N");
        s = Regex.Replace(s, @"Key: \S+", "Key: …");
        s = Regex.Replace(s, @"\s+", " ").Trim();
        return s.Length > 140 ? s[..140] + "…" : s;
    }

    /// <summary>The first errors with the line each points at (generated lines included).</summary>
    public static string Describe(IReadOnlyList<Diagnostic> errors, SyntaxTree? tree)
    {
        var lines = new List<string>();
        foreach (Diagnostic e in errors.Take(4))
        {
            SyntaxTree? t = e.Location.SourceTree ?? tree;
            string at = "";
            if (t is not null && e.Location.IsInSource)
            {
                var line = t.GetText().Lines.GetLineFromPosition(e.Location.SourceSpan.Start);
                string code = line.ToString().Trim();
                at = $"\n      {Path.GetFileName(t.FilePath)}:{line.LineNumber + 1}: {(code.Length > 160 ? code[..160] + "…" : code)}";
            }
            lines.Add($"{e.Id}: {e.GetMessage()}{at}");
        }
        if (errors.Count > 4) lines.Add($"… and {errors.Count - 4} more");
        return string.Join("\n    ", lines);
    }
}
