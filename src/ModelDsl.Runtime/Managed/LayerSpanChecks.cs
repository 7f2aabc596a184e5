namespace ModelDsl.Managed;

/// <summary>
/// The argument checks of the Family B span kernels, run before any element is touched: every size at least its
/// minimum, every span exactly as long as its sizes say (trace and scratch at least as long), so that no loop reads
/// or writes out of range. Messages name the layer, the argument, the expected length as a formula of the sizes
/// and the actual length.
/// </summary>
internal static class LayerSpanChecks
{
    /// <summary>A size of at least <paramref name="minimum"/> (1 unless stated).</summary>
    public static void Size(string layer, string name, int value, int minimum = 1)
    {
        if (value < minimum)
            throw new ArgumentOutOfRangeException(name, value, $"{layer}: {name} must be at least {minimum}; got {value}.");
    }

    /// <summary>
    /// The product of <paramref name="factors"/> as an int; a product beyond int.MaxValue cannot be a span's length, so it
    /// is refused with the sizes named.
    /// </summary>
    public static int Product(string layer, string formula, params ReadOnlySpan<int> factors)
    {
        long product = 1;
        foreach (int f in factors)
        {
            product *= f;
            if (product > int.MaxValue)
                throw new ArgumentOutOfRangeException(formula, $"{layer}: {formula} exceeds {int.MaxValue} elements, more than a span holds.");
        }
        return (int)product;
    }

    /// <summary>A span of exactly <paramref name="expected"/> values.</summary>
    public static void Length(string layer, string name, int length, int expected, string formula)
    {
        if (length != expected)
            throw new ArgumentException($"{layer}: {name} must hold {formula} = {expected} values; got {length}.", name);
    }

    /// <summary>An optional span: empty (not needed, or absent) or exactly <paramref name="expected"/> values.</summary>
    public static void Optional(string layer, string name, int length, int expected, string formula, string emptyMeans)
    {
        if (length != 0 && length != expected)
            throw new ArgumentException($"{layer}: {name} must hold {formula} = {expected} values, or be empty ({emptyMeans}); got {length}.", name);
    }

    /// <summary>A buffer (trace, scratch) of at least <paramref name="expected"/> values, sized by <paramref name="how"/>.</summary>
    public static void AtLeast(string layer, string name, int length, int expected, string how)
    {
        if (length < expected)
            throw new ArgumentException($"{layer}: {name} must hold at least {how} = {expected} values; got {length}.", name);
    }
}
