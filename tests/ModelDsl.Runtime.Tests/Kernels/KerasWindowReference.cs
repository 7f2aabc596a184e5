using ModelDsl.Kernels;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Kernels;

/// <summary>
/// Keras' convolution and pooling (keras-catalogue.md §5) as loops over plain double arrays: the forward truth for the
/// kernels, independent of torch and of the runtime's ConvolutionGeometry. Also the same padding, as torch ops, for the
/// autograd references of the backward tests. Channels-last throughout; a 1-D case is the 2-D one with one row.
/// </summary>
internal static class KerasWindowReference
{
    /// <summary>One axis as Keras defines it: the output length and the padding before (the rest goes after).</summary>
    public static (int Output, int Before, int After) Layout(int length, int window, int stride, int dilation, Padding padding)
    {
        int span = dilation * (window - 1) + 1;
        switch (padding)
        {
            case Padding.Valid:
                return ((int)Math.Floor((length - span) / (double)stride) + 1, 0, 0);
            case Padding.Same:
            {
                int output = (int)Math.Ceiling(length / (double)stride);
                int total = Math.Max((output - 1) * stride + span - length, 0);
                return (output, total / 2, total - total / 2);
            }
            case Padding.Causal:
            {
                // Left-pad d·(k−1) zeros, then valid.
                int padded = length + dilation * (window - 1);
                return ((int)Math.Floor((padded - span) / (double)stride) + 1, dilation * (window - 1), 0);
            }
            default: throw new ArgumentOutOfRangeException(nameof(padding));
        }
    }

    /// <summary>y[n,i,j,f] = b[f] + Σ_a Σ_b Σ_c x[n, i·sr + a·dr − top, j·sc + b·dc − left, c]·K[a,b,c,f], x = 0 outside.</summary>
    public static Tensor Conv2D(Tensor x, Tensor kernel, Tensor? bias, int sr, int sc, Padding padding, int dr, int dc)
    {
        int n = (int)x.size(0), h = (int)x.size(1), w = (int)x.size(2), c = (int)x.size(3);
        int kh = (int)kernel.size(0), kw = (int)kernel.size(1), f = (int)kernel.size(3);
        var xs = Values(x);
        var ks = Values(kernel);
        var bs = bias is null ? new double[f] : Values(bias);
        var (ho, top, _) = Layout(h, kh, sr, dr, padding);
        var (wo, left, _) = Layout(w, kw, sc, dc, padding);
        var y = new double[n * ho * wo * f];
        for (int b0 = 0; b0 < n; b0++)
        for (int i = 0; i < ho; i++)
        for (int j = 0; j < wo; j++)
        for (int o = 0; o < f; o++)
        {
            double sum = bs[o];
            for (int a = 0; a < kh; a++)
            for (int b = 0; b < kw; b++)
            {
                int row = i * sr + a * dr - top, col = j * sc + b * dc - left;
                if (row < 0 || row >= h || col < 0 || col >= w) continue;
                for (int ch = 0; ch < c; ch++)
                    sum += xs[((b0 * h + row) * w + col) * c + ch] * ks[((a * kw + b) * c + ch) * f + o];
            }
            y[((b0 * ho + i) * wo + j) * f + o] = sum;
        }
        return tensor(y, dtype: ScalarType.Float64).reshape(n, ho, wo, f);
    }

    /// <summary>Conv1D: the 2-D formula with one row.</summary>
    public static Tensor Conv1D(Tensor x, Tensor kernel, Tensor? bias, int stride, Padding padding, int dilation) =>
        Conv2D(x.unsqueeze(1), kernel.unsqueeze(0), bias, 1, stride, padding, 1, dilation).squeeze(1);

    /// <summary>
    /// Max (padding never wins: −∞) or average pooling over the real elements of each window; the average divides by
    /// pr·pc for valid padding and by the number of real elements for same padding.
    /// </summary>
    public static Tensor Pool2D(Tensor x, int pr, int pc, int sr, int sc, Padding padding, bool max)
    {
        int n = (int)x.size(0), h = (int)x.size(1), w = (int)x.size(2), c = (int)x.size(3);
        var xs = Values(x);
        var (ho, top, _) = Layout(h, pr, sr, 1, padding);
        var (wo, left, _) = Layout(w, pc, sc, 1, padding);
        var y = new double[n * ho * wo * c];
        for (int b0 = 0; b0 < n; b0++)
        for (int i = 0; i < ho; i++)
        for (int j = 0; j < wo; j++)
        for (int ch = 0; ch < c; ch++)
        {
            double best = double.NegativeInfinity, sum = 0;
            int real = 0;
            for (int a = 0; a < pr; a++)
            for (int b = 0; b < pc; b++)
            {
                int row = i * sr + a - top, col = j * sc + b - left;
                if (row < 0 || row >= h || col < 0 || col >= w) continue;
                double v = xs[((b0 * h + row) * w + col) * c + ch];
                best = Math.Max(best, v);
                sum += v;
                real++;
            }
            y[((b0 * ho + i) * wo + j) * c + ch] = max ? best : sum / (padding == Padding.Same ? real : pr * pc);
        }
        return tensor(y, dtype: ScalarType.Float64).reshape(n, ho, wo, c);
    }

    /// <summary>Pooling over steps: the 2-D loops with one row.</summary>
    public static Tensor Pool1D(Tensor x, int p, int s, Padding padding, bool max) =>
        Pool2D(x.unsqueeze(1), 1, p, 1, s, padding, max).squeeze(1);

    /// <summary>Channels-last x (N, H, W, C) as channels-first (N, C, Hp, Wp), padded with <paramref name="value"/> as Keras pads.</summary>
    public static Tensor PadChannelsFirst2D(Tensor x, (int Before, int After) rows, (int Before, int After) cols, double value = 0) =>
        nn.functional.pad(x.permute(0, 3, 1, 2), [cols.Before, cols.After, rows.Before, rows.After], value: value);

    /// <summary>Channels-last x (N, L, C) as channels-first (N, C, Lp), padded with <paramref name="value"/> as Keras pads.</summary>
    public static Tensor PadChannelsFirst1D(Tensor x, (int Before, int After) steps, double value = 0) =>
        nn.functional.pad(x.permute(0, 2, 1), [steps.Before, steps.After], value: value);

    public static (int Before, int After) Pads(int length, int window, int stride, int dilation, Padding padding)
    {
        var (_, before, after) = Layout(length, window, stride, dilation, padding);
        return (before, after);
    }

    /// <summary>Same shape (the case named in the failure) and values within 1e-12 of the scale.</summary>
    public static void AssertMatches(Tensor expected, Tensor actual, string what)
    {
        Assert.True(expected.shape.SequenceEqual(actual.shape),
            $"{what}: shape [{string.Join(", ", actual.shape)}], expected [{string.Join(", ", expected.shape)}]");
        GradientCheck.AssertClose(expected, actual, 1e-12, what);
    }

    private static double[] Values(Tensor t) => t.contiguous().data<double>().ToArray();
}
