using static TorchSharp.torch;

namespace ModelDsl.Training;

/// <summary>What <see cref="TrainingLoop"/> needs from a model; generated models implement it.</summary>
public interface ITrainableModel
{
    /// <summary>Forward, loss, backward and one optimizer step on a batch.</summary>
    StepResult TrainStep(Tensor x, Tensor y);

    /// <summary>Forward and loss only.</summary>
    StepResult TestStep(Tensor x, Tensor y);

    /// <summary>Keras names of the metrics every step reports: "mae", ...</summary>
    IReadOnlyList<string> MetricNames { get; }

    /// <summary>The weights the optimizer updates, for callbacks that snapshot or restore them.</summary>
    IReadOnlyList<Tensor> TrainableTensors { get; }
}
