using System.Text;

namespace ModelDsl.Generators.Tests.Fuzzing;

/// <summary>
/// Long bodies: a chain of <c>+ - *</c> and function calls over one operand, left-associative as C# parses it, so the
/// syntax tree is as deep as the chain is long (what a recursive visitor meets); or calls nested in one another.
/// An operation is one binary operator or one call.
/// </summary>
public static class DeepBodies
{
    private static readonly string[] TensorCalls = ["Tanh", "Sigmoid", "Relu", "Square", "Exp", "Selu"];
    private static readonly string[] ScalarCalls = ["Sin", "Cos", "Tanh", "Exp", "Atan", "Sqrt"];

    /// <summary>A tensor chain over <paramref name="operand"/> (a name) with <paramref name="operations"/> operations.</summary>
    public static string TensorChain(string operand, int operations) => Chain(operand, operations, c => $"{c}({operand})", "0.5", "0.25");

    /// <summary>A double (or float) chain over <paramref name="operand"/> using System.Math (MathF).</summary>
    public static string ScalarChain(string operand, int operations, bool single = false)
    {
        string math = single ? "MathF" : "Math", f = single ? "f" : "";
        return Chain(operand, operations, c => c == "Sqrt" ? $"{math}.Sqrt({operand} * {operand} + 1{f})" : $"{math}.{c}({operand})", "0.5" + f, "0.25" + f, scalar: true);
    }

    private static string Chain(string operand, int operations, Func<string, string> call, string half, string quarter, bool scalar = false)
    {
        var s = new StringBuilder(operand);
        string[] calls = scalar ? ScalarCalls : TensorCalls;
        int done = 0, i = 0;
        while (done < operations)
        {
            // Terms of one to three operations, joined by + - * in turn: "+ Tanh(h) * 0.5", "- h * 0.25", "* Sigmoid(h)" ...
            string name = calls[i % calls.Length];
            int sqrtExtra = scalar && name == "Sqrt" ? 2 : 0;
            (string text, int cost) term = (i % 4) switch
            {
                0 => ($" + {call(name)} * {half}", 3 + sqrtExtra),
                1 => ($" - {operand} * {quarter}", 2),
                2 => ($" * {half} + {call(name)}", 3 + sqrtExtra),
                _ => ($" - {call(name)}", 2 + sqrtExtra),
            };
            if (done + term.cost > operations)
            {
                term = (operations - done) switch
                {
                    1 => ($" + {operand}", 1),
                    2 => ($" - {operand} * {quarter}", 2),
                    _ => ($" + {operand} * {half} - {operand}", 3),
                };
            }
            s.Append(term.text);
            done += term.cost;
            i++;
        }
        return s.ToString();
    }

    /// <summary>Calls nested <paramref name="depth"/> deep around <paramref name="operand"/>: Tanh(Sigmoid(Tanh(... x ...))).</summary>
    public static string Nested(string operand, int depth, bool scalar, bool single = false)
    {
        string[] calls = scalar ? ["Sin", "Cos", "Tanh", "Atan"] : ["Tanh", "Sigmoid", "Relu", "Selu"];
        string prefix = scalar ? (single ? "MathF." : "Math.") : "";
        var s = new StringBuilder();
        for (int i = 0; i < depth; i++) s.Append(prefix).Append(calls[i % calls.Length]).Append('(');
        s.Append(operand);
        s.Append(')', depth);
        return s.ToString();
    }

    /// <summary>A model whose [Forward] body is a chain of <paramref name="operations"/> operations after one Dense layer.</summary>
    public static string Model(int operations, string name = "Deep") => $$"""
        using ModelDsl;
        using TorchSharp;
        using static TorchSharp.torch;
        using static ModelDsl.Ops;

        namespace Demo;

        [Model(4)]
        [Sgd(0.01)]
        public partial class {{name}}
        {
            [Dense(3)] private partial Tensor Hidden(Tensor x);

            [Forward]
            private Tensor Call(Tensor x)
            {
                var h = Hidden(x);
                return {{TensorChain("h", operations)}};
            }
        }
        """;

    /// <summary>A static class with one [Differentiable] function whose body is a chain of <paramref name="operations"/> operations.</summary>
    public static string Function(int operations, string name = "DeepFunctions") => $$"""
        using System;
        using ModelDsl;

        namespace Demo;

        public static partial class {{name}}
        {
            [Differentiable]
            public static double F(double x) => {{ScalarChain("x", operations)}};
        }
        """;
}
