using Microsoft.CodeAnalysis;
using ModelDsl.Generators.Tests.Infrastructure;

namespace ModelDsl.Generators.Tests;

/// <summary>One test per diagnostic: its id, the exact text it points at, and a message that says what to write instead.</summary>
public class DiagnosticTests
{
    private const string Prelude = """
        using System;
        using ModelDsl;
        using ModelDsl.Kernels;
        using TorchSharp;
        using static TorchSharp.torch;
        using static ModelDsl.Ops;

        namespace Demo;

        """;

    /// <summary>Runs the generator, requires exactly one diagnostic with <paramref name="id"/> and returns it with the text it spans.</summary>
    private static (Diagnostic Diagnostic, string Span) Single(string id, string source, string testMethod)
    {
        GeneratorRun run = GeneratorHarness.Run<ModelDslGenerator>(Prelude + source);
        Snapshots.Verify(run.Result, sourceFile: SourceFile(), testMethod: testMethod);
        Diagnostic[] matching = run.GeneratorDiagnostics.Where(d => d.Id == id).ToArray();
        Assert.True(matching.Length == 1, $"expected one {id}, got: {string.Join("; ", run.GeneratorDiagnostics.Select(Snapshots.Describe))}");
        Diagnostic diagnostic = matching[0];
        // Our diagnostic is the only error the user sees: a rejected model's partial members are still implemented.
        // A type that is not partial (MD0001) is the exception: nothing can be added to it, and the compiler says so too.
        if (id != "MD0001")
            Assert.True(run.CompilationErrors.Count == 0,
                $"follow-on compiler errors besides {id}: {string.Join("; ", run.CompilationErrors.Select(e => e.Id + " " + e.GetMessage()))}");
        // Generator diagnostics carry external locations (path and span, no tree): read the span from the input tree.
        SyntaxTree tree = run.Output.SyntaxTrees.Single(t => t.FilePath == diagnostic.Location.GetLineSpan().Path);
        Assert.Equal(tree.GetLineSpan(diagnostic.Location.SourceSpan).Span, diagnostic.Location.GetLineSpan().Span);
        return (diagnostic, tree.GetText().ToString(diagnostic.Location.SourceSpan));
    }

    private static string SourceFile([System.Runtime.CompilerServices.CallerFilePath] string path = "") => path;

    private static string Message(Diagnostic d) => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void MD0001_type_not_partial()
    {
        var (d, span) = Single("MD0001", """
            [Model(3)] [Sgd(0.1)]
            public class Linear
            {
                [Parameter(3, 1)] private partial Tensor W { get; }
                [Forward] private Tensor Call(Tensor x) => MatMul(x, W);
            }
            """, nameof(MD0001_type_not_partial));
        Assert.Equal("Linear", span);
        Assert.Contains("write 'partial class Linear'", Message(d));
    }

    [Fact]
    public void MD0002_unsupported_construct_points_at_the_node()
    {
        var (d, span) = Single("MD0002", """
            public static partial class Functions
            {
                [Differentiable] public static double F(double x) => Math.Sin(x) + (x > 0 ? x : -x);

                // Callers of the rejected function's derivative (and a [Differentiable] caller) compile.
                public static double Slope(double x) => FDerivative(x) + FWithDerivative(x).Value;
                [Differentiable] public static double G(double x) => 2 * F(x);
            }
            """, nameof(MD0002_unsupported_construct_points_at_the_node));
        Assert.Equal("x > 0 ? x : -x", span);
        Assert.Equal("a conditional expression is not supported in the [Differentiable] method 'F': branches have no derivative rule here; use Math.Abs or compute one expression", Message(d));
    }

    [Fact]
    public void MD0003_call_that_is_not_differentiable()
    {
        var (d, span) = Single("MD0003", """
            public static partial class Functions
            {
                [Differentiable] public static double F(double x, double y) => y * Math.Floor(x);

                // A caller of the rejected function's gradient compiles: its members are declared, throwing.
                public static double SlopeInX(double x, double y) => FGradient(x, y).X + FWithGradient(x, y).Gradient.Y;
            }
            """, nameof(MD0003_call_that_is_not_differentiable));
        Assert.Equal("Math.Floor(x)", span);
        Assert.Contains("'Math.Floor' has no derivative rule; use Math.Sin/", Message(d));
        Assert.Contains("or mark the called method [Differentiable]", Message(d));
    }

    [Fact]
    public void MD0003_tensor_call_that_is_not_differentiable()
    {
        var (d, span) = Single("MD0003", """
            [Model(3)] [Sgd(0.1)]
            public partial class Linear
            {
                [Parameter(3, 1)] private partial Tensor W { get; }
                [Forward] private Tensor Call(Tensor x) => x.matmul(W);
            }
            """, nameof(MD0003_tensor_call_that_is_not_differentiable));
        Assert.Equal("x.matmul(W)", span);
        Assert.Contains("use a layer method, a [Parameter] property or Ops.Flatten/Reshape/MatMul", Message(d));
    }

    [Fact]
    public void MD0004_shape_mismatch_gives_both_shapes()
    {
        var (d, span) = Single("MD0004", """
            [Model(25, 5)] [Adam(0.01)]
            public partial class Wide
            {
                [Parameter(124, 16)] private partial Tensor W { get; }
                [Forward] private Tensor Call(Tensor x) => Relu(MatMul(Flatten(x), W));
            }
            """, nameof(MD0004_shape_mismatch_gives_both_shapes));
        Assert.Equal("MatMul(Flatten(x), W)", span);
        Assert.Equal("MatMul(Flatten(x), W): the inner dimensions differ, (None, 125) × (124, 16); W needs 125 rows to follow Flatten(x)", Message(d));
    }

    [Fact]
    public void A_rejected_model_reports_its_one_mistake_and_nothing_else()
    {
        // The mismatch feeds a Dense layer: the layer must not report the unknown shape again, and the partial
        // members must be implemented (throwing) so the compiler adds no "needs an implementation part" errors.
        GeneratorRun run = GeneratorHarness.Run<ModelDslGenerator>(Prelude + """
            [Model(25, 5)] [Adam(0.01)]
            public partial class Wide
            {
                [Dense(16, Activation.Relu)] private partial Tensor Hidden(Tensor x);
                [Parameter(124, 16)] private partial Tensor W { get; }
                [Forward] private Tensor Call(Tensor x) => Hidden(MatMul(Flatten(x), W));
            }
            """);
        Assert.Equal(["MD0004"], run.GeneratorDiagnostics.Select(d => d.Id));
        Assert.Empty(run.CompilationErrors);
        Snapshots.Verify(run.Result, sourceFile: SourceFile());
    }

    [Fact]
    public void MD0004_dense_needs_a_flat_input()
    {
        var (d, span) = Single("MD0004", """
            [Model(25, 5)] [Adam(0.01)]
            public partial class Unflattened
            {
                [Dense(1)] private partial Tensor Output(Tensor x);
                [Forward] private Tensor Call(Tensor x) => Output(x);
            }
            """, nameof(MD0004_dense_needs_a_flat_input));
        Assert.Equal("Output(x)", span);
        Assert.Contains("Dense layer 'Output' takes (batch, features) but x has shape (None, 25, 5); Flatten it first: Output(Flatten(x))", Message(d));
    }

    [Fact]
    public void MD0005_no_forward_method()
    {
        var (d, span) = Single("MD0005", """
            [Model(3)] [Sgd(0.1)]
            public partial class NoForward
            {
                [Dense(1)] private partial Tensor Output(Tensor x);
            }
            """, nameof(MD0005_no_forward_method));
        Assert.Equal("NoForward", span);
        Assert.Contains("add '[Forward] private Tensor Call(Tensor x) => ...;'", Message(d));
    }

    [Fact]
    public void MD0006_more_than_one_forward_method()
    {
        var (d, span) = Single("MD0006", """
            [Model(3)] [Sgd(0.1)]
            public partial class TwoForwards
            {
                [Dense(1)] private partial Tensor Output(Tensor x);
                [Forward] private Tensor Call(Tensor x) => Output(x);
                [Forward] private Tensor Again(Tensor x) => Output(x);
            }
            """, nameof(MD0006_more_than_one_forward_method));
        Assert.Equal("Again", span);
        Assert.Equal("Model 'TwoForwards' has more than one [Forward] method ('Call' and 'Again'); keep exactly one", Message(d));
    }

    [Fact]
    public void MD0007_wrong_forward_signature()
    {
        var (d, span) = Single("MD0007", """
            [Model(3)] [Sgd(0.1)]
            public partial class TwoInputs
            {
                [Dense(1)] private partial Tensor Output(Tensor x);
                [Forward] private Tensor Call(Tensor x, Tensor y) => Output(x + y);
            }
            """, nameof(MD0007_wrong_forward_signature));
        Assert.Equal("Call", span);
        Assert.Equal("[Forward] method 'Call' must be a non-static method 'Tensor Call(Tensor x)' with a body; it has 2 parameters", Message(d));
    }

    [Fact]
    public void MD0008_unknown_activation()
    {
        var (d, span) = Single("MD0008", """
            [Model(3)] [Sgd(0.1)]
            public partial class Odd
            {
                [Dense(4, (Activation)42)] private partial Tensor Hidden(Tensor x);
                [Forward] private Tensor Call(Tensor x) => Hidden(x);
            }
            """, nameof(MD0008_unknown_activation));
        Assert.Equal("(Activation)42", span);
        Assert.Equal("'42' is not an activation; use one of Activation.Linear/Relu/Selu/Elu/Tanh/Sigmoid/Softplus/Softmax/LeakyRelu/Gelu/Swish", Message(d));
    }

    [Fact]
    public void MD0009_duplicate_generated_names()
    {
        var (d, span) = Single("MD0009", """
            [Model(3)] [Sgd(0.1)]
            public partial class Clash
            {
                [Dense(4)] private partial Tensor Hidden(Tensor x);
                [Parameter(4)] private partial Tensor HiddenKernel { get; }
                [Forward] private Tensor Call(Tensor x) => Hidden(x) + HiddenKernel;
            }
            """, nameof(MD0009_duplicate_generated_names));
        Assert.Equal("HiddenKernel", span);
        Assert.Equal("'HiddenKernel' would be generated twice (by layer 'Hidden' and by parameter 'HiddenKernel'); rename one of the declarations", Message(d));
    }

    [Fact]
    public void MD0010_zero_units()
    {
        var (d, span) = Single("MD0010", """
            [Model(3)] [Sgd(0.1)]
            public partial class Empty
            {
                [Dense(0)] private partial Tensor Hidden(Tensor x);
                [Forward] private Tensor Call(Tensor x) => Hidden(x);
            }
            """, nameof(MD0010_zero_units));
        Assert.Equal("0", span);
        Assert.Equal("The number of units of layer 'Hidden' is 0; give a positive number of units", Message(d));
    }

    [Fact]
    public void MD0010_input_dimension_below_one()
    {
        var (d, span) = Single("MD0010", """
            [Model(25, -5)] [Sgd(0.1)]
            public partial class Negative
            {
                [Dense(1)] private partial Tensor Output(Tensor x);
                [Forward] private Tensor Call(Tensor x) => Output(Flatten(x));
            }
            """, nameof(MD0010_input_dimension_below_one));
        Assert.Equal("-5", span);
        Assert.Equal("Input dimension 2 of [Model] is -5; every dimension must be at least 1", Message(d));
    }

    [Fact]
    public void MD0011_layer_method_not_partial()
    {
        var (d, span) = Single("MD0011", """
            [Model(3)] [Sgd(0.1)]
            public partial class Bodied
            {
                [Dense(1)] private Tensor Output(Tensor x) => x;
                [Forward] private Tensor Call(Tensor x) => Output(x);
            }
            """, nameof(MD0011_layer_method_not_partial));
        Assert.Equal("Output", span);
        Assert.Equal("'Output' must be a partial declaration without a body so that ModelDsl can implement it; write 'private partial Tensor Output(Tensor x);'", Message(d));
    }

    [Fact]
    public void MD0012_layer_method_with_the_wrong_signature()
    {
        var (d, span) = Single("MD0012", """
            [Model(3)] [Sgd(0.1)]
            public partial class Pair
            {
                [Dense(1)] private partial Tensor Output(Tensor x, Tensor y);
                [Forward] private Tensor Call(Tensor x) => Output(x, x);
            }
            """, nameof(MD0012_layer_method_with_the_wrong_signature));
        Assert.Equal("Output", span);
        Assert.Equal("'Output' has the wrong signature for a [Dense] layer; write 'private partial Tensor Output(Tensor x);'", Message(d));
    }

    [Fact]
    public void MD0013_differentiable_method_not_static()
    {
        var (d, span) = Single("MD0013", """
            public partial class Functions
            {
                [Differentiable] public double F(double x) => x * x;

                public static double Slope(double x) => FDerivative(x);
            }
            """, nameof(MD0013_differentiable_method_not_static));
        Assert.Equal("F", span);
        Assert.StartsWith("[Differentiable] method 'F' must be static; write 'static'", Message(d));
    }

    [Fact]
    public void MD0014_differentiable_method_over_another_type()
    {
        var (d, span) = Single("MD0014", """
            public static partial class Functions
            {
                [Differentiable] public static double F(double x, int n) => x * n;
            }
            """, nameof(MD0014_differentiable_method_over_another_type));
        Assert.Equal("int n", span);
        Assert.Equal("Parameter 'n' of [Differentiable] method 'F' has type 'int'; use 'double' (or 'float' for every parameter and the return)", Message(d));
    }

    [Fact]
    public void MD0015_more_than_one_return()
    {
        var (d, span) = Single("MD0015", """
            public static partial class Functions
            {
                [Differentiable]
                public static double F(double x)
                {
                    var y = x * x;
                    return y;
                    return x;
                }
            }
            """, nameof(MD0015_more_than_one_return));
        Assert.Equal("return x;", span);
        Assert.Contains("return once, as the last statement", Message(d));
    }

    [Fact]
    public void MD0016_layer_not_used()
    {
        var (d, span) = Single("MD0016", """
            [Model(3)] [Sgd(0.1)]
            public partial class Spare
            {
                [Dense(4)] private partial Tensor Hidden(Tensor x);
                [Dense(1)] private partial Tensor Output(Tensor x);
                [Forward] private Tensor Call(Tensor x) => Output(x);
            }
            """, nameof(MD0016_layer_not_used));
        Assert.Equal("Hidden", span);
        Assert.Contains("call it from the [Forward] method or remove it", Message(d));
    }

    [Fact]
    public void MD0018_no_optimizer_is_a_warning_the_model_is_still_generated_and_a_pragma_silences_it()
    {
        const string model = """
            [Model(3)]
            public partial class Defaulted
            {
                [Dense(1)] private partial Tensor Output(Tensor x);
                [Forward] private Tensor Call(Tensor x) => Output(x);
            }
            """;
        GeneratorRun run = GeneratorHarness.Run<ModelDslGenerator>(Prelude + model);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationErrors);
        Assert.IsType<ModelDsl.Optimizers.Adam>(new DefaultedOptimizerProbe().Optimizer); // Keras' default, Adam(0.001)

        Diagnostic d = Assert.Single(GeneratorHarness.AnalyzerDiagnostics(run.Output));
        Assert.Equal("MD0018", d.Id);
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Equal("Model 'Defaulted' declares no optimizer attribute ([Adam], [Sgd], [RmsProp], [AdamW]); Adam(0.001) is used", Message(d));
        SyntaxTree tree = run.Output.SyntaxTrees.First();
        Assert.Equal("Defaulted", tree.GetText().ToString(d.Location.SourceSpan));

        // An analyzer diagnostic lies in the compilation's own tree, so the user's pragma reaches it.
        GeneratorRun silenced = GeneratorHarness.Run<ModelDslGenerator>(Prelude + "#pragma warning disable MD0018\n" + model);
        Assert.Empty(GeneratorHarness.AnalyzerDiagnostics(silenced.Output));
    }

    [Fact]
    public void MD0001_differentiable_method_in_a_type_that_is_not_partial()
    {
        var (d, span) = Single("MD0001", """
            public static class Outer
            {
                public static partial class Functions
                {
                    [Differentiable] public static double F(double x) => x * x;
                }
            }
            """, nameof(MD0001_differentiable_method_in_a_type_that_is_not_partial));
        Assert.Equal("Outer", span);
        Assert.Contains("'Outer' must be declared 'partial' (and so must every type that contains it)", Message(d));
    }

    [Fact]
    public void MD0009_forward_method_named_like_a_generated_member()
    {
        var (d, span) = Single("MD0009", """
            [Model(3)] [Sgd(0.1)]
            public partial class Named
            {
                [Dense(1)] private partial Tensor Output(Tensor x);
                [Forward] private Tensor Forward(Tensor x) => Output(x);
            }
            """, nameof(MD0009_forward_method_named_like_a_generated_member));
        Assert.Equal("Forward", span);
        Assert.Equal("'Forward' would be generated twice (by the [Forward] method and by the generated model member 'Forward'); rename one of the declarations", Message(d));
    }

    [Fact]
    public void MD0019_an_attribute_ModelDsl_does_not_know_is_one_error_naming_the_layers()
    {
        // A typo and an attribute from another library: one MD0019 each would be two mistakes; one typo is one error,
        // with no "type not found" (the stub), no "partial method needs an implementation" and no MD0003 at the call.
        var (d, span) = Single("MD0019", """
            [Model(3)] [Sgd(0.1)]
            public partial class Typo
            {
                [Desne(4, Activation.Relu, UseBias = false)] private partial Tensor Hidden(Tensor x);
                [Dense(1)] private partial Tensor Output(Tensor x);
                [Forward] private Tensor Call(Tensor x) => Output(Hidden(x));
            }
            """, nameof(MD0019_an_attribute_ModelDsl_does_not_know_is_one_error_naming_the_layers));
        Assert.Equal("Desne(4, Activation.Relu, UseBias = false)", span);
        Assert.StartsWith("'Desne' is not a ModelDsl layer attribute; did you mean [Dense]? The layer attributes are [Dense], [Dropout], [Normalization], [BatchNormalization]", Message(d));
    }

    [Fact]
    public void MD0020_two_layer_attributes_on_one_method()
    {
        var (d, span) = Single("MD0020", """
            [Model(3)] [Sgd(0.1)]
            public partial class Twice
            {
                [Dense(4)] [Lstm(4)] private partial Tensor Hidden(Tensor x);
                [Forward] private Tensor Call(Tensor x) => Hidden(x);
            }
            """, nameof(MD0020_two_layer_attributes_on_one_method));
        Assert.Equal("Lstm(4)", span);
        Assert.Equal("'Hidden' has two layer attributes, [Dense] and [Lstm]; a layer method declares one layer: declare a second method for the second layer", Message(d));
    }
}

#pragma warning disable MD0018 // the point of the probe
/// <summary>A model without an optimizer attribute, compiled into this assembly: its optimizer is Keras' default.</summary>
[ModelDsl.Model(3)]
public partial class DefaultedOptimizerProbe
{
    [ModelDsl.Dense(1)] private partial TorchSharp.torch.Tensor Output(TorchSharp.torch.Tensor x);
    [ModelDsl.Forward] private TorchSharp.torch.Tensor Call(TorchSharp.torch.Tensor x) => Output(x);
}
