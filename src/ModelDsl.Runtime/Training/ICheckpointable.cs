using ModelDsl.Optimizers;
using static TorchSharp.torch;

namespace ModelDsl.Training;

/// <summary>
/// A model whose whole training state can be saved and restored (<c>ModelDsl.Checkpoints.Checkpoint</c>) and whose
/// optimizer callbacks may steer (<see cref="ReduceLROnPlateau"/>). Generated models implement it; every member is
/// something the generator knows at compile time or already holds.
/// </summary>
public interface ICheckpointable : ITrainableModel
{
    /// <summary>
    /// Every tensor of the model under its generated name (<c>HiddenKernel</c>, <c>NormMean</c>, a [Parameter]'s
    /// property name), the trainable ones first in the order of <see cref="ITrainableModel.TrainableTensors"/> (the
    /// optimizer's indices), then the non-trainable ones, each group in Keras order. The model's own tensors, not
    /// copies: loading copies into them in place, so their dtype, shape and device stay the model's.
    /// </summary>
    IReadOnlyList<NamedTensor> NamedTensors { get; }

    /// <summary>The optimizer the train step uses (its state is part of a checkpoint).</summary>
    Optimizer Optimizer { get; set; }

    /// <summary>
    /// A description that differs whenever two models could not exchange their tensors meaningfully: the class name,
    /// the input shape, the dtype, and every layer in order with its kind, settings (units, activation, ...), output
    /// shape and parameter count, and the total parameter count; e.g. the model's summary table plus its dtype.
    /// Checkpoints store it and refuse a model whose description differs, naming both.
    /// </summary>
    string Architecture { get; }

    /// <summary>The generator the model draws training-time randomness from (dropout masks), or null when it draws none.
    /// Its state is saved and restored so that a resumed run draws the same masks.</summary>
    Generator? RandomGenerator { get; }
}

/// <summary>One tensor of a model under its generated name.</summary>
public sealed record NamedTensor(string Name, Tensor Tensor, bool Trainable);
