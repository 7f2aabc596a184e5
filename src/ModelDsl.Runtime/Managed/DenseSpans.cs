using System.Runtime.CompilerServices;
using System.Numerics;

namespace ModelDsl.Managed;

/// <summary>Keras' Dense without its activation over spans: y (n, units) = x (n, inputs) · kernel (inputs, units) + bias.</summary>
public static class DenseSpans
{
    private const string Kernel = nameof(DenseSpans);

    /// <summary>y = x·kernel + bias (bias empty: none), overwriting y. x (n, inputs), kernel (inputs, units) as Keras
    /// stores it, bias (units), y (n, units).</summary>
    /// <exception cref="ArgumentException">A span whose length is not the product of its sizes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative size.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> kernel, ReadOnlySpan<T> bias, Span<T> y, int n, int inputs, int units)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        MatMulSpans.Check(Kernel, n, inputs, units, nameof(n), nameof(inputs), nameof(units));
        SpanChecks.Length(Kernel, x.Length, (long)n * inputs, nameof(x), "(n, inputs)");
        SpanChecks.Length(Kernel, kernel.Length, (long)inputs * units, nameof(kernel), "(inputs, units)");
        SpanChecks.Wanted(Kernel, bias.Length, units, nameof(bias), "(units)");
        SpanChecks.Length(Kernel, y.Length, (long)n * units, nameof(y), "(n, units)");
        MatMulSpans.Product(x, kernel, bias, y, n, inputs, units);
    }

    /// <summary>
    /// The vector-Jacobian product for the upstream gradient dy (n, units), added into each gradient span:
    /// dx (n, inputs) += dy·kernelᵀ, dKernel (inputs, units) += xᵀ·dy, dBias (units) += Σₙ dy. An empty gradient span
    /// is not computed (dx of a first layer, a layer without bias).
    /// </summary>
    /// <exception cref="ArgumentException">A span whose length is not the product of its sizes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative size.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> kernel, Span<T> dx, Span<T> dKernel, Span<T> dBias,
        int n, int inputs, int units)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        MatMulSpans.Check(Kernel, n, inputs, units, nameof(n), nameof(inputs), nameof(units));
        SpanChecks.Length(Kernel, dy.Length, (long)n * units, nameof(dy), "(n, units)");
        SpanChecks.Length(Kernel, x.Length, (long)n * inputs, nameof(x), "(n, inputs)");
        SpanChecks.Length(Kernel, kernel.Length, (long)inputs * units, nameof(kernel), "(inputs, units)");
        bool wantX = SpanChecks.Wanted(Kernel, dx.Length, (long)n * inputs, nameof(dx), "(n, inputs)");
        bool wantKernel = SpanChecks.Wanted(Kernel, dKernel.Length, (long)inputs * units, nameof(dKernel), "(inputs, units)");
        bool wantBias = SpanChecks.Wanted(Kernel, dBias.Length, units, nameof(dBias), "(units)");
        if (wantX) MatMulSpans.InputGradient(dy, kernel, dx, n, inputs, units);
        if (wantKernel) MatMulSpans.WeightGradient(dy, x, dKernel, n, inputs, units);
        if (wantBias) MatMulSpans.ColumnSums(dy, dBias, n, units);
    }
}
