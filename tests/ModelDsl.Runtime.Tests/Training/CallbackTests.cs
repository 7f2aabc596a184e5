using ModelDsl.Data;
using ModelDsl.Optimizers;
using ModelDsl.Training;
using TorchSharp;
using static ModelDsl.Runtime.Tests.Training.FitTestModels;

namespace ModelDsl.Runtime.Tests.Training;

/// <summary>ReduceLROnPlateau and CsvLogger against Keras 3's callbacks (reduce_lr_on_plateau.py, csv_logger.py),
/// stepped through by hand on scripted validation losses.</summary>
public class CallbackTests
{
    public CallbackTests() => TorchRuntime.Initialize();

    private static TensorDataset OneBatch() => new(Column(1, 2), Vector(1, 2), batchSize: 8);

    [Fact]
    public void Reduce_lr_on_plateau_follows_keras_patience_and_cooldown()
    {
        // val_loss 1, 1, 1, .5, .5, .5, .5; patience 2, factor 0.5, cooldown 1, min_delta 1e-4:
        // e0 best 1; e1 wait 1; e2 wait 2 -> lr 0.05, cooldown 1; e3 cooldown -> 0, improvement (best .5);
        // e4 wait 1; e5 wait 2 -> 0.025, cooldown 1; e6 cooldown -> 0, then wait 1.
        // "learning_rate" is logged before the reduction of its epoch.
        var model = new ScriptedOptimizerModel(new Sgd(0.1), 1, 1, 1, 0.5, 0.5, 0.5, 0.5);
        var history = TrainingLoop.Fit(model, OneBatch(), 7, OneBatch(), [new ReduceLROnPlateau(factor: 0.5, patience: 2, cooldown: 1)], verbose: 0);
        Assert.Equal([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025], history["learning_rate"]);
        Assert.Equal(0.025, model.Optimizer.CurrentLearningRate);
        Assert.Equal(["loss", "mae", "val_loss", "val_mae", "learning_rate"], history.Keys);
    }

    [Fact]
    public void Reduce_lr_on_plateau_stops_at_min_lr_compared_in_float32_as_keras()
    {
        // Patience 1: e1 reduces 0.1 -> max(0.01, 0.05) = 0.05; then 0.05 > float32(0.05) = 0.0500000007 is false: no more.
        var model = new ScriptedOptimizerModel(new Sgd(0.1), 1, 1, 1, 1);
        var output = new StringWriter();
        var history = TrainingLoop.Fit(model, OneBatch(), 4, OneBatch(),
            [new ReduceLROnPlateau(factor: 0.1, patience: 1, minLearningRate: 0.05, verbose: 1)], verbose: 0, output: output);
        Assert.Equal([0.1, 0.1, 0.05, 0.05], history["learning_rate"]);
        Assert.Equal("\nEpoch 2: ReduceLROnPlateau reducing learning rate to 0.05.\n", output.ToString());
    }

    [Fact]
    public void Reduce_lr_on_plateau_maximises_accuracies_and_refuses_what_keras_refuses()
    {
        Assert.True(new ReduceLROnPlateau("val_accuracy").Maximize);
        Assert.False(new ReduceLROnPlateau("val_loss").Maximize);
        Assert.True(new ReduceLROnPlateau("val_loss", mode: MonitorMode.Max).Maximize);
        Assert.Equal("factor", Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceLROnPlateau(factor: 1.0)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceLROnPlateau(patience: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceLROnPlateau(minLearningRate: double.NaN));

        // A schedule's rate is not settable: the reduction fails as Keras' TypeError does, when the plateau comes.
        var scheduled = new ScriptedOptimizerModel(new Sgd(new ExponentialDecay(0.1, 100, 0.5)), 1, 1, 1);
        var e = Assert.Throws<InvalidOperationException>(() =>
            TrainingLoop.Fit(scheduled, OneBatch(), 3, OneBatch(), [new ReduceLROnPlateau(patience: 1)], verbose: 0));
        Assert.Contains("hence its learning rate is not settable", e.Message);

        var missing = Assert.Throws<InvalidOperationException>(() =>
            TrainingLoop.Fit(new ScriptedOptimizerModel(new Sgd(0.1)), OneBatch(), 1, callbacks: [new ReduceLROnPlateau()], verbose: 0));
        Assert.Contains("monitors 'val_loss', which the epoch logs do not have", missing.Message);
    }

    [Fact]
    public void Csv_logger_writes_keras_rows()
    {
        // Keras: header "epoch" + sorted keys, epoch 0-based, Python float repr, "\r\n" line ends.
        string path = Path.Combine(Path.GetTempPath(), $"modeldsl-csv-{Guid.NewGuid():N}.csv");
        try
        {
            var model = new ScriptedOptimizerModel(new Sgd(0.1), 0.25, 0.125, 1, 1);
            TrainingLoop.Fit(model, OneBatch(), 2, OneBatch(), [new ReduceLROnPlateau(), new CsvLogger(path)], verbose: 0);
            Assert.Equal(
                "epoch,learning_rate,loss,mae,val_loss,val_mae\r\n" +
                "0,0.1,1.5,1.5,0.25,0.5\r\n" +
                "1,0.1,1.5,1.5,0.125,0.25\r\n", File.ReadAllText(path));

            // append: rows after the existing ones, no second header (continuing a run).
            TrainingLoop.Fit(model, OneBatch(), 3, OneBatch(), [new ReduceLROnPlateau(), new CsvLogger(path, append: true)], verbose: 0, initialEpoch: 2);
            Assert.EndsWith("1,0.1,1.5,1.5,0.125,0.25\r\n2,0.1,1.5,1.5,1.0,2.0\r\n", File.ReadAllText(path));
            Assert.Single(File.ReadAllLines(path), l => l.StartsWith("epoch", StringComparison.Ordinal));

            // Without append the file starts over.
            TrainingLoop.Fit(new ScriptedModel(), OneBatch(), 1, callbacks: [new CsvLogger(path, separator: ";")], verbose: 0);
            Assert.Equal("epoch;loss;mae\r\n0;1.5;1.5\r\n", File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(0.1, "0.1")]
    [InlineData(2.0, "2.0")]
    [InlineData(-0.5, "-0.5")]
    [InlineData(1e-5, "1e-05")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00012345, "0.00012345")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(123.456, "123.456")]
    [InlineData(1.0000000000000002, "1.0000000000000002")]
    [InlineData(6.02214076e23, "6.02214076e+23")]
    [InlineData(0.0, "0.0")]
    [InlineData(double.NaN, "nan")]
    [InlineData(double.NegativeInfinity, "-inf")]
    public void Numbers_are_written_as_python_repr(double value, string python) => Assert.Equal(python, CsvLogger.PythonRepr(value));
}
