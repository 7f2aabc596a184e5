using ModelDsl.Kernels;

namespace ModelDsl.Training;

/// <summary>The loss and metrics of one batch (or the weighted means of an epoch or evaluation).</summary>
/// <remarks><see cref="Totals"/>, when set, holds each metric's pooling terms for the batch: an epoch's value of that
/// metric is the <see cref="MetricTotals.Result"/> of their sum, as Keras' stateful metrics compute it.</remarks>
public sealed record StepResult(double Loss, IReadOnlyDictionary<string, double> Metrics)
{
    public IReadOnlyDictionary<string, MetricTotals>? Totals { get; init; }
}
