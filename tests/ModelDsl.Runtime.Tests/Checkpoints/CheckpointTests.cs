using ModelDsl.Checkpoints;
using ModelDsl.Data;
using ModelDsl.Optimizers;
using ModelDsl.ProcessHost;
using ModelDsl.Runtime.Tests.Training;
using ModelDsl.Training;
using TorchSharp;
using static ModelDsl.Runtime.Tests.Training.FitTestModels;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Checkpoints;

/// <summary>Checkpoint.Save/Load and ModelCheckpoint on the hand-written TinyModel (an ICheckpointable as the
/// generator will emit it): what is restored, what is refused and how the refusal reads.</summary>
public sealed class CheckpointTests : FileTests
{
    private static (Tensor X, Tensor Y) Data(int rows, int inputs, int outputs, int seed)
    {
        var generator = new Generator((ulong)seed);
        var x = randn([rows, inputs], generator: generator);
        var y = x.sum(1, keepdim: true).repeat(1, outputs).add(randn([rows, outputs], generator: generator).mul(0.1));
        return (x, y);
    }

    [Fact]
    public void Everything_needed_to_continue_is_restored()
    {
        var (x, y) = Data(12, 3, 2, 1);
        using var trained = new TinyModel(3, 2, seed: 1, dropout: 0.3, optimizer: new Adam(0.05));
        var train = new TensorDataset(x, y, batchSize: 4, shuffle: true, seed: 9);
        var validation = new TensorDataset(x, y, batchSize: 5, shuffle: true, seed: 2);
        TrainingLoop.Fit(trained, train, 2, validation, verbose: 0);
        trained.Optimizer.CurrentLearningRate = 0.02;   // as ReduceLROnPlateau would
        Checkpoint.Save(trained, PathOf("a.safetensors"), epoch: 2, datasets: [train, validation]);

        using var fresh = new TinyModel(3, 2, seed: 99, dropout: 0.3, optimizer: new Adam(0.05));
        var train2 = new TensorDataset(x, y, batchSize: 4, shuffle: true, seed: 9);
        var validation2 = new TensorDataset(x, y, batchSize: 5, shuffle: true, seed: 2);
        var info = Checkpoint.Load(fresh, PathOf("a.safetensors"), [train2, validation2]);

        Assert.Equal((2, 6L, false), (info.Epoch, info.Iterations, info.WeightsOnly));
        foreach (var (a, b) in trained.NamedTensors.Zip(fresh.NamedTensors))
            Assert.True(Same.Tensors(a.Tensor, b.Tensor), a.Name);
        Assert.Equal(6, fresh.Optimizer.Iterations);
        Assert.Equal(0.02, fresh.Optimizer.CurrentLearningRate);
        foreach (var (a, b) in trained.Optimizer.GetState().Slots.Zip(fresh.Optimizer.GetState().Slots))
        {
            Assert.Equal((a.Slot, a.Index), (b.Slot, b.Index));
            Assert.True(Same.Tensors(a.Value, b.Value), $"{a.Slot} {a.Index}");
        }
        Assert.True(Same.Tensors(trained.RandomGenerator!.get_state(), fresh.RandomGenerator!.get_state()));
        Assert.Equal((2L, 2L), (train2.EpochPosition, validation2.EpochPosition));
    }

    [Fact]
    public void Another_architecture_is_refused_naming_both()
    {
        using var saved = new TinyModel(4, 1);
        Checkpoint.Save(saved, PathOf("a.safetensors"));
        using var wider = new TinyModel(4, 2);
        var e = Assert.Throws<ArgumentException>(() => Checkpoint.Load(wider, PathOf("a.safetensors")));
        Assert.Contains("was saved from a model of another architecture, so it cannot be loaded into this TinyModel", e.Message);
        Assert.Contains("saved:   " + saved.Architecture, e.Message);
        Assert.Contains("this one: " + wider.Architecture, e.Message);

        using var float64 = new TinyModel(4, 1, dtype: ScalarType.Float64);
        Assert.Contains("Float64", Assert.Throws<ArgumentException>(() => Checkpoint.Load(float64, PathOf("a.safetensors"))).Message);
    }

    [Fact]
    public void Another_optimizer_or_hyperparameter_is_refused_before_anything_changes()
    {
        using var saved = new TinyModel(2, 1, optimizer: new Adam(0.1));
        saved.TrainStep(ones(3, 2), ones(3, 1));
        Checkpoint.Save(saved, PathOf("a.safetensors"));

        using var sgd = new TinyModel(2, 1, seed: 5, optimizer: new Sgd(0.1));
        float[] before = sgd.OutputKernel.data<float>().ToArray();
        var type = Assert.Throws<ArgumentException>(() => Checkpoint.Load(sgd, PathOf("a.safetensors")));
        Assert.Contains("holds the state of an optimizer of type Adam but TinyModel now uses Sgd", type.Message);
        Assert.Equal(before, sgd.OutputKernel.data<float>().ToArray());

        using var beta = new TinyModel(2, 1, optimizer: new Adam(0.1, beta1: 0.8));
        Assert.Contains("with beta_1 = 0.9 but this one has beta_1 = 0.8",
            Assert.Throws<ArgumentException>(() => Checkpoint.Load(beta, PathOf("a.safetensors"))).Message);

        using var scheduled = new TinyModel(2, 1, optimizer: new Adam(new ExponentialDecay(0.1, 10, 0.5)));
        Assert.Contains("saved with the learning-rate schedule ConstantLearningRate but the optimizer now follows ExponentialDecay",
            Assert.Throws<ArgumentException>(() => Checkpoint.Load(scheduled, PathOf("a.safetensors"))).Message);

        var e = Assert.Throws<ArgumentException>(() => Checkpoint.Save(saved, PathOf("b.safetensors"),
            metadata: new Dictionary<string, string> { ["modeldsl.epoch"] = "3" }));
        Assert.Contains("reserved", e.Message);
    }

    [Fact]
    public void A_schedule_resumes_from_the_iteration_counter()
    {
        using var saved = new TinyModel(2, 1, optimizer: new Sgd(new PiecewiseConstantDecay([1], [0.1, 0.01])));
        for (int i = 0; i < 3; i++) saved.TrainStep(ones(3, 2), ones(3, 1));
        Checkpoint.Save(saved, PathOf("a.safetensors"));
        using var fresh = new TinyModel(2, 1, optimizer: new Sgd(new PiecewiseConstantDecay([1], [0.1, 0.01])));
        Assert.Equal(0.1, fresh.Optimizer.CurrentLearningRate);
        Checkpoint.Load(fresh, PathOf("a.safetensors"));
        Assert.Equal(3, fresh.Optimizer.Iterations);
        Assert.Equal(0.01, fresh.Optimizer.CurrentLearningRate);
    }

    [Fact]
    public void Model_checkpoint_saves_every_epoch_or_the_best_as_keras()
    {
        Assert.Equal("ckpt-03-0.12.safetensors", ModelCheckpoint.FormatPath("ckpt-{epoch:02d}-{val_loss:.2f}.safetensors", 3,
            new Dictionary<string, double> { ["val_loss"] = 0.12345 }));
        Assert.Equal("e3-{x}-1.2345e-01-0.12345", ModelCheckpoint.FormatPath("e{epoch}-{{x}}-{val_loss:.4e}-{val_loss}", 3,
            new Dictionary<string, double> { ["val_loss"] = 0.12345 }));
        Assert.Contains("names {mae}, which the epoch logs do not have",
            Assert.Throws<InvalidOperationException>(() => ModelCheckpoint.FormatPath("{mae}", 1, new Dictionary<string, double>())).Message);

        // val_loss 1, 2, 0.5: the best-only checkpoint writes epochs 1 and 3, every-epoch writes 1, 2, 3.
        var data = new TensorDataset(Column(1, 2), Vector(1, 2), batchSize: 8);
        var model = new ScriptedOptimizerModel(new Sgd(0.1), 1, 2, 0.5);
        var output = new StringWriter();
        var best = new ModelCheckpoint(PathOf("best.safetensors"), saveBestOnly: true, verbose: 1);
        var every = new ModelCheckpoint(PathOf("sub/every-{epoch}.safetensors"));
        TrainingLoop.Fit(model, data, 3, data, [best, every], verbose: 0, output: output);
        Assert.Equal(
            $"\nEpoch 1: val_loss improved from inf to 1.00000, saving model to {PathOf("best.safetensors")}\n" +
            "\nEpoch 2: val_loss did not improve from 1.00000\n" +
            $"\nEpoch 3: val_loss improved from 1.00000 to 0.50000, saving model to {PathOf("best.safetensors")}\n", output.ToString());
        Assert.Equal([PathOf("best.safetensors"), PathOf("best.safetensors")], best.Saved);
        Assert.Equal(new[] { 1, 2, 3 }.Select(e => PathOf($"sub/every-{e}.safetensors")), every.Saved);

        var info = Checkpoint.Load(new ScriptedOptimizerModel(new Sgd(0.1)), PathOf("best.safetensors"), [new TensorDataset(Column(1, 2), Vector(1, 2))]);
        Assert.Equal(3, info.Epoch);
        Assert.Equal(("val_loss", "0.5"), (info.Metadata[ModelCheckpoint.MonitorKey], info.Metadata[ModelCheckpoint.BestKey]));
        Assert.Throws<InvalidOperationException>(() =>
            TrainingLoop.Fit(new ScriptedModel(), data, 1, callbacks: [new ModelCheckpoint(PathOf("x.safetensors"))], verbose: 0));
    }

    [Fact]
    public void Datasets_given_to_load_must_match_what_was_saved()
    {
        using var model = new TinyModel(1, 1);
        Checkpoint.Save(model, PathOf("a.safetensors"), datasets: [new TensorDataset(Column(1), Column(1))]);
        var two = new IDataset[] { new TensorDataset(Column(1), Column(1)), new TensorDataset(Column(1), Column(1)) };
        Assert.Contains("2 datasets were given but", Assert.Throws<ArgumentException>(() => Checkpoint.Load(model, PathOf("a.safetensors"), two)).Message);
    }
}
