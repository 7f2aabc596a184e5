namespace ModelDsl.Training;

/// <summary>What callbacks may see and steer during <see cref="TrainingLoop.Fit"/>.</summary>
public sealed class TrainingControl(ITrainableModel model)
{
    /// <summary>Set to end training after the current epoch (Keras' <c>model.stop_training</c>).</summary>
    public bool StopTraining { get; set; }

    public ITrainableModel Model { get; } = model ?? throw new ArgumentNullException(nameof(model));
}
