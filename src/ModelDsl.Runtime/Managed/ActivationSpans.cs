using System.Runtime.CompilerServices;
using System.Numerics;
using System.Numerics.Tensors;
using ModelDsl.Kernels;

namespace ModelDsl.Managed;

/// <summary>
/// The Keras activations over spans, the same math as <see cref="ActivationKernel"/>: element-wise, except Softmax over
/// rows of the last axis (<c>width</c>). Forward overwrites y; Backward adds into dx (an empty dx: nothing to do).
/// </summary>
// Chunk buffers on the stack are written before they are read: no zeroing.
[System.Runtime.CompilerServices.SkipLocalsInit]
public static class ActivationSpans
{
    private const string Kernel = nameof(ActivationSpans);

    /// <summary>Elements of a row chunk kept on the stack.</summary>
    internal const int Chunk = 256;

    /// <summary>
    /// y = activation(x), x and y of one length, a whole number of rows of <paramref name="width"/> (the last axis).
    /// Softmax: exp(x − max)/Σexp(x − max) per row; LeakyRelu: max(x, 0.2x); Gelu: 0.5x(1 + erf(x/√2)); Swish: x·σ(x);
    /// Softplus: x above 20, else log(1 + eˣ) (torch's threshold); Linear copies.
    /// </summary>
    /// <exception cref="ArgumentException">Lengths that differ or are not whole rows.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An unknown activation, or width below 1.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T>(Activation activation, ReadOnlySpan<T> x, Span<T> y, int width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(Kernel, x.Length, y.Length, "y", width);
        switch (activation)
        {
            case Activation.Linear: x.CopyTo(y); break;
            case Activation.Relu: TensorPrimitives.Max(x, T.Zero, y); break;
            case Activation.Selu: ElementWise.Map<T, SeluForward<T>>(x, x, x, x, y); break;
            case Activation.Elu: ElementWise.Map<T, EluForward<T>>(x, x, x, x, y); break;
            case Activation.Tanh: TensorPrimitives.Tanh(x, y); break;
            case Activation.Sigmoid: TensorPrimitives.Sigmoid(x, y); break;
            case Activation.Softplus:
                T threshold = T.CreateTruncating(20);
                for (int i = 0; i < x.Length; i++) y[i] = x[i] > threshold ? x[i] : ElementMath.LogOnePlus(T.Exp(x[i]));
                break;
            case Activation.Softmax: Softmax(x, y, width, log: false); break;
            case Activation.LeakyRelu: ElementWise.Map<T, LeakyReluForward<T>>(x, x, x, x, y); break;
            case Activation.Gelu:
                T half = T.CreateTruncating(0.5);
                for (int i = 0; i < x.Length; i++)
                    y[i] = x[i] * half * (T.One + T.CreateTruncating(ElementMath.Erf(double.CreateTruncating(x[i]) * InverseSqrt2)));
                break;
            case Activation.Swish:
                for (int i = 0; i < x.Length; i++) y[i] = x[i] / (T.One + T.Exp(-x[i]));
                break;
            default: throw Unknown(activation);
        }
    }

    /// <summary>
    /// dx += dL/dx from dy, the forward input x and output y (all of one length, rows of <paramref name="width"/>).
    /// Softmax: y ⊙ (dy − Σ_row dy ⊙ y); Softplus: dy·σ(x); Gelu: dy·(Φ(x) + x·φ(x)); Swish: dy·(σ + y(1 − σ)). At the
    /// kinks (x = 0 of Relu, Selu, Elu, LeakyRelu) the x ≤ 0 side, as <see cref="ActivationKernel.Backward"/>.
    /// An empty dx: nothing to do.
    /// </summary>
    /// <exception cref="ArgumentException">Lengths that differ or are not whole rows.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An unknown activation, or width below 1.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<T>(Activation activation, ReadOnlySpan<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> dx, int width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckBackward(Kernel, dy.Length, x.Length, y.Length, width);
        if (!SpanChecks.Wanted(Kernel, dx.Length, x.Length, nameof(dx), "(the length of x)")) return;
        T one = T.One;
        switch (activation)
        {
            case Activation.Linear: TensorPrimitives.Add(dx, dy, dx); break;
            case Activation.Relu: ElementWise.Map<T, ReluBackward<T>>(dy, x, y, dx, dx); break;
            case Activation.Selu: ElementWise.Map<T, SeluBackward<T>>(dy, x, y, dx, dx); break;
            case Activation.Elu: ElementWise.Map<T, EluBackward<T>>(dy, x, y, dx, dx); break;
            case Activation.Tanh or Activation.Sigmoid:
                // dx += dy·(1 − y²) or dy·(y(1 − y)), a chunk of the factor at a time on the stack.
                Span<T> factor = stackalloc T[Chunk];
                for (int start = 0; start < dx.Length; start += Chunk)
                {
                    int length = Math.Min(Chunk, dx.Length - start);
                    ReadOnlySpan<T> output = y.Slice(start, length);
                    Span<T> f = factor[..length], target = dx.Slice(start, length);
                    if (activation == Activation.Tanh)
                    {
                        TensorPrimitives.Multiply(output, output, f);
                        TensorPrimitives.Subtract(one, f, f);
                    }
                    else
                    {
                        TensorPrimitives.Subtract(one, output, f);
                        TensorPrimitives.Multiply(f, output, f);
                    }
                    TensorPrimitives.MultiplyAdd(dy.Slice(start, length), f, target, target);
                }
                break;
            case Activation.Softplus:
                for (int i = 0; i < dx.Length; i++) dx[i] += dy[i] * Simd.Sigmoid(x[i]);
                break;
            case Activation.Softmax:
                for (int r = 0; r < dx.Length; r += width)
                {
                    ReadOnlySpan<T> g = dy.Slice(r, width), s = y.Slice(r, width);
                    T dot = TensorPrimitives.Dot(g, s);
                    for (int i = 0; i < width; i++) dx[r + i] += s[i] * (g[i] - dot);
                }
                break;
            case Activation.LeakyRelu: ElementWise.Map<T, LeakyReluBackward<T>>(dy, x, y, dx, dx); break;
            case Activation.Gelu:
                T half = T.CreateTruncating(0.5), density = T.CreateTruncating(InverseSqrt2Pi);
                for (int i = 0; i < dx.Length; i++)
                {
                    T cdf = half * (one + T.CreateTruncating(ElementMath.Erf(double.CreateTruncating(x[i]) * InverseSqrt2)));
                    dx[i] += dy[i] * (cdf + x[i] * T.Exp(x[i] * x[i] * -half) * density);
                }
                break;
            case Activation.Swish:
                for (int i = 0; i < dx.Length; i++)
                {
                    T sigmoid = Simd.Sigmoid(x[i]);
                    dx[i] += dy[i] * (sigmoid + y[i] * (one - sigmoid));
                }
                break;
            default: throw Unknown(activation);
        }
    }

    /// <summary>1/√2.</summary>
    private const double InverseSqrt2 = 0.70710678118654752440;

    /// <summary>1/√(2π).</summary>
    private const double InverseSqrt2Pi = 0.39894228040143267794;

    // The piecewise activations as element rules (vector and scalar arithmetic the same), run by ElementWise.Map. Forward
    // reads its x as the rule's first value; backward's values are (dy, x, y, dx) and it returns the new dx. At the kink
    // x = 0 the x ≤ 0 side, as ActivationKernel.Backward.

    private readonly struct SeluForward<T> : IElementRule<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private static T Scale => T.CreateTruncating(ActivationKernel.SeluScale);
        private static T Negative => T.CreateTruncating(ActivationKernel.SeluScale * ActivationKernel.SeluAlpha);
        public static Vector<T> Apply(Vector<T> x, Vector<T> z, Vector<T> a, Vector<T> b) =>
            Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<T>.Zero), x * Scale, Simd.ExpMinusOne(x) * Negative);
        public static T Apply(T x, T z, T a, T b) => x > T.Zero ? x * Scale : ElementMath.ExpMinusOne(x) * Negative;
    }

    private readonly struct EluForward<T> : IElementRule<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private static T Alpha => T.CreateTruncating(ActivationKernel.EluAlpha);
        public static Vector<T> Apply(Vector<T> x, Vector<T> z, Vector<T> a, Vector<T> b) =>
            Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<T>.Zero), x, Simd.ExpMinusOne(x) * Alpha);
        public static T Apply(T x, T z, T a, T b) => x > T.Zero ? x : ElementMath.ExpMinusOne(x) * Alpha;
    }

    private readonly struct LeakyReluForward<T> : IElementRule<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private static T Slope => T.CreateTruncating(ActivationKernel.LeakyReluNegativeSlope);
        public static Vector<T> Apply(Vector<T> x, Vector<T> z, Vector<T> a, Vector<T> b) =>
            Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<T>.Zero), x, x * Slope);
        public static T Apply(T x, T z, T a, T b) => x > T.Zero ? x : x * Slope;
    }

    /// <summary>dx + dy·[x &gt; 0] (a multiplication by the mask, so that an infinite dy on the flat side gives NaN, as torch).</summary>
    private readonly struct ReluBackward<T> : IElementRule<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static Vector<T> Apply(Vector<T> dy, Vector<T> x, Vector<T> y, Vector<T> dx) =>
            dx + dy * Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<T>.Zero), Vector<T>.One, Vector<T>.Zero);
        public static T Apply(T dy, T x, T y, T dx) => dx + dy * (x > T.Zero ? T.One : T.Zero);
    }

    private readonly struct SeluBackward<T> : IElementRule<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private static T Scale => T.CreateTruncating(ActivationKernel.SeluScale);
        private static T Offset => T.CreateTruncating(ActivationKernel.SeluScale * ActivationKernel.SeluAlpha);
        public static Vector<T> Apply(Vector<T> dy, Vector<T> x, Vector<T> y, Vector<T> dx) =>
            dx + Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<T>.Zero), dy * Scale, dy * (y + new Vector<T>(Offset)));
        public static T Apply(T dy, T x, T y, T dx) => dx + (x > T.Zero ? dy * Scale : dy * (y + Offset));
    }

    private readonly struct EluBackward<T> : IElementRule<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private static T Alpha => T.CreateTruncating(ActivationKernel.EluAlpha);
        public static Vector<T> Apply(Vector<T> dy, Vector<T> x, Vector<T> y, Vector<T> dx) =>
            dx + Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<T>.Zero), dy, dy * (y + new Vector<T>(Alpha)));
        public static T Apply(T dy, T x, T y, T dx) => dx + (x > T.Zero ? dy : dy * (y + Alpha));
    }

    private readonly struct LeakyReluBackward<T> : IElementRule<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private static T Slope => T.CreateTruncating(ActivationKernel.LeakyReluNegativeSlope);
        public static Vector<T> Apply(Vector<T> dy, Vector<T> x, Vector<T> y, Vector<T> dx) =>
            dx + Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<T>.Zero), dy, dy * Slope);
        public static T Apply(T dy, T x, T y, T dx) => dx + (x > T.Zero ? dy : dy * Slope);
    }

    /// <summary>Softmax (or log-softmax) over each row of <paramref name="width"/>, stabilised by the row maximum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Softmax<T>(ReadOnlySpan<T> x, Span<T> y, int width, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> chunk = stackalloc T[Chunk];
        for (int r = 0; r < x.Length; r += width)
        {
            ReadOnlySpan<T> row = x.Slice(r, width);
            Span<T> output = y.Slice(r, width);
            T max = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max, output);
            if (log)
            {
                // log_softmax = (x − max) − log Σ exp(x − max); the exponentials summed a chunk at a time.
                T sum = T.Zero;
                for (int i = 0; i < width; i += Chunk)
                {
                    int length = Math.Min(Chunk, width - i);
                    TensorPrimitives.Exp(output.Slice(i, length), chunk[..length]);
                    sum += TensorPrimitives.Sum<T>(chunk[..length]);
                }
                TensorPrimitives.Subtract(output, T.Log(sum), output);
            }
            else
            {
                TensorPrimitives.Exp(output, output);
                TensorPrimitives.Divide(output, TensorPrimitives.Sum<T>(output), output);
            }
        }
    }

    /// <summary>Checks x and its output of one length, in whole rows of width (≥ 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Check(string kernel, int xLength, int yLength, string yName, int width)
    {
        SpanChecks.Rows(kernel, xLength, width, "x");
        SpanChecks.Length(kernel, yLength, xLength, yName, "(the length of x)");
    }

    /// <summary>Checks dy, x and y of one length, in whole rows of width (≥ 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void CheckBackward(string kernel, int dyLength, int xLength, int yLength, int width)
    {
        Check(kernel, xLength, dyLength, "dy", width);
        SpanChecks.Length(kernel, yLength, xLength, "y", "(the length of x)");
    }

    private static ArgumentOutOfRangeException Unknown(Activation activation) =>
        new(nameof(activation), activation, $"{Kernel}: unknown activation '{activation}'.");
}
