using System.Runtime.CompilerServices;
using ModelDsl.Generators.Tests.Infrastructure;

namespace ModelDsl.Generators.Tests;

/// <summary>The generated source of every example model, every differentiable function and the test models, as snapshots.</summary>
public class GeneratedSourceSnapshots
{
    private static string Root([CallerFilePath] string path = "") => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "../.."));

    private static string Example(string name) => File.ReadAllText(Path.Combine(Root(), "examples/ModelDsl.Examples", name + ".cs"));

    private static string TestModel(string name) => File.ReadAllText(Path.Combine(Root(), "tests/ModelDsl.Generators.Tests/Models", name + ".cs"));

    private static void Verify(string[] sources, [CallerMemberName] string test = "", bool includeModuleInitializer = false)
    {
        GeneratorRun run = GeneratorHarness.Run<ModelDslGenerator>(sources);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationErrors);
        Snapshots.Verify(run.Result, testMethod: test, includeModuleInitializer: includeModuleInitializer);
    }

    [Fact] public void GradesRegression() => Verify([Example(nameof(GradesRegression))], includeModuleInitializer: true);
    [Fact] public void StockMlp() => Verify([Example(nameof(StockMlp))]);
    [Fact] public void StockSeluMlp() => Verify([Example(nameof(StockSeluMlp))]);
    [Fact] public void StockLstm() => Verify([Example(nameof(StockLstm))]);
    [Fact] public void ReportSeluMlp() => Verify([File.ReadAllText(Path.Combine(Root(), "examples/Labs/Stock/ReportSeluMlp.cs"))]);
    [Fact] public void OptimizationFunctions() => Verify([Example(nameof(OptimizationFunctions))]);
    [Fact] public void BroadcastingModel() => Verify([TestModel(nameof(BroadcastingModel))]);
    [Fact] public void Classifiers() => Verify([Example(nameof(Classifiers))]);
    [Fact] public void SequenceStockModels() => Verify([Example(nameof(SequenceStockModels))]);
    [Fact] public void CatalogueModels() => Verify([TestModel(nameof(CatalogueModels))]);
    [Fact] public void SequenceModels() => Verify([TestModel(nameof(SequenceModels))]);
    [Fact] public void TestFunctions() => Verify([TestModel(nameof(TestFunctions)), Example(nameof(OptimizationFunctions))]);
}
