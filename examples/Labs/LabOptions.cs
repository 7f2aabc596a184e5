using System.Globalization;

namespace ModelDsl.Labs;

/// <summary>The labs the command line can run.</summary>
public enum LabName { Regression, Optimization, Stock, StockLong, All, Classification }

/// <summary>Parsed command line. Null means "the lab's own default" (the seeds' figures).</summary>
public sealed record LabOptions(
    LabName Lab,
    int? Epochs = null,
    int Seed = 42,
    string? Csv = null,
    string OutDir = "out",
    string? JsonPath = null,
    DateOnly? From = null,
    DateOnly? To = null,
    bool Offline = false,
    bool Plots = true,
    string? DataDir = null)
{
    public const string Usage = """
        usage: dotnet run --project examples/Labs -- <regression|optimization|stock|stock-long|classification|all> [options]

          --epochs N     epochs for every training run (default: the seeds' — 4 regression, 50 stock)
          --seed S       seed for data, initial weights and shuffling (default 42)
          --csv PATH     Yahoo-layout CSV of KO quotes (else MODELDSL_KO_CSV, else a cached Yahoo download,
                         else a synthetic series, announced as such)
          --from DATE    first date (yyyy-MM-dd) to use from the CSV (stock-long default 2010-01-01)
          --to DATE      last date (yyyy-MM-dd) to use from the CSV (stock-long default 2019-12-31)
          --out DIR      where figures go (default out/)
          --json PATH    also write machine-readable results (JSON)
          --offline      never try the network for quotes
          --no-plots     skip figures
          --data-dir DIR folder with digits.csv and breast_cancer.csv for classification (else MODELDSL_DATA_DIR,
                         else shared/data above the current folder or the program); classification always runs
                         seeds 0–4 (the PyTorch anchor's) and ignores --seed; --epochs replaces its 50/100 epochs
        """;

    /// <summary>Parses arguments; a bad argument gives an error message naming it, never an exception.</summary>
    public static ParseOutcome Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0) return ParseOutcome.Fail("missing the lab name");
        if (args[0] is "-h" or "--help" or "help") return new ParseOutcome(null, null, ShowHelp: true);
        LabName? lab = args[0].ToLowerInvariant() switch
        {
            "regression" => LabName.Regression,
            "optimization" => LabName.Optimization,
            "stock" => LabName.Stock,
            "stock-long" => LabName.StockLong,
            "all" => LabName.All,
            "classification" => LabName.Classification,
            _ => null,
        };
        if (lab is null) return ParseOutcome.Fail($"unknown lab '{args[0]}' (expected regression, optimization, stock, stock-long, classification or all)");

        var o = new LabOptions(lab.Value);
        for (int i = 1; i < args.Count; i++)
        {
            string name = args[i];
            if (name is "-h" or "--help") return new ParseOutcome(null, null, ShowHelp: true);
            if (name == "--offline") { o = o with { Offline = true }; continue; }
            if (name == "--no-plots") { o = o with { Plots = false }; continue; }
            if (name is not ("--epochs" or "--seed" or "--csv" or "--out" or "--json" or "--from" or "--to" or "--data-dir"))
                return ParseOutcome.Fail($"unknown option '{name}'");
            if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                return ParseOutcome.Fail($"option {name} needs a value");
            string value = args[++i];
            switch (name)
            {
                case "--epochs":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int epochs) || epochs < 1)
                        return ParseOutcome.Fail($"--epochs expects a positive integer, got '{value}'");
                    o = o with { Epochs = epochs };
                    break;
                case "--seed":
                    if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int seed))
                        return ParseOutcome.Fail($"--seed expects an integer, got '{value}'");
                    o = o with { Seed = seed };
                    break;
                case "--csv":
                    if (!File.Exists(value)) return ParseOutcome.Fail($"--csv: no such file '{value}'");
                    o = o with { Csv = value };
                    break;
                case "--data-dir":
                    if (!Directory.Exists(value)) return ParseOutcome.Fail($"--data-dir: no such directory '{value}'");
                    o = o with { DataDir = value };
                    break;
                case "--out":
                    o = o with { OutDir = value };
                    break;
                case "--json":
                    o = o with { JsonPath = value };
                    break;
                case "--from":
                case "--to":
                    if (!DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                        return ParseOutcome.Fail($"{name} expects a date yyyy-MM-dd, got '{value}'");
                    o = name == "--from" ? o with { From = date } : o with { To = date };
                    break;
            }
        }
        if (o.From is { } f && o.To is { } t && f > t) return ParseOutcome.Fail($"--from {f:yyyy-MM-dd} is after --to {t:yyyy-MM-dd}");
        return new ParseOutcome(o, null);
    }
}

/// <summary>Either options, or an error to print with the usage, or a request for help.</summary>
public sealed record ParseOutcome(LabOptions? Options, string? Error, bool ShowHelp = false)
{
    public static ParseOutcome Fail(string error) => new(null, error);
}
