using System.Runtime.InteropServices;
using System.Numerics;
using ModelDsl.Managed;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Optimizers;

/// <summary>
/// A Keras-style optimizer: updates parameters in place (under <c>no_grad</c>) from gradients computed elsewhere.
/// Index <c>i</c> of the parameter and gradient lists must be the same tensor on every call: state is kept per index.
/// </summary>
/// <remarks>
/// The state (the iteration counter and the named slot tensors) can be read with <see cref="GetState"/> and put back
/// with <see cref="LoadState"/>, which is what checkpoints do; <see cref="Dispose()"/> frees the slot tensors.
/// </remarks>
public abstract class Optimizer : IDisposable
{
    private readonly List<long[]> _shapes = [];
    private readonly List<string> _slotNames = [];
    private readonly Dictionary<string, List<Tensor?>> _slots = new(StringComparer.Ordinal);
    private LearningRateSchedule _learningRate;
    private bool _disposed;

    protected Optimizer(LearningRateSchedule learningRate)
    {
        _learningRate = learningRate ?? throw new ArgumentNullException(nameof(learningRate));
    }

    /// <summary>Updates applied so far (Keras' <c>optimizer.iterations</c>); never reset between epochs or fits.</summary>
    public long Iterations { get; private set; }

    /// <summary>The learning rate as a function of <see cref="Iterations"/>. Setting another schedule takes effect at
    /// the next update; the iteration counter is kept (as Keras does when <c>optimizer.learning_rate</c> is given a schedule).</summary>
    public LearningRateSchedule LearningRate
    {
        get => _learningRate;
        set => _learningRate = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>The rate the next update uses: <c>LearningRate.At(Iterations)</c>.</summary>
    /// <remarks>Setting it is Keras' <c>optimizer.learning_rate = value</c>: allowed when <see cref="LearningRate"/> is a
    /// <see cref="ConstantLearningRate"/> (the optimizer was built from a number), which it replaces; an optimizer built
    /// on a schedule throws <see cref="InvalidOperationException"/>, as Keras raises TypeError.</remarks>
    /// <exception cref="InvalidOperationException">The optimizer follows a schedule.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, NaN or infinite.</exception>
    public double CurrentLearningRate
    {
        get => _learningRate.At(Iterations);
        set
        {
            Require.NonNegative(value, nameof(CurrentLearningRate));
            if (_learningRate is not ConstantLearningRate)
                throw new InvalidOperationException(
                    $"This optimizer was created with the schedule {_learningRate.GetType().Name} as its learning rate, hence its " +
                    "learning rate is not settable (as in Keras). Construct the optimizer with a number as its learning rate to let " +
                    "callbacks such as ReduceLROnPlateau change it, or set LearningRate to another schedule.");
            _learningRate = new ConstantLearningRate(value);
        }
    }

    /// <summary>The constant hyperparameters under Keras' names ("beta_1", "rho", "weight_decay", ...; booleans as 0 or
    /// 1); the learning rate is not among them (see <see cref="LearningRate"/>). Empty unless a subclass lists them.</summary>
    public virtual IReadOnlyDictionary<string, double> Hyperparameters => new Dictionary<string, double>();

    /// <summary>Applies one update to every parameter, then advances <see cref="Iterations"/>.</summary>
    /// <exception cref="ArgumentException">The lists differ in length, a gradient's shape differs from its parameter's,
    /// or index <c>i</c> no longer has the shape it had on the first call (or that its loaded state has).</exception>
    public void Step(IReadOnlyList<Tensor> parameters, IReadOnlyList<Tensor> gradients)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
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
            CheckParameter(i, shape);
        }
        if (_shapes.Count == 0)
            foreach (var p in parameters) _shapes.Add(p.shape);

        double learningRate = CurrentLearningRate;
        using (torch.no_grad())
        using (NewDisposeScope())
        {
            for (int i = 0; i < parameters.Count; i++)
            {
                // CPU contiguous float32/float64 tensors take the fused one-pass loop (same numbers, a few native calls
                // instead of one per torch op); anything else, or a slot that cannot be read as a span, the torch ops.
                if (!StepFused(i, parameters[i], gradients[i], learningRate))
                    Update(i, parameters[i], gradients[i], learningRate, Iterations);
            }
        }
        Iterations++;
    }

    /// <summary>
    /// Applies one update to every parameter from <paramref name="gradients"/>, every parameter's gradient
    /// concatenated in list order (the managed backend's one gradient buffer), then advances <see cref="Iterations"/>.
    /// The same update, state slots and numbers as <see cref="Step(IReadOnlyList{Tensor}, IReadOnlyList{Tensor})"/>, in
    /// one pass over each parameter's memory.
    /// </summary>
    /// <exception cref="ArgumentException">A parameter that is not a CPU, contiguous tensor of <typeparamref name="T"/>'s
    /// dtype, a gradient buffer whose length is not the parameters' total, or parameters whose count or sizes differ from
    /// the first step's.</exception>
    public void Step<T>(IReadOnlyList<Tensor> parameters, ReadOnlySpan<T> gradients) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(parameters);
        if (_shapes.Count > 0 && _shapes.Count != parameters.Count)
            throw new ArgumentException(
                $"This optimizer was first stepped with {_shapes.Count} parameters and now gets {parameters.Count}: " +
                "its state is kept per index, so pass the same tensors in the same order on every call.", nameof(parameters));
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
            throw new ArgumentException($"Optimizer.Step<{typeof(T).Name}>: the span update takes float or double gradients.", nameof(gradients));
        var dtype = TensorSpans.ScalarTypeOf<T>();
        long total = Checked(parameters, dtype) ? _checkedTotal : 0;
        if (total == 0)
        {
            for (int i = 0; i < parameters.Count; i++)
            {
                var parameter = parameters[i] ?? throw new ArgumentNullException(nameof(parameters), $"Parameter {i} is null.");
                if (TensorSpans.Problem(parameter, dtype) is { } problem)
                    throw new ArgumentException($"Parameter {i}: {problem}", nameof(parameters));
                CheckParameter(i, parameter.shape);
                total += parameter.numel();
            }
            Remember(parameters, total, dtype);
        }
        if (gradients.Length != total)
            throw new ArgumentException(
                $"The gradient buffer has {gradients.Length} elements but the {parameters.Count} parameters have {total}: it must hold " +
                "every parameter's gradient, concatenated in list order.", nameof(gradients));
        if (_shapes.Count == 0)
            foreach (var p in parameters) _shapes.Add(p.shape);

        double learningRate = CurrentLearningRate;
        int offset = 0;
        for (int i = 0; i < parameters.Count; i++)
        {
            int count = (int)Count(_shapes[i]);
            var gradient = gradients.Slice(offset, count);
            offset += count;
            var w = TensorSpans.Unchecked<T>(parameters[i], count);
            if (FusedUpdate(i, parameters[i], w, gradient, learningRate, Iterations)) continue;
            // An optimizer without a fused loop (or a slot that is not a CPU span): the torch ops on a copy of the gradient.
            using (torch.no_grad())
            using (NewDisposeScope())
                Update(i, parameters[i], GradientTensor(gradient, _shapes[i]), learningRate, Iterations);
        }
        Iterations++;
    }

    // The parameter list Step<T> last checked (a generated model passes the same list of the same tensors every step):
    // its tensors' handles and dtype, so that the next step skips a dozen native calls per tensor. LoadState forgets it.
    private IReadOnlyList<Tensor>? _checkedParameters;
    private readonly Dictionary<Tensor, (Type Element, int Count)> _checkedSlots = new(ReferenceEqualityComparer.Instance);
    private IntPtr[] _checkedHandles = [];
    private long _checkedTotal;
    private ScalarType _checkedDtype;

    private bool Checked(IReadOnlyList<Tensor> parameters, ScalarType dtype)
    {
        if (!ReferenceEquals(parameters, _checkedParameters) || dtype != _checkedDtype || _checkedHandles.Length != parameters.Count) return false;
        for (int i = 0; i < parameters.Count; i++)
            if (parameters[i]?.Handle != _checkedHandles[i]) return false;
        return true;
    }

    private void Remember(IReadOnlyList<Tensor> parameters, long total, ScalarType dtype)
    {
        _checkedParameters = parameters;
        _checkedHandles = [.. parameters.Select(p => p.Handle)];
        _checkedTotal = total;
        _checkedDtype = dtype;
    }

    /// <summary>Throws unless parameter <paramref name="index"/> has the shape it had on the first step and the shape of
    /// every slot loaded for it.</summary>
    private void CheckParameter(int index, long[] shape)
    {
        if (index < _shapes.Count && !shape.SequenceEqual(_shapes[index]))
            throw new ArgumentException(
                $"Parameter {index} has shape {Show(shape)} but had shape {Show(_shapes[index])} on the first step: " +
                "pass the same tensors in the same order on every call.", "parameters");
        foreach (var name in _slotNames)
        {
            var slots = _slots[name];
            if (index < slots.Count && slots[index] is { } slot && !slot.shape.SequenceEqual(shape))
                throw new ArgumentException(
                    $"Parameter {index} has shape {Show(shape)} but its loaded optimizer slot '{name}' has shape {Show(slot.shape)}: " +
                    "the state belongs to other parameters.", "parameters");
        }
    }

    /// <summary>The fused update of parameter <paramref name="index"/> when it and its gradient are CPU contiguous
    /// tensors of one float dtype; false (nothing changed) otherwise.</summary>
    private bool StepFused(int index, Tensor parameter, Tensor gradient, double learningRate)
    {
        var dtype = parameter.dtype;
        if (dtype is not (ScalarType.Float32 or ScalarType.Float64)) return false;
        if (TensorSpans.Problem(parameter, dtype) is not null || TensorSpans.Problem(gradient, dtype) is not null) return false;
        int count = (int)parameter.numel();
        return dtype == ScalarType.Float32
            ? FusedUpdate(index, parameter, TensorSpans.Unchecked<float>(parameter, count), TensorSpans.Unchecked<float>(gradient, count), learningRate, Iterations)
            : FusedUpdate(index, parameter, TensorSpans.Unchecked<double>(parameter, count), TensorSpans.Unchecked<double>(gradient, count), learningRate, Iterations);
    }

    /// <summary>
    /// Updates parameter <paramref name="index"/> in one pass over its memory <paramref name="w"/> and its gradient
    /// <paramref name="g"/>, with exactly the numbers of <see cref="Update"/>; false, before changing anything, when this
    /// optimizer has no fused loop (the default) or a slot cannot be read as a span (<see cref="TrySlotSpan"/>).
    /// </summary>
    private bool FusedUpdate<T>(int index, Tensor parameter, Span<T> w, ReadOnlySpan<T> g, double learningRate, long iteration)
        where T : unmanaged, IFloatingPointIeee754<T>
        => typeof(T) == typeof(float)
            ? FusedUpdate(index, parameter, MemoryMarshal.Cast<T, float>(w), MemoryMarshal.Cast<T, float>(g), learningRate, iteration)
            : FusedUpdate(index, parameter, MemoryMarshal.Cast<T, double>(w), MemoryMarshal.Cast<T, double>(g), learningRate, iteration);

    // The fused update per element type: two plain virtual methods where one generic virtual method would cost a runtime
    // lookup on every call (measured: most of a small model's managed step).

    /// <summary>The fused update on float32 memory (see the generic overload).</summary>
    private protected virtual bool FusedUpdate(int index, Tensor parameter, Span<float> w, ReadOnlySpan<float> g, double learningRate, long iteration) => false;

    /// <summary>The fused update on float64 memory (see the generic overload).</summary>
    private protected virtual bool FusedUpdate(int index, Tensor parameter, Span<double> w, ReadOnlySpan<double> g, double learningRate, long iteration) => false;

    /// <summary>The memory of slot <paramref name="name"/> of parameter <paramref name="index"/> (created as zeros on
    /// first use), or false when it is not a CPU contiguous tensor of T with the parameter's element count.</summary>
    private protected bool TrySlotSpan<T>(string name, int index, Tensor parameter, int count, out Span<T> span)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var slot = Slot(name, index, parameter);
        // A slot tensor once checked keeps its dtype, device and size: later steps read only its data pointer.
        if (!(_checkedSlots.TryGetValue(slot, out var checkedAs) && checkedAs == (typeof(T), count)))
        {
            if (TensorSpans.Problem(slot, TensorSpans.ScalarTypeOf<T>()) is not null || slot.numel() != count)
            {
                span = default;
                return false;
            }
            _checkedSlots[slot] = (typeof(T), count);
        }
        span = TensorSpans.Unchecked<T>(slot, count);
        return true;
    }

    /// <summary>A tensor holding a copy of <paramref name="gradient"/> (float or double, checked by the caller).</summary>
    private static Tensor GradientTensor<T>(ReadOnlySpan<T> gradient, long[] shape) where T : unmanaged =>
        typeof(T) == typeof(float)
            ? tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(gradient).ToArray(), shape)
            : tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(gradient).ToArray(), shape);

    private static long Count(long[] shape)
    {
        long count = 1;
        foreach (long size in shape) count *= size;
        return count;
    }

    /// <summary>Updates one parameter in place. Runs inside a dispose scope: temporaries are freed afterwards,
    /// state must come from <see cref="Slot(string, int, Tensor)"/>.</summary>
    /// <remarks><c>iteration</c> counts the updates applied before this one (0 on the first).</remarks>
    protected abstract void Update(int index, Tensor parameter, Tensor gradient, double learningRate, long iteration);

    /// <summary>The state tensor <paramref name="name"/> of parameter <paramref name="index"/>, created as zeros shaped
    /// like <paramref name="parameter"/> on first use (or put there by <see cref="LoadState"/>) and kept beyond the
    /// update's dispose scope. Named slots are part of <see cref="GetState"/>.</summary>
    protected Tensor Slot(string name, int index, Tensor parameter)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(parameter);
        var slots = SlotList(name);
        while (slots.Count <= index) slots.Add(null);
        return slots[index] ??= zeros_like(parameter).DetachFromDisposeScope();
    }

    /// <summary>The state tensor <paramref name="index"/> of <paramref name="slots"/>, created as zeros shaped like
    /// <paramref name="parameter"/> on first use and kept beyond the update's dispose scope.</summary>
    /// <remarks>State kept in the caller's own lists is neither saved by <see cref="GetState"/> nor freed by
    /// <see cref="Dispose()"/>: prefer <see cref="Slot(string, int, Tensor)"/>.</remarks>
    protected static Tensor Slot(List<Tensor> slots, int index, Tensor parameter)
    {
        ArgumentNullException.ThrowIfNull(slots);
        while (slots.Count <= index)
            slots.Add(zeros_like(parameter).DetachFromDisposeScope());
        return slots[index];
    }

    /// <summary>The iteration counter, learning rate, hyperparameters and every slot tensor (slot by slot in the order
    /// they were first used, parameter index ascending).</summary>
    /// <remarks>The slot tensors are this optimizer's own: read or copy them before the next <see cref="Step"/>, do
    /// not dispose them.</remarks>
    public OptimizerState GetState()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var slots = new List<OptimizerSlot>();
        foreach (var name in _slotNames)
        {
            var list = _slots[name];
            for (int i = 0; i < list.Count; i++)
                if (list[i] is { } t) slots.Add(new OptimizerSlot(name, i, t));
        }
        return new OptimizerState(GetType().Name, Iterations, CurrentLearningRate, Hyperparameters, slots);
    }

    /// <summary>Puts back a state read by <see cref="GetState"/> (from this or an equally built optimizer): the
    /// iteration counter, copies of the slot tensors, and, when <see cref="LearningRate"/> is a
    /// <see cref="ConstantLearningRate"/>, the learning rate. A schedule is positioned by the iteration counter alone.</summary>
    /// <exception cref="ArgumentException">The state is of another optimizer type, one of its hyperparameters differs
    /// from this optimizer's, or a slot name is not one this optimizer uses; the message names it.</exception>
    public void LoadState(OptimizerState state)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(state);
        if (state.Optimizer != GetType().Name)
            throw new ArgumentException($"The state belongs to an optimizer of type {state.Optimizer} but this one is {GetType().Name}.", nameof(state));
        if (state.Iterations < 0)
            throw new ArgumentOutOfRangeException(nameof(state), state.Iterations, "The state's iteration counter cannot be negative.");
        var own = Hyperparameters;
        foreach (var (name, value) in own)
        {
            if (!state.Hyperparameters.TryGetValue(name, out double saved))
                throw new ArgumentException($"The {state.Optimizer} state has no hyperparameter '{name}'.", nameof(state));
            if (!saved.Equals(value))
                throw new ArgumentException(
                    $"The state's {name} is {Require.Show(saved)} but this {GetType().Name} has {name} = {Require.Show(value)}: " +
                    "construct the optimizer with the saved hyperparameters before loading its state.", nameof(state));
        }
        var names = SlotNames;
        foreach (var slot in state.Slots)
            if (names.Count > 0 && !names.Contains(slot.Slot))
                throw new ArgumentException(
                    $"The state has a slot '{slot.Slot}' that this {GetType().Name} does not use (it uses [{string.Join(", ", names)}]).", nameof(state));
        if (_learningRate is ConstantLearningRate) CurrentLearningRate = state.LearningRate;

        ClearSlots();
        _shapes.Clear();
        _checkedParameters = null;
        foreach (var slot in state.Slots)
        {
            var list = SlotList(slot.Slot);
            while (list.Count <= slot.Index) list.Add(null);
            list[slot.Index]?.Dispose();
            using (torch.no_grad())
                list[slot.Index] = slot.Value.detach().clone().DetachFromDisposeScope();
        }
        Iterations = state.Iterations;
    }

    /// <summary>The slot names this optimizer can use, in Keras' names. A subclass that does not list them (the
    /// default, empty) accepts any slot name in <see cref="LoadState"/>.</summary>
    public virtual IReadOnlyList<string> SlotNames => [];

    /// <summary>Moves every slot tensor to <paramref name="device"/>; parameters must be moved likewise before the next step.</summary>
    public Optimizer To(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var list in _slots.Values)
            for (int i = 0; i < list.Count; i++)
            {
                if (list[i] is not { } old) continue;
                var moved = old.to(device).DetachFromDisposeScope();
                if (!ReferenceEquals(moved, old) && moved.Handle != old.Handle) old.Dispose();
                list[i] = moved;
            }
        _checkedSlots.Clear();
        return this;
    }

    /// <summary>Frees the slot tensors; the optimizer cannot step afterwards.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the slot tensors when <paramref name="disposing"/>.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (_disposed) return;
        if (disposing) ClearSlots();
        _disposed = true;
    }

    private List<Tensor?> SlotList(string name)
    {
        if (!_slots.TryGetValue(name, out var list))
        {
            _slots[name] = list = [];
            _slotNames.Add(name);
        }
        return list;
    }

    private void ClearSlots()
    {
        foreach (var list in _slots.Values)
            foreach (var t in list) t?.Dispose();
        _slots.Clear();
        _slotNames.Clear();
        _checkedSlots.Clear();
    }

    private static string Show(long[] shape) => "(" + string.Join(", ", shape) + ")";
}
