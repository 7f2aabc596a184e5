using System.Globalization;

namespace ModelDsl.Training;

/// <summary>
/// Keras' <c>ReduceLROnPlateau</c>: when <see cref="Monitor"/> has not improved by more than <see cref="MinDelta"/>
/// for <see cref="Patience"/> epochs, multiplies the optimizer's learning rate by <see cref="Factor"/> (not below
/// <see cref="MinLearningRate"/>, and only while the rate is above it), then waits <see cref="Cooldown"/> epochs before
/// counting again. Every epoch it adds the rate in effect to the logs as "learning_rate" (before any reduction).
/// </summary>
/// <remarks>
/// The model must be an <see cref="ICheckpointable"/> (its optimizer is changed). As in Keras, an optimizer that
/// follows a <see cref="Optimizers.LearningRateSchedule"/> other than a constant cannot be reduced: the reduction
/// throws <see cref="InvalidOperationException"/> (Keras raises TypeError) when a plateau is reached.
/// "auto" mode follows Keras' ReduceLROnPlateau: maximise when the monitor's name contains "acc", minimise otherwise.
/// A NaN monitor value never counts as an improvement (Fit throws on a non-finite validation value before callbacks run).
/// </remarks>
public sealed class ReduceLROnPlateau : ICallback
{
    private double _best;
    private int _wait, _cooldownCounter;

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="factor"/> outside [0, 1), a negative patience or
    /// cooldown, a negative or non-finite <paramref name="minLearningRate"/>, a non-finite <paramref name="minDelta"/>.</exception>
    public ReduceLROnPlateau(string monitor = "val_loss", double factor = 0.1, int patience = 10, int verbose = 0,
        MonitorMode mode = MonitorMode.Auto, double minDelta = 1e-4, int cooldown = 0, double minLearningRate = 0)
    {
        Monitor = monitor ?? throw new ArgumentNullException(nameof(monitor));
        if (double.IsNaN(factor) || factor < 0 || factor >= 1)
            throw new ArgumentOutOfRangeException(nameof(factor), factor, $"ReduceLROnPlateau does not support a factor outside [0, 1) (new_lr = lr * factor); got {factor}.");
        if (patience < 0) throw new ArgumentOutOfRangeException(nameof(patience), patience, "patience must lie in [0, ∞).");
        if (cooldown < 0) throw new ArgumentOutOfRangeException(nameof(cooldown), cooldown, "cooldown must lie in [0, ∞).");
        if (!double.IsFinite(minLearningRate) || minLearningRate < 0)
            throw new ArgumentOutOfRangeException(nameof(minLearningRate), minLearningRate, "minLearningRate must be finite and lie in [0, ∞).");
        if (!double.IsFinite(minDelta)) throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta, "minDelta must be finite.");
        Factor = factor;
        Patience = patience;
        Verbose = verbose;
        Mode = mode;
        MinDelta = minDelta;
        Cooldown = cooldown;
        MinLearningRate = minLearningRate;
        Reset();
    }

    public string Monitor { get; }
    public double Factor { get; }
    public int Patience { get; }
    public int Verbose { get; }
    public MonitorMode Mode { get; }
    public double MinDelta { get; }
    public int Cooldown { get; }
    public double MinLearningRate { get; }

    /// <summary>True when higher monitored values are better.</summary>
    public bool Maximize => Mode == MonitorMode.Max || (Mode == MonitorMode.Auto && Monitor.Contains("acc", StringComparison.Ordinal));

    public void OnTrainBegin(TrainingControl control) => Reset();

    /// <exception cref="InvalidOperationException">The logs lack the monitor, the model is not an
    /// <see cref="ICheckpointable"/>, or its optimizer follows a schedule when a reduction is due.</exception>
    public void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs, TrainingControl control)
    {
        ArgumentNullException.ThrowIfNull(logs);
        ArgumentNullException.ThrowIfNull(control);
        var optimizer = (control.Model as ICheckpointable)?.Optimizer ?? throw new InvalidOperationException(
            $"ReduceLROnPlateau changes the model's optimizer, but {control.Model.GetType().Name} does not expose it (it is not an ICheckpointable).");
        double learningRate = optimizer.CurrentLearningRate;
        control.SetLog("learning_rate", learningRate);
        double current = Monitors.Read(nameof(ReduceLROnPlateau), Monitor, logs);
        if (_cooldownCounter > 0)
        {
            _cooldownCounter--;
            _wait = 0;
        }
        if (IsImprovement(current))
        {
            _best = current;
            _wait = 0;
            return;
        }
        if (_cooldownCounter > 0) return;
        _wait++;
        if (_wait < Patience) return;
        if (learningRate > (float)MinLearningRate)
        {
            double reduced = Math.Max(learningRate * Factor, MinLearningRate);
            optimizer.CurrentLearningRate = reduced;
            if (Verbose > 0)
            {
                control.Output.WriteLine();
                control.Output.WriteLine($"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {reduced.ToString("R", CultureInfo.InvariantCulture)}.");
            }
            _cooldownCounter = Cooldown;
            _wait = 0;
        }
    }

    private bool IsImprovement(double current) => Maximize ? current > _best + MinDelta : current < _best - MinDelta;

    private void Reset()
    {
        _best = Maximize ? double.NegativeInfinity : double.PositiveInfinity;
        _wait = 0;
        _cooldownCounter = 0;
    }
}
