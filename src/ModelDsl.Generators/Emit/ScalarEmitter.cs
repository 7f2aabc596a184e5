using System.Collections.Generic;
using System.Linq;
using ModelDsl.Generators.Analysis;
using ModelDsl.Generators.Model;

namespace ModelDsl.Generators.Emit;

/// <summary>
/// Writes the derivative of each [Differentiable] function as plain C# over double or float: the forward locals,
/// then the adjoints in reverse order, each preceded by the forward expression it differentiates.
/// </summary>
internal static class ScalarEmitter
{
    public static string Emit(FunctionGroup group)
    {
        var writer = new CodeWriter();
        writer.WriteHeader();
        using (Names.OpenType(writer, group.Type))
        {
            bool first = true;
            var gradientTypes = new Dictionary<string, int>(System.StringComparer.Ordinal);
            foreach (FunctionPlan plan in group.Functions.OrderBy(f => f.Function.Name, System.StringComparer.Ordinal)
                         .ThenBy(f => f.Function.Parameters.Count)
                         .ThenBy(f => f.Function.NumericType, System.StringComparer.Ordinal))
            {
                if (!first) writer.WriteLine();
                first = false;
                EmitFunction(writer, plan, GradientTypeName(plan.Function, gradientTypes));
            }
        }
        return writer.ToString();
    }

    /// <summary>
    /// The nested record of a function of several parameters: "NameGradientValue" (a type cannot share the name of the
    /// method NameGradient); overloads of several parameters sharing a name get "NameGradientValue2", "3", ... in the
    /// order (parameter count, numeric type).
    /// </summary>
    private static string GradientTypeName(FunctionDeclaration f, Dictionary<string, int> used)
    {
        if (f.Parameters.Count == 1) return "";
        string stem = f.Name + "GradientValue";
        used[stem] = used.TryGetValue(stem, out int count) ? count + 1 : 1;
        return used[stem] == 1 ? stem : stem + used[stem].ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void EmitFunction(CodeWriter writer, FunctionPlan plan, string gradientRecord)
    {
        FunctionDeclaration f = plan.Function;
        string t = f.NumericType;
        string parameters = string.Join(", ", f.Parameters.Select(p => $"{t} {Names.Identifier(p)}"));
        string arguments = string.Join(", ", f.Parameters.Select(Names.Identifier));
        string function = Names.Identifier(f.Name);
        string modifiers = f.Accessibility + " static";
        bool single = f.Parameters.Count == 1;
        string gradientType = single ? t : gradientRecord;
        string with = single ? "WithDerivative" : "WithGradient";
        string only = single ? "Derivative" : "Gradient";
        string resultType = single ? $"global::ModelDsl.ValueAndDerivative<{t}>" : $"global::ModelDsl.ValueAndGradient<{t}, {gradientRecord}>";
        string signature = string.Join(", ", f.Parameters.Select(_ => t));

        if (!single)
        {
            writer.WriteLine($"/// <summary>The gradient of <see cref=\"{function}({signature})\"/>: one partial derivative per parameter.</summary>");
            foreach (string p in f.Parameters)
                writer.WriteLine($"/// <param name=\"{GradientMember(p)}\">d({f.Name})/d({p}).</param>");
            writer.WriteLine(CodeWriter.GeneratedCodeAttribute);
            writer.WriteLine($"{f.Accessibility} readonly record struct {gradientRecord}({string.Join(", ", f.Parameters.Select(p => $"{t} {GradientMember(p)}"))});");
            writer.WriteLine();
        }
        bool rejected = plan.Reverse is null; // null exactly when the body (f.Graph) was rejected
        string how = rejected ? "not generated: its body was rejected (see its MD diagnostics); throws" : "by reverse-mode differentiation of its body";
        writer.WriteLine($"/// <summary>The {(single ? "derivative" : "gradient")} of <see cref=\"{function}({signature})\"/>, {how}.</summary>");
        writer.WriteLine(CodeWriter.GeneratedCodeAttribute);
        writer.WriteLine($"{modifiers} {gradientType} {f.Name}{only}({parameters}) => {f.Name}{with}({arguments}).{only};");
        writer.WriteLine();
        writer.WriteLine($"/// <summary>The value of <see cref=\"{function}({signature})\"/> and its {(single ? "derivative" : "gradient")}, {(rejected ? how : "computed together")}.</summary>");
        writer.WriteLine(CodeWriter.GeneratedCodeAttribute);
        if (rejected)
        {
            // Rejected body: declared all the same, so that callers see the MD diagnostics and no follow-on errors.
            writer.WriteLine($"{modifiers} {resultType} {f.Name}{with}({parameters}) => throw new global::System.InvalidOperationException(" +
                $"\"The derivative of {f.Name} was not generated: fix the ModelDsl (MD) errors reported on its body.\");");
            return;
        }
        using (writer.WriteBlock($"{modifiers} {resultType} {f.Name}{with}({parameters})"))
        {
            OpGraph graph = f.Graph!;
            ReversePlan reverse = plan.Reverse!;
            var adjoint = AdjointNames(graph);
            string Ref(int id) => graph[id].Kind == OpKind.Constant ? graph[id].Symbol : Names.Identifier(graph[id].Name);

            writer.WriteLine("// Forward");
            foreach (OpNode node in graph.Nodes)
            {
                if (node.Kind is OpKind.Input or OpKind.Constant) continue;
                writer.WriteLine($"{t} {Ref(node.Id)} = {ForwardExpression(node, Ref)}; // {node.Source}");
            }
            writer.WriteLine();
            writer.WriteLine("// Reverse: the adjoint dv of each value v is d(result)/dv");
            OpNode result = graph.Result;
            if (result.Kind == OpKind.Constant)
            {
                writer.WriteLine($"return new({result.Symbol}, {Zero(f, gradientRecord)});");
                return;
            }
            writer.WriteLine($"{t} {adjoint[result.Id]} = 1;");
            foreach (IGrouping<int, AdjointStep> steps in reverse.ByNode())
            {
                OpNode node = graph[steps.Key];
                string g = adjoint[node.Id];
                string math = node.Extra.Count > 0 ? node.Extra[0] : "global::System.Math";
                if (node.Kind == OpKind.Call && node.Inputs.Count > 1)
                {
                    writer.WriteLine($"// the gradient of {node.Symbol} at its arguments, for: {graph.Describe(node)}");
                    writer.WriteLine($"var {node.Name}Gradient = {node.Extra[0]}.{node.Symbol}Gradient({string.Join(", ", node.Inputs.Select(Ref))});");
                }
                foreach (AdjointStep step in steps)
                {
                    string contribution;
                    if (node.Kind == OpKind.Call)
                    {
                        contribution = node.Inputs.Count == 1
                            ? $"{g} * {node.Extra[0]}.{node.Symbol}Derivative({Ref(node.Inputs[0])})"
                            : $"{g} * {node.Name}Gradient.{GradientMember(node.Extra[step.InputIndex + 1])}";
                    }
                    else
                    {
                        string template = DerivativeRules.Scalar[DerivativeRules.Key(node)][step.InputIndex];
                        contribution = DerivativeRules.Fill(template, g, Ref(node.Id), Ref(node.Inputs[0]),
                            node.Inputs.Count > 1 ? Ref(node.Inputs[1]) : "", math);
                    }
                    string target = adjoint[step.Target];
                    writer.WriteLine($"// d/d({graph[step.Target].Name}) of: {graph.Describe(node)}");
                    if (step.Declares) writer.WriteLine($"{t} {target} = {contribution};");
                    else if (contribution.StartsWith("-", System.StringComparison.Ordinal)) writer.WriteLine($"{target} -= {contribution.Substring(1)};");
                    else writer.WriteLine($"{target} += {contribution};");
                }
            }
            string Gradient(int input) => reverse.NeedsAdjoint[input] ? adjoint[input] : "0";
            string gradient = single ? Gradient(0) : $"new {gradientRecord}(" + string.Join(", ", Enumerable.Range(0, f.Parameters.Count).Select(Gradient)) + ")";
            writer.WriteLine($"return new({Ref(result.Id)}, {gradient});");
        }
    }

    /// <summary>The gradient record's member for a parameter: its name in PascalCase, unless a record declares that name itself.</summary>
    internal static string GradientMember(string parameter)
    {
        string name = Names.Pascal(parameter);
        return name is "Equals" or "GetHashCode" or "ToString" or "Deconstruct" or "GetType" or "MemberwiseClone" or "Finalize" or "EqualityContract" or "PrintMembers" or "ReferenceEquals"
            ? name + "_" : name;
    }

    private static string Zero(FunctionDeclaration f, string gradientRecord)
        => f.Parameters.Count == 1 ? "0" : $"new {gradientRecord}(" + string.Join(", ", f.Parameters.Select(_ => "0")) + ")";

    internal static string ForwardExpression(OpNode node, System.Func<int, string> reference)
        => Expressions.Arithmetic(node, reference) ?? node.Kind switch
        {
            OpKind.Power => $"{node.Extra[0]}.Pow({reference(node.Inputs[0])}, {reference(node.Inputs[1])})",
            OpKind.Elementwise => $"{node.Extra[0]}.{node.Symbol}({reference(node.Inputs[0])})",
            OpKind.Call => $"{node.Extra[0]}.{Names.Identifier(node.Symbol)}({string.Join(", ", node.Inputs.Select(reference))})",
            _ => node.Source,
        };

    /// <summary>"dx", "dv2", ...: one adjoint name per node, never the name of a forward value.</summary>
    private static Dictionary<int, string> AdjointNames(OpGraph graph)
    {
        var used = new UniqueNames(graph.Nodes.Select(n => n.Name));
        var names = new Dictionary<int, string>();
        foreach (OpNode node in graph.Nodes) names[node.Id] = used.Next("d" + node.Name, separator: "_");
        return names;
    }
}
