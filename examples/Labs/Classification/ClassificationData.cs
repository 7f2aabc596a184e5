using System.Globalization;
using ModelDsl.Data;
using ModelDsl.Labs.Data;
using ModelDsl.Labs.Stock;

namespace ModelDsl.Labs.Classification;

/// <summary>How the lab scales a dataset's features.</summary>
public enum FeatureScaling
{
    /// <summary>Divide by <see cref="DatasetSpec.MaxFeature"/> (the digits' pixels 0..16 → 0..1).</summary>
    DivideByMax,
    /// <summary>Subtract the training rows' mean and divide by their population standard deviation, per column.</summary>
    StandardizeOnTrain,
}

/// <summary>What a classification CSV holds: <paramref name="Features"/> numeric columns, then the class column.</summary>
/// <param name="Name">The dataset's name in the report and the JSON ("digits", "breast_cancer").</param>
/// <param name="File">The file in the data directory.</param>
/// <param name="LabelColumn">The last column's header name.</param>
/// <param name="Features">How many feature columns come before it.</param>
/// <param name="Classes">Labels are the integers 0 … Classes − 1.</param>
/// <param name="Scaling">How the lab scales the features.</param>
/// <param name="MaxFeature">When set, every feature must lie in [0, MaxFeature] (the digits' pixels, 0..16).</param>
public sealed record DatasetSpec(string Name, string File, string LabelColumn, int Features, int Classes, FeatureScaling Scaling, double? MaxFeature = null)
{
    /// <summary>UCI's 8×8 handwritten digits (scikit-learn's copy): 64 pixels 0..16, row-major, then <c>digit</c> 0..9.</summary>
    public static readonly DatasetSpec Digits = new("digits", "digits.csv", "digit", 64, 10, FeatureScaling.DivideByMax, MaxFeature: 16);

    /// <summary>Breast Cancer Wisconsin (Diagnostic): 30 real features, then <c>malignant</c> 1/0.</summary>
    public static readonly DatasetSpec BreastCancer = new("breast_cancer", "breast_cancer.csv", "malignant", 30, 2, FeatureScaling.StandardizeOnTrain);

    /// <summary>Two classes: one sigmoid output and float targets of shape (n, 1); otherwise int64 class indices.</summary>
    public bool Binary => Classes == 2;
}

/// <summary>A read classification file: <see cref="Features"/> row-major, <see cref="Rows"/> × <see cref="Columns"/>.</summary>
public sealed record LabeledTable(DatasetSpec Spec, string Source, IReadOnlyList<string> FeatureNames, float[] Features, long[] Labels)
{
    public int Rows => Labels.Length;
    public int Columns => FeatureNames.Count;

    /// <summary>Row <paramref name="row"/>'s features, as read.</summary>
    public ReadOnlySpan<float> Row(int row) => Features.AsSpan(row * Columns, Columns);
}

/// <summary>
/// The classification lab's data: <c>--data-dir</c>, else <c>MODELDSL_DATA_DIR</c>, else <c>shared/data</c> found by
/// walking up from the current directory and then from the program's folder (the repository sits beside <c>shared</c>).
/// Every malformed row is an error naming the file, its line and column, and what to do.
/// </summary>
public static class ClassificationData
{
    public const string EnvironmentVariable = "MODELDSL_DATA_DIR";

    /// <summary>The directory holding <paramref name="spec"/>'s file, and where that choice came from.</summary>
    public static (string Directory, string Origin) FindDirectory(LabOptions options, DatasetSpec spec)
    {
        if (options.DataDir is { } dir) return (Require(dir, spec, "--data-dir"), "--data-dir");
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } env) return (Require(env, spec, EnvironmentVariable), EnvironmentVariable);
        var found = StockData.FindSharedData(spec.File, Directory.GetCurrentDirectory()) ?? StockData.FindSharedData(spec.File);
        if (found is null)
            throw new LabException($"{spec.File} not found: pass --data-dir DIR or set {EnvironmentVariable} to the folder that holds it "
                                   + "(by default shared/data is looked for above the current directory and above the program)");
        return (Path.GetDirectoryName(found)!, "shared/data");
    }

    /// <summary>Reads <paramref name="spec"/>'s file from the data directory the options lead to; problems are <see cref="LabException"/>s.</summary>
    public static LabeledTable Load(LabOptions options, DatasetSpec spec)
    {
        var (dir, origin) = FindDirectory(options, spec);
        string path = Path.GetFullPath(Path.Combine(dir, spec.File));
        try
        {
            return Read(path, spec);
        }
        catch (DataFormatException e)
        {
            throw new LabException($"{e.Message} Fix or delete that row (the lab reads {spec.File} from {origin}); "
                                   + "the original is the scikit-learn copy described in shared/data/README.md.", e);
        }
    }

    public static LabeledTable Read(string path, DatasetSpec spec) => Parse(File.ReadAllText(path), path, spec);

    /// <summary>
    /// Parses the CSV: a header of <c>spec.Features</c> names and <c>spec.LabelColumn</c>, then one row per sample.
    /// Blank lines are skipped; anything else that is not a full row of finite numbers and a valid label is a
    /// <see cref="DataFormatException"/> with the 1-based line and the column.
    /// </summary>
    public static LabeledTable Parse(string text, string source, DatasetSpec spec)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] lines = text.Split('\n');
        int first = Array.FindIndex(lines, l => l.Trim().Length > 0);
        if (first < 0) throw new DataFormatException(source, 1, null, $"the file is empty; expected a header of {spec.Features} feature names and '{spec.LabelColumn}'.");
        string[] header = [.. lines[first].TrimStart('\uFEFF').Split(',').Select(h => h.Trim())];
        if (header.Length != spec.Features + 1 || header[^1] != spec.LabelColumn)
            throw new DataFormatException(source, first + 1, null,
                $"the header has {header.Length} columns ending in '{header[^1]}'; expected {spec.Features} feature columns and then '{spec.LabelColumn}' ({spec.Features + 1} in all).");

        var features = new List<float>();
        var labels = new List<long>();
        for (int i = first + 1; i < lines.Length; i++)
        {
            string row = lines[i].TrimEnd('\r');
            if (row.Trim().Length == 0) continue;
            int line = i + 1;
            string[] fields = row.Split(',');
            if (fields.Length != header.Length)
                throw new DataFormatException(source, line, null,
                    $"{fields.Length} comma-separated fields, the header has {header.Length} ({spec.Features} features and '{spec.LabelColumn}').");
            for (int c = 0; c < spec.Features; c++)
            {
                string field = fields[c].Trim();
                if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
                    throw new DataFormatException(source, line, header[c], $"'{field}' is not a finite number (use '.' as the decimal separator).");
                if (spec.MaxFeature is { } max && (value < 0 || value > max))
                    throw new DataFormatException(source, line, header[c], $"{field} is outside 0..{max}, the range of this file's values.");
                features.Add((float)value);
            }
            string labelText = fields[^1].Trim();
            if (!long.TryParse(labelText, NumberStyles.None, CultureInfo.InvariantCulture, out long label) || label >= spec.Classes)
                throw new DataFormatException(source, line, spec.LabelColumn, $"'{labelText}' is not a class label; expected an integer 0..{spec.Classes - 1}.");
            labels.Add(label);
        }
        if (labels.Count == 0) throw new DataFormatException(source, first + 1, null, "the file has a header but no rows.");
        return new LabeledTable(spec, source, header[..^1], features.ToArray(), labels.ToArray());
    }

    private static string Require(string dir, DatasetSpec spec, string origin)
    {
        if (!Directory.Exists(dir)) throw new LabException($"{origin}: no such directory '{dir}'");
        if (!File.Exists(Path.Combine(dir, spec.File))) throw new LabException($"{origin}: '{dir}' has no {spec.File}; point {origin} at the folder that holds it (shared/data)");
        return dir;
    }
}
