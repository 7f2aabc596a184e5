using ModelDsl.Labs.Stock;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace ModelDsl.Labs.Tests;

/// <summary>The KO data: MODELDSL_KO_CSV, else shared/data/ found by walking up from the test's folder. Never copied into the repository.</summary>
internal static class LabData
{
    public static string Ko2018 =>
        Environment.GetEnvironmentVariable(StockData.EnvironmentVariable) is { Length: > 0 } env ? env
        : StockData.FindSharedData("KO-2018.csv")
          ?? throw new InvalidOperationException("KO-2018.csv not found: set MODELDSL_KO_CSV or keep shared/data beside the repository.");

    public static string OutDir() => Path.Combine(Path.GetTempPath(), "modeldsl-labs-tests", Guid.NewGuid().ToString("N"));
}
