using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ModelDsl.Data;
using ModelDsl.Training;

namespace ModelDsl.Checkpoints;

/// <summary>
/// Keras' <c>ModelCheckpoint</c> (saving at the end of every epoch): writes a <see cref="Checkpoint"/> of the model,
/// the epoch, and the training and validation data's shuffling positions to <see cref="FilePath"/>, where
/// <c>{epoch}</c> (1-based, as Keras fills it) and any log key (<c>{val_loss}</c>) are replaced, with Python's format
/// specs <c>{epoch:02d}</c>, <c>{val_loss:.4f}</c>. With <see cref="SaveBestOnly"/>, only an epoch whose
/// <see cref="Monitor"/> improves on the best so far is saved (a NaN never does). The directory is created when missing.
/// </summary>
/// <remarks>
/// As in Keras, the best value is kept across Fit calls on the same instance and is not reset when training begins;
/// a new instance starts from <c>initialValueThreshold</c> (or ±∞). The monitor and the best value are written to the
/// file's metadata (<c>checkpoint.monitor</c>, <c>checkpoint.monitor_best</c>), so a resumed run can pass the best as
/// <c>initialValueThreshold</c>. Saves are atomic: a kill during a save leaves the previous file intact.
/// </remarks>
public sealed partial class ModelCheckpoint : ICallback
{
    /// <summary>The metadata keys under which a checkpoint records the monitor and its best value.</summary>
    public const string MonitorKey = "checkpoint.monitor", BestKey = "checkpoint.monitor_best";

    private double _best;

    /// <param name="filePath">The file to write, with optional <c>{epoch}</c> and log-key placeholders.</param>
    /// <param name="monitor">The log key compared with <paramref name="saveBestOnly"/>.</param>
    /// <param name="verbose">1 prints Keras' messages ("Epoch 3: val_loss improved from 0.51230 to 0.49870, saving model to ...").</param>
    /// <param name="saveBestOnly">Save only improving epochs.</param>
    /// <param name="mode">Which way the monitor improves; Auto: higher for accuracies, lower otherwise.</param>
    /// <param name="initialValueThreshold">The best value to beat at first (Keras' <c>initial_value_threshold</c>).</param>
    public ModelCheckpoint(string filePath, string monitor = "val_loss", int verbose = 0, bool saveBestOnly = false,
        MonitorMode mode = MonitorMode.Auto, double? initialValueThreshold = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        FilePath = filePath;
        Monitor = monitor ?? throw new ArgumentNullException(nameof(monitor));
        Verbose = verbose;
        SaveBestOnly = saveBestOnly;
        Mode = mode;
        _best = initialValueThreshold ?? (Maximize ? double.NegativeInfinity : double.PositiveInfinity);
    }

    public string FilePath { get; }
    public string Monitor { get; }
    public int Verbose { get; }
    public bool SaveBestOnly { get; }
    public MonitorMode Mode { get; }

    /// <summary>True when higher monitored values are better.</summary>
    public bool Maximize => Mode == MonitorMode.Max || (Mode == MonitorMode.Auto && Monitors.HigherIsBetter(Monitor));

    /// <summary>The best monitored value so far (±∞ before the first save with <see cref="SaveBestOnly"/>).</summary>
    public double Best => _best;

    /// <summary>The paths written so far, in order.</summary>
    public IReadOnlyList<string> Saved => _saved;
    private readonly List<string> _saved = [];

    /// <exception cref="InvalidOperationException">The model is not an <see cref="ICheckpointable"/>.</exception>
    public void OnTrainBegin(TrainingControl control)
    {
        ArgumentNullException.ThrowIfNull(control);
        if (control.Model is not ICheckpointable)
            throw new InvalidOperationException($"ModelCheckpoint saves an ICheckpointable model; {control.Model.GetType().Name} is not one.");
    }

    /// <exception cref="InvalidOperationException">With <see cref="SaveBestOnly"/>, the logs lack <see cref="Monitor"/>;
    /// or the file path names a key the logs lack.</exception>
    public void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs, TrainingControl control)
    {
        ArgumentNullException.ThrowIfNull(logs);
        ArgumentNullException.ThrowIfNull(control);
        var model = control.Model as ICheckpointable ?? throw new InvalidOperationException(
            $"ModelCheckpoint saves an ICheckpointable model; {control.Model.GetType().Name} is not one.");
        string path = FormatPath(FilePath, epoch + 1, logs);
        if (SaveBestOnly)
        {
            double current = Monitors.Read(nameof(ModelCheckpoint), Monitor, logs);
            string best = Show(_best);
            if (!IsImprovement(current))
            {
                if (Verbose > 0) Print(control, $"Epoch {epoch + 1}: {Monitor} did not improve from {best}");
                return;
            }
            if (Verbose > 0) Print(control, $"Epoch {epoch + 1}: {Monitor} improved from {best} to {Show(current)}, saving model to {path}");
            _best = current;
        }
        else if (Verbose > 0) Print(control, $"Epoch {epoch + 1}: saving model to {path}");

        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        var metadata = new Dictionary<string, string>
        {
            [MonitorKey] = Monitor,
            [BestKey] = _best.ToString("R", CultureInfo.InvariantCulture),
        };
        Checkpoint.Save(model, path, epoch + 1, [control.Train, control.Validation], metadata);
        _saved.Add(path);
    }

    private bool IsImprovement(double current) =>
        double.IsFinite(current) && (Maximize ? current > _best : current < _best);

    private static void Print(TrainingControl control, string message)
    {
        control.Output.WriteLine();
        control.Output.WriteLine(message);
    }

    private static string Show(double value) =>
        double.IsNaN(value) ? "nan" : double.IsInfinity(value) ? (value > 0 ? "inf" : "-inf") : value.ToString("F5", CultureInfo.InvariantCulture);

    /// <summary>Python's <c>str.format(epoch=..., **logs)</c> for the specs a checkpoint path uses: <c>{name}</c>,
    /// <c>{name:0Nd}</c>/<c>{name:Nd}</c> for the epoch, <c>{name:.Nf}</c>/<c>{name:.Ne}</c> for floats; <c>{{</c> and
    /// <c>}}</c> are braces.</summary>
    internal static string FormatPath(string pattern, int epoch, IReadOnlyDictionary<string, double> logs)
    {
        var result = new StringBuilder();
        int i = 0;
        while (i < pattern.Length)
        {
            if (pattern[i] == '{' && i + 1 < pattern.Length && pattern[i + 1] == '{') { result.Append('{'); i += 2; continue; }
            if (pattern[i] == '}' && i + 1 < pattern.Length && pattern[i + 1] == '}') { result.Append('}'); i += 2; continue; }
            if (pattern[i] != '{') { result.Append(pattern[i++]); continue; }
            int close = pattern.IndexOf('}', i);
            if (close < 0) throw new FormatException($"ModelCheckpoint's file path '{pattern}' has an unclosed '{{'.");
            var match = Placeholder().Match(pattern, i + 1, close - i - 1);
            if (!match.Success || match.Length != close - i - 1)
                throw new FormatException($"ModelCheckpoint's file path '{pattern}' has a placeholder it cannot read: {pattern[i..(close + 1)]}.");
            string name = match.Groups["name"].Value, spec = match.Groups["spec"].Value;
            double value;
            if (name == "epoch") value = epoch;
            else if (!logs.TryGetValue(name, out value))
                throw new InvalidOperationException(
                    $"ModelCheckpoint's file path '{pattern}' names {{{name}}}, which the epoch logs do not have: they have [epoch, {string.Join(", ", logs.Keys)}].");
            result.Append(FormatValue(value, spec, name == "epoch", pattern));
            i = close + 1;
        }
        return result.ToString();
    }

    private static string FormatValue(double value, string spec, bool isInteger, string pattern)
    {
        if (spec.Length == 0) return isInteger ? ((long)value).ToString(CultureInfo.InvariantCulture) : CsvLogger.PythonRepr(value);
        var integer = Regex.Match(spec, "^(?<zero>0?)(?<width>[0-9]*)d$");
        if (integer.Success)
        {
            string text = ((long)value).ToString(CultureInfo.InvariantCulture);
            int width = integer.Groups["width"].Value.Length > 0 ? int.Parse(integer.Groups["width"].Value, CultureInfo.InvariantCulture) : 0;
            return text.PadLeft(width, integer.Groups["zero"].Value == "0" ? '0' : ' ');
        }
        var real = Regex.Match(spec, "^\\.(?<digits>[0-9]+)(?<kind>[fe])$");
        if (real.Success)
        {
            int digits = int.Parse(real.Groups["digits"].Value, CultureInfo.InvariantCulture);
            if (!double.IsFinite(value)) return CsvLogger.PythonRepr(value);
            if (real.Groups["kind"].Value == "f") return value.ToString("F" + digits, CultureInfo.InvariantCulture);
            return value.ToString((digits > 0 ? "0." + new string('0', digits) : "0") + "e+00", CultureInfo.InvariantCulture);
        }
        throw new FormatException($"ModelCheckpoint's file path '{pattern}' uses the format spec '{spec}'; supported are Nd, 0Nd, .Nf and .Ne.");
    }

    [GeneratedRegex("(?<name>[A-Za-z_][A-Za-z0-9_]*)(:(?<spec>[^}]*))?")]
    private static partial Regex Placeholder();
}
