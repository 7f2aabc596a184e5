using System.Collections.Generic;

namespace ModelDsl.Generators.Analysis;

/// <summary>
/// The derivative rules: for each operation and known function, one vector-Jacobian template per input.
/// Placeholders: <c>{g}</c> the adjoint of the result, <c>{y}</c> the result, <c>{a}</c> and <c>{b}</c> the inputs,
/// <c>{M}</c> the math class of the scalar backend (System.Math or System.MathF).
/// </summary>
internal static class DerivativeRules
{
    /// <summary>Rules over double and float (the scalar backend).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Scalar = new Dictionary<string, string[]>(System.StringComparer.Ordinal)
    {
        [nameof(OpKind.Add)] = ["{g}", "{g}"],
        [nameof(OpKind.Subtract)] = ["{g}", "-{g}"],
        [nameof(OpKind.Multiply)] = ["{g} * {b}", "{g} * {a}"],
        [nameof(OpKind.Divide)] = ["{g} / {b}", "-{g} * {y} / {b}"],
        [nameof(OpKind.Negate)] = ["-{g}"],
        [nameof(OpKind.Power)] = ["{g} * {b} * {M}.Pow({a}, {b} - 1)", "{g} * {y} * {M}.Log({a})"],
        ["Sin"] = ["{g} * {M}.Cos({a})"],
        ["Cos"] = ["-{g} * {M}.Sin({a})"],
        ["Tan"] = ["{g} / ({M}.Cos({a}) * {M}.Cos({a}))"],
        ["Exp"] = ["{g} * {y}"],
        ["Log"] = ["{g} / {a}"],
        ["Sqrt"] = ["{g} / (2 * {y})"],
        ["Sinh"] = ["{g} * {M}.Cosh({a})"],
        ["Cosh"] = ["{g} * {M}.Sinh({a})"],
        ["Tanh"] = ["{g} * (1 - {y} * {y})"],
        ["Abs"] = ["{g} * {M}.Sign({a})"],
        ["Atan"] = ["{g} / (1 + {a} * {a})"],
    };

    /// <summary>
    /// Rules over tensors (the torch backend). <c>{A}</c>/<c>{B}</c> mark where a broadcast input's gradient is
    /// summed back to that input's shape (<c>Ops.SumToShape</c>), emitted only where the static shapes differ.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string[]> Tensor = new Dictionary<string, string[]>(System.StringComparer.Ordinal)
    {
        [nameof(OpKind.Add)] = ["{A:{g}}", "{B:{g}}"],
        [nameof(OpKind.Subtract)] = ["{A:{g}}", "{B:-{g}}"],
        [nameof(OpKind.Multiply)] = ["{A:{g} * {b}}", "{B:{g} * {a}}"],
        [nameof(OpKind.Divide)] = ["{A:{g} / {b}}", "{B:-{g} * {y} / {b}}"],
        [nameof(OpKind.Negate)] = ["-{g}"],
        [nameof(OpKind.MatMul)] = ["{g}.matmul({b}.t())", "{a}.t().matmul({g})"],
        [nameof(OpKind.Flatten)] = ["global::ModelDsl.Kernels.ReshapeKernel.Backward({g}, {a}.shape)"],
        [nameof(OpKind.Reshape)] = ["global::ModelDsl.Kernels.ReshapeKernel.Backward({g}, {a}.shape)"],
        [nameof(OpKind.Sum)] = ["{g}.expand({a}.shape)"],
        ["Sum@axis"] = ["{g}.unsqueeze({axis}).expand({a}.shape)"],
        [nameof(OpKind.Mean)] = ["{g}.expand({a}.shape) / {a}.numel()"],
        ["Mean@axis"] = ["{g}.unsqueeze({axis}).expand({a}.shape) / {a}.size({axis})"],
        [nameof(OpKind.Max) + "@axis"] = ["global::ModelDsl.Kernels.TensorOpKernel.MaxBackward({g}, {a}, {y}, {axis})"],
        [nameof(OpKind.Maximum)] = ["{A:global::ModelDsl.Kernels.TensorOpKernel.MaximumBackward({g}, {a}, {b}, first: true)}", "{B:global::ModelDsl.Kernels.TensorOpKernel.MaximumBackward({g}, {a}, {b}, first: false)}"],
        [nameof(OpKind.Minimum)] = ["{A:global::ModelDsl.Kernels.TensorOpKernel.MinimumBackward({g}, {a}, {b}, first: true)}", "{B:global::ModelDsl.Kernels.TensorOpKernel.MinimumBackward({g}, {a}, {b}, first: false)}"],
        // Each input's slice of the gradient: its offset and size along the axis are known statically.
        [nameof(OpKind.Concatenate)] = ["{g}.narrow({axis}, {offset}, {size})"],
        [nameof(OpKind.Transpose)] = ["{g}.transpose({axes})"],
        ["Square"] = ["{g} * 2 * {a}"],
        ["Exp"] = ["{g} * {y}"],
        ["Log"] = ["{g} / {a}"],
        ["Sqrt"] = ["{g} / (2 * {y})"],
        ["Abs"] = ["{g} * {a}.sign()"],
        ["Softmax"] = ["global::ModelDsl.Kernels.TensorOpKernel.SoftmaxBackward({g}, {y})"],
        ["LogSoftmax"] = ["global::ModelDsl.Kernels.TensorOpKernel.LogSoftmaxBackward({g}, {y})"],
        // Activations: the hand-written kernel's vector-Jacobian product.
        ["Relu"] = ["global::ModelDsl.Kernels.ActivationKernel.Backward(global::ModelDsl.Kernels.Activation.Relu, {g}, {a}, {y})"],
        ["Selu"] = ["global::ModelDsl.Kernels.ActivationKernel.Backward(global::ModelDsl.Kernels.Activation.Selu, {g}, {a}, {y})"],
        ["Elu"] = ["global::ModelDsl.Kernels.ActivationKernel.Backward(global::ModelDsl.Kernels.Activation.Elu, {g}, {a}, {y})"],
        ["Tanh"] = ["global::ModelDsl.Kernels.ActivationKernel.Backward(global::ModelDsl.Kernels.Activation.Tanh, {g}, {a}, {y})"],
        ["Sigmoid"] = ["global::ModelDsl.Kernels.ActivationKernel.Backward(global::ModelDsl.Kernels.Activation.Sigmoid, {g}, {a}, {y})"],
        ["Softplus"] = ["global::ModelDsl.Kernels.ActivationKernel.Backward(global::ModelDsl.Kernels.Activation.Softplus, {g}, {a}, {y})"],
        ["LeakyRelu"] = ["global::ModelDsl.Kernels.ActivationKernel.Backward(global::ModelDsl.Kernels.Activation.LeakyRelu, {g}, {a}, {y})"],
        ["Gelu"] = ["global::ModelDsl.Kernels.ActivationKernel.Backward(global::ModelDsl.Kernels.Activation.Gelu, {g}, {a}, {y})"],
        ["Swish"] = ["global::ModelDsl.Kernels.ActivationKernel.Backward(global::ModelDsl.Kernels.Activation.Swish, {g}, {a}, {y})"],
    };

    /// <summary>The scalar functions of System.Math / System.MathF that have a rule.</summary>
    public static readonly IReadOnlyList<string> ScalarFunctions = ["Sin", "Cos", "Tan", "Exp", "Log", "Sqrt", "Sinh", "Cosh", "Tanh", "Abs", "Atan"];

    /// <summary>The element-wise tensor functions of ModelDsl.Ops that have a rule.</summary>
    public static readonly IReadOnlyList<string> TensorElementwise =
        ["Square", "Exp", "Log", "Sqrt", "Abs", "Relu", "Selu", "Elu", "Tanh", "Sigmoid", "Softplus", "LeakyRelu", "Gelu", "Swish", "Softmax", "LogSoftmax"];

    /// <summary>The rule key of a node: its operation, or its function's name.</summary>
    public static string Key(OpNode node) => node.Kind switch
    {
        OpKind.Elementwise => node.Symbol,
        OpKind.Sum or OpKind.Mean or OpKind.Max when node.Axis is not null => node.Kind + "@axis",
        _ => node.Kind.ToString(),
    };

    public static string Fill(string template, string g, string y, string a, string b, string math = "", string axis = "")
        => template.Replace("{g}", g).Replace("{y}", y).Replace("{a}", a).Replace("{b}", b).Replace("{M}", math).Replace("{axis}", axis);
}
