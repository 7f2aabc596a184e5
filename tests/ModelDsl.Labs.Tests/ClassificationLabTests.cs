using ModelDsl.Labs.Data;
using System.Text.Json;
using ModelDsl.Data;
using ModelDsl.Labs.Classification;
using ModelDsl.Labs.Stock;

namespace ModelDsl.Labs.Tests;

/// <summary>The classification data: MODELDSL_DATA_DIR, else shared/data found by walking up from the test's folder. Never copied into the repository.</summary>
internal static class ClassificationTestData
{
    public static string Dir =>
        Environment.GetEnvironmentVariable(ClassificationData.EnvironmentVariable) is { Length: > 0 } env ? env
        : Path.GetDirectoryName(StockData.FindSharedData(DatasetSpec.Digits.File))
          ?? throw new InvalidOperationException("digits.csv not found: set MODELDSL_DATA_DIR or keep shared/data beside the repository.");

    private static readonly Lazy<LabeledTable> LazyDigits = new(() => ClassificationData.Read(Path.Combine(Dir, DatasetSpec.Digits.File), DatasetSpec.Digits));
    private static readonly Lazy<LabeledTable> LazyBreastCancer = new(() => ClassificationData.Read(Path.Combine(Dir, DatasetSpec.BreastCancer.File), DatasetSpec.BreastCancer));
    public static LabeledTable Digits => LazyDigits.Value;
    public static LabeledTable BreastCancer => LazyBreastCancer.Value;
}

/// <summary>
/// PyTorch's CPU <c>torch.randperm</c>, written from its definition rather than called: the generator is a 32-bit
/// Mersenne Twister MT19937 seeded by <c>torch.manual_seed</c> (the standard <c>init_genrand</c>), and randperm
/// (ATen's <c>randperm_cpu</c>, n &lt; 2³²/20) starts from 0 … n−1 and for i = 0 … n−2 swaps element i with element
/// i + (next 32-bit output mod (n − i)).
/// </summary>
internal sealed class Mt19937
{
    private readonly uint[] _state = new uint[624];
    private int _index = 624;

    public Mt19937(uint seed)
    {
        _state[0] = seed;
        for (int i = 1; i < 624; i++) _state[i] = 1812433253u * (_state[i - 1] ^ (_state[i - 1] >> 30)) + (uint)i;
    }

    public uint Next()
    {
        if (_index >= 624)
        {
            for (int i = 0; i < 624; i++)
            {
                uint y = (_state[i] & 0x80000000u) | (_state[(i + 1) % 624] & 0x7fffffffu);
                _state[i] = _state[(i + 397) % 624] ^ (y >> 1) ^ ((y & 1) != 0 ? 0x9908b0dfu : 0u);
            }
            _index = 0;
        }
        uint z = _state[_index++];
        z ^= z >> 11;
        z ^= (z << 7) & 0x9d2c5680u;
        z ^= (z << 15) & 0xefc60000u;
        return z ^ (z >> 18);
    }

    public static long[] RandPerm(int n, uint seed)
    {
        var mt = new Mt19937(seed);
        var r = new long[n];
        for (int i = 0; i < n; i++) r[i] = i;
        for (int i = 0; i < n - 1; i++)
        {
            long z = mt.Next() % (uint)(n - i);
            (r[i], r[z + i]) = (r[z + i], r[i]);
        }
        return r;
    }
}

public class ClassificationProtocolTests
{
    [Fact]
    public void Mersenne_twister_reference_gives_the_cpp_standards_10000th_value()
    {
        // C++ [rand.predef]: the 10000th consecutive invocation of a default-constructed mt19937 (seed 5489) produces 4123659995.
        var mt = new Mt19937(5489);
        uint value = 0;
        for (int i = 0; i < 10000; i++) value = mt.Next();
        Assert.Equal(4123659995u, value);
    }

    [Theory]
    [InlineData(1797)]
    [InlineData(569)]
    public void Permutation_is_pytorchs_randperm_for_every_seed(int rows)
    {
        foreach (var seed in ClassificationLab.Seeds)
        {
            var lab = ClassificationSplit.Permutation(rows, seed);
            Assert.Equal(Mt19937.RandPerm(rows, (uint)seed), lab);
            Assert.Equal(Enumerable.Range(0, rows).Select(i => (long)i), lab.Order());
        }
    }

    [Fact]
    public void Files_have_the_readmes_rows_and_classes()
    {
        var d = ClassificationTestData.Digits;
        Assert.Equal((1797, 64), (d.Rows, d.Columns));
        Assert.All(d.Labels.GroupBy(l => l), g => Assert.InRange(g.Count(), 174, 183));
        Assert.Equal(10, d.Labels.Distinct().Count());
        Assert.Equal("pixel7_7", d.FeatureNames[^1]);
        var b = ClassificationTestData.BreastCancer;
        Assert.Equal((569, 30), (b.Rows, b.Columns));
        Assert.Equal(212, b.Labels.Count(l => l == 1));
        Assert.Equal(357, b.Labels.Count(l => l == 0));
    }

    [Theory]
    [InlineData("digits", 1347, 450)]
    [InlineData("breast_cancer", 426, 143)]
    public void Split_sizes_are_75_and_25_percent(string name, int train, int test)
    {
        var table = name == "digits" ? ClassificationTestData.Digits : ClassificationTestData.BreastCancer;
        using var split = ClassificationSplit.Make(table, seed: 3);
        Assert.Equal((train, test), (split.TrainRows, split.TestRows));
        Assert.Equal([train, table.Columns], split.XTrain.shape);
        Assert.Equal([test, table.Columns], split.XTest.shape);
        Assert.Equal(train, split.YTrain.shape[0]);
        Assert.Equal(test, split.YTest.shape[0]);
    }

    [Fact]
    public void Digit_pixels_are_divided_by_16_in_permutation_order_with_their_labels()
    {
        var table = ClassificationTestData.Digits;
        using var split = ClassificationSplit.Make(table, seed: 1);
        var order = Mt19937.RandPerm(table.Rows, 1);
        var xTrain = split.XTrain.data<float>().ToArray();
        var xTest = split.XTest.data<float>().ToArray();
        var yTrain = split.YTrain.data<long>().ToArray();
        var yTest = split.YTest.data<long>().ToArray();
        for (int i = 0; i < table.Rows; i++)
        {
            bool train = i < 1347;
            var x = train ? xTrain.AsSpan(i * 64, 64) : xTest.AsSpan((i - 1347) * 64, 64);
            var raw = table.Row((int)order[i]);
            for (int p = 0; p < 64; p++) Assert.Equal(raw[p] / 16f, x[p]);
            Assert.Equal(table.Labels[order[i]], train ? yTrain[i] : yTest[i - 1347]);
        }
        Assert.Equal(1f, xTrain.Concat(xTest).Max());
        Assert.Equal(0f, xTrain.Concat(xTest).Min());
    }

    [Fact]
    public void Breast_cancer_is_standardised_with_the_training_rows_statistics_only()
    {
        var table = ClassificationTestData.BreastCancer;
        const int seed = 2, train = 426;
        using var split = ClassificationSplit.Make(table, seed);
        var order = Mt19937.RandPerm(table.Rows, seed);
        var xTrain = split.XTrain.data<float>().ToArray();
        var xTest = split.XTest.data<float>().ToArray();
        Assert.Equal(table.Labels.Select((l, r) => (float)table.Labels[order[r]]), split.YTrain.data<float>().ToArray().Concat(split.YTest.data<float>().ToArray()));
        Assert.Equal([train, 1], split.YTrain.shape);
        for (int c = 0; c < 30; c++)
        {
            // Recomputed here: numpy's mean and std (ddof = 0) of the column over the training rows only.
            var column = order.Take(train).Select(r => (double)table.Row((int)r)[c]).ToArray();
            double mean = column.Average(), std = Math.Sqrt(column.Average(v => (v - mean) * (v - mean)));
            for (int i = 0; i < table.Rows; i++)
            {
                double expected = (table.Row((int)order[i])[c] - mean) / std;
                double actual = i < train ? xTrain[i * 30 + c] : xTest[(i - train) * 30 + c];
                Assert.Equal(expected, actual, 1e-5);
            }
            // Training columns have mean 0 and population std 1; the test columns, scaled with the training statistics, do not.
            var scaledTrain = Enumerable.Range(0, train).Select(i => (double)xTrain[i * 30 + c]).ToArray();
            Assert.Equal(0, scaledTrain.Average(), 1e-5);
            Assert.Equal(1, Math.Sqrt(scaledTrain.Average(v => v * v)), 1e-5);
        }
        var testMeans = Enumerable.Range(0, 30).Select(c => Enumerable.Range(0, table.Rows - train).Average(i => (double)xTest[i * 30 + c])).ToArray();
        Assert.True(testMeans.Max(Math.Abs) > 0.05, "the test rows must not be standardised with their own statistics");
    }
}

public class ClassificationDataTests
{
    private const string Header = "a,b,malignant";
    private static readonly DatasetSpec Two = new("two", "two.csv", "malignant", 2, 2, FeatureScaling.StandardizeOnTrain);

    [Theory]
    [InlineData("1,2,0\n3,4\n", 3, null, "2 comma-separated fields, the header has 3")]
    [InlineData("1,2,0\n\n3,x,1\n", 4, "b", "'x' is not a finite number")]
    [InlineData("1,2,0\n3,NaN,1\n", 3, "b", "'NaN' is not a finite number")]
    [InlineData("1,2,0\r\n3,4,2\r\n", 3, "malignant", "'2' is not a class label; expected an integer 0..1")]
    [InlineData("1,2,-1\n", 2, "malignant", "'-1' is not a class label")]
    public void A_malformed_row_names_its_line_and_column(string rows, int line, string? column, string problem)
    {
        var e = Assert.Throws<DataFormatException>(() => ClassificationData.Parse(Header + "\n" + rows, "two.csv", Two));
        Assert.Equal(line, e.Line);
        Assert.Equal(column, e.Column);
        Assert.Contains(problem, e.Message);
        Assert.StartsWith($"two.csv, line {line}", e.Message);
    }

    [Fact]
    public void Digit_pixels_outside_0_to_16_and_a_wrong_header_are_refused()
    {
        var digits = File.ReadAllLines(Path.Combine(ClassificationTestData.Dir, "digits.csv")).Take(4).ToArray();
        digits[3] = "17" + digits[3][digits[3].IndexOf(',')..];
        var e = Assert.Throws<DataFormatException>(() => ClassificationData.Parse(string.Join("\n", digits), "digits.csv", DatasetSpec.Digits));
        Assert.Equal("digits.csv, line 4, column 'pixel0_0': 17 is outside 0..16, the range of this file's values.", e.Message);
        var header = Assert.Throws<DataFormatException>(() => ClassificationData.Parse("a,b,c\n1,2,0\n", "x.csv", Two));
        Assert.Contains("expected 2 feature columns and then 'malignant'", header.Message);
    }

    [Fact]
    public void The_lab_reports_a_malformed_file_with_its_path_line_and_fix_and_exit_code_1()
    {
        string dir = LabData.OutDir();
        Directory.CreateDirectory(dir);
        var lines = File.ReadAllLines(Path.Combine(ClassificationTestData.Dir, "digits.csv"));
        lines[5] = lines[5].Replace(",", ";");
        File.WriteAllLines(Path.Combine(dir, "digits.csv"), lines);
        var stderr = new StringWriter();
        Assert.Equal(1, LabRunner.Execute(["classification", "--data-dir", dir, "--no-plots"], new StringWriter(), stderr));
        string message = stderr.ToString();
        Assert.Contains(Path.Combine(dir, "digits.csv") + ", line 6: 1 comma-separated fields, the header has 65", message);
        Assert.Contains("Fix or delete that row", message);
    }

    [Fact]
    public void Data_directory_comes_from_the_option_then_the_environment()
    {
        string empty = LabData.OutDir();
        Directory.CreateDirectory(empty);
        var stderr = new StringWriter();
        Assert.Equal(1, LabRunner.Execute(["classification", "--data-dir", empty], new StringWriter(), stderr));
        Assert.Contains($"--data-dir: '{empty}' has no digits.csv", stderr.ToString());

        string? saved = Environment.GetEnvironmentVariable(ClassificationData.EnvironmentVariable);
        string data = ClassificationTestData.Dir;
        try
        {
            Environment.SetEnvironmentVariable(ClassificationData.EnvironmentVariable, empty);
            var e = Assert.Throws<LabException>(() => ClassificationData.FindDirectory(new LabOptions(LabName.Classification), DatasetSpec.Digits));
            Assert.Contains("MODELDSL_DATA_DIR", e.Message);
            var fromOption = ClassificationData.FindDirectory(new LabOptions(LabName.Classification, DataDir: data), DatasetSpec.Digits);
            Assert.Equal((data, "--data-dir"), fromOption);
        }
        finally
        {
            Environment.SetEnvironmentVariable(ClassificationData.EnvironmentVariable, saved);
        }
        Assert.Equal(2, LabRunner.Execute(["classification", "--data-dir", "/no/such/dir"], new StringWriter(), stderr));
        Assert.Contains("--data-dir: no such directory '/no/such/dir'", stderr.ToString());
    }
}

public class ClassificationLabTests
{
    /// <summary>
    /// One seed, a few epochs of each model, pinned. The runs are bit-identical on one machine (the lab tests'
    /// determinism); another CPU may sum floats in another order, which moves the loss by about 1e-6 and can flip a
    /// borderline test sample, so the pins allow 0.5 % of the final training loss and 2 test samples. Wrong gradients
    /// fall outside (tried on the Dense kernel's backward): a negated input gradient moves the three digit models' losses
    /// by 28–930 %; a zeroed bias gradient moves the logistic regression's loss by 2.6 % and the MLP by 3 test digits.
    /// </summary>
    [Theory]
    [InlineData("mlp", 5, 0.65627490500653329, 409)]
    [InlineData("cnn", 3, 1.7353784654790061, 377)]
    [InlineData("regularized_mlp", 3, 0.42156350121466246, 414)]
    [InlineData("logistic_regression", 10, 0.41077388941961834, 123)]
    public void A_short_seeded_run_is_pinned(string model, int epochs, double trainingLoss, int correct)
    {
        var spec = Classifiers.Plan.SelectMany(p => p.Models.Select(m => (p.Dataset, Model: m))).Single(p => p.Model.Name == model);
        var table = spec.Dataset == DatasetSpec.Digits ? ClassificationTestData.Digits : ClassificationTestData.BreastCancer;
        using var split = ClassificationSplit.Make(table, seed: 0);
        var run = ClassificationLab.Train(spec.Model, split, epochs, out _);
        Assert.Equal(trainingLoss, run.Loss[^1], trainingLoss * 0.005);
        Assert.InRange(run.Correct, correct - 2, correct + 2);
        // The lab's accuracy (correct / rows) is Keras' accuracy metric of the last epoch's test evaluation.
        Assert.Equal(run.TestAccuracyCurve[^1], run.TestAccuracy, 1e-6);
    }

    [Fact]
    public void Json_has_the_agreed_shape()
    {
        string dir = LabData.OutDir();
        string json = Path.Combine(dir, "c.json");
        var stdout = new StringWriter();
        Assert.Equal(0, LabRunner.Execute(["classification", "--epochs", "1", "--data-dir", ClassificationTestData.Dir, "--out", dir, "--json", json, "--no-plots"],
            stdout, new StringWriter()));
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        Assert.Equal(["lab", "datasets"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("classification", root.GetProperty("lab").GetString());
        var datasets = root.GetProperty("datasets").EnumerateArray().ToArray();
        Assert.Equal(["digits", "breast_cancer"], datasets.Select(d => d.GetProperty("name").GetString()));
        Assert.All(datasets, d => Assert.Equal(["name", "rows", "train", "test", "models"], d.EnumerateObject().Select(p => p.Name)));
        Assert.Equal((1797, 1347, 450), (datasets[0].GetProperty("rows").GetInt32(), datasets[0].GetProperty("train").GetInt32(), datasets[0].GetProperty("test").GetInt32()));
        Assert.Equal((569, 426, 143), (datasets[1].GetProperty("rows").GetInt32(), datasets[1].GetProperty("train").GetInt32(), datasets[1].GetProperty("test").GetInt32()));
        var models = datasets.SelectMany(d => d.GetProperty("models").EnumerateArray()).ToArray();
        Assert.Equal(["mlp", "cnn", "regularized_mlp", "logistic_regression"], models.Select(m => m.GetProperty("name").GetString()));
        // Keras' counts, recomputed: Dense(in → out) in·out + out; Conv2D(16, 3×3) on one channel 9·16 + 16, its 6×6 output
        // pooled to 3×3×16; BatchNormalization(128) 4·128 (half non-trainable); Dropout, Reshape, Flatten, pooling 0.
        static long Dense(long inputs, long units) => inputs * units + units;
        Assert.Equal([Dense(64, 64) + Dense(64, 10), 9 * 16 + 16 + Dense(3 * 3 * 16, 10), Dense(64, 128) + 4 * 128 + Dense(128, 10), Dense(30, 1)],
            models.Select(m => m.GetProperty("params").GetInt64()));
        Assert.Equal([0.971, 0.971, 0.979], models.Where(m => m.TryGetProperty("pytorch_median", out _)).Select(m => m.GetProperty("pytorch_median").GetDouble()));
        foreach (var m in models)
        {
            string[] keys = ["name", "params", "epochs", "test_accuracy", "test_accuracy_median", .. m.TryGetProperty("pytorch_median", out _) ? ["pytorch_median"] : Array.Empty<string>(), "summary"];
            Assert.Equal(keys, m.EnumerateObject().Select(p => p.Name));
            Assert.Equal(1, m.GetProperty("epochs").GetInt32());
            var accuracies = m.GetProperty("test_accuracy").EnumerateArray().Select(a => a.GetDouble()).ToArray();
            Assert.Equal(5, accuracies.Length);
            Assert.Equal(accuracies.Order().ElementAt(2), m.GetProperty("test_accuracy_median").GetDouble());
            Assert.StartsWith("Model: ", m.GetProperty("summary").GetString());
        }
        Assert.Contains("ignores --seed", LabOptions.Usage);
    }
}
