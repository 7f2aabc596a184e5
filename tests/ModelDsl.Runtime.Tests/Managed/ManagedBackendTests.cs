using ModelDsl.Managed;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Managed;

/// <summary>Which backend runs a batch: Auto's two limits, the explicit choices, and what the managed code cannot take.</summary>
public class ManagedBackendTests
{
    public ManagedBackendTests() => TorchRuntime.Initialize();

    [Fact]
    public void Auto_runs_the_managed_code_below_both_limits_only()
    {
        using var x = zeros(10, 3);
        long perSample = ManagedBackend.AutoThreshold / 10;
        Assert.True(ManagedBackend.Runs(Backend.Auto, CPU, ScalarType.Float32, x, perSample, ManagedBackend.AutoWeightLimit));
        Assert.False(ManagedBackend.Runs(Backend.Auto, CPU, ScalarType.Float32, x, perSample + 1, 10));
        Assert.False(ManagedBackend.Runs(Backend.Auto, CPU, ScalarType.Float32, x, 1, ManagedBackend.AutoWeightLimit + 1));
    }

    [Fact]
    public void An_explicit_choice_wins_over_the_limits_but_not_over_what_spans_can_hold()
    {
        using var x = zeros(10, 3);
        Assert.True(ManagedBackend.Runs(Backend.Managed, CPU, ScalarType.Float64, x, long.MaxValue / 100, long.MaxValue));
        Assert.False(ManagedBackend.Runs(Backend.Torch, CPU, ScalarType.Float32, x, 1, 1));
        Assert.False(ManagedBackend.Runs(Backend.Managed, CPU, ScalarType.Float16, x, 1, 1));
    }
}
