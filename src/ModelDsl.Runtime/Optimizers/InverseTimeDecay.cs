namespace ModelDsl.Optimizers;

/// <summary>Keras' <c>InverseTimeDecay</c>: <c>lr0 / (1 + rate * step / decaySteps)</c>, the quotient floored when <c>staircase</c>.</summary>
public sealed class InverseTimeDecay(double initialLearningRate, long decaySteps, double decayRate, bool staircase = false)
    : StaircaseDecay(initialLearningRate, decaySteps, decayRate, staircase)
{
    private protected override double Rate(double periods) => InitialLearningRate / (1 + DecayRate * periods);
}
