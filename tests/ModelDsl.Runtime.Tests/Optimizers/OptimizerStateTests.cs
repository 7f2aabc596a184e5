using ModelDsl.Optimizers;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Optimizers;

/// <summary>Optimizer state: read, put back into a fresh optimizer, moved, freed; the learning rate set at run time.</summary>
public class OptimizerStateTests
{
    public OptimizerStateTests() => TorchRuntime.Initialize();

    private static Tensor Vector(params double[] values) => tensor((double[])values.Clone(), dtype: ScalarType.Float64);

    public static TheoryData<string> Kinds => new() { "sgd", "sgd-momentum", "adam", "adamw", "rmsprop", "rmsprop-centered-momentum" };

    private static Optimizer Make(string kind) => kind switch
    {
        "sgd" => new Sgd(0.1),
        "sgd-momentum" => new Sgd(0.1, momentum: 0.9, nesterov: true),
        "adam" => new Adam(new ExponentialDecay(0.1, 1, 0.5)),
        "adamw" => new AdamW(0.1),
        "rmsprop" => new RmsProp(0.1),
        "rmsprop-centered-momentum" => new RmsProp(0.1, momentum: 0.5, centered: true),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_fresh_optimizer_given_the_state_continues_bit_for_bit(string kind)
    {
        Tensor[] grads = [Vector(0.5, -1), Vector(0.1, 0.2), Vector(-0.3, 0.7), Vector(0.2, 0.2)];
        var a = Vector(1, -2);
        var b = Vector(3);
        using var original = Make(kind);
        original.Step([a, b], [grads[0], Vector(1)]);
        original.Step([a, b], [grads[1], Vector(-1)]);

        var state = original.GetState();
        Assert.Equal(2, state.Iterations);
        Assert.Equal(original.GetType().Name, state.Optimizer);
        Assert.All(state.Slots, s => Assert.Contains(s.Slot, original.SlotNames));

        var a2 = a.clone();
        var b2 = b.clone();
        using var resumed = Make(kind);
        resumed.LoadState(state);
        Assert.Equal(2, resumed.Iterations);
        for (int t = 2; t < 4; t++)
        {
            original.Step([a, b], [grads[t], Vector(t)]);
            resumed.Step([a2, b2], [grads[t], Vector(t)]);
        }
        Assert.Equal(a.data<double>().ToArray(), a2.data<double>().ToArray());
        Assert.Equal(b.data<double>().ToArray(), b2.data<double>().ToArray());
    }

    [Fact]
    public void Slots_carry_keras_names_and_parameter_indices()
    {
        using var adam = new Adam(0.1);
        adam.Step([Vector(1, 2), Vector(3)], [Vector(1, 1), Vector(1)]);
        var slots = adam.GetState().Slots.Select(s => (s.Slot, s.Index, s.Value.shape.Length == 1 ? s.Value.shape[0] : -1)).ToArray();
        Assert.Equal([("momentum", 0, 2L), ("momentum", 1, 1L), ("velocity", 0, 2L), ("velocity", 1, 1L)], slots);
        // m = 0.1 g after one step, v = 0.001 g².
        Assert.Equal(0.1, adam.GetState().Slots[0].Value[0].item<double>(), 15);
        Assert.Equal(0.001, adam.GetState().Slots[2].Value[0].item<double>(), 15);
        Assert.Equal(new Dictionary<string, double> { ["beta_1"] = 0.9, ["beta_2"] = 0.999, ["epsilon"] = 1e-7 }, adam.Hyperparameters);
    }

    [Fact]
    public void Loading_checks_type_hyperparameters_and_slot_shapes()
    {
        using var adam = new Adam(0.1);
        adam.Step([Vector(1, 2)], [Vector(1, 1)]);
        var state = adam.GetState();

        var type = Assert.Throws<ArgumentException>(() => new RmsProp(0.1).LoadState(state));
        Assert.Contains("state belongs to an optimizer of type Adam but this one is RmsProp", type.Message);
        var beta = Assert.Throws<ArgumentException>(() => new Adam(0.1, beta1: 0.8).LoadState(state));
        Assert.Contains("beta_1 is 0.9 but this Adam has beta_1 = 0.8", beta.Message);

        using var other = new Adam(0.1);
        other.LoadState(state);
        var shape = Assert.Throws<ArgumentException>(() => other.Step([Vector(1, 2, 3)], [Vector(1, 1, 1)]));
        Assert.Contains("loaded optimizer slot 'momentum' has shape (2)", shape.Message);
    }

    [Fact]
    public void The_learning_rate_is_settable_unless_a_schedule_drives_it()
    {
        using var sgd = new Sgd(0.1);
        sgd.CurrentLearningRate = 0.05;
        var w = Vector(1);
        sgd.Step([w], [Vector(1)]);
        Assert.Equal(0.95, w.item<double>(), 15);
        Assert.Equal(0.05, sgd.GetState().LearningRate);

        using var fresh = new Sgd(0.1);
        fresh.LoadState(sgd.GetState());
        Assert.Equal(0.05, fresh.CurrentLearningRate);

        using var scheduled = new Sgd(new ExponentialDecay(0.1, 10, 0.5));
        var e = Assert.Throws<InvalidOperationException>(() => scheduled.CurrentLearningRate = 0.01);
        Assert.Contains("hence its learning rate is not settable", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => sgd.CurrentLearningRate = double.NaN);

        scheduled.LearningRate = new ConstantLearningRate(0.2);   // a new schedule may always be set
        Assert.Equal(0.2, scheduled.CurrentLearningRate);
    }

    [Fact]
    public void Dispose_frees_the_slots_and_forbids_steps()
    {
        var adam = new Adam(0.1);
        adam.Step([Vector(1, 2)], [Vector(1, 1)]);
        var slot = adam.GetState().Slots[0].Value;
        adam.Dispose();
        Assert.True(slot.IsInvalid);
        Assert.Throws<ObjectDisposedException>(() => adam.Step([Vector(1, 2)], [Vector(1, 1)]));
        adam.Dispose();   // twice is fine
    }

    [Fact]
    public void To_moves_the_slots_and_keeps_their_values()
    {
        using var adam = new Adam(0.1);
        var w = Vector(1, 2);
        adam.Step([w], [Vector(1, 1)]);
        double before = adam.GetState().Slots[1].Value[1].item<double>();
        Assert.Same(adam, adam.To(CPU));
        Assert.Equal(DeviceType.CPU, adam.GetState().Slots[1].Value.device_type);
        Assert.Equal(before, adam.GetState().Slots[1].Value[1].item<double>());
        adam.Step([w], [Vector(1, 1)]);
        Assert.Equal(2, adam.Iterations);
    }
}
