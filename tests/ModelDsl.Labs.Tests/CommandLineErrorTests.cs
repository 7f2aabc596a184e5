using System.Globalization;
using System.Text.Json;
using ModelDsl.Labs.Stock;

namespace ModelDsl.Labs.Tests;

/// <summary>
/// Issue 9 §5: no input to the labs CLI ends in an unhandled exception. Every failure exits 1 (data that cannot be used)
/// or 2 (a wrong argument, output path or environment variable) with one message naming the file, the line and the fix;
/// output paths are refused before any training; a model that diverges is reported and the lab goes on.
/// </summary>
public sealed class CommandLineErrorTests : IDisposable
{
    private readonly string _dir = LabData.OutDir();

    public CommandLineErrorTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static (int Exit, string Out, string Err) Execute(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = LabRunner.Execute(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>KO-2018.csv with one line (1-based, header = 1) replaced by <paramref name="edit"/> of its fields.</summary>
    private string KoWith(int line, Func<string[], string[]> edit, string name = "ko.csv")
    {
        var lines = File.ReadAllLines(LabData.Ko2018);
        lines[line - 1] = string.Join(",", edit(lines[line - 1].Split(',')));
        string path = Path.Combine(_dir, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    private static string[] Set(string[] fields, int column, string value)
    {
        var copy = (string[])fields.Clone();
        copy[column] = value;
        return copy;
    }

    [Fact]
    public void A_header_only_csv_exits_1_naming_the_file_line_2_and_what_to_add()
    {
        string path = Path.Combine(_dir, "header-only.csv");
        File.WriteAllText(path, "Date,Open,High,Low,Close,Adj Close,Volume\n");
        var (exit, _, err) = Execute("stock", "--csv", path, "--no-plots");
        Assert.Equal(1, exit);
        Assert.Contains(path, err);
        Assert.Contains("line 2", err);
        Assert.Contains("the header but no quotes: add one line per trading day", err);
        Assert.DoesNotContain("   at ", err);   // a message, not a stack trace
    }

    public static TheoryData<int, int, string, string> ImplausibleRows => new()
    {
        // line, column (0 = Date, 1 Open, 2 High, 3 Low, 4 Close, 5 Adj Close, 6 Volume), value, expected message part
        { 7, 4, "0", "column 'Close': Close is 0 on 2018-01-09; a price must be positive" },
        { 12, 1, "-45.5", "column 'Open': Open is -45.5 on 2018-01-17; a price must be positive" },
        { 100, 5, "0", "column 'Adj Close': Adj Close is 0" },
        { 30, 3, "99", "column 'High': High 44.23 is below Low 99 on 2018-02-12: the columns are swapped" },
        { 251, 6, "-100", "column 'Volume': Volume is -100 on 2018-12-28; a traded volume cannot be negative" },
        { 5, 2, "4,6.1", "expected 7 comma-separated fields" },
        { 9, 4, "abc", "column 'Close': 'abc' is not a number" },
    };

    [Theory]
    [MemberData(nameof(ImplausibleRows))]
    public void Implausible_or_broken_rows_exit_1_naming_the_file_line_and_column(int line, int column, string value, string message)
    {
        string path = KoWith(line, f => Set(f, column, value));
        var (exit, _, err) = Execute("stock", "--csv", path, "--no-plots");
        Assert.Equal(1, exit);
        Assert.Contains($"{path}, line {line}", err);
        Assert.Contains(message, err);
    }

    [Fact]
    public void Too_few_rows_exit_1_saying_how_many_the_windows_need()
    {
        string path = Path.Combine(_dir, "short.csv");
        File.WriteAllLines(path, File.ReadAllLines(LabData.Ko2018).Take(101));
        var (exit, _, err) = Execute("stock", "--csv", path, "--no-plots");
        Assert.Equal(1, exit);
        Assert.Contains($"{path} has 100 rows", err);
        Assert.Contains($"need at least {StockWindows.MinimumRows}", err);
    }

    [Fact]
    public void Dates_outside_the_file_exit_2_with_the_files_range()
    {
        var (exit, _, err) = Execute("stock", "--csv", LabData.Ko2018, "--from", "2020-01-01", "--no-plots");
        Assert.Equal(2, exit);
        Assert.Contains("has no rows between 2020-01-01", err);
        Assert.Contains("it covers 2018-01-02 … 2018-12-31", err);
    }

    [Fact]
    public void Unwritable_json_and_out_paths_exit_2_before_any_training()
    {
        string file = Path.Combine(_dir, "a-file");
        File.WriteAllText(file, "x");
        string folder = Path.Combine(_dir, "a-folder");
        Directory.CreateDirectory(folder);
        foreach (var (args, message) in new (string[], string)[]
                 {
                     (["stock", "--json", folder, "--no-plots"], $"--json '{folder}' is a folder; give the path of a file"),
                     (["all", "--json", Path.Combine(file, "r.json"), "--no-plots"], $"--json '{Path.Combine(file, "r.json")}': cannot write the results there"),
                     (["regression", "--out", file], $"--out '{file}': cannot write figures there"),
                     (["stock-long", "--out", Path.Combine(file, "figures")], "choose a writable folder with --out DIR, or pass --no-plots"),
                 })
        {
            var (exit, stdout, err) = Execute(args);
            Assert.True(exit == 2, $"{string.Join(" ", args)}: exit {exit}, {err}");
            Assert.Contains(message, err);
            Assert.Equal("", stdout);   // nothing ran: no lab printed a line
        }
        Assert.Equal("x", File.ReadAllText(file));
    }

    [Fact]
    public void Missing_files_named_by_the_environment_exit_2()
    {
        using (new EnvironmentVariable(StockData.EnvironmentVariable, Path.Combine(_dir, "missing.csv")))
        {
            var (exit, _, err) = Execute("stock", "--no-plots");
            Assert.Equal(2, exit);
            Assert.Contains($"MODELDSL_KO_CSV: no such file '{Path.Combine(_dir, "missing.csv")}'", err);
        }
        using (new EnvironmentVariable(StockData.EnvironmentVariable, null))
        using (new EnvironmentVariable(StockData.DataDirVariable, Path.Combine(_dir, "no-such-folder")))
        {
            var (exit, _, err) = Execute("stock", "--no-plots");
            Assert.Equal(2, exit);
            Assert.Contains("MODELDSL_DATA_DIR=", err);
            Assert.Contains("no such folder", err);
        }
    }

    [Fact]
    public void The_data_folder_is_used_by_default_and_MODELDSL_DATA_DIR_overrides_it()
    {
        File.Copy(LabData.Ko2018, Path.Combine(_dir, StockData.Ko2018File));
        using (new EnvironmentVariable(StockData.EnvironmentVariable, null))
        {
            using (new EnvironmentVariable(StockData.DataDirVariable, _dir))
                Assert.Equal(Path.Combine(_dir, StockData.Ko2018File), StockData.FindData(StockData.Ko2018File));
            using (new EnvironmentVariable(StockData.DataDirVariable, null))
            {
                // shared/data beside the repository, found from the test's folder: the README's first command reads KO 2018.
                var found = StockData.FindData(StockData.Ko2018File);
                Assert.NotNull(found);
                Assert.Equal(Path.Combine("shared", "data", "KO-2018.csv"), Path.GetRelativePath(Path.GetFullPath(Path.Combine(found, "..", "..", "..")), found));
            }
        }
    }

    [Fact]
    public void A_model_that_diverges_in_its_first_epoch_is_reported_in_console_json_and_figures_and_the_lab_goes_on()
    {
        // Prices of 10²⁰ dollars are plausible (positive, High ≥ Low) but overflow float32 in the faithful models' MSE.
        var scaled = File.ReadAllLines(LabData.Ko2018).Select((line, i) => i == 0 ? line : string.Join(",", line.Split(',').Select((f, c) =>
            c is >= 1 and <= 5 ? (double.Parse(f, CultureInfo.InvariantCulture) * 1e19).ToString("R", CultureInfo.InvariantCulture) : f)));
        string csv = Path.Combine(_dir, "huge.csv");
        File.WriteAllLines(csv, scaled);
        string json = Path.Combine(_dir, "huge.json");

        var (exit, stdout, err) = Execute("stock", "--csv", csv, "--epochs", "2", "--no-plots", "--json", json);
        Assert.True(exit == 0, err);
        Assert.Contains("DIVERGED in epoch 1, batch 1", stdout);
        Assert.Contains("the lab goes on with the other models", stdout);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var models = doc.RootElement.GetProperty("models").EnumerateArray().ToList();
        Assert.Equal(6, models.Count);
        var diverged = models.Where(m => m.TryGetProperty("diverged", out _)).ToList();
        Assert.NotEmpty(diverged);
        Assert.All(diverged, m =>
        {
            Assert.Equal(1, m.GetProperty("diverged_epoch").GetInt32());
            Assert.Equal("NaN", m.GetProperty("test_mae").GetString());
        });
        Assert.Contains(models, m => !m.TryGetProperty("diverged", out _));   // the others trained

        // The same run's figures: each diverged model's learning curves carry the mark, none is missing.
        var r = StockLab.Run(new LabOptions(LabName.Stock, Epochs: 2, Csv: csv, Plots: false), new StringWriter());
        foreach (var m in r.Models.Where(m => m.Diverged is not null))
        {
            var figure = r.Plots[$"stock_learning_curves_{m.Name}"];
            var mark = Assert.Single(figure.Marks);
            Assert.Equal(1, mark.X);
            Assert.Contains($"{m.Name}: расходится в эпохе 1", mark.Label);
            Assert.Contains(figure.ToPlot().Legend.GetItems(), i => i.LabelText == mark.Label);
        }
        var relative = r.Plots["stock_relative_learning_curves"];
        Assert.Equal(r.Models.Count(m => m.Variant == "faithful" && m.Diverged is not null), relative.Marks.Count);
        Assert.Contains(r.Plots["stock_predictions"].Notes, n => n.Contains("обучение разошлось"));
        // And with figures on, every one of them is written.
        string outDir = Path.Combine(_dir, "figures");
        Assert.Equal(0, Execute("stock", "--csv", csv, "--epochs", "2", "--out", outDir).Exit);
        Assert.Equal(r.Plots.Count, Directory.GetFiles(outDir, "*.png").Length);
    }

    /// <summary>Sets an environment variable for a test and restores it.</summary>
    private sealed class EnvironmentVariable : IDisposable
    {
        private readonly string _name;
        private readonly string? _saved;

        public EnvironmentVariable(string name, string? value)
        {
            _name = name;
            _saved = Environment.GetEnvironmentVariable(name);
            Environment.SetEnvironmentVariable(name, value);
        }

        public void Dispose() => Environment.SetEnvironmentVariable(_name, _saved);
    }
}
