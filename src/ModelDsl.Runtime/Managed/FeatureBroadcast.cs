using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ModelDsl.Managed;

/// <summary>
/// An element-wise rule y = f(x, z, a, b), on vectors and on scalars (the same arithmetic), for <see cref="ElementWise.Map"/>
/// (four values of one length) and <see cref="FeatureBroadcast.Rows"/> (a and b per feature, broadcast over rows).
/// </summary>
internal interface IElementRule<T> where T : unmanaged
{
    static abstract Vector<T> Apply(Vector<T> x, Vector<T> z, Vector<T> a, Vector<T> b);
    static abstract T Apply(T x, T z, T a, T b);
}

/// <summary>
/// y[r, f] = rule(x[r, f], z[r, f], a[f], b[f]) over flat (rows, features) spans, vectorised whatever the width: wide rows
/// run along each row; narrow ones (a handful of features, as the stock lab's five) run over the flat span against a
/// tile of a and b repeated <see cref="Vector{T}.Count"/> times, so that every vector lines up with its features. A
/// call per row on five-element spans cost 30 µs for the lab's 2,525 rows; this, under 2.
/// </summary>
[SkipLocalsInit]
internal static class FeatureBroadcast
{
    /// <summary>Features below which the tile path runs (the tile, features × lanes, stays on the stack).</summary>
    private const int NarrowFeatures = 64;

    /// <summary>x, z and y of rows·features (y's length decides), a and b of features; anything shorter throws.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows<T, TRule>(ReadOnlySpan<T> x, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y, int features)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TRule : IElementRule<T>
    {
        int length = y.Length, w = Vector<T>.Count;
        if (features <= 0 || length == 0) return;
        if (x.Length < length || z.Length < length || a.Length < features || b.Length < features || length % features != 0)
            throw new ArgumentException($"FeatureBroadcast.Rows: {length} values are not whole rows of {features}, or an input is shorter.");
        ref T xs = ref MemoryMarshal.GetReference(x), zs = ref MemoryMarshal.GetReference(z), ys = ref MemoryMarshal.GetReference(y);
        if (features >= NarrowFeatures)
        {
            for (int row = 0; row < length; row += features)
            {
                int f = 0;
                for (; f + w <= features; f += w)
                {
                    nint i = row + f;
                    TRule.Apply(Vector.LoadUnsafe(ref xs, (nuint)i), Vector.LoadUnsafe(ref zs, (nuint)i),
                        Vector.LoadUnsafe(ref MemoryMarshal.GetReference(a), (nuint)f), Vector.LoadUnsafe(ref MemoryMarshal.GetReference(b), (nuint)f))
                        .StoreUnsafe(ref ys, (nuint)i);
                }
                for (; f < features; f++) y[row + f] = TRule.Apply(x[row + f], z[row + f], a[f], b[f]);
            }
            return;
        }
        int tile = features * w;
        Span<T> aTile = stackalloc T[tile], bTile = stackalloc T[tile];
        for (int i = 0; i < tile; i++)
        {
            aTile[i] = a[i % features];
            bTile[i] = b[i % features];
        }
        ref T at = ref MemoryMarshal.GetReference(aTile), bt = ref MemoryMarshal.GetReference(bTile);
        int start = 0;
        for (; start + tile <= length; start += tile)
            for (int v = 0; v < tile; v += w)
            {
                nuint i = (nuint)(start + v);
                TRule.Apply(Vector.LoadUnsafe(ref xs, i), Vector.LoadUnsafe(ref zs, i), Vector.LoadUnsafe(ref at, (nuint)v), Vector.LoadUnsafe(ref bt, (nuint)v))
                    .StoreUnsafe(ref ys, i);
            }
        // The tail: fewer than a tile's elements, starting on a row boundary (a tile is a whole number of rows).
        for (int i = start; i < length; i++) y[i] = TRule.Apply(x[i], z[i], aTile[i - start], bTile[i - start]);
    }
}

/// <summary>y[i] = rule(x[i], z[i], a[i], b[i]) over spans of one length (the caller's to check), a vector at a time.</summary>
internal static class ElementWise
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Map<T, TRule>(ReadOnlySpan<T> x, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TRule : IElementRule<T>
    {
        int length = y.Length, w = Vector<T>.Count, i = 0;
        if (x.Length < length || z.Length < length || a.Length < length || b.Length < length)
            throw new ArgumentException("ElementWise.Map: an input is shorter than the output.");
        ref T xs = ref MemoryMarshal.GetReference(x), zs = ref MemoryMarshal.GetReference(z), ys = ref MemoryMarshal.GetReference(y);
        ref T @as = ref MemoryMarshal.GetReference(a), bs = ref MemoryMarshal.GetReference(b);
        for (; i + w <= length; i += w)
            TRule.Apply(Vector.LoadUnsafe(ref xs, (nuint)i), Vector.LoadUnsafe(ref zs, (nuint)i), Vector.LoadUnsafe(ref @as, (nuint)i), Vector.LoadUnsafe(ref bs, (nuint)i))
                .StoreUnsafe(ref ys, (nuint)i);
        for (; i < length; i++) y[i] = TRule.Apply(x[i], z[i], a[i], b[i]);
    }
}
