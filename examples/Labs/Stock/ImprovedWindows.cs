using ModelDsl.Labs.Data;
using static TorchSharp.torch;

namespace ModelDsl.Labs.Stock;

/// <summary>
/// The improved configuration's windows: the target is Adj Close 12 days later minus the window's last Close,
/// standardized with the training windows' mean and population standard deviation. <see cref="Scaled"/> keeps the raw
/// features for models with a Normalization layer, adapted on <see cref="TrainRows"/> only (no look-ahead);
/// <see cref="Standardized"/> standardizes them with the training rows' statistics (the SELU model, which has none).
/// </summary>
public sealed class ImprovedWindows : IDisposable
{
    private readonly StockWindows _changes;

    public ImprovedWindows(PriceSeries s, int seed)
    {
        _changes = new StockWindows(s, seed, relativeToLastClose: true);
        var trainChanges = _changes.TrainOrdered.WindowStarts.Select(p => s.AdjClose[StockWindows.TargetRow(p)] - s.Close[StockWindows.LastRow(p)]).ToArray();
        double shift = trainChanges.Average(), scale = Math.Sqrt(trainChanges.Average(v => (v - shift) * (v - shift)));
        if (!(scale > 1e-9)) scale = 1;
        Scaled = new StockWindows(s, seed, shift, scale, relativeToLastClose: true);
        Standardized = new StockWindows(s, seed, shift, scale, standardizeFeatures: true, relativeToLastClose: true);
        TrainRows = Scaled.Features.narrow(0, 0, Scaled.NumTrain);
    }

    /// <summary>Raw features, scaled change targets.</summary>
    public StockWindows Scaled { get; }

    /// <summary>Features standardized with the training rows' statistics, scaled change targets.</summary>
    public StockWindows Standardized { get; }

    /// <summary>The training rows' raw features: what the improved models' Normalization adapts on.</summary>
    public Tensor TrainRows { get; }

    public void Dispose()
    {
        TrainRows.Dispose();
        Standardized.Dispose();
        Scaled.Dispose();
        _changes.Dispose();
    }
}
