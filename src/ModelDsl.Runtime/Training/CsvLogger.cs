using System.Globalization;
using System.Text;

namespace ModelDsl.Training;

/// <summary>
/// Keras' <c>CSVLogger</c>: one row per epoch, <c>epoch</c> (0-based) then the first epoch's log keys sorted
/// (ordinally, as Python sorts strings); a key missing later is written "NA". Numbers as Python's <c>repr</c> writes
/// them (<c>0.1</c>, <c>2.0</c>, <c>1e-05</c>, <c>nan</c>), fields quoted only when they hold the separator, a quote
/// or a line break, lines ended by "\r\n" (Python's csv "excel" dialect, which Keras uses).
/// </summary>
/// <remarks>With <paramref name="append"/> the rows go after an existing file's and the header is written only when
/// the file is missing or empty (continuing a run); otherwise the file is truncated when training begins. Each row
/// is appended and flushed at once, so a killed run leaves every finished epoch in the file.</remarks>
public sealed class CsvLogger(string filename, string separator = ",", bool append = false) : ICallback
{
    private List<string>? _keys;
    private bool _writeHeader = true;

    public string Filename { get; } = filename ?? throw new ArgumentNullException(nameof(filename));
    public string Separator { get; } = string.IsNullOrEmpty(separator) ? throw new ArgumentException("The separator cannot be empty.", nameof(separator)) : separator;
    public bool Append { get; } = append;

    public void OnTrainBegin(TrainingControl control)
    {
        if (Append)
            _writeHeader = !File.Exists(Filename) || string.IsNullOrEmpty(FirstLine(Filename));
        else
        {
            File.WriteAllText(Filename, "");
            _writeHeader = true;
        }
        _keys = null;
    }

    public void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs, TrainingControl control)
    {
        ArgumentNullException.ThrowIfNull(logs);
        _keys ??= [.. logs.Keys.Order(StringComparer.Ordinal)];
        var text = new StringBuilder();
        if (_writeHeader)
        {
            text.Append(string.Join(Separator, new[] { "epoch" }.Concat(_keys).Select(Field))).Append("\r\n");
            _writeHeader = false;
        }
        text.Append(epoch.ToString(CultureInfo.InvariantCulture));
        foreach (var key in _keys)
            text.Append(Separator).Append(logs.TryGetValue(key, out double value) ? PythonRepr(value) : "NA");
        text.Append("\r\n");
        using var stream = new FileStream(Filename, FileMode.Append, FileAccess.Write, FileShare.Read);
        using var writer = new StreamWriter(stream, new UTF8Encoding(false));
        writer.Write(text.ToString());
    }

    private string Field(string value) =>
        value.Contains(Separator, StringComparison.Ordinal) || value.Contains('"') || value.Contains('\n') || value.Contains('\r')
            ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : value;

    private static string? FirstLine(string path)
    {
        using var reader = new StreamReader(path);
        return reader.ReadLine();
    }

    /// <summary>Python's <c>repr(float)</c>: the shortest round-trip digits, fixed notation for decimal exponents in
    /// [-4, 16) with at least one decimal ("2.0", "0.0001"), else "1e-05" / "1.5e+16"; "nan", "inf", "-inf".</summary>
    internal static string PythonRepr(double value)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsInfinity(value)) return value > 0 ? "inf" : "-inf";
        if (value == 0) return double.IsNegative(value) ? "-0.0" : "0.0";
        string sign = value < 0 ? "-" : "";
        string shortest = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        string digits;
        int exponent;
        int e = shortest.IndexOf('E');
        if (e >= 0)
        {
            digits = shortest[..e].Replace(".", "", StringComparison.Ordinal);
            exponent = int.Parse(shortest[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }
        else
        {
            int point = shortest.IndexOf('.');
            string whole = point >= 0 ? shortest[..point] : shortest;
            string fraction = point >= 0 ? shortest[(point + 1)..] : "";
            whole = whole.TrimStart('0');
            if (whole.Length > 0)
            {
                exponent = whole.Length - 1;
                digits = whole + fraction;
            }
            else
            {
                int zeros = fraction.Length - fraction.TrimStart('0').Length;
                exponent = -(zeros + 1);
                digits = fraction[zeros..];
            }
        }
        digits = digits.TrimEnd('0');
        if (digits.Length == 0) digits = "0";
        if (exponent is >= -4 and < 16)
        {
            if (exponent < 0) return sign + "0." + new string('0', -exponent - 1) + digits;
            string integer = digits.Length > exponent + 1 ? digits[..(exponent + 1)] : digits.PadRight(exponent + 1, '0');
            string decimals = digits.Length > exponent + 1 ? digits[(exponent + 1)..] : "0";
            return sign + integer + "." + decimals;
        }
        string head = digits.Length > 1 ? digits[0] + "." + digits[1..] : digits;
        return sign + head + "e" + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
    }
}
