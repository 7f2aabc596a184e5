namespace ModelDsl.Runtime.Tests;

/// <summary>Finds the shared data files the tests read (never copied into the repository).</summary>
internal static class TestData
{
    /// <summary>The Coca-Cola 2018 quotes: <c>MODELDSL_KO_CSV</c> when set, else <c>shared/data/KO-2018.csv</c> found by
    /// walking up from the test binaries.</summary>
    public static string Ko2018Csv
    {
        get
        {
            string? fromEnvironment = Environment.GetEnvironmentVariable("MODELDSL_KO_CSV");
            if (!string.IsNullOrEmpty(fromEnvironment))
            {
                Assert.True(File.Exists(fromEnvironment), $"MODELDSL_KO_CSV points to {fromEnvironment}, which does not exist.");
                return fromEnvironment;
            }
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "shared", "data", "KO-2018.csv");
                if (File.Exists(candidate)) return candidate;
            }
            Assert.Fail($"KO-2018.csv not found: set MODELDSL_KO_CSV or place shared/data/KO-2018.csv above {AppContext.BaseDirectory}.");
            return null!;
        }
    }

    /// <summary>The columns of <see cref="Ko2018Csv"/> the window tests need (the labs own the full Yahoo reader).</summary>
    public sealed record Quotes(IReadOnlyList<double> Open, IReadOnlyList<double> High, IReadOnlyList<double> Low,
        IReadOnlyList<double> Close, IReadOnlyList<double> AdjClose, IReadOnlyList<double> Volume)
    {
        public int Count => Open.Count;
    }

    /// <summary>Reads KO-2018.csv (<c>Date,Open,High,Low,Close,Adj Close,Volume</c>, invariant numbers).</summary>
    public static Quotes ReadKo2018()
    {
        var rows = File.ReadAllLines(Ko2018Csv).Skip(1).Where(l => l.Length > 0)
            .Select(l => l.Split(',').Skip(1).Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray())
            .ToArray();
        double[] Column(int c) => [.. rows.Select(r => r[c])];
        return new Quotes(Column(0), Column(1), Column(2), Column(3), Column(4), Column(5));
    }
}

/// <summary>Exact tensor comparison for assertions.</summary>
internal static class Same
{
    /// <summary>Same dtype, shape and every element bit-equal in value (NaN never equal).</summary>
    public static bool Tensors(TorchSharp.torch.Tensor a, TorchSharp.torch.Tensor b) =>
        a.dtype == b.dtype && a.shape.SequenceEqual(b.shape) && (a.numel() == 0 || a.eq(b).all().item<bool>());
}
