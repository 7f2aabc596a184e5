using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Training;

/// <summary>
/// Keras' <c>EarlyStopping</c>: stops when <paramref name="monitor"/> has not improved for <paramref name="patience"/>
/// epochs; with <paramref name="restoreBestWeights"/>, copies the best epoch's <see cref="ITrainableModel.TrainableTensors"/>
/// back into the model when it stops. Lower is better, except for monitors named like accuracies ("acc", "accuracy", "auc").
/// </summary>
/// <remarks>A NaN or infinite monitored value is never an improvement, and the first snapshot of the weights is
/// taken only from an epoch whose value is finite, so a non-finite epoch can neither become "best" nor leave a stale
/// snapshot to restore. (Fit itself throws <see cref="NonFiniteMetricException"/> on a non-finite validation value
/// before callbacks run.) State is reset when training begins and at epoch 0.</remarks>
public sealed class EarlyStopping(string monitor = "val_loss", int patience = 0, bool restoreBestWeights = false) : ICallback
{
    private double _best;
    private int _wait;
    private Tensor[]? _bestWeights;

    public string Monitor { get; } = monitor ?? throw new ArgumentNullException(nameof(monitor));
    public int Patience { get; } = patience >= 0 ? patience : throw new ArgumentOutOfRangeException(nameof(patience), patience, "patience cannot be negative.");
    public bool RestoreBestWeights { get; } = restoreBestWeights;

    /// <summary>Smallest change that counts as an improvement (Keras' <c>min_delta</c>).</summary>
    public double MinDelta { get; init; }

    /// <summary>True when higher values of the monitor are better.</summary>
    public bool Maximize => Monitors.HigherIsBetter(Monitor);

    /// <summary>0-based epoch of the best monitored value so far; -1 before the first epoch.</summary>
    public int BestEpoch { get; private set; } = -1;

    /// <summary>0-based epoch at which training was stopped; -1 while it was not.</summary>
    public int StoppedEpoch { get; private set; } = -1;

    public void OnTrainBegin(TrainingControl control) => Reset();

    /// <exception cref="InvalidOperationException">The logs have no value for <see cref="Monitor"/>.</exception>
    public void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs, TrainingControl control)
    {
        ArgumentNullException.ThrowIfNull(logs);
        ArgumentNullException.ThrowIfNull(control);
        if (epoch == 0) Reset();
        double current = Monitors.Read(nameof(EarlyStopping), Monitor, logs);

        if (RestoreBestWeights && _bestWeights is null && double.IsFinite(current))
        {
            _bestWeights = Snapshot(control.Model);
            BestEpoch = epoch;
        }
        _wait++;
        if (IsImprovement(current))
        {
            _best = current;
            BestEpoch = epoch;
            if (RestoreBestWeights)
            {
                Dispose(_bestWeights);
                _bestWeights = Snapshot(control.Model);
            }
            _wait = 0;
            return;
        }
        if (_wait >= Patience && epoch > 0)
        {
            StoppedEpoch = epoch;
            control.StopTraining = true;
            if (RestoreBestWeights && _bestWeights is not null) Restore(control.Model, _bestWeights);
        }
    }

    private bool IsImprovement(double current) =>
        double.IsFinite(current) && (Maximize ? current - Math.Abs(MinDelta) > _best : current + Math.Abs(MinDelta) < _best);

    private void Reset()
    {
        _best = Maximize ? double.NegativeInfinity : double.PositiveInfinity;
        _wait = 0;
        Dispose(_bestWeights);
        _bestWeights = null;
        BestEpoch = -1;
        StoppedEpoch = -1;
    }

    private static Tensor[] Snapshot(ITrainableModel model)
    {
        using var _ = torch.no_grad();
        return [.. model.TrainableTensors.Select(t => t.detach().clone().DetachFromDisposeScope())];
    }

    private static void Restore(ITrainableModel model, Tensor[] weights)
    {
        var tensors = model.TrainableTensors;
        if (tensors.Count != weights.Length)
            throw new InvalidOperationException($"The model now has {tensors.Count} trainable tensors but had {weights.Length} when its best weights were saved.");
        using var _ = torch.no_grad();
        for (int i = 0; i < weights.Length; i++) tensors[i].copy_(weights[i]);
    }

    private static void Dispose(Tensor[]? tensors)
    {
        if (tensors is null) return;
        foreach (var t in tensors) t.Dispose();
    }
}
