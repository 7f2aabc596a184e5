using ModelDsl.Initializers;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Initializers;

public class InitializerTests
{
    static InitializerTests() => TorchRuntime.Initialize();

    private static Tensor Create(Initializer init, ulong seed, ScalarType dtype, params long[] shape) =>
        init.Create(shape, dtype, new Generator(seed));

    private static (double Mean, double Std) Stats(Tensor t)
    {
        var v = t.to_type(ScalarType.Float64).data<double>().ToArray();
        double mean = v.Average();
        return (mean, Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / v.Length));
    }

    [Fact]
    public void Zeros_and_ones()
    {
        var z = Create(new Zeros(), 1, ScalarType.Float32, 3, 4);
        var o = Create(new Ones(), 1, ScalarType.Float64, 5);
        Assert.Equal([3L, 4L], z.shape);
        Assert.Equal(ScalarType.Float32, z.dtype);
        Assert.All(z.data<float>().ToArray(), v => Assert.Equal(0f, v));
        Assert.All(o.data<double>().ToArray(), v => Assert.Equal(1.0, v));
    }

    [Fact]
    public void RandomNormal_has_its_mean_and_stddev()
    {
        var (mean, std) = Stats(Create(new RandomNormal(Mean: 1.5, Stddev: 2.0), 3, ScalarType.Float64, 400, 250));
        Assert.InRange(mean, 1.5 - 0.03, 1.5 + 0.03);   // standard error 2 / sqrt(1e5) = 0.0063
        Assert.InRange(std, 2.0 - 0.03, 2.0 + 0.03);
        var (defaultMean, defaultStd) = Stats(Create(new RandomNormal(), 4, ScalarType.Float32, 400, 250));
        Assert.InRange(defaultMean, -0.001, 0.001);
        Assert.InRange(defaultStd, 0.049, 0.051);
    }

    [Fact]
    public void RandomUniform_stays_in_range_with_uniform_statistics()
    {
        var t = Create(new RandomUniform(Min: -1, Max: 3), 5, ScalarType.Float64, 400, 250);
        Assert.True(t.min().ToDouble() >= -1 && t.max().ToDouble() < 3);
        Assert.True(t.min().ToDouble() < -0.99 && t.max().ToDouble() > 2.99);
        var (mean, std) = Stats(t);
        Assert.InRange(mean, 1 - 0.02, 1 + 0.02);
        Assert.InRange(std, 4 / Math.Sqrt(12) - 0.02, 4 / Math.Sqrt(12) + 0.02);
    }

    [Fact]
    public void GlorotUniform_is_bounded_by_sqrt_6_over_fan_in_plus_fan_out()
    {
        double limit = Math.Sqrt(6.0 / (300 + 200));
        Assert.Equal(limit, GlorotUniform.Limit([300, 200]), 15);
        var t = Create(new GlorotUniform(), 6, ScalarType.Float32, 300, 200);
        double maxAbs = t.abs().max().ToDouble();
        Assert.True(maxAbs <= limit, $"max |w| {maxAbs} beyond {limit}");
        Assert.True(maxAbs > 0.999 * limit, $"max |w| {maxAbs} does not reach {limit}");
        var (mean, std) = Stats(t);
        Assert.InRange(mean, -0.002, 0.002);
        Assert.InRange(std, limit / Math.Sqrt(3) * 0.98, limit / Math.Sqrt(3) * 1.02);
        // LSTM kernel: fan_in = input_dim, fan_out = 4u.
        Assert.Equal(Math.Sqrt(6.0 / (5 + 64)), GlorotUniform.Limit([5, 64]), 15);
    }

    [Theory]
    [InlineData(64L, 32L, 1.0)]
    [InlineData(32L, 64L, 1.0)]
    [InlineData(16L, 64L, 1.0)]   // an LSTM recurrent kernel (u, 4u)
    [InlineData(20L, 20L, 2.5)]
    public void Orthogonal_gives_orthonormal_rows_or_columns_times_gain(long rows, long cols, double gain)
    {
        var q = Create(new Orthogonal(gain), 7, ScalarType.Float64, rows, cols);
        Assert.Equal([rows, cols], q.shape);
        var gram = rows >= cols ? q.t().matmul(q) : q.matmul(q.t());
        var identity = eye(Math.Min(rows, cols), dtype: ScalarType.Float64) * (gain * gain);
        Assert.True((gram - identity).abs().max().ToDouble() < 1e-12);
    }

    [Fact]
    public void Orthogonal_refuses_vectors()
    {
        var e = Assert.Throws<ArgumentException>(() => Create(new Orthogonal(), 1, ScalarType.Float32, 8));
        Assert.Contains("[8]", e.Message);
    }

    [Theory]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float32)]
    public void LecunNormal_is_truncated_at_two_stddev_with_the_keras_stddev(ScalarType dtype)
    {
        double stddev = Math.Sqrt(1.0 / 400) / 0.87962566103423978;
        Assert.Equal(stddev, LecunNormal.Stddev([400, 300]), 15);
        var t = Create(new LecunNormal(), 8, dtype, 400, 300);
        double maxAbs = t.to_type(ScalarType.Float64).abs().max().ToDouble();
        Assert.True(maxAbs <= 2 * stddev, $"max |w| {maxAbs} beyond 2 * {stddev}");
        Assert.True(maxAbs > 1.99 * stddev, "the truncation bound should be nearly reached in 120,000 draws");
        var (mean, std) = Stats(t);
        // The 0.8796 divisor makes the truncated normal's stddev sqrt(1 / fan_in) = 0.05.
        Assert.InRange(mean, -0.001, 0.001);
        Assert.InRange(std, 0.05 * 0.99, 0.05 * 1.01);
    }

    public static TheoryData<Initializer> Seeded => new() { new RandomNormal(), new RandomUniform(), new GlorotUniform(), new LecunNormal(), new Orthogonal() };

    [Theory]
    [MemberData(nameof(Seeded))]
    public void The_same_seed_gives_the_same_tensor_and_another_seed_does_not(Initializer init)
    {
        var a = Create(init, 42, ScalarType.Float32, 30, 20);
        var b = Create(init, 42, ScalarType.Float32, 30, 20);
        var c = Create(init, 43, ScalarType.Float32, 30, 20);
        Assert.Equal(a.data<float>().ToArray(), b.data<float>().ToArray());
        Assert.NotEqual(a.data<float>().ToArray(), c.data<float>().ToArray());
    }

    [Fact]
    public void Fans_follow_keras_rules()
    {
        Assert.Equal((7.0, 7.0), Initializer.Fans([7]));
        Assert.Equal((3.0, 5.0), Initializer.Fans([3, 5]));
        Assert.Equal((2.0 * 3 * 4, 2.0 * 3 * 5), Initializer.Fans([2, 3, 4, 5]));
    }

    [Fact]
    public void Lstm_bias_sets_the_forget_block_to_one()
    {
        var bias = LstmBias.UnitForget(3, ScalarType.Float64).data<double>().ToArray();
        Assert.Equal([0.0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0], bias);
    }
}
