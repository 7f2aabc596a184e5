using static TorchSharp.torch;

namespace ModelDsl.Kernels;

/// <summary>
/// Hand-written backwards of the tensor operations a model's forward body may use (the forward is the plain torch
/// op): softmax and log-softmax over the last axis, max over an axis, element-wise maximum and minimum, concatenation.
/// Ties follow torch's autograd, so a generated backward equals autograd of the same forward.
/// </summary>
public static class TensorOpKernel
{
    private const string Kernel = nameof(TensorOpKernel);

    /// <summary>dx for y = softmax(x) over the last axis: y ⊙ (dy − Σ_last(dy ⊙ y)). dy and y share a shape.</summary>
    public static Tensor SoftmaxBackward(Tensor dy, Tensor y)
    {
        ArgumentChecks.SameShapeAndType(dy, nameof(dy), y, nameof(y), Kernel);
        using var scope = NewDisposeScope();
        return (y * (dy - (dy * y).sum(-1, keepdim: true))).MoveToOuterDisposeScope();
    }

    /// <summary>dx for y = log_softmax(x) over the last axis: dy − exp(y) ⊙ Σ_last dy. dy and y share a shape.</summary>
    public static Tensor LogSoftmaxBackward(Tensor dy, Tensor y)
    {
        ArgumentChecks.SameShapeAndType(dy, nameof(dy), y, nameof(y), Kernel);
        using var scope = NewDisposeScope();
        return (dy - y.exp() * dy.sum(-1, keepdim: true)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// dx for y = amax(x, axis), with y (and dy) either keeping the axis (size 1) or without it. dy goes to the
    /// positions where x equals the maximum, split equally among tied maxima, as torch's autograd of amax (and of the
    /// full max()) does; checked: for (2, 1, 2, 2) each tie gets 1/3. (torch's max(dim), which also returns indices,
    /// routes all of dy to the first index instead; this kernel follows amax.)
    /// </summary>
    public static Tensor MaxBackward(Tensor dy, Tensor x, Tensor y, long axis)
    {
        long a = ArgumentChecks.Axis(axis, x.dim(), nameof(axis), Kernel);
        ArgumentChecks.SameShapeAndType(dy, nameof(dy), y, nameof(y), Kernel);
        ArgumentChecks.SameType(dy, nameof(dy), x, nameof(x), Kernel);
        bool kept = y.dim() == x.dim();
        if (!ReducedShape(x, y, a, kept))
            throw new ArgumentException($"{Kernel}.MaxBackward: y {Targets.Shape(y)} is not x {Targets.Shape(x)} reduced over axis {axis} (with or without keeping it).", nameof(y));
        using var scope = NewDisposeScope();
        var yKept = kept ? y : y.unsqueeze(a);
        var dyKept = kept ? dy : dy.unsqueeze(a);
        var isMax = x.eq(yKept).to_type(x.dtype);
        var ties = isMax.sum(a, keepdim: true);
        return (isMax * (dyKept / ties)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The gradient of maximum(a, b) w.r.t. a (<paramref name="first"/>) or b, reduced to that input's shape when the
    /// two broadcast. Where a == b each input gets half of dy, as torch's autograd gives.
    /// </summary>
    public static Tensor MaximumBackward(Tensor dy, Tensor a, Tensor b, bool first) => ExtremumBackward(dy, a, b, first, maximum: true);

    /// <summary>
    /// The gradient of minimum(a, b) w.r.t. a (<paramref name="first"/>) or b, reduced to that input's shape when the
    /// two broadcast. Where a == b each input gets half of dy, as torch's autograd gives.
    /// </summary>
    public static Tensor MinimumBackward(Tensor dy, Tensor a, Tensor b, bool first) => ExtremumBackward(dy, a, b, first, maximum: false);

    /// <summary>
    /// The gradients of cat(inputs, axis) for inputs of <paramref name="sizes"/> along the axis: dy split along it
    /// (views of dy).
    /// </summary>
    public static Tensor[] ConcatenateBackward(Tensor dy, long axis, long[] sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        long a = ArgumentChecks.Axis(axis, dy.dim(), nameof(axis), Kernel);
        long total = 0;
        foreach (long size in sizes)
        {
            if (size < 0) throw new ArgumentOutOfRangeException(nameof(sizes), size, $"{Kernel}.ConcatenateBackward: sizes must not be negative.");
            total += size;
        }
        if (sizes.Length == 0 || total != dy.size((int)a))
            throw new ArgumentException($"{Kernel}.ConcatenateBackward: the sizes [{string.Join(", ", sizes)}] add up to {total}, but dy {Targets.Shape(dy)} has {dy.size((int)a)} along axis {axis}.", nameof(sizes));
        using var scope = NewDisposeScope();
        var parts = dy.split(sizes, a);
        foreach (var part in parts) part.MoveToOuterDisposeScope();
        return parts;
    }

    private static Tensor ExtremumBackward(Tensor dy, Tensor a, Tensor b, bool first, bool maximum)
    {
        ArgumentChecks.SameType(a, nameof(a), dy, nameof(dy), Kernel);
        ArgumentChecks.SameType(b, nameof(b), dy, nameof(dy), Kernel);
        if (!BroadcastsTo(a, dy) || !BroadcastsTo(b, dy))
            throw new ArgumentException($"{Kernel}: a {Targets.Shape(a)} and b {Targets.Shape(b)} do not broadcast to dy {Targets.Shape(dy)}.", first ? nameof(a) : nameof(b));
        using var scope = NewDisposeScope();
        var self = first ? a : b;
        var other = first ? b : a;
        // The input that loses gets nothing; a tie halves dy (torch: where(a == b, grad / 2, grad).masked_fill_(loses, 0)).
        var loses = maximum ? self.lt(other) : self.gt(other);
        var share = where(self.eq(other), dy / 2, dy).masked_fill(loses, 0);
        return SumToShape(share, self).MoveToOuterDisposeScope();
    }

    /// <summary>Sums a broadcast gradient back to <paramref name="like"/>'s shape (leading axes and size-1 axes).</summary>
    private static Tensor SumToShape(Tensor gradient, Tensor like)
    {
        long extra = gradient.dim() - like.dim();
        var reduced = gradient;
        for (long i = 0; i < extra; i++) reduced = reduced.sum(0L);
        for (int i = 0; i < like.dim(); i++)
            if (like.size(i) == 1 && reduced.size(i) != 1) reduced = reduced.sum(i, keepdim: true);
        return reduced;
    }

    /// <summary>Whether <paramref name="t"/> broadcasts to <paramref name="target"/>'s shape without changing it.</summary>
    private static bool BroadcastsTo(Tensor t, Tensor target)
    {
        long extra = target.dim() - t.dim();
        if (extra < 0) return false;
        for (int i = 0; i < t.dim(); i++)
        {
            long size = t.size(i);
            if (size != 1 && size != target.size((int)(i + extra))) return false;
        }
        return true;
    }

    private static bool ReducedShape(Tensor x, Tensor y, long axis, bool kept)
    {
        if (y.dim() != (kept ? x.dim() : x.dim() - 1)) return false;
        for (int i = 0, j = 0; i < x.dim(); i++)
        {
            if (i == axis)
            {
                if (kept && y.size(j++) != 1) return false;
                continue;
            }
            if (y.size(j++) != x.size(i)) return false;
        }
        return true;
    }
}
