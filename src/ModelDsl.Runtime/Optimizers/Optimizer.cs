using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Optimizers;

/// <summary>
/// A Keras-style optimizer: updates parameters in place (under <c>no_grad</c>) from gradients computed elsewhere.
/// Index <c>i</c> of the parameter and gradient lists must be the same tensor on every call: state is kept per index.
/// </summary>
public abstract class Optimizer
{
    private readonly List<long[]> _shapes = [];

    protected Optimizer(LearningRateSchedule learningRate)
    {
        LearningRate = learningRate ?? throw new ArgumentNullException(nameof(learningRate));
    }

    /// <summary>Updates applied so far (Keras' <c>optimizer.iterations</c>).</summary>
    public long Iterations { get; private set; }

    public LearningRateSchedule LearningRate { get; }

    /// <summary>The rate the next update uses: <c>LearningRate.At(Iterations)</c>.</summary>
    public double CurrentLearningRate => LearningRate.At(Iterations);

    /// <summary>Applies one update to every parameter, then advances <see cref="Iterations"/>.</summary>
    /// <exception cref="ArgumentException">The lists differ in length, a gradient's shape differs from its parameter's,
    /// or index <c>i</c> no longer has the shape it had on the first call.</exception>
    public void Step(IReadOnlyList<Tensor> parameters, IReadOnlyList<Tensor> gradients)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(gradients);
        if (parameters.Count != gradients.Count)
            throw new ArgumentException($"{parameters.Count} parameters but {gradients.Count} gradients: the lists must pair up by index.", nameof(gradients));
        if (_shapes.Count > 0 && _shapes.Count != parameters.Count)
            throw new ArgumentException(
                $"This optimizer was first stepped with {_shapes.Count} parameters and now gets {parameters.Count}: " +
                "its state is kept per index, so pass the same tensors in the same order on every call.", nameof(parameters));
        for (int i = 0; i < parameters.Count; i++)
        {
            long[] shape = parameters[i].shape;
            if (!shape.SequenceEqual(gradients[i].shape))
                throw new ArgumentException(
                    $"Gradient {i} has shape {Show(gradients[i].shape)} but parameter {i} has shape {Show(shape)}.", nameof(gradients));
            if (i < _shapes.Count && !shape.SequenceEqual(_shapes[i]))
                throw new ArgumentException(
                    $"Parameter {i} has shape {Show(shape)} but had shape {Show(_shapes[i])} on the first step: " +
                    "pass the same tensors in the same order on every call.", nameof(parameters));
        }
        if (_shapes.Count == 0)
            foreach (var p in parameters) _shapes.Add(p.shape);

        double learningRate = CurrentLearningRate;
        using (torch.no_grad())
        using (NewDisposeScope())
        {
            for (int i = 0; i < parameters.Count; i++)
                Update(i, parameters[i], gradients[i], learningRate, Iterations);
        }
        Iterations++;
    }

    /// <summary>Updates one parameter in place. Runs inside a dispose scope: temporaries are freed afterwards,
    /// state must come from <see cref="Slot"/>.</summary>
    /// <remarks><c>iteration</c> counts the updates applied before this one (0 on the first).</remarks>
    protected abstract void Update(int index, Tensor parameter, Tensor gradient, double learningRate, long iteration);

    /// <summary>The state tensor <paramref name="index"/> of <paramref name="slots"/>, created as zeros shaped like
    /// <paramref name="parameter"/> on first use and kept beyond the update's dispose scope.</summary>
    protected static Tensor Slot(List<Tensor> slots, int index, Tensor parameter)
    {
        ArgumentNullException.ThrowIfNull(slots);
        while (slots.Count <= index)
            slots.Add(zeros_like(parameter).DetachFromDisposeScope());
        return slots[index];
    }

    private static string Show(long[] shape) => "(" + string.Join(", ", shape) + ")";
}
