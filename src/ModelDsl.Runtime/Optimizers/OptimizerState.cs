using static TorchSharp.torch;

namespace ModelDsl.Optimizers;

/// <summary>One state tensor of an optimizer: slot <paramref name="Slot"/> (Keras' name: "momentum", "velocity",
/// "average_gradient") of the parameter at <paramref name="Index"/> in the list passed to <see cref="Optimizer.Step"/>.</summary>
public sealed record OptimizerSlot(string Slot, int Index, Tensor Value);

/// <summary>
/// Everything an optimizer needs to continue exactly where it stopped: its type, the iteration counter (which also
/// positions every <see cref="LearningRateSchedule"/>: a schedule is a pure function of it), the current learning rate
/// (the value a <see cref="ConstantLearningRate"/> holds, which callbacks may have changed), the constant
/// hyperparameters under Keras' names, and every slot tensor.
/// </summary>
public sealed record OptimizerState(
    string Optimizer,
    long Iterations,
    double LearningRate,
    IReadOnlyDictionary<string, double> Hyperparameters,
    IReadOnlyList<OptimizerSlot> Slots);
