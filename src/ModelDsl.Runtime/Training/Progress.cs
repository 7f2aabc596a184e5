using System.Globalization;
using System.Text;

namespace ModelDsl.Training;

/// <summary>
/// Keras 3's <c>Progbar</c> as Fit and Evaluate print it. Verbose 1 on a terminal (<c>dynamic</c>): one line redrawn
/// in place, <c>" 3/10 ━━━━━━────────── 1s 12ms/step - loss: 0.1234"</c> with the remaining time while running and the
/// elapsed time when done; verbose 1 elsewhere: only the finished line; verbose 2: <c>"10/10 - 1s - 12ms/step - loss: ..."</c>
/// once at the end. Values print with four decimals above 1e-3 in magnitude, in exponent notation otherwise.
/// </summary>
internal sealed class Progress
{
    private const int Width = 20;
    private const double Interval = 0.05;
    private readonly TextWriter _output;
    private readonly int _verbose;
    private readonly bool _dynamic;
    private readonly Func<double> _clock;
    private double _start, _lastUpdate = double.NegativeInfinity;
    private double? _afterFirstStep;
    private int _previousWidth;

    public Progress(TextWriter output, int verbose, bool dynamic, Func<double> clock)
    {
        _output = output;
        _verbose = verbose;
        _dynamic = dynamic;
        _clock = clock;
    }

    /// <summary>Starts a bar (an epoch or an evaluation).</summary>
    public void Begin()
    {
        _start = _clock();
        _lastUpdate = double.NegativeInfinity;
        _afterFirstStep = null;
        _previousWidth = 0;
    }

    /// <summary>After step <paramref name="current"/> of <paramref name="target"/>: redraws the line on a terminal.</summary>
    public void Update(int current, int target, IEnumerable<KeyValuePair<string, double>> values)
    {
        double now = _clock();
        double perStep = StepDuration(current, now);
        if (_verbose != 1 || !_dynamic || now - _lastUpdate < Interval) return;
        _lastUpdate = now;
        double eta = perStep * (target - current);
        Draw(current, target, Eta(eta), perStep, values, final: false);
    }

    /// <summary>The finished line with the epoch's (or evaluation's) values.</summary>
    public void Finish(int target, IEnumerable<KeyValuePair<string, double>> values)
    {
        double now = _clock();
        double perStep = StepDuration(target, now);
        string elapsed = (now - _start).ToString("F0", CultureInfo.InvariantCulture) + "s";
        if (_verbose == 1)
            Draw(target, target, elapsed, perStep, values, final: true);
        else if (_verbose == 2)
        {
            var line = new StringBuilder();
            line.Append(Count(target, target)).Append(" - ").Append(elapsed).Append(" -").Append(FormatTime(perStep));
            AppendValues(line, values);
            _output.WriteLine(line.ToString());
        }
        _output.Flush();
    }

    /// <summary>Keras' "Epoch 3/10" line (printed when there is more than one epoch).</summary>
    public void EpochHeader(int epoch, int epochs)
    {
        if (_verbose != 0 && epochs > 1) _output.WriteLine($"Epoch {epoch + 1}/{epochs}");
    }

    private void Draw(int current, int target, string time, double perStep, IEnumerable<KeyValuePair<string, double>> values, bool final)
    {
        int done = target > 0 ? (int)(Width * (double)current / target) : 0;
        string count = Count(current, target);
        var rest = new StringBuilder(FormatTime(perStep));
        AppendValues(rest, values);
        int width = count.Length + 1 + Width + 1 + time.Length + rest.Length;
        var message = new StringBuilder();
        if (_dynamic)
        {
            message.Append('\r').Append("\x1b[1m").Append(count).Append("\x1b[0m ");
            if (done > 0) message.Append("\x1b[32m").Append('━', done).Append("\x1b[0m");
            message.Append("\x1b[37m").Append('━', Width - done).Append("\x1b[0m");
            message.Append(" \x1b[1m").Append(time).Append("\x1b[0m").Append(rest);
            if (_previousWidth > width) message.Append(' ', _previousWidth - width);
        }
        else
            message.Append(count).Append(' ').Append('━', Width).Append(' ').Append(time).Append(rest);
        _previousWidth = width;
        if (final) message.Append('\n');
        _output.Write(message.ToString());
        if (!final) _output.Flush();
    }

    private double StepDuration(int current, double now)
    {
        if (current <= 0) return 0;
        double perStep = _afterFirstStep is double first && current > 1 ? (now - first) / (current - 1) : (now - _start) / current;
        if (current == 1) _afterFirstStep = now;
        return perStep;
    }

    private static string Count(int current, int target)
    {
        int digits = target > 0 ? (int)Math.Log10(target) + 1 : 1;
        return current.ToString(CultureInfo.InvariantCulture).PadLeft(digits) + "/" + target.ToString(CultureInfo.InvariantCulture);
    }

    private static string Eta(double seconds) =>
        seconds > 3600 ? $"{(int)(seconds / 3600)}:{(int)(seconds % 3600 / 60):00}:{(int)(seconds % 60):00}"
        : seconds > 60 ? $"{(int)(seconds / 60)}:{(int)(seconds % 60):00}"
        : $"{(int)seconds}s";

    /// <summary>Keras' <c>_format_time</c>: " 1s/step", " 12ms/step" or " 850us/step".</summary>
    internal static string FormatTime(double perStep) =>
        perStep >= 1 || perStep == 0 ? $" {perStep.ToString("F0", CultureInfo.InvariantCulture)}s/step"
        : perStep >= 1e-3 ? $" {(perStep * 1e3).ToString("F0", CultureInfo.InvariantCulture)}ms/step"
        : $" {(perStep * 1e6).ToString("F0", CultureInfo.InvariantCulture)}us/step";

    private static void AppendValues(StringBuilder line, IEnumerable<KeyValuePair<string, double>> values)
    {
        foreach (var (key, value) in values) line.Append(" - ").Append(key).Append(": ").Append(FormatValue(value));
    }

    /// <summary>Python's <c>f"{v:.4f}"</c> when |v| &gt; 1e-3, else <c>f"{v:.4e}"</c>; nan and inf as Python writes them.</summary>
    internal static string FormatValue(double value)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsInfinity(value)) return value > 0 ? "inf" : "-inf";
        return Math.Abs(value) > 1e-3
            ? value.ToString("F4", CultureInfo.InvariantCulture)
            : value.ToString("0.0000e+00", CultureInfo.InvariantCulture);
    }
}
