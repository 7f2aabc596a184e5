using static TorchSharp.torch;

namespace ModelDsl.Kernels;

/// <summary>Gradients of a dense layer; <see cref="Bias"/> is null when the layer has none, <see cref="Input"/> when it
/// was not asked for (a first layer: its input is the data).</summary>
public sealed record DenseGradients(Tensor? Input, Tensor Kernel, Tensor? Bias);

/// <summary>Keras' Dense without its activation: <c>x @ kernel + bias</c>.</summary>
/// <remarks>Both methods check dtypes, devices and shapes before <c>matmul</c> and throw <see cref="ArgumentException"/>
/// naming the tensors: TorchSharp's native matmul has no exception wrapper, so a mismatch would otherwise abort the
/// process.</remarks>
public static class DenseKernel
{
    /// <summary>x (batch, in), kernel (in, units) as in Keras, bias (units) or null. Returns (batch, units).</summary>
    /// <exception cref="ArgumentException">A rank, dtype, device or size that does not fit; the message names the tensor and the fix.</exception>
    public static Tensor Forward(Tensor x, Tensor kernel, Tensor? bias)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(kernel);
        MatMulArguments.RequireRank("Dense", "kernel", kernel, 2, "(in, units)");
        MatMulArguments.RequireRank("Dense", "x", x, 2, $"(batch, {kernel.size(0)})");
        MatMulArguments.Check("Dense", "x", x, "kernel", kernel);
        if (bias is not null)
        {
            MatMulArguments.RequireSame("Dense", "bias", bias, "kernel", kernel);
            if (bias.dim() != 1 || bias.size(0) != kernel.size(1))
                throw new ArgumentException(
                    $"Dense: bias has shape {MatMulArguments.Shape(bias)} but the kernel {MatMulArguments.Shape(kernel)} needs a bias of shape ({kernel.size(1)}).",
                    nameof(bias));
        }
        if (bias is null) return x.matmul(kernel);
        using var scope = NewDisposeScope();
        return x.matmul(kernel).add_(bias).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Vector-Jacobian product of <see cref="Forward"/> for the upstream gradient <paramref name="dy"/> (batch, units);
    /// without <paramref name="inputGradient"/> the product dy·kernelᵀ is not computed (a first layer's: a third of its
    /// backward's multiply-adds) and <see cref="DenseGradients.Input"/> is null.
    /// </summary>
    /// <exception cref="ArgumentException">A rank, dtype, device or size that does not fit; the message names the tensor.</exception>
    public static DenseGradients Backward(Tensor dy, Tensor x, Tensor kernel, bool hasBias = true, bool inputGradient = true)
    {
        ArgumentNullException.ThrowIfNull(dy);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(kernel);
        MatMulArguments.RequireRank("Dense backward", "kernel", kernel, 2, "(in, units)");
        MatMulArguments.RequireRank("Dense backward", "x", x, 2, $"(batch, {kernel.size(0)})");
        MatMulArguments.RequireRank("Dense backward", "dy", dy, 2, $"(batch, {kernel.size(1)})");
        MatMulArguments.Check("Dense backward", "x", x, "kernel", kernel);
        MatMulArguments.RequireSame("Dense backward", "dy", dy, "kernel", kernel);
        if (dy.size(0) != x.size(0) || dy.size(1) != kernel.size(1))
            throw new ArgumentException(
                $"Dense backward: dy has shape {MatMulArguments.Shape(dy)} but x {MatMulArguments.Shape(x)} and the kernel " +
                $"{MatMulArguments.Shape(kernel)} give outputs of shape ({x.size(0)}, {kernel.size(1)}).", nameof(dy));
        using var scope = NewDisposeScope();
        var dx = inputGradient ? dy.matmul(kernel.t()).MoveToOuterDisposeScope() : null;
        var dKernel = x.t().matmul(dy).MoveToOuterDisposeScope();
        var dBias = hasBias ? dy.sum(0L).MoveToOuterDisposeScope() : null;
        return new DenseGradients(dx, dKernel, dBias);
    }
}

/// <summary>
/// What <c>matmul</c> needs, checked in managed code: TorchSharp's <c>THSTensor_matmul</c> has no native exception
/// wrapper, so a libtorch error inside it (dtype, device or size mismatch, an unsupported dtype such as Bool)
/// terminates the process instead of throwing.
/// </summary>
internal static class MatMulArguments
{
    /// <summary>Throws <see cref="ArgumentException"/> unless <c>a.matmul(b)</c> is valid (torch.matmul's rules for
    /// ranks 1 and 2 and broadcast batch axes).</summary>
    public static void Check(string operation, string aName, Tensor a, string bName, Tensor b)
    {
        RequireSupported(operation, aName, a);
        RequireSupported(operation, bName, b);
        RequireSame(operation, aName, a, bName, b);
        long ra = a.dim(), rb = b.dim();
        if (ra == 0 || rb == 0)
            throw new ArgumentException($"{operation}: matmul needs tensors of rank 1 or more, but {(ra == 0 ? aName : bName)} is a scalar.", ra == 0 ? aName : bName);
        long inner = a.size((int)ra - 1);
        long other = rb == 1 ? b.size(0) : b.size((int)rb - 2);
        if (inner != other)
            throw new ArgumentException(
                $"{operation}: {aName} {Shape(a)} and {bName} {Shape(b)} cannot be multiplied: {aName}'s last axis has {inner} " +
                $"elements but {bName}'s {(rb == 1 ? "only" : "second-to-last")} axis has {other}.", bName);
        if (ra > 2 || rb > 2)
        {
            long[] sa = a.shape, sb = b.shape;
            int batchA = (int)Math.Max(0, ra - 2), batchB = (int)Math.Max(0, rb - 2);
            for (int i = 1; i <= Math.Min(batchA, batchB); i++)
            {
                long da = sa[batchA - i], db = sb[batchB - i];
                if (da != db && da != 1 && db != 1)
                    throw new ArgumentException(
                        $"{operation}: the batch axes of {aName} {Shape(a)} and {bName} {Shape(b)} do not broadcast ({da} against {db}).", bName);
            }
        }
    }

    /// <summary>Same dtype and device, or an exception naming both and the fix.</summary>
    public static void RequireSame(string operation, string aName, Tensor a, string bName, Tensor b)
    {
        var ta = a.dtype;
        var tb = b.dtype;
        if (ta != tb)
            throw new ArgumentException(
                $"{operation}: {aName} has dtype {ta} but {bName} has dtype {tb}: call {aName}.to(ScalarType.{tb}) " +
                $"(a model computes in the dtype it was constructed with: construct it with dtype: ScalarType.{ta} to use {ta} inputs).", aName);
        if (a.device_type != b.device_type || a.device_index != b.device_index)
            throw new ArgumentException(
                $"{operation}: {aName} is on {Device(a)} but {bName} is on {Device(b)}: move {aName} with {aName}.to({bName}.device).", aName);
    }

    public static void RequireRank(string operation, string name, Tensor t, long rank, string expected)
    {
        if (t.dim() != rank)
            throw new ArgumentException($"{operation}: {name} must have shape {expected} but has shape {Shape(t)}.", name);
    }

    private static void RequireSupported(string operation, string name, Tensor t)
    {
        var dtype = t.dtype;
        if (dtype == ScalarType.Bool || !(is_floating_point(t) || is_integral(dtype)))
            throw new ArgumentException(
                $"{operation}: {name} has dtype {dtype}, which matmul does not support here: use a floating (or integer) dtype, e.g. {name}.to(ScalarType.Float32).", name);
    }

    private static bool is_integral(ScalarType dtype) =>
        dtype is ScalarType.Byte or ScalarType.Int8 or ScalarType.Int16 or ScalarType.Int32 or ScalarType.Int64;

    public static string Shape(Tensor t) => "(" + string.Join(", ", t.shape) + ")";

    private static string Device(Tensor t) => t.device_index < 0 ? t.device_type.ToString().ToLowerInvariant() : $"{t.device_type.ToString().ToLowerInvariant()}:{t.device_index}";
}
