using ModelDsl.Training;
using static TorchSharp.torch;

namespace ModelDsl.Labs.Stock;

/// <summary>A generated stock model with what the lab reports about it; <paramref name="Summary"/> is the generated <c>Summary()</c>.</summary>
public sealed record StockModel(string Name, string Label, ITrainableModel Model, Func<Tensor, Tensor> Predict,
    long Params, long TrainableParams, string Optimizer, double LearningRate, string Summary);

/// <summary>One trained model's figures; MAEs in dollars of the data's Adj Close; <paramref name="Summary"/> is the generated <c>Summary()</c>;
/// <paramref name="Diverged"/> the reason when training diverged (then <paramref name="TestMae"/> is NaN and the curves stop there).</summary>
public sealed record StockModelResult(
    string Name, string Variant, string Description, long Params, long TrainableParams, string Optimizer, double LearningRate,
    int EpochsRun, int? BestEpoch, double TestMae, IReadOnlyList<double> TrainMae, IReadOnlyList<double> ValMae,
    double? ReportTestMae, string? Diverged, string Summary)
{
    internal IReadOnlyList<double> Predictions { get; init; } = [];

    /// <summary>The 1-based epoch whose loss became NaN or infinite, when the run diverged.</summary>
    public int? DivergedEpoch { get; init; }

    /// <summary>The non-finite loss that stopped the run (NaN, ∞).</summary>
    public double? DivergedLoss { get; init; }
}
