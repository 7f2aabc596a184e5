using System.Runtime.CompilerServices;
using System.Numerics;
using System.Numerics.Tensors;
using ModelDsl.Kernels;

namespace ModelDsl.Managed;

/// <summary>
/// Keras' GlobalAveragePooling1D/2D and GlobalMaxPooling1D/2D over spans, as <see cref="GlobalPoolingKernel"/>: x
/// (n, steps, channels), steps being the length (1-D) or rows·cols (2-D), to y (n, channels). The max's backward shares
/// each gradient equally among the positions equal to the maximum (torch.amax, Keras' ops.max), from x and y alone.
/// </summary>
public static class GlobalPoolingSpans
{
    /// <summary>y[n, c] = the mean of x[n, ·, c] over the steps, overwriting y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Average<T>(ReadOnlySpan<T> x, Span<T> y, int n, int steps, int channels) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check("GlobalAveragePooling", x.Length, y.Length, n, steps, channels, "x", "y");
        Sum(x, y, n, steps, channels);
        TensorPrimitives.Divide(y, T.CreateTruncating(steps), y);
    }

    /// <summary>dx[n, ·, c] += dy[n, c] / steps (dx empty: nothing to do).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AverageBackward<T>(ReadOnlySpan<T> dy, Span<T> dx, int n, int steps, int channels) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string kernel = "GlobalAveragePoolingBackward";
        Check(kernel, (long)n * steps * channels, dy.Length, n, steps, channels, "x", "dy");
        if (!SpanChecks.Wanted(kernel, dx.Length, (long)n * steps * channels, nameof(dx), "(n, steps, channels)")) return;
        T count = T.CreateTruncating(steps);
        for (int s = 0; s < n; s++)
        {
            var d = dy.Slice(s * channels, channels);
            for (int p = 0; p < steps; p++)
            {
                var into = dx.Slice((s * steps + p) * channels, channels);
                for (int c = 0; c < channels; c++) into[c] += d[c] / count;
            }
        }
    }

    /// <summary>y[n, c] = the maximum of x[n, ·, c] over the steps (NaN if any is NaN, as torch), overwriting y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Max<T>(ReadOnlySpan<T> x, Span<T> y, int n, int steps, int channels) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check("GlobalMaxPooling", x.Length, y.Length, n, steps, channels, "x", "y");
        for (int s = 0; s < n; s++)
        {
            var into = y.Slice(s * channels, channels);
            x.Slice(s * steps * channels, channels).CopyTo(into);
            for (int p = 1; p < steps; p++)
                TensorPrimitives.Max(into, x.Slice((s * steps + p) * channels, channels), into);
        }
    }

    /// <summary>
    /// dx[n, p, c] += dy[n, c] / m where x[n, p, c] equals the maximum y[n, c] and m is the number of such positions
    /// (ties share equally, as the torch kernel); dx empty: nothing to do.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaxBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> dx, int n, int steps, int channels)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string kernel = "GlobalMaxPoolingBackward";
        Check(kernel, x.Length, dy.Length, n, steps, channels, "x", "dy");
        SpanChecks.Length(kernel, y.Length, dy.Length, nameof(y), "(n, channels)");
        if (!SpanChecks.Wanted(kernel, dx.Length, x.Length, nameof(dx), "(n, steps, channels)")) return;
        using var scratch = new Scratch<T>(channels, stackalloc T[Math.Min(channels, 256)]);
        var share = scratch.Span;
        for (int s = 0; s < n; s++)
        {
            var maximum = y.Slice(s * channels, channels);
            share.Clear();
            for (int p = 0; p < steps; p++)
            {
                var v = x.Slice((s * steps + p) * channels, channels);
                for (int c = 0; c < channels; c++)
                    if (v[c] == maximum[c]) share[c] += T.One;
            }
            // share = dy / m; with no position equal (a NaN maximum) m = 0 and, as torch's 0·(dy/0), every position gets NaN.
            TensorPrimitives.Divide(dy.Slice(s * channels, channels), share, share);
            for (int p = 0; p < steps; p++)
            {
                var v = x.Slice((s * steps + p) * channels, channels);
                var into = dx.Slice((s * steps + p) * channels, channels);
                for (int c = 0; c < channels; c++)
                    into[c] += (v[c] == maximum[c] ? T.One : T.Zero) * share[c];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Sum<T>(ReadOnlySpan<T> x, Span<T> y, int n, int steps, int channels) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int s = 0; s < n; s++)
        {
            var into = y.Slice(s * channels, channels);
            x.Slice(s * steps * channels, channels).CopyTo(into);
            for (int p = 1; p < steps; p++)
                TensorPrimitives.Add(into, x.Slice((s * steps + p) * channels, channels), into);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Check(string kernel, long xLength, int yLength, int n, int steps, int channels, string xName, string yName)
    {
        SpanChecks.Size(kernel, nameof(n), n, 0);
        SpanChecks.Size(kernel, nameof(steps), steps);
        SpanChecks.Size(kernel, nameof(channels), channels);
        if (xLength != (long)n * steps * channels)
            throw new ArgumentException($"{kernel}: {xName} has {xLength} elements but its shape (n, steps, channels) needs {(long)n * steps * channels}.", xName);
        SpanChecks.Length(kernel, yLength, (long)n * channels, yName, "(n, channels)");
    }
}
