using static TorchSharp.torch;

namespace ModelDsl.Training;

/// <summary>.NET arrays of any rank to tensors of the same shape.</summary>
internal static class ArrayTensors
{
    /// <summary>float and double arrays become <paramref name="floatType"/> tensors; sbyte, short, int and long arrays
    /// Int64; byte arrays UInt8; bool arrays Bool.</summary>
    /// <exception cref="ArgumentException">Another element type.</exception>
    public static Tensor From(Array array, ScalarType floatType, string name)
    {
        ArgumentNullException.ThrowIfNull(array, name);
        long[] shape = [.. Enumerable.Range(0, array.Rank).Select(i => (long)array.GetLength(i))];
        var element = array.GetType().GetElementType()!;
        Tensor flat = element switch
        {
            _ when element == typeof(float) => tensor(Flatten<float>(array)),
            _ when element == typeof(double) => tensor(Flatten<double>(array)),
            _ when element == typeof(long) => tensor(Flatten<long>(array)),
            _ when element == typeof(int) => tensor(Flatten<int>(array).Select(v => (long)v).ToArray()),
            _ when element == typeof(short) => tensor(Flatten<short>(array).Select(v => (long)v).ToArray()),
            _ when element == typeof(sbyte) => tensor(Flatten<sbyte>(array).Select(v => (long)v).ToArray()),
            _ when element == typeof(byte) => tensor(Flatten<byte>(array)),
            _ when element == typeof(bool) => tensor(Flatten<bool>(array)),
            _ => throw new ArgumentException(
                $"{name} is a {element.Name} array; Fit takes float, double, integer or bool arrays.", name),
        };
        using (flat)
        {
            var shaped = flat.reshape(shape);
            if ((element != typeof(float) && element != typeof(double)) || shaped.dtype == floatType) return shaped;
            using (shaped) return shaped.to_type(floatType);
        }
    }

    private static T[] Flatten<T>(Array array) where T : struct
    {
        var flat = new T[array.Length];
        if (array.Rank == 1 && array is T[] vector) vector.CopyTo(flat, 0);
        else
        {
            int i = 0;
            foreach (T value in array) flat[i++] = value;
        }
        return flat;
    }
}
