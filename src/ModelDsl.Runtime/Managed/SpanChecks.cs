using System.Runtime.CompilerServices;
namespace ModelDsl.Managed;

/// <summary>Size and length checks shared by the span kernels: every message names the kernel, the span or size, what
/// was expected (for a length, as a formula of the sizes) and what came. Run before any element is touched, so a kernel
/// never reads or writes out of range.</summary>
internal static class SpanChecks
{
    /// <summary>Throws unless every size is at least 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sizes(string kernel, int a, string aName, int b = 0, string bName = "", int c = 0, string cName = "")
    {
        if (a < 0) throw Negative(kernel, aName, a);
        if (b < 0) throw Negative(kernel, bName, b);
        if (c < 0) throw Negative(kernel, cName, c);
    }

    /// <summary>Throws unless <paramref name="size"/> is at least 1.</summary>
    public static void Positive(string kernel, int size, string name) => Size(kernel, name, size);

    /// <summary>Throws unless the span has <paramref name="expected"/> elements (the product of its sizes, <paramref name="shape"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Length(string kernel, int actual, long expected, string name, string shape)
    {
        if (actual != expected)
            throw new ArgumentException($"{kernel}: {name} has {actual} elements but its shape {shape} needs {expected}.", name);
    }

    /// <summary>As the string overload, with the shape written only when the check fails: an interpolated shape such as
    /// $"(n, width) = ({n}, {width})" would otherwise be formatted on every kernel call.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Length(string kernel, int actual, long expected, string name,
        [InterpolatedStringHandlerArgument("actual", "expected")] ref ShapeOnFailure shape)
    {
        if (actual != expected) Length(kernel, actual, expected, name, shape.ToStringAndClear());
    }

    /// <summary>
    /// For a gradient the caller may not need: false for an empty span ("not needed": skip the work), true when it has
    /// <paramref name="expected"/> elements; any other length throws.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool Wanted(string kernel, int actual, long expected, string name, string shape)
    {
        if (actual == 0) return false;
        Length(kernel, actual, expected, name, shape);
        return true;
    }

    /// <summary>Throws unless <paramref name="length"/> splits into rows of <paramref name="width"/> (width ≥ 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows(string kernel, int length, int width, string name)
    {
        Positive(kernel, width, nameof(width));
        if (length % width != 0)
            throw new ArgumentException($"{kernel}: {name} has {length} elements, not a whole number of rows of width {width}.", name);
    }

    /// <summary>A size of at least <paramref name="minimum"/> (1 unless stated).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Size(string layer, string name, int value, int minimum = 1)
    {
        if (value < minimum)
            throw new ArgumentOutOfRangeException(name, value, $"{layer}: {name} must be at least {minimum}; got {value}.");
    }

    /// <summary>
    /// The product of <paramref name="factors"/> as an int; a product beyond int.MaxValue cannot be a span's length, so it
    /// is refused with the sizes named.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Length(string layer, string name, int length, int expected, string formula)
    {
        if (length != expected)
            throw new ArgumentException($"{layer}: {name} must hold {formula} = {expected} values; got {length}.", name);
    }

    /// <summary>An optional span: empty (not needed, or absent) or exactly <paramref name="expected"/> values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Optional(string layer, string name, int length, int expected, string formula, string emptyMeans)
    {
        if (length != 0 && length != expected)
            throw new ArgumentException($"{layer}: {name} must hold {formula} = {expected} values, or be empty ({emptyMeans}); got {length}.", name);
    }

    /// <summary>A buffer (trace, scratch) of at least <paramref name="expected"/> values, sized by <paramref name="how"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AtLeast(string layer, string name, int length, int expected, string how)
    {
        if (length < expected)
            throw new ArgumentException($"{layer}: {name} must hold at least {how} = {expected} values; got {length}.", name);
    }

    private static ArgumentOutOfRangeException Negative(string kernel, string name, int value) =>
        new(name, value, $"{kernel}: {name} must not be negative; got {value}.");
}

/// <summary>The text of a shape for <see cref="SpanChecks.Length(string, int, long, string, ref ShapeOnFailure)"/>,
/// formatted only when the lengths differ.</summary>
[InterpolatedStringHandler]
internal ref struct ShapeOnFailure
{
    private DefaultInterpolatedStringHandler _text;
    private readonly bool _failed;

    public ShapeOnFailure(int literalLength, int formattedCount, int actual, long expected, out bool shouldAppend)
    {
        _failed = shouldAppend = actual != expected;
        _text = _failed ? new DefaultInterpolatedStringHandler(literalLength, formattedCount) : default;
    }

    public void AppendLiteral(string value) => _text.AppendLiteral(value);

    public void AppendFormatted<TValue>(TValue value) => _text.AppendFormatted(value);

    public string ToStringAndClear() => _failed ? _text.ToStringAndClear() : "";
}
