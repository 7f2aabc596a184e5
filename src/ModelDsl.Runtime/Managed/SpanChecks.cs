namespace ModelDsl.Managed;

/// <summary>Size and length checks shared by the span kernels: every message names the kernel, the span or size, what
/// was expected and what came. Run before any element is touched, so a kernel never reads or writes out of range.</summary>
internal static class SpanChecks
{
    /// <summary>Throws unless every size is at least 0.</summary>
    public static void Sizes(string kernel, int a, string aName, int b = 0, string bName = "", int c = 0, string cName = "")
    {
        if (a < 0) throw Negative(kernel, aName, a);
        if (b < 0) throw Negative(kernel, bName, b);
        if (c < 0) throw Negative(kernel, cName, c);
    }

    /// <summary>Throws unless <paramref name="size"/> is at least 1.</summary>
    public static void Positive(string kernel, int size, string name)
    {
        if (size < 1) throw new ArgumentOutOfRangeException(name, size, $"{kernel}: {name} must be at least 1; got {size}.");
    }

    /// <summary>Throws unless the span has <paramref name="expected"/> elements (the product of its sizes, <paramref name="shape"/>).</summary>
    public static void Length(string kernel, int actual, long expected, string name, string shape)
    {
        if (actual != expected)
            throw new ArgumentException($"{kernel}: {name} has {actual} elements but its shape {shape} needs {expected}.", name);
    }

    /// <summary>
    /// For a gradient the caller may not need: false for an empty span ("not needed": skip the work), true when it has
    /// <paramref name="expected"/> elements; any other length throws.
    /// </summary>
    public static bool Wanted(string kernel, int actual, long expected, string name, string shape)
    {
        if (actual == 0) return false;
        Length(kernel, actual, expected, name, shape);
        return true;
    }

    /// <summary>Throws unless <paramref name="length"/> splits into rows of <paramref name="width"/> (width ≥ 1).</summary>
    public static void Rows(string kernel, int length, int width, string name)
    {
        Positive(kernel, width, nameof(width));
        if (length % width != 0)
            throw new ArgumentException($"{kernel}: {name} has {length} elements, not a whole number of rows of width {width}.", name);
    }

    private static ArgumentOutOfRangeException Negative(string kernel, string name, int value) =>
        new(name, value, $"{kernel}: {name} must not be negative; got {value}.");
}
