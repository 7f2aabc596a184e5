using ModelDsl.Optimizers;

namespace ModelDsl.Runtime.Tests.Optimizers;

public class ScheduleTests
{
    private const int Digits = 12;

    [Fact]
    public void Exponential_decay_with_the_textbook_parameters()
    {
        // alpha_i = alpha_0 * r^(s_i / s), textbook eq. 40: 0.05, r = 0.9, s = 20000, staircase.
        var staircase = new ExponentialDecay(0.05, 20000, 0.9, staircase: true);
        Assert.Equal(0.05, staircase.At(0), Digits);
        Assert.Equal(0.05, staircase.At(19999), Digits);
        Assert.Equal(0.045, staircase.At(20000), Digits);
        Assert.Equal(0.0405, staircase.At(45000), Digits);         // floor(2.25) = 2: 0.05 * 0.81

        var smooth = new ExponentialDecay(0.05, 20000, 0.9);
        Assert.Equal(0.05, smooth.At(0), Digits);
        Assert.Equal(0.05 * Math.Sqrt(0.9), smooth.At(10000), Digits);
        Assert.Equal(0.045, smooth.At(20000), Digits);
        Assert.Equal(0.05 * Math.Pow(0.9, 2.25), smooth.At(45000), Digits);
    }

    [Fact]
    public void Piecewise_constant_decay_with_the_textbook_parameters()
    {
        // 0.1 for the first 1000 steps, 0.01 for the next 4000, then 0.001 (eq. 41): boundaries belong to the left piece.
        var schedule = new PiecewiseConstantDecay([1000, 5000], [0.1, 0.01, 0.001]);
        Assert.Equal(0.1, schedule.At(0));
        Assert.Equal(0.1, schedule.At(1000));
        Assert.Equal(0.01, schedule.At(1001));
        Assert.Equal(0.01, schedule.At(5000));
        Assert.Equal(0.001, schedule.At(5001));
        Assert.Equal(0.001, schedule.At(1_000_000));
    }

    [Fact]
    public void Piecewise_constant_decay_refuses_mismatched_lists()
    {
        var e = Assert.Throws<ArgumentException>(() => new PiecewiseConstantDecay([1000, 5000], [0.1, 0.01]));
        Assert.Contains("one more value than boundaries", e.Message);
        Assert.Contains("expected 3 values", e.Message);
        var order = Assert.Throws<ArgumentException>(() => new PiecewiseConstantDecay([5000, 1000], [0.1, 0.01, 0.001]));
        Assert.Contains("boundaries must increase", order.Message);
    }

    [Fact]
    public void Polynomial_decay_with_the_textbook_parameters()
    {
        // ((a0 - aend)(1 - s_i/s)^p) + aend, eq. 42: 0.05 -> 0.005 over 5000 steps, p = 0.5.
        var schedule = new PolynomialDecay(0.05, 5000, 0.005, power: 0.5);
        Assert.Equal(0.05, schedule.At(0), Digits);
        Assert.Equal(0.045 * Math.Sqrt(0.75) + 0.005, schedule.At(1250), Digits);
        Assert.Equal(0.045 * Math.Sqrt(0.5) + 0.005, schedule.At(2500), Digits);
        Assert.Equal(0.005, schedule.At(5000), Digits);
        Assert.Equal(0.005, schedule.At(12345), Digits);           // held at the end rate
    }

    [Fact]
    public void Polynomial_decay_cycles_to_the_next_multiple_of_the_decay_steps()
    {
        var schedule = new PolynomialDecay(0.05, 5000, 0.005, power: 0.5, cycle: true);
        Assert.Equal(0.05, schedule.At(0), Digits);                // multiplier 1 at step 0, not ceil(0) = 0
        Assert.Equal(0.045 * Math.Sqrt(0.75) + 0.005, schedule.At(1250), Digits);
        Assert.Equal(0.005, schedule.At(5000), Digits);            // ceil(5000/5000) = 1: D = 5000
        Assert.Equal(0.045 * Math.Sqrt(1 - 5001 / 10000.0) + 0.005, schedule.At(5001), Digits);   // D = 10000
        Assert.Equal(0.045 * 0.5 + 0.005, schedule.At(7500), Digits);
        Assert.Equal(0.005, schedule.At(10000), Digits);

        var linear = new PolynomialDecay(1.0, 10);                // defaults: end 1e-4, power 1, no cycle
        Assert.Equal((1 - 1e-4) * 0.7 + 1e-4, linear.At(3), Digits);
    }

    [Fact]
    public void Inverse_time_decay_with_the_textbook_parameters()
    {
        // a0 / (1 + r * s_i / s), eq. 43: 0.01, s = 100, r = 0.5.
        var smooth = new InverseTimeDecay(0.01, 100, 0.5);
        Assert.Equal(0.01, smooth.At(0), Digits);
        Assert.Equal(0.01 / 1.5, smooth.At(100), Digits);
        Assert.Equal(0.01 / 1.75, smooth.At(150), Digits);

        var staircase = new InverseTimeDecay(0.01, 100, 0.5, staircase: true);
        Assert.Equal(0.01, staircase.At(99), Digits);
        Assert.Equal(0.01 / 1.5, staircase.At(150), Digits);
        Assert.Equal(0.005, staircase.At(250), Digits);
    }

    [Fact]
    public void Constant_rate_and_bad_arguments()
    {
        Assert.Equal(0.3, new ConstantLearningRate(0.3).At(12345));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialDecay(0.1, 0, 0.9));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PolynomialDecay(0.1, 10).At(-1));
    }
}
