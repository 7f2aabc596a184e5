using Microsoft.CodeAnalysis;
using ModelDsl.Generators.Tests.Infrastructure;

namespace ModelDsl.Generators.Tests;

/// <summary>
/// Declarations that once broke the generator or its output (issue 9's fuzzing): each is now either generated into code
/// that compiles, or rejected with one MD error at its node, and the generator never throws.
/// </summary>
public class RobustnessTests
{
    private const string Usings = """
        using System;
        using ModelDsl;
        using ModelDsl.Kernels;
        using TorchSharp;
        using static TorchSharp.torch;
        using static ModelDsl.Ops;

        """;

    private static GeneratorRun Run(string source)
    {
        GeneratorRun run = GeneratorHarness.Run<ModelDslGenerator>(Usings + source);
        Assert.Null(run.Result.Results.Single().Exception);
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id == "MD0099");
        Assert.All(run.GeneratorDiagnostics, d => Assert.True(d.Location.IsInSource || d.Location.Kind == LocationKind.ExternalFile, $"{d.Id} has no location"));
        return run;
    }

    /// <summary>The input is generated into code that compiles, with no MD diagnostic.</summary>
    private static GeneratorRun Compiles(string source)
    {
        GeneratorRun run = Run(source);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.True(run.CompilationErrors.Count == 0, string.Join("\n", run.CompilationErrors.Select(e => e.ToString())));
        return run;
    }

    /// <summary>The input is rejected by one <paramref name="id"/> over <paramref name="span"/>, and nothing else is an error.</summary>
    private static Diagnostic Rejected(string id, string source, string span)
    {
        GeneratorRun run = Run(source);
        Diagnostic d = Assert.Single(run.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal(id, d.Id);
        SyntaxTree tree = run.Output.SyntaxTrees.First();
        Assert.Equal(span, tree.GetText().ToString(d.Location.SourceSpan));
        Assert.True(run.CompilationErrors.Count == 0, string.Join("\n", run.CompilationErrors.Select(e => e.ToString())));
        return d;
    }

    [Fact]
    public void A_keyword_namespace_gets_a_valid_hint_name_and_its_at_sign_in_the_code()
    {
        GeneratorRun run = Compiles("""
            namespace Demo.@event;
            [Model(2)] [Sgd(0.1)]
            public partial class Linear { [Dense(1)] private partial Tensor Output(Tensor x); [Forward] private Tensor Call(Tensor x) => Output(x); }
            """);
        Assert.Contains("Demo._event.Linear.g.cs", run.Result.GeneratedTrees.Select(t => Path.GetFileName(t.FilePath)));
    }

    [Fact]
    public void Escaped_keywords_as_layer_parameter_function_and_local_names_stay_escaped()
    {
        Compiles("""
            [Model(3)] [Sgd(0.1)]
            public partial class Keywords
            {
                [Parameter(3, 2)] private partial Tensor @in { get; }
                [Dense(1)] private partial Tensor @class(Tensor @float);
                [Forward] private Tensor @return(Tensor @int) { var @double = MatMul(@int, @in); return @class(@double); }
            }
            public static partial class Functions
            {
                [Differentiable] public static double @if(double @in) { var @double = @in * @in; return @double + Math.Sin(@in); }
                [Differentiable] public static double Uses(double @checked, double toString) => @if(@checked) * toString;
            }
            """);
    }

    [Fact]
    public void Declared_modifiers_are_repeated_on_the_implementations()
    {
        Compiles("""
            public class Base { }
            [Model(3)] [Sgd(0.1)]
            public partial class Modified : Base
            {
                [Dense(2)] protected internal virtual partial Tensor Hidden(Tensor x);
                [Parameter(2, 1)] internal partial Tensor W { get; }
                [Forward] private Tensor Call(Tensor x) => MatMul(Hidden(x), W);
            }
            """);
    }

    [Fact]
    public void Layer_and_local_names_that_records_declare_do_not_break_the_trace()
    {
        Compiles("""
            [Model(3)] [Sgd(0.1)]
            public partial class RecordNames
            {
                [Dense(2)] private partial Tensor Equals(Tensor x);
                [Dense(2)] private partial Tensor Deconstruct(Tensor x);
                [Dense(1)] private partial Tensor ToString(Tensor x);
                private static int CheckInput() => 1;
                private static int StepResultOf() => 2;
                [Forward] private Tensor Call(Tensor x) { var Trace = Deconstruct(Equals(x)); return ToString(Trace); }
            }
            """);
    }

    [Fact]
    public void A_member_named_like_a_generated_one_is_MD0009_at_that_member()
    {
        Diagnostic d = Rejected("MD0009", """
            [Model(3)] [Sgd(0.1)]
            public partial class Clash
            {
                [Dense(1)] private partial Tensor Output(Tensor x);
                [Forward] private Tensor Call(Tensor x) => Output(x);
                public string Summary() => "mine";
            }
            """, "Summary");
        Assert.Contains("by your member 'Summary' and by the generated model member 'Summary'", d.GetMessage());
    }

    [Fact]
    public void A_parameter_named_like_a_member_of_the_Parameters_class_is_MD0009()
        => Rejected("MD0009", """
            [Model(3)] [Sgd(0.1)]
            public partial class Clash
            {
                [Parameter(3, 1)] private partial Tensor Trainable { get; }
                [Forward] private Tensor Call(Tensor x) => MatMul(x, Trainable);
            }
            """, "Trainable");

    [Fact]
    public void A_users_GDerivative_beside_a_differentiable_G_is_MD0009()
        => Rejected("MD0009", """
            public static partial class Functions
            {
                [Differentiable] public static double G(double x) => x * x;
                public static double GDerivative(double x) => 2 * x;
            }
            """, "GDerivative");

    [Theory]
    [InlineData("file partial class Local", "Local", "file-local")]
    [InlineData("static partial class Static", "Static", "cannot be static")]
    [InlineData("partial class Primary(int size)", "Primary", "primary constructor")]
    [InlineData("partial record Recorded", "Recorded", "not a record class")]
    public void Types_that_cannot_hold_the_generated_members_are_MD0023(string declaration, string span, string reason)
    {
        Diagnostic d = Rejected("MD0023", $$"""
            [Model(3)] [Sgd(0.1)]
            {{declaration}}
            {
            }
            """, span);
        Assert.Contains(reason, d.GetMessage());
    }

    [Theory]
    [InlineData("[Model(null)] [Sgd(0.1)]", "Model(null)")]
    [InlineData("[Model(3, Loss = (Loss)42)] [Sgd(0.1)]", "Loss = (Loss)42")]
    [InlineData("[Model(3, HuberDelta = double.NaN)] [Sgd(0.1)]", "HuberDelta = double.NaN")]
    [InlineData("[Model(3)] [Adam(0.01, Beta1 = 1.5)]", "Beta1 = 1.5")]
    [InlineData("[Model(3)] [Sgd(double.PositiveInfinity)]", "double.PositiveInfinity")]
    [InlineData("[Model(65536, 32768)] [Sgd(0.1)]", "Model(65536, 32768)")]
    [InlineData("[Model(3, Metrics = [Metric.MeanAbsoluteError, Metric.MeanAbsoluteError])] [Sgd(0.1)]", "Metrics = [Metric.MeanAbsoluteError, Metric.MeanAbsoluteError]")]
    public void Invalid_model_and_optimizer_arguments_are_MD0010_at_the_argument(string attributes, string span)
        => Rejected("MD0010", $$"""
            {{attributes}}
            public partial class Bad
            {
                [Dense(1)] private partial Tensor Output(Tensor x);
                [Forward] private Tensor Call(Tensor x) => Output(Flatten(x));
            }
            """, span);

    [Theory]
    [InlineData("[Parameter(3, 1, Initializer = (Init)99)]", "Initializer = (Init)99")]
    [InlineData("[Parameter(3, 1, Initializer = Init.RandomNormal, Stddev = double.NaN)]", "Stddev = double.NaN")]
    [InlineData("[Parameter(3, 1, Initializer = Init.RandomUniform, Min = 1, Max = 0)]", "Max = 0")]
    [InlineData("[Parameter(null)]", "Parameter(null)")]
    [InlineData("[Parameter(3, Initializer = Init.Orthogonal)]", "Initializer = Init.Orthogonal")]
    public void Invalid_parameter_arguments_are_MD0010_at_the_argument(string attribute, string span)
        => Rejected("MD0010", $$"""
            [Model(3)] [Sgd(0.1)]
            public partial class Bad
            {
                {{attribute}} private partial Tensor W { get; }
                [Forward] private Tensor Call(Tensor x) => MatMul(x, W);
            }
            """, span);

    [Fact]
    public void An_orthogonal_bias_is_MD0010_since_orthogonal_needs_a_matrix()
        => Rejected("MD0010", """
            [Model(3)] [Sgd(0.1)]
            public partial class Bad
            {
                [Dense(2, BiasInitializer = Init.Orthogonal)] private partial Tensor Output(Tensor x);
                [Forward] private Tensor Call(Tensor x) => Output(x);
            }
            """, "BiasInitializer = Init.Orthogonal");

    [Fact]
    public void Two_optimizer_attributes_are_MD0021()
        => Rejected("MD0021", """
            [Model(3)] [Adam(0.1)] [Sgd(0.1)]
            public partial class Twice
            {
                [Dense(1)] private partial Tensor Output(Tensor x);
                [Forward] private Tensor Call(Tensor x) => Output(x);
            }
            """, "Sgd(0.1)");

    [Fact]
    public void A_layer_parameter_passed_by_reference_is_MD0012()
        => Rejected("MD0012", """
            [Model(3)] [Sgd(0.1)]
            public partial class ByReference
            {
                [Dense(1)] private partial Tensor Output(in Tensor x);
                [Forward] private Tensor Call(Tensor x) => Output(x);
            }
            """, "Output");

    [Fact]
    public void A_reshape_beyond_an_int_is_MD0004_not_an_overflow()
        => Rejected("MD0004", """
            [Model(4)] [Sgd(0.1)]
            public partial class Huge
            {
                [Dense(1)] private partial Tensor Output(Tensor x);
                [Forward] private Tensor Call(Tensor x) => Output(Reshape(x, -1, 3000000000L));
            }
            """, "Reshape(x, -1, 3000000000L)");

    [Fact]
    public void The_model_attribute_on_two_partial_parts_does_not_throw()
    {
        GeneratorRun run = Run("""
            [Model(3)] [Sgd(0.1)]
            public partial class Twice { [Dense(1)] private partial Tensor Output(Tensor x); [Forward] private Tensor Call(Tensor x) => Output(x); }
            [Model(3)]
            public partial class Twice { }
            """);
        Assert.Contains(run.CompilationErrors, e => e.Id == "CS0579"); // the compiler's own "duplicate attribute", and nothing of ours
    }

    // ---- fuzz classes of the merge with main (seed 4242) -------------------------------------------------------------

    [Fact]
    public void Two_layer_methods_of_one_name_are_MD0009_at_the_second_not_an_internal_error()
    {
        const string source = """
            [Model(3)] [Sgd(0.1)]
            public partial class TwiceNamed
            {
                [Dense(2, Activation.Tanh)] private partial Tensor Output(Tensor x);
                [Dense(1)] private partial Tensor Output(Tensor x);
                [Forward] private Tensor Call(Tensor x) => Output(Output(x));
            }
            """;
        GeneratorRun run = Run(source);
        Diagnostic d = Assert.Single(run.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal("MD0009", d.Id);
        Assert.Contains("by layer 'Output' and by layer 'Output'", d.GetMessage());
        Assert.Contains(run.CompilationErrors, e => e.Id == "CS0111"); // the compiler's own "already defines"
    }

    [Theory]
    [InlineData("Trace")]
    [InlineData("Summary")]
    [InlineData("Parameters")]
    public void A_model_named_like_one_of_its_generated_members_is_MD0009_at_its_name(string name)
    {
        Diagnostic d = Rejected("MD0009", $$"""
            [Model(3)] [Sgd(0.1)]
            public partial class {{name}}
            {
                [Dense(1)] private partial Tensor Output(Tensor x);
                [Forward] private Tensor Call(Tensor x) => Output(x);
            }
            """, name);
        Assert.Contains("cannot be named like its type", d.GetMessage());
    }

    [Fact]
    public void Keyword_named_model_and_function_types_keep_their_at_sign()
    {
        Compiles("""
            [Model(3)] [Sgd(0.1)]
            public partial class @class { [Dense(1)] private partial Tensor Output(Tensor x); [Forward] private Tensor Call(Tensor x) => Output(x); }
            public static partial class @fixed { [Differentiable] public static double F(double x) => x * x; }
            public static class Uses { public static double G() => @fixed.FDerivative(2); public static object H() => new @class(seed: 1); }
            """);
    }

    /// <summary>
    /// Layers called twice under names ours meet: ReferenceEquals (object's static member, beside the trace record's
    /// members; a gradient member too) and _dtype (one of our private fields, which the second call's local would hide).
    /// </summary>
    [Theory]
    [InlineData("ReferenceEquals")]
    [InlineData("_dtype")]
    public void A_layer_named_like_a_member_of_object_or_a_field_of_ours_compiles(string name)
        => Compiles($$"""
            [Model(3)] [Sgd(0.1)]
            public partial class Named
            {
                [Dense(4, Activation.Tanh)] private partial Tensor {{name}}(Tensor x);
                [Dense(1)] private partial Tensor Output(Tensor x);
                [Forward] private Tensor Call(Tensor x) => Output({{name}}(x) * {{name}}(Square(x)));
            }
            public static partial class Functions { [Differentiable] public static double F(double referenceEquals, double y) => referenceEquals * y; }
            """);

    [Fact]
    public void Parameters_that_differ_only_in_case_are_MD0009_at_the_second()
    {
        Diagnostic d = Rejected("MD0009", """
            public static partial class Functions { [Differentiable] public static double Twin(double x, double X) => x * X; }
            """, "X");
        Assert.Contains("parameter 'x' and parameter 'X'", d.GetMessage());
    }

    [Fact]
    public void Differentiable_methods_whose_derivatives_share_a_name_are_MD0009_at_the_later()
    {
        Diagnostic d = Rejected("MD0009", """
            public static partial class Functions
            {
                [Differentiable] public static double Bowl(double x) => x * x;
                [Differentiable] public static double BowlWith(double x) => x * 2;
            }
            """, "BowlWith");
        Assert.Contains("'BowlWithDerivative' would be generated twice", d.GetMessage());
    }

    [Fact]
    public void A_function_type_named_like_a_derivative_it_would_hold_is_MD0009_at_the_method()
        => Rejected("MD0009", """
            public static partial class FDerivative { [Differentiable] public static double F(double x) => x * x; }
            """, "F");

    [Theory]
    [InlineData("\u2028")]
    [InlineData("\u2029")]
    [InlineData("\u0085")]
    [InlineData("\r")]
    public void A_line_separator_inside_a_forward_expression_stays_out_of_the_generated_comments(string separator)
    {
        string breakChar = System.Text.RegularExpressions.Regex.Unescape(separator);
        Compiles($$"""
            [Model(3)] [Sgd(0.1)]
            public partial class Separated
            {
                [Parameter(3, 2)] private partial Tensor W { get; }
                [Forward] private Tensor Call(Tensor x) { var h = Tanh{{breakChar}}(MatMul(x, W)); return h * Sum(h); }
            }
            """);
    }

    [Fact]
    public void A_record_model_with_layers_is_MD0023_not_silently_left_unimplemented()
    {
        GeneratorRun run = Run("""
            [Model(3)] [Sgd(0.1)]
            public partial record Recorded { [Dense(1)] private partial Tensor Output(Tensor x); [Forward] private Tensor Call(Tensor x) => Output(x); }
            """);
        Assert.Equal("MD0023", Assert.Single(run.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error).Id);
    }

    [Fact]
    public void A_parameter_named_like_the_tensor_classes_cached_lists_gets_other_field_names()
    {
        Compiles("""
            [Model(3)] [Sgd(0.1)]
            public partial class CacheNames
            {
                [Parameter(3, 2)] private partial Tensor _trainable { get; }
                [Parameter(2, 1)] private partial Tensor _nonTrainable { get; }
                [Forward] private Tensor Call(Tensor x) => MatMul(MatMul(x, _trainable), _nonTrainable);
            }
            """);
    }

    [Fact]
    public void A_call_to_a_differentiable_method_with_the_wrong_number_of_arguments_is_the_compilers_error_only()
    {
        GeneratorRun run = Run("""
            public static partial class Functions
            {
                [Differentiable] public static double Rosen(double x) => x * x;
                [Differentiable] public static double Uses(double x, double y) => Rosen(x, y) + y;
            }
            """);
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Contains(run.CompilationErrors, e => e.Id == "CS1501"); // no overload of Rosen takes 2 arguments
    }

    [Fact]
    public void A_constructor_with_the_generated_constructors_parameters_is_MD0009_at_it()
        => Rejected("MD0009", """
            [Model(3)] [Sgd(0.1)]
            public partial class Constructed
            {
                [Dense(1)] private partial Tensor Output(Tensor x);
                [Forward] private Tensor Call(Tensor x) => Output(x);
                public Constructed(int seed = 0, ScalarType? dtype = null, Device? device = null) { }
            }
            """, "Constructed");

    [Theory]
    [InlineData(10_000)]
    public void A_body_of_thousands_of_operations_is_lowered_without_deep_recursion(int operations)
    {
        string chain = string.Join(" + ", Enumerable.Range(0, operations).Select(i => i % 2 == 0 ? "x * x" : "Math.Sin(x)"));
        string source = $$"""
            public static partial class Long { [Differentiable] public static double F(double x) => {{chain}}; }
            """;
        // The compiler runs generators on threads of 1 MB stacks: so does this test.
        GeneratorRun? run = null;
        var thread = new Thread(() => run = Run(source), 1024 * 1024);
        thread.Start();
        thread.Join();
        Assert.NotNull(run);
        Assert.Empty(run!.GeneratorDiagnostics);
    }

    [Fact]
    public void Forward_variables_named_like_the_managed_codes_own_locals_keep_apart_from_them()
    {
        GeneratorRun run = Compiles("""
            namespace Demo;
            [Model(3)] [Sgd(0.1)]
            public partial class Locals
            {
                [Dense(4, Activation.Tanh)] private partial Tensor Hidden(Tensor x);
                [Dense(1)] private partial Tensor Output(Tensor x);
                [Forward] private Tensor Call(Tensor x) { var target = Hidden(x); var block = target * target; var wOutputKernel = block + 1; return Output(wOutputKernel); }
            }
            """);
        Assert.Contains("RunManaged<T>", run.GeneratedText("Demo.Locals.g.cs"));
    }

    [Fact]
    public void A_model_too_large_for_spans_keeps_to_torchsharp_and_says_so()
    {
        GeneratorRun run = Run("""
            namespace Demo;
            [Model(2147483647)] [Sgd(0.1)]
            public partial class Huge { [Dense(2)] private partial Tensor Output(Tensor x); [Forward] private Tensor Call(Tensor x) => Output(x); }
            """);
        Diagnostic d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal(("MD0025", DiagnosticSeverity.Info), (d.Id, d.Severity));
        Assert.Contains("exceed the 2,147,483,647 elements a span can hold", d.GetMessage());
        Assert.True(run.CompilationErrors.Count == 0, string.Join("\n", run.CompilationErrors.Select(e => e.ToString())));
    }

    [Fact]
    public void A_layer_parameter_named_Weights_does_not_hide_the_generated_weights()
    {
        Compiles("""
            namespace Demo;
            [Model(3)] [Sgd(0.1)]
            public partial class Shadowed
            {
                [Dense(2)] private partial Tensor Output(Tensor Weights);
                [Parameter(2)] private partial Tensor Shift { get; }
                [Forward] private Tensor Call(Tensor x) => Output(x) + Shift;
            }
            """);
    }
}
