using ModelDsl.Data;
using ModelDsl.Examples;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Generators.Tests;

/// <summary>
/// Generated models keep the runtime's checkpoint contract: a run interrupted, saved, loaded into a new model and
/// resumed gives the uninterrupted run's figures to the last bit (Adam's state, the epoch, dropout's generator and the
/// shuffling all restored); another model's checkpoint is refused naming both architectures.
/// </summary>
public class CheckpointTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("modeldsl-checkpoints-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static (Tensor X, Tensor Y) Digits()
    {
        var generator = new Generator(11);
        return (rand([96, 64], generator: generator), randint(0, 10, [96], generator: generator));
    }

    [Fact]
    public void A_resumed_run_of_a_model_with_dropout_batch_normalization_and_adam_repeats_the_uninterrupted_one()
    {
        var (x, y) = Digits();
        ModelDsl.Training.Determinism.Seed(3);
        using var whole = new DigitsRegularizedMlp(seed: 5);
        var uninterrupted = whole.Fit(new TensorDataset(x, y, batchSize: 32, shuffle: true, seed: 2), epochs: 4, verbose: 0);

        using var first = new DigitsRegularizedMlp(seed: 5);
        var train = new TensorDataset(x, y, batchSize: 32, shuffle: true, seed: 2);
        first.Fit(train, epochs: 2, verbose: 0);
        string path = Path.Combine(_directory, "digits.safetensors");
        first.Save(path, epoch: 2, datasets: [train]);

        using var resumed = new DigitsRegularizedMlp(seed: 99); // other initial weights: all must come from the file
        var data = new TensorDataset(x, y, batchSize: 32, shuffle: true, seed: 2);
        var info = resumed.Load(path, [data]);
        Assert.Equal(2, info.Epoch);
        var rest = resumed.Fit(data, epochs: 4, initialEpoch: info.Epoch, verbose: 0);

        Assert.Equal(uninterrupted["loss"].Skip(2), rest["loss"]);
        Assert.Equal(uninterrupted["accuracy"].Skip(2), rest["accuracy"]);
        foreach (var (a, b) in whole.NamedTensors.Zip(resumed.NamedTensors))
            Assert.True(a.Tensor.eq(b.Tensor).all().ToBoolean(), $"{a.Name} differs after the resumed run");
    }

    [Fact]
    public void Another_models_checkpoint_is_refused_naming_both_architectures_and_changing_nothing()
    {
        string path = Path.Combine(_directory, "mlp.safetensors");
        using (var mlp = new DigitsMlp(seed: 1)) mlp.Save(path);
        using var cnn = new DigitsCnn(seed: 1);
        Tensor before = cnn.Weights.OutputKernel.clone();
        var error = Assert.ThrowsAny<Exception>(() => cnn.Load(path));
        Assert.Contains("DigitsMlp", error.Message);
        Assert.Contains("DigitsCnn", error.Message);
        Assert.True(before.eq(cnn.Weights.OutputKernel).all().ToBoolean());
    }

    [Fact]
    public void The_checkpoint_holds_the_weights_under_their_generated_names_in_safetensors()
    {
        string path = Path.Combine(_directory, "logistic.safetensors");
        using var model = new BreastCancerLogistic(seed: 4);
        model.Save(path);
        using var content = ModelDsl.Checkpoints.SafeTensors.Load(path);
        Assert.Contains("OutputKernel", content.Tensors.Keys);
        Assert.Contains("OutputBias", content.Tensors.Keys);
        Assert.True(content.Tensors["OutputKernel"].eq(model.Weights.OutputKernel).all().ToBoolean());
        Assert.Equal(new long[] { 30, 1 }, content.Tensors["OutputKernel"].shape);
    }

    [Fact]
    public void To_the_cpu_keeps_every_tensor_and_a_disposed_model_frees_them()
    {
        var model = new DigitsMlp(seed: 2);
        Tensor kernel = model.Weights.HiddenKernel;
        model.To(CPU);
        Assert.Same(kernel, model.Weights.HiddenKernel); // already there: not copied
        model.Dispose();
        Assert.True(kernel.IsInvalid);
    }
}
