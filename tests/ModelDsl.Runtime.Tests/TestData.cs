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
}

/// <summary>Exact tensor comparison for assertions.</summary>
internal static class Same
{
    /// <summary>Same dtype, shape and every element bit-equal in value (NaN never equal).</summary>
    public static bool Tensors(TorchSharp.torch.Tensor a, TorchSharp.torch.Tensor b) =>
        a.dtype == b.dtype && a.shape.SequenceEqual(b.shape) && (a.numel() == 0 || a.eq(b).all().item<bool>());
}
