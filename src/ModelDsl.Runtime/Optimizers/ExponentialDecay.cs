namespace ModelDsl.Optimizers;

/// <summary>Keras' <c>ExponentialDecay</c>: <c>lr0 * rate^(step / decaySteps)</c>, the exponent floored when <c>staircase</c>.</summary>
public sealed class ExponentialDecay(double initialLearningRate, long decaySteps, double decayRate, bool staircase = false)
    : StaircaseDecay(initialLearningRate, decaySteps, decayRate, staircase)
{
    private protected override double Rate(double periods) => InitialLearningRate * Math.Pow(DecayRate, periods);
}
