using System.Numerics;
using ModelDsl.Managed;

namespace ModelDsl.Runtime.Tests.Managed;

/// <summary>The vector exponential the recurrent cells and activations use, against the correctly rounded one.</summary>
public class SimdTests
{
    /// <summary>Units in the last place between a and b (same sign, finite).</summary>
    private static long Ulps(float a, float b) => Math.Abs((long)BitConverter.SingleToInt32Bits(a) - BitConverter.SingleToInt32Bits(b));

    [Fact]
    public void Float_exp_is_within_two_ulp_of_the_rounded_value_over_its_whole_normal_range()
    {
        long worst = 0;
        float worstAt = 0;
        int w = Vector<float>.Count;
        var lanes = new float[w];
        // Every 97th float bit pattern from −87.3 to 88.7 (about 1.4 million arguments), and the edges.
        var arguments = new List<float> { -87.33654f, -87.3f, -1e-30f, 0f, 1e-30f, 88.7f, 88.72283f, 0.5f * MathF.Log(2), -0.5f * MathF.Log(2) };
        for (int bits = BitConverter.SingleToInt32Bits(1e-30f); bits < BitConverter.SingleToInt32Bits(88.72f); bits += 97)
        {
            float v = BitConverter.Int32BitsToSingle(bits);
            arguments.Add(v);
            if (v < 87.33f) arguments.Add(-v);
        }
        for (int start = 0; start < arguments.Count; start += w)
        {
            for (int j = 0; j < w; j++) lanes[j] = arguments[Math.Min(start + j, arguments.Count - 1)];
            var result = Simd.Exp(new Vector<float>(lanes));
            for (int j = 0; j < w; j++)
            {
                float expected = (float)Math.Exp(lanes[j]);
                if (float.IsInfinity(expected) || expected < 1.17549435e-38f) continue;
                long ulps = Ulps(result[j], expected);
                if (ulps > worst) (worst, worstAt) = (ulps, lanes[j]);
            }
        }
        Assert.True(worst <= 2, $"{worst} ulp at x = {worstAt:R}");
    }

    [Fact]
    public void Float_exp_saturates_and_keeps_nan()
    {
        static float Exp(float x) => Simd.Exp(new Vector<float>(x))[0];
        Assert.Equal(float.PositiveInfinity, Exp(100f));
        Assert.Equal(0f, Exp(-100f));
        Assert.Equal(float.PositiveInfinity, Exp(float.PositiveInfinity));
        Assert.Equal(0f, Exp(float.NegativeInfinity));
        Assert.True(float.IsNaN(Exp(float.NaN)));
        Assert.Equal(1f, Exp(0f));
        Assert.Equal(MathF.E, Exp(1f), 6);
        Assert.Equal(1 / MathF.E, Exp(-1f), 6);
    }
}
