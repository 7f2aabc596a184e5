using System.Collections;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelDsl.Generators.Tests.Infrastructure;

namespace ModelDsl.Generators.Tests;

/// <summary>Incrementality, value-only pipeline models, and a generator that never throws.</summary>
public class PipelineTests
{
    private static string Root([CallerFilePath] string path = "") => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "../.."));

    private static string[] AllSources() =>
    [
        .. Directory.GetFiles(Path.Combine(Root(), "examples/ModelDsl.Examples"), "*.cs").Order(StringComparer.Ordinal).Select(File.ReadAllText),
        .. Directory.GetFiles(Path.Combine(Root(), "tests/ModelDsl.Generators.Tests/Models"), "*.cs").Order(StringComparer.Ordinal).Select(File.ReadAllText),
    ];

    [Fact]
    public void An_edit_outside_any_declaration_leaves_every_tracked_step_cached_or_unchanged()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(AllSources());
        GeneratorRun first = GeneratorHarness.Run(new ModelDslGenerator(), compilation);
        Assert.Empty(first.CompilationErrors);

        // Append an unrelated type to a file holding a model (spans of the declarations do not move).
        SyntaxTree tree = compilation.SyntaxTrees.First(t => t.ToString().Contains("class StockMlp"));
        SyntaxTree edited = tree.WithChangedText(tree.GetText().WithChanges(
            new Microsoft.CodeAnalysis.Text.TextChange(new Microsoft.CodeAnalysis.Text.TextSpan(tree.Length, 0), "\ninternal sealed class Unrelated { public int Value => 42; }\n")));
        GeneratorRun second = GeneratorHarness.RunAgain(first.Driver, compilation.ReplaceSyntaxTree(tree, edited));

        var steps = second.Result.Results.Single().TrackedSteps;
        foreach (string name in ModelDslGenerator.Steps.All)
        {
            Assert.True(steps.ContainsKey(name), $"step {name} was not tracked");
            foreach (var output in steps[name].SelectMany(s => s.Outputs))
            {
                Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                    $"step {name} produced {output.Reason} for {output.Value}");
            }
        }
        foreach (var output in second.Result.Results.Single().TrackedOutputSteps.SelectMany(p => p.Value).SelectMany(s => s.Outputs))
        {
            Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"an output step was {output.Reason}");
        }
    }

    [Fact]
    public void Pipeline_values_hold_no_symbols_syntax_locations_or_compilations()
    {
        GeneratorRun run = GeneratorHarness.Run<ModelDslGenerator>(AllSources());
        var result = run.Result.Results.Single();
        var values = result.TrackedSteps.Where(p => ModelDslGenerator.Steps.All.Contains(p.Key)).SelectMany(p => p.Value)
            .Concat(result.TrackedOutputSteps.SelectMany(p => p.Value))
            .SelectMany(s => s.Outputs).Select(o => o.Value).ToList();
        Assert.NotEmpty(values);
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (object value in values) Walk(value, "output", seen);
    }

    private static readonly Type[] Forbidden = [typeof(ISymbol), typeof(SyntaxNode), typeof(Location), typeof(Compilation), typeof(SemanticModel), typeof(SyntaxTree)];

    private static void Walk(object? value, string path, HashSet<object> seen)
    {
        // Diagnostics a source output reported are the generator's products, not values the pipeline caches.
        if (value is null || value is string || value is Diagnostic || value.GetType().IsPrimitive || value.GetType().IsEnum) return;
        Type type = value.GetType();
        Assert.False(Forbidden.Any(f => f.IsAssignableFrom(type)), $"{path} holds a {type.FullName}");
        if (!type.IsValueType && !seen.Add(value)) return;
        if (value is IEnumerable items)
        {
            int i = 0;
            foreach (object? item in items) Walk(item, $"{path}[{i++}]", seen);
            if (type.Namespace?.StartsWith("System.Collections") == true || type.IsArray) return;
        }
        foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            Walk(field.GetValue(value), $"{path}.{field.Name}", seen);
        }
    }

    [Fact]
    public void Broken_declarations_give_diagnostics_never_exceptions()
    {
        string[] broken =
        [
            "using ModelDsl; [Model] public partial class A { }",
            "using ModelDsl; [Model()] public partial class B { [Forward] object Call(object x) => x; }",
            "using ModelDsl; using TorchSharp; using static TorchSharp.torch; [Model(25, 5)] public partial class C { [Dense] private partial Tensor H(Tensor x); [Forward] Tensor Call(Tensor x) => H(x }",
            "using ModelDsl; using TorchSharp; using static TorchSharp.torch; [Model(3)] public partial class D { [Dense(units: )] private partial Tensor H(Tensor x); [Forward] Tensor Call(Tensor x) => H(Undefined(x)); }",
            "using ModelDsl; using TorchSharp; using static TorchSharp.torch; [Model(3)] public partial class E { [Parameter] private partial Tensor P { get; } [Lstm(4)] private partial Tensor L(Tensor x); [Forward] Tensor Call(Tensor x) => L(x) * P; }",
            "using ModelDsl; using TorchSharp; using static TorchSharp.torch; [Model(3)] public partial class F { [Parameter(3, 1)] private Tensor P => null!; [Forward] Tensor Call(Tensor x) { return x; return x; } }",
            "using ModelDsl; using TorchSharp; using static TorchSharp.torch; [Model(3)] public partial class G { [Forward] Tensor Call(Tensor x) { var y; if (x is null) return x; foreach (var z in new int[0]) { } return y++; } }",
            "using ModelDsl; using TorchSharp; using static ModelDsl.Ops; using static TorchSharp.torch; [Model(3, 2)] public partial class H { [Forward] Tensor Call(Tensor x) => Reshape(x, -1, 7) + Sum(x, 5) + Mean(x, 0) + Sum(x); }",
            "using ModelDsl; public static partial class Fn { [Differentiable] public static double F(double x) => ; }",
            "using ModelDsl; public static partial class Fn2 { [Differentiable] public static double G(double x) { } [Differentiable] public static double H() => 1; [Differentiable] public static string S(ref double x) => \"\"; }",
            "using ModelDsl; public static class Outer { public partial class Fn3 { [Differentiable] public static double F<T>(double x) => Unknown(x) + x++ + (x = 2) + new double() + ((System.Func<double>)(() => x))(); } }",
            "using ModelDsl; [Differentiable] public static partial class NotAMethod { }",
            "[ModelDsl.Model(3)] [ModelDsl.Adam(-1)] public partial struct S { }",
        ];
        foreach (string source in broken)
        {
            GeneratorRun run = GeneratorHarness.Run<ModelDslGenerator>(source);
            var result = run.Result.Results.Single();
            Assert.True(result.Exception is null, $"the generator threw on: {source}\n{result.Exception}");
            Assert.DoesNotContain(run.Output.GetDiagnostics(), d => d.Id is "AD0001" or "CS8785" or "MD0099");
            Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id is "MD0099");
        }
    }

    [Fact]
    public void The_examples_compile_with_the_generated_code_and_no_diagnostics()
    {
        GeneratorRun run = GeneratorHarness.Run<ModelDslGenerator>(AllSources());
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationErrors);
        Assert.Equal(
            ["ModelDsl.Examples.BreastCancerLogistic.g.cs", "ModelDsl.Examples.DigitsCnn.g.cs", "ModelDsl.Examples.DigitsMlp.g.cs",
             "ModelDsl.Examples.DigitsRegularizedMlp.g.cs", "ModelDsl.Examples.GradesRegression.g.cs",
             "ModelDsl.Examples.OptimizationFunctions.Derivatives.g.cs", "ModelDsl.Examples.StockConv1D.g.cs", "ModelDsl.Examples.StockGru.g.cs",
             "ModelDsl.Examples.StockLstm.g.cs",
             "ModelDsl.Examples.StockMlp.g.cs", "ModelDsl.Examples.StockSeluMlp.g.cs", "ModelDsl.Examples.StockStackedLstm.g.cs",
             "ModelDsl.Generators.Tests.Models.AdamArgumentsModel.g.cs", "ModelDsl.Generators.Tests.Models.BroadcastingModel.g.cs",
             "ModelDsl.Generators.Tests.Models.Convolution1DModel.g.cs", "ModelDsl.Generators.Tests.Models.ConvolutionModel.g.cs",
             "ModelDsl.Generators.Tests.Models.DivisionModel.g.cs", "ModelDsl.Generators.Tests.Models.EmbeddingModel.g.cs", "ModelDsl.Generators.Tests.Models.HuberModel.g.cs",
             "ModelDsl.Generators.Tests.Models.InitializerOrderModel.g.cs", "ModelDsl.Generators.Tests.Models.MeanAbsoluteErrorModel.g.cs",
             "ModelDsl.Generators.Tests.Models.MeanSquaredErrorModel.g.cs", "ModelDsl.Generators.Tests.Models.MomentumSgdModel.g.cs",
             "ModelDsl.Generators.Tests.Models.NesterovSgdModel.g.cs", "ModelDsl.Generators.Tests.Models.OperationsModel.g.cs",
             "ModelDsl.Generators.Tests.Models.PlainSgdModel.g.cs", "ModelDsl.Generators.Tests.Models.SiameseModel.g.cs", "ModelDsl.Generators.Tests.Models.StackedRecurrentModel.g.cs",
             "ModelDsl.Generators.Tests.Models.TestFunctions.Derivatives.g.cs", "ModelDsl.Generators.Tests.Models.TwoNormalizationsModel.g.cs",
             "ModelDsl.Generators.Tests.Models.WholeTensorReductionModel.g.cs", ModelDslGenerator.ModuleInitializerHintName],
            run.Result.GeneratedTrees.Select(t => Path.GetFileName(t.FilePath)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_compilation_without_the_runtime_gets_no_module_initializer_and_still_compiles()
    {
        // The generator alone (say, a project that references the analyzer but not the runtime): nothing to initialise.
        CSharpCompilation bare = CSharpCompilation.Create("Bare", [CSharpSyntaxTree.ParseText("public static class C { public static int F() => 1; }")],
            [MetadataReference.CreateFromFile(typeof(object).Assembly.Location)], new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        GeneratorRun run = GeneratorHarness.Run(new ModelDslGenerator(), bare);
        Assert.Empty(run.Result.GeneratedTrees);
        Assert.Empty(run.CompilationErrors);

        GeneratorRun withRuntime = GeneratorHarness.Run<ModelDslGenerator>("public static class C { public static int F() => 1; }");
        Assert.Equal([ModelDslGenerator.ModuleInitializerHintName], withRuntime.Result.GeneratedTrees.Select(t => Path.GetFileName(t.FilePath)));
        Assert.Empty(withRuntime.CompilationErrors);
    }
}
