using TorchSharp;
using System.Text;
using static TorchSharp.torch;

namespace ModelDsl.Kernels;

/// <summary>
/// Argument checks shared by the kernels, run before their first libtorch call: some TorchSharp natives have no
/// exception wrapper, so a bad shape, dtype or index reaching them would terminate the process.
/// Shapes are read with dim() and size(i) so that a check allocates nothing.
/// </summary>
internal static class ArgumentChecks
{
    /// <summary>Throws unless <paramref name="t"/> is float16, bfloat16, float32 or float64.</summary>
    public static void Floating(Tensor t, string name, string kernel)
    {
        if (!t.is_floating_point())
            throw new ArgumentException($"{kernel}: {name} must be a floating-point tensor (float32 or float64); got {t.dtype}. Cast it with .to_type(ScalarType.Float32).", name);
    }

    /// <summary>Throws unless <paramref name="t"/> has the shape and dtype of <paramref name="like"/>.</summary>
    public static void SameShapeAndType(Tensor t, string name, Tensor like, string likeName, string kernel)
    {
        if (!SameShape(t, like))
            throw new ArgumentException($"{kernel}: {name} must have {likeName}'s shape {Targets.Shape(like)}; got {Targets.Shape(t)}.", name);
        SameType(t, name, like, likeName, kernel);
    }

    /// <summary>Throws unless <paramref name="t"/> has the dtype of <paramref name="like"/>.</summary>
    public static void SameType(Tensor t, string name, Tensor like, string likeName, string kernel)
    {
        if (t.dtype != like.dtype)
            throw new ArgumentException($"{kernel}: {name} must have {likeName}'s dtype {like.dtype}; got {t.dtype}. Cast one of them with .to_type(...).", name);
    }

    /// <summary>Throws unless <paramref name="t"/> is a vector of <paramref name="length"/> entries with <paramref name="x"/>'s dtype.</summary>
    public static void Vector(Tensor t, string name, long length, Tensor x, string kernel)
    {
        if (t.dim() != 1 || t.size(0) != length)
            throw new ArgumentException($"{kernel}: {name} must have shape ({length}), one entry per channel of the input's last axis {Targets.Shape(x)}; got {Targets.Shape(t)}.", name);
        SameType(t, name, x, "the input", kernel);
    }

    /// <summary>Throws unless <paramref name="t"/> has at least <paramref name="rank"/> axes and a non-empty last axis.</summary>
    public static void MinimumRank(Tensor t, string name, int rank, string what, string kernel)
    {
        if (t.dim() < rank || t.size(-1) == 0)
            throw new ArgumentException($"{kernel}: {name} must be {what} with a non-empty last axis; got shape {Targets.Shape(t)}.", name);
    }

    /// <summary>Whether two tensors have equal shapes.</summary>
    public static bool SameShape(Tensor a, Tensor b)
    {
        if (a.dim() != b.dim()) return false;
        for (int i = 0; i < a.dim(); i++)
            if (a.size(i) != b.size(i)) return false;
        return true;
    }

    /// <summary>The axis in [0, rank) for <paramref name="axis"/> in [-rank, rank) (negative counts from the end).</summary>
    public static long Axis(long axis, long rank, string name, string kernel)
    {
        if (axis < -rank || axis >= rank)
            throw new ArgumentOutOfRangeException(name, axis, $"{kernel}: axis {axis} is out of range for a tensor of rank {rank}: use an axis in [{-rank}, {rank}).");
        return axis < 0 ? axis + rank : axis;
    }

    /// <summary>
    /// "v at row r" (or "at position (i, j, ...)") for the first value of <paramref name="values"/>, in row-major
    /// order, that is not a whole number in [0, <paramref name="count"/>) (NaN included); null when every value is one.
    /// </summary>
    public static string? FirstInvalidIndex(Tensor values, long count)
    {
        // Class indices in CPU memory (every batch of a CPU run): one pass over them, not five torch ops and a sync.
        long flat = values.dtype == ScalarType.Int64 && Managed.TensorSpans.Problem(values, ScalarType.Int64) is null
            ? FirstOutOfRange(Managed.TensorSpans.Labels(values), count)
            : FirstInvalidByTorch(values, count);
        return flat < 0 ? null : $"{ValueAt(values, flat)} at {Position(values, flat)}";
    }

    private static long FirstOutOfRange(ReadOnlySpan<long> indices, long count)
    {
        for (int i = 0; i < indices.Length; i++)
            if (indices[i] < 0 || indices[i] >= count) return i;
        return -1;
    }

    private static long FirstInvalidByTorch(Tensor values, long count)
    {
        using var scope = NewDisposeScope();
        var bad = values.lt(0).logical_or(values.ge(count));
        // NaN != floor(NaN), so NaN is caught here too.
        if (values.is_floating_point()) bad = bad.logical_or(values.ne(values.floor()));
        return bad.any().ToBoolean() ? bad.reshape(-1).nonzero()[0, 0].ToInt64() : -1;
    }

    /// <summary>Throws unless <paramref name="dy"/> has the forward input's shape and dtype and gamma is (channels); returns channels.</summary>
    public static long NormalizationUpstream(Tensor dy, Tensor normalized, Tensor gamma, string kernel)
    {
        SameShapeAndType(dy, nameof(dy), normalized, "the forward input", kernel);
        long channels = dy.size(-1);
        Vector(gamma, nameof(gamma), channels, dy, kernel);
        return channels;
    }

    /// <summary>The value at flat position <paramref name="flat"/>, as written in a message (integers without a fraction).</summary>
    private static string ValueAt(Tensor values, long flat)
    {
        using var scope = NewDisposeScope();
        var value = values.reshape(-1)[flat];
        return values.is_floating_point()
            ? value.ToDouble().ToString("R", System.Globalization.CultureInfo.InvariantCulture)
            : value.ToInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>"row r" for a vector or a (rows, 1) column, else the index tuple "position (i, j, ...)".</summary>
    private static string Position(Tensor values, long flat)
    {
        int rank = (int)values.dim();
        if (rank == 1 || (rank == 2 && values.size(1) == 1)) return $"row {flat}";
        var index = new long[rank];
        for (int axis = rank - 1; axis >= 0; axis--)
        {
            long size = values.size(axis);
            index[axis] = flat % size;
            flat /= size;
        }
        return new StringBuilder("position (").AppendJoin(", ", index).Append(')').ToString();
    }
}
