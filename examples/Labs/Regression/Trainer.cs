using System.Diagnostics;
using ModelDsl.Data;
using ModelDsl.Training;
using static TorchSharp.torch;

namespace ModelDsl.Labs.Regression;

/// <summary>Loss on the whole set after a number of optimizer steps, and the training time spent until then.</summary>
public sealed record LossTrace(IReadOnlyList<long> Steps, IReadOnlyList<double> Seconds, IReadOnlyList<double> Loss,
    IReadOnlyList<double> EpochLoss, long? DivergedAtStep);

/// <summary>
/// The textbook's loop: shuffled minibatches, one optimizer step per batch, the loss on the whole set after each epoch
/// (and, given <c>evaluateEvery</c>, every that many steps). Only the steps are timed, never the evaluations.
/// </summary>
public static class Trainer
{
    public static LossTrace Run(ITrainableModel model, GradesData data, int batchSize, int epochs, int seed,
        long? evaluateEvery = null, Action<int, double>? onEpoch = null, long? maxSteps = null)
    {
        var dataset = new TensorDataset(data.X, data.Y, batchSize, shuffle: true, seed: seed);
        List<long> steps = [0];
        List<double> seconds = [0];
        List<double> loss = [WholeSetLoss(model, data)];
        List<double> epochLoss = [];
        var clock = new Stopwatch();
        long step = 0;
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            foreach (var batch in dataset)
            {
                clock.Start();
                double batchLoss;
                using (batch.X)
                using (batch.Y)
                    batchLoss = model.TrainStep(batch.X, batch.Y).Loss;
                clock.Stop();
                step++;
                if (!double.IsFinite(batchLoss)) return new LossTrace(steps, seconds, loss, epochLoss, step);
                if (evaluateEvery is { } every && step % every == 0) Record();
                if (step == maxSteps) break;
            }
            double l = WholeSetLoss(model, data);
            epochLoss.Add(l);
            if (evaluateEvery is null || step % evaluateEvery != 0) Record(l);
            onEpoch?.Invoke(epoch, l);
            if (!double.IsFinite(l)) return new LossTrace(steps, seconds, loss, epochLoss, step);
            if (step == maxSteps) break;
        }
        return new LossTrace(steps, seconds, loss, epochLoss, null);

        void Record(double? known = null)
        {
            steps.Add(step);
            seconds.Add(clock.Elapsed.TotalSeconds);
            loss.Add(known ?? WholeSetLoss(model, data));
        }
    }

    /// <summary>The model's loss (Keras MSE, not halved) over every sample at once.</summary>
    public static double WholeSetLoss(ITrainableModel model, GradesData data)
    {
        using var scope = NewDisposeScope();
        return model.TestStep(data.X, data.Y).Loss;
    }
}
