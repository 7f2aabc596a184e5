using ModelDsl.Checkpoints;
using ModelDsl.Data;
using ModelDsl.Optimizers;
using ModelDsl.ProcessHost;
using ModelDsl.Runtime.Tests.Training;
using ModelDsl.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Checkpoints;

/// <summary>
/// An interrupted run resumed from its checkpoint gives the uninterrupted run's loss curve to the last bit on the CPU:
/// Adam (slots and iteration counter), shuffled training and validation data (epoch positions), dropout masks (the
/// model's generator), all through ModelCheckpoint, new model and dataset objects, Checkpoint.Load and initialEpoch.
/// </summary>
[Collection(GlobalTorchState.Name)]   // keeps the thread count fixed between the runs compared
public sealed class ResumeTests : FileTests
{
    private const int Epochs = 6, Interrupt = 3;
    private static (Tensor X, Tensor Y) Data()
    {
        var generator = new Generator(2024);
        var x = randn([40, 5], generator: generator);
        var y = x.matmul(tensor(new float[] { 0.5f, -1, 2, 0, 1 }).reshape(5, 1)).add(randn([40, 1], generator: generator).mul(0.1));
        return (x, y);
    }

    private static TinyModel NewModel(LearningRateSchedule schedule) => new(5, 1, seed: 7, dropout: 0.25, optimizer: new Adam(schedule, beta1: 0.8));

    private static (TensorDataset Train, TensorDataset Validation) NewData((Tensor X, Tensor Y) d) =>
        (new TensorDataset(d.X, d.Y, batchSize: 8, shuffle: true, seed: 11), new TensorDataset(d.X, d.Y, batchSize: 16, shuffle: true, seed: 12));

    private static long[] Bits(IReadOnlyList<double> values) => [.. values.Select(BitConverter.DoubleToInt64Bits)];

    public static TheoryData<string> Schedules => new() { "constant", "exponential" };

    private static LearningRateSchedule Schedule(string name) =>
        name == "constant" ? new ConstantLearningRate(0.05) : new ExponentialDecay(0.05, 4, 0.7);

    [Theory]
    [MemberData(nameof(Schedules))]
    public void A_resumed_run_repeats_the_uninterrupted_curve_bit_for_bit(string schedule)
    {
        var data = Data();
        using var whole = NewModel(Schedule(schedule));
        var (train, validation) = NewData(data);
        var uninterrupted = TrainingLoop.Fit(whole, train, Epochs, validation, verbose: 0);

        using (var first = NewModel(Schedule(schedule)))
        {
            var (train1, validation1) = NewData(data);
            var part1 = TrainingLoop.Fit(first, train1, Interrupt, validation1,
                [new ModelCheckpoint(PathOf("ckpt-{epoch}.safetensors"))], verbose: 0);
            Assert.Equal(Bits(uninterrupted["loss"].Take(Interrupt).ToList()), Bits(part1["loss"]));
        }

        using var resumedModel = NewModel(Schedule(schedule));
        var (train2, validation2) = NewData(data);
        var info = Checkpoint.Load(resumedModel, PathOf($"ckpt-{Interrupt}.safetensors"), [train2, validation2]);
        Assert.Equal(Interrupt, info.Epoch);
        var resumed = TrainingLoop.Fit(resumedModel, train2, Epochs, validation2, verbose: 0, initialEpoch: info.Epoch);

        Assert.Equal([3, 4, 5], resumed.Epoch);
        foreach (string key in new[] { "loss", "mae", "val_loss", "val_mae" })
            Assert.Equal(Bits(uninterrupted[key].Skip(Interrupt).ToList()), Bits(resumed[key]));
        foreach (var (a, b) in whole.NamedTensors.Zip(resumedModel.NamedTensors))
            Assert.True(Same.Tensors(a.Tensor, b.Tensor), a.Name);
        Assert.Equal(whole.Optimizer.Iterations, resumedModel.Optimizer.Iterations);
    }

    [Fact]
    public void Without_the_optimizer_state_the_curve_differs()
    {
        // The control: the same resume with only the weights restored (a fresh Adam) does not repeat the curve,
        // so the equality above is the optimizer state's doing, not an accident of a flat curve.
        var data = Data();
        using var whole = NewModel(Schedule("constant"));
        var (train, validation) = NewData(data);
        var uninterrupted = TrainingLoop.Fit(whole, train, Epochs, validation, verbose: 0);

        using (var first = NewModel(Schedule("constant")))
        {
            var (train1, validation1) = NewData(data);
            TrainingLoop.Fit(first, train1, Interrupt, validation1, [new ModelCheckpoint(PathOf("c.safetensors"))], verbose: 0);
            SafeTensors.Save(PathOf("weights.safetensors"), [.. first.NamedTensors.Select(t => KeyValuePair.Create(t.Name, t.Tensor))]);
        }
        using var weightsOnly = NewModel(Schedule("constant"));
        var (train2, validation2) = NewData(data);
        Checkpoint.Load(weightsOnly, PathOf("weights.safetensors"));
        train2.EpochPosition = validation2.EpochPosition = Interrupt;
        var resumed = TrainingLoop.Fit(weightsOnly, train2, Epochs, validation2, verbose: 0, initialEpoch: Interrupt);
        Assert.NotEqual(Bits(uninterrupted["loss"].Skip(Interrupt).ToList()), Bits(resumed["loss"]));
    }

    [Fact]
    public void Fit_over_tensors_resumes_with_initial_epoch_alone()
    {
        var (x, y) = Data();
        using var whole = new TinyModel(5, 1, seed: 7, optimizer: new Adam(0.05));
        var uninterrupted = TrainingLoop.Fit(whole, x, y, batchSize: 8, epochs: Epochs, validationSplit: 0.25, verbose: 0, seed: 3);

        string path = PathOf("t.safetensors");
        using (var first = new TinyModel(5, 1, seed: 7, optimizer: new Adam(0.05)))
            TrainingLoop.Fit(first, x, y, batchSize: 8, epochs: Interrupt, validationSplit: 0.25, verbose: 0, seed: 3,
                callbacks: [new ModelCheckpoint(path)]);
        using var resumedModel = new TinyModel(5, 1, seed: 7, optimizer: new Adam(0.05));
        var info = Checkpoint.Load(resumedModel, path);
        var resumed = TrainingLoop.Fit(resumedModel, x, y, batchSize: 8, epochs: Epochs, validationSplit: 0.25, verbose: 0, seed: 3, initialEpoch: info.Epoch);
        Assert.Equal(Bits(uninterrupted["val_loss"].Skip(Interrupt).ToList()), Bits(resumed["val_loss"]));
    }
}
