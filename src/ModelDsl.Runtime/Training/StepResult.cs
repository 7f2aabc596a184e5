namespace ModelDsl.Training;

/// <summary>The loss and metrics of one batch (or the weighted means of an epoch or evaluation).</summary>
public sealed record StepResult(double Loss, IReadOnlyDictionary<string, double> Metrics);
