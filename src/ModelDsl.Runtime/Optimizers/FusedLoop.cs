using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ModelDsl.Optimizers;

/// <summary>
/// One optimizer's update of one vector of elements: the parameter <c>w</c>, its gradient <c>g</c> and up to three
/// state slots (zero vectors where the optimizer has fewer). Written with the torch ops' order and rounding (no fused
/// multiply-add; constants rounded to T as torch rounds a scalar operand), so the fused update gives the same numbers.
/// </summary>
internal interface IFusedRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    void Apply(ref Vector<T> w, Vector<T> g, ref Vector<T> a, ref Vector<T> b, ref Vector<T> c);
}

/// <summary>Runs an <see cref="IFusedRule{T}"/> over whole spans in one pass (vectors, then the tail through a
/// padded vector), instead of one native call per torch op and per temporary.</summary>
internal static class FusedLoop
{
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<T, TRule>(TRule rule, Span<T> w, ReadOnlySpan<T> g, Span<T> a, Span<T> b, Span<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TRule : struct, IFusedRule<T>
    {
        int width = Vector<T>.Count, length = w.Length, i = 0;
        ref T wr = ref MemoryMarshal.GetReference(w);
        ref T gr = ref MemoryMarshal.GetReference(g);
        ref T ar = ref MemoryMarshal.GetReference(a);
        ref T br = ref MemoryMarshal.GetReference(b);
        ref T cr = ref MemoryMarshal.GetReference(c);
        bool hasA = !a.IsEmpty, hasB = !b.IsEmpty, hasC = !c.IsEmpty;
        for (; i + width <= length; i += width)
        {
            nuint at = (nuint)i;
            var wv = Vector.LoadUnsafe(ref wr, at);
            var av = hasA ? Vector.LoadUnsafe(ref ar, at) : default;
            var bv = hasB ? Vector.LoadUnsafe(ref br, at) : default;
            var cv = hasC ? Vector.LoadUnsafe(ref cr, at) : default;
            rule.Apply(ref wv, Vector.LoadUnsafe(ref gr, at), ref av, ref bv, ref cv);
            wv.StoreUnsafe(ref wr, at);
            if (hasA) av.StoreUnsafe(ref ar, at);
            if (hasB) bv.StoreUnsafe(ref br, at);
            if (hasC) cv.StoreUnsafe(ref cr, at);
        }
        int tail = length - i;
        if (tail == 0) return;
        // The last elements through padded vectors: the padding lanes (whatever the stack held) are computed and dropped.
        Span<T> buffer = stackalloc T[5 * width];
        Span<T> tw = buffer[..width], tg = buffer.Slice(width, width), ta = buffer.Slice(2 * width, width),
            tb = buffer.Slice(3 * width, width), tc = buffer.Slice(4 * width, width);
        w[i..].CopyTo(tw);
        g[i..].CopyTo(tg);
        if (hasA) a[i..].CopyTo(ta);
        if (hasB) b[i..].CopyTo(tb);
        if (hasC) c[i..].CopyTo(tc);
        var wt = new Vector<T>(tw);
        var at2 = hasA ? new Vector<T>(ta) : default;
        var bt = hasB ? new Vector<T>(tb) : default;
        var ct = hasC ? new Vector<T>(tc) : default;
        rule.Apply(ref wt, new Vector<T>(tg), ref at2, ref bt, ref ct);
        wt.CopyTo(tw);
        tw[..tail].CopyTo(w[i..]);
        if (hasA) { at2.CopyTo(ta); ta[..tail].CopyTo(a[i..]); }
        if (hasB) { bt.CopyTo(tb); tb[..tail].CopyTo(b[i..]); }
        if (hasC) { ct.CopyTo(tc); tc[..tail].CopyTo(c[i..]); }
    }

    /// <summary>A double hyperparameter rounded to T, as torch rounds a Python/C# scalar operand to the tensor's dtype.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Constant<T>(double value) where T : unmanaged, IFloatingPointIeee754<T> => new(T.CreateChecked(value));
}
