using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ModelDsl.Data;
using ModelDsl.Optimizers;
using ModelDsl.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Checkpoints;

/// <summary>What <see cref="Checkpoint.Load"/> restored.</summary>
/// <param name="Epoch">Epochs completed when the checkpoint was written: pass it to Fit as <c>initialEpoch</c> to continue.</param>
/// <param name="Iterations">The optimizer's update counter (which also positions its learning-rate schedule).</param>
/// <param name="Architecture">The saved model's <see cref="ICheckpointable.Architecture"/>; null for a weights-only file.</param>
/// <param name="WeightsOnly">True when the file held tensors only (written by another program): the weights were
/// loaded, the optimizer, RNG, epoch and data positions left as they were.</param>
/// <param name="Metadata">The file's whole <c>__metadata__</c>.</param>
public sealed record CheckpointInfo(int Epoch, long Iterations, string? Architecture, bool WeightsOnly, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// Saves and restores everything needed to continue training exactly: the model's tensors (under their generated
/// names), the optimizer's slots, iteration counter, learning rate and hyperparameters, the epoch, the model's random
/// generator and the datasets' shuffling positions, with an architecture fingerprint, in one safetensors file.
/// </summary>
/// <remarks>
/// <para>Layout: each of <see cref="ICheckpointable.NamedTensors"/> under its name (PyTorch's
/// <c>safetensors.torch.load_file</c> returns them as a dict); each optimizer slot as <c>optimizer/{slot}/{tensor}</c>
/// (Keras' slot names: <c>optimizer/momentum/HiddenKernel</c>); the generator's state as the uint8 tensor
/// <c>random_generator/state</c>; the rest as <c>__metadata__</c> strings under <c>modeldsl.*</c> (plus
/// <c>"format": "pt"</c>). Generated names are C# identifiers, so they never contain the "/" of the others.</para>
/// <para>The learning-rate schedule's position is the optimizer's iteration counter: every schedule here is a pure
/// function of it, so restoring the counter restores the schedule. A constant rate is stored as well, because
/// callbacks (ReduceLROnPlateau) may have changed it.</para>
/// <para>Writes are atomic (<see cref="SafeTensors"/>). Loads check everything before changing anything: a refused
/// file leaves the model, optimizer, generator and datasets as they were.</para>
/// </remarks>
public static class Checkpoint
{
    /// <summary>The checkpoint layout version written under <c>modeldsl.checkpoint</c>.</summary>
    public const string FormatVersion = "1";

    private const string Prefix = "modeldsl.";
    private const string VersionKey = Prefix + "checkpoint", ArchitectureKey = Prefix + "architecture", FingerprintKey = Prefix + "architecture_sha256",
        EpochKey = Prefix + "epoch", OptimizerKey = Prefix + "optimizer", IterationsKey = Prefix + "optimizer.iterations",
        LearningRateKey = Prefix + "optimizer.learning_rate", ScheduleKey = Prefix + "optimizer.schedule",
        HyperparametersKey = Prefix + "optimizer.hyperparameters", PositionsKey = Prefix + "datasets.epoch_positions";
    private const string SlotPrefix = "optimizer/", GeneratorTensor = "random_generator/state";

    /// <summary>Writes <paramref name="model"/>'s complete training state to <paramref name="path"/>, atomically.</summary>
    /// <param name="model">The model.</param>
    /// <param name="path">The file; its directory must exist.</param>
    /// <param name="epoch">Epochs completed (what a resumed Fit passes as <c>initialEpoch</c>).</param>
    /// <param name="datasets">Datasets whose shuffling should resume (the training data, and the validation data if
    /// shuffled); entries that are not <see cref="IResumableDataset"/> are recorded as unknown.</param>
    /// <param name="metadata">Extra <c>__metadata__</c> strings; keys may not start with "modeldsl.".</param>
    /// <exception cref="InvalidOperationException">The model breaks the <see cref="ICheckpointable"/> contract (names
    /// repeat, or its trainable tensors are not <see cref="ITrainableModel.TrainableTensors"/> in order).</exception>
    public static void Save(ICheckpointable model, string path, int epoch = 0, IReadOnlyList<IDataset?>? datasets = null,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "epoch counts completed epochs and cannot be negative.");
        var named = model.NamedTensors;
        string[] trainable = TrainableNames(model);
        var optimizer = model.Optimizer ?? throw new InvalidOperationException($"{model.GetType().Name} has no optimizer.");
        var state = optimizer.GetState();

        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var t in named) tensors.Add(KeyValuePair.Create(t.Name, t.Tensor));
        foreach (var slot in state.Slots)
        {
            if (slot.Index >= trainable.Length)
                throw new InvalidOperationException(
                    $"The optimizer holds a '{slot.Slot}' slot for parameter {slot.Index}, but {model.GetType().Name} has {trainable.Length} trainable tensors.");
            tensors.Add(KeyValuePair.Create($"{SlotPrefix}{slot.Slot}/{trainable[slot.Index]}", slot.Value));
        }
        Tensor? generatorState = model.RandomGenerator?.get_state();
        try
        {
            if (generatorState is not null) tensors.Add(KeyValuePair.Create(GeneratorTensor, generatorState));
            var meta = new Dictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" };
            foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
            {
                if (key.StartsWith(Prefix, StringComparison.Ordinal) || key == "format")
                    throw new ArgumentException($"The metadata key '{key}' is reserved for the checkpoint itself.", nameof(metadata));
                meta[key] = value;
            }
            string architecture = model.Architecture;
            meta[VersionKey] = FormatVersion;
            meta[ArchitectureKey] = architecture;
            meta[FingerprintKey] = Fingerprint(architecture);
            meta[EpochKey] = epoch.ToString(CultureInfo.InvariantCulture);
            meta[OptimizerKey] = state.Optimizer;
            meta[IterationsKey] = state.Iterations.ToString(CultureInfo.InvariantCulture);
            meta[LearningRateKey] = state.LearningRate.ToString("R", CultureInfo.InvariantCulture);
            meta[ScheduleKey] = optimizer.LearningRate.GetType().Name;
            meta[HyperparametersKey] = JsonSerializer.Serialize(state.Hyperparameters.ToDictionary(kv => kv.Key, kv => kv.Value));
            if (datasets is not null)
                meta[PositionsKey] = JsonSerializer.Serialize(datasets.Select(d => d is IResumableDataset r ? r.EpochPosition : (long?)null).ToArray());
            SafeTensors.Save(path, tensors, meta);
        }
        finally
        {
            generatorState?.Dispose();
        }
    }

    /// <summary>
    /// Restores a checkpoint written by <see cref="Save"/> into <paramref name="model"/>, a model of the same
    /// declaration: its tensors (copied in place), the optimizer's state, the random generator and, for each of
    /// <paramref name="datasets"/>, its shuffling position. A safetensors file without ModelDsl's metadata (written by
    /// PyTorch, say) is loaded as weights only: every tensor of the model must be there, by name.
    /// </summary>
    /// <returns>The epoch to resume at and what was restored.</returns>
    /// <exception cref="ArgumentException">The file was written by a model of another architecture (both are named),
    /// a tensor is missing or has another dtype or shape (the tensor is named), the optimizer is of another type or
    /// has other hyperparameters, or more datasets are given than were saved.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file.</exception>
    public static CheckpointInfo Load(ICheckpointable model, string path, IReadOnlyList<IDataset?>? datasets = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var content = SafeTensors.Load(path);
        var meta = content.Metadata;
        string modelName = model.GetType().Name;
        bool weightsOnly = !meta.ContainsKey(VersionKey);
        string? architecture = meta.GetValueOrDefault(ArchitectureKey);
        if (!weightsOnly)
        {
            if (meta[VersionKey] != FormatVersion)
                throw new ArgumentException($"{path} is a ModelDsl checkpoint of layout version {meta[VersionKey]}; this runtime reads version {FormatVersion}.", nameof(path));
            string current = model.Architecture;
            if (architecture != current)
                throw new ArgumentException(
                    $"{path} was saved from a model of another architecture, so it cannot be loaded into this {modelName}.\n" +
                    $"  saved:   {architecture}\n  this one: {current}", nameof(model));
        }

        // 1. Check every tensor before touching anything.
        var named = model.NamedTensors;
        foreach (var t in named)
        {
            if (!content.Tensors.TryGetValue(t.Name, out var saved))
                throw new ArgumentException(
                    $"{path} has no tensor '{t.Name}' for {modelName} (it has [{string.Join(", ", content.Tensors.Keys.Where(k => !k.Contains('/')))}]).", nameof(path));
            RequireSameKind(path, t.Name, saved, t.Tensor);
        }

        OptimizerState? state = null;
        Tensor? generatorState = null;
        long[]? positions = null;
        int epoch = 0;
        long iterations = model.Optimizer?.Iterations ?? 0;
        if (!weightsOnly)
        {
            var optimizer = model.Optimizer ?? throw new InvalidOperationException($"{modelName} has no optimizer to restore.");
            string savedOptimizer = Required(meta, OptimizerKey, path);
            if (savedOptimizer != optimizer.GetType().Name)
                throw new ArgumentException(
                    $"{path} holds the state of an optimizer of type {savedOptimizer} but {modelName} now uses {optimizer.GetType().Name}: set " +
                    $"model.Optimizer to a {savedOptimizer} built as before loading, or replace the optimizer after loading to start it afresh.", nameof(model));
            string savedSchedule = Required(meta, ScheduleKey, path);
            if (savedSchedule != optimizer.LearningRate.GetType().Name)
                throw new ArgumentException(
                    $"{path} was saved with the learning-rate schedule {savedSchedule} but the optimizer now follows {optimizer.LearningRate.GetType().Name}: " +
                    "set the same schedule before loading.", nameof(model));
            var hyperparameters = JsonSerializer.Deserialize<Dictionary<string, double>>(Required(meta, HyperparametersKey, path))
                ?? throw Corrupt(path, HyperparametersKey);
            foreach (var (name, value) in optimizer.Hyperparameters)
                if (!hyperparameters.TryGetValue(name, out double savedValue) || !savedValue.Equals(value))
                    throw new ArgumentException(
                        $"{path} was saved by a {savedOptimizer} with {name} = {(hyperparameters.TryGetValue(name, out double s) ? s.ToString("R", CultureInfo.InvariantCulture) : "(none)")} " +
                        $"but this one has {name} = {value.ToString("R", CultureInfo.InvariantCulture)}.", nameof(model));
            iterations = ParseLong(Required(meta, IterationsKey, path), IterationsKey, path);
            double learningRate = double.Parse(Required(meta, LearningRateKey, path), NumberStyles.Float, CultureInfo.InvariantCulture);
            epoch = (int)ParseLong(Required(meta, EpochKey, path), EpochKey, path);

            var trainable = TrainableNames(model);
            var trainableTensors = model.TrainableTensors;
            var slots = new List<OptimizerSlot>();
            foreach (var (key, tensor) in content.Tensors)
            {
                if (!key.StartsWith(SlotPrefix, StringComparison.Ordinal)) continue;
                string[] parts = key[SlotPrefix.Length..].Split('/');
                int index = parts.Length == 2 ? Array.IndexOf(trainable, parts[1]) : -1;
                if (index < 0)
                    throw new ArgumentException($"{path} has the optimizer tensor '{key}', which names no trainable tensor of {modelName}.", nameof(path));
                if (optimizer.SlotNames.Count > 0 && !optimizer.SlotNames.Contains(parts[0]))
                    throw new ArgumentException($"{path} has the optimizer slot '{parts[0]}', which a {savedOptimizer} does not use.", nameof(path));
                RequireSameKind(path, key, tensor, trainableTensors[index]);
                slots.Add(new OptimizerSlot(parts[0], index, tensor));
            }
            state = new OptimizerState(savedOptimizer, iterations, learningRate, hyperparameters, slots);

            if (content.Tensors.TryGetValue(GeneratorTensor, out var savedGenerator))
            {
                if (model.RandomGenerator is null)
                    throw new ArgumentException($"{path} holds a random generator's state but {modelName} has no RandomGenerator.", nameof(model));
                generatorState = savedGenerator;
            }
            else if (model.RandomGenerator is not null)
                throw new ArgumentException($"{modelName} draws from a RandomGenerator but {path} holds no generator state.", nameof(path));

            if (meta.TryGetValue(PositionsKey, out string? positionsText))
            {
                var saved = JsonSerializer.Deserialize<long?[]>(positionsText) ?? throw Corrupt(path, PositionsKey);
                if (datasets is not null && datasets.Count > saved.Length)
                    throw new ArgumentException($"{datasets.Count} datasets were given but {path} recorded the positions of {saved.Length}.", nameof(datasets));
                positions = [.. saved.Select(p => p ?? -1)];
            }
            else if (datasets is { Count: > 0 })
                throw new ArgumentException($"{datasets.Count} datasets were given but {path} recorded no dataset positions.", nameof(datasets));
            for (int i = 0; datasets is not null && i < datasets.Count; i++)
                if (datasets[i] is not null && positions![i] >= 0 && datasets[i] is not IResumableDataset)
                    throw new ArgumentException($"Dataset {i} is a {datasets[i]!.GetType().Name}, which cannot be positioned (it is not an IResumableDataset).", nameof(datasets));
        }

        // 2. Everything checks: restore.
        using (torch.no_grad())
            foreach (var t in named) t.Tensor.copy_(content.Tensors[t.Name]);
        if (state is not null)
        {
            var optimizer = model.Optimizer!;
            var trainableTensors = model.TrainableTensors;
            // Slots go to their parameter's device (the file's tensors are on the CPU).
            var placed = state.Slots.Select(s => s with { Value = s.Value.to(trainableTensors[s.Index].device) }).ToList();
            try
            {
                optimizer.LoadState(state with { Slots = placed });
            }
            finally
            {
                foreach (var (slot, original) in placed.Zip(state.Slots))
                    if (!ReferenceEquals(slot.Value, original.Value)) slot.Value.Dispose();
            }
        }
        if (generatorState is not null) model.RandomGenerator!.set_state(generatorState);
        for (int i = 0; positions is not null && datasets is not null && i < datasets.Count; i++)
            if (datasets[i] is IResumableDataset resumable && positions[i] >= 0) resumable.EpochPosition = positions[i];

        return new CheckpointInfo(epoch, iterations, architecture, weightsOnly, new Dictionary<string, string>(meta, StringComparer.Ordinal));
    }

    /// <summary>The SHA-256 of an architecture description, as hex: a short fingerprint of the declaration.</summary>
    public static string Fingerprint(string architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(architecture)));
    }

    private static string[] TrainableNames(ICheckpointable model)
    {
        var named = model.NamedTensors;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in named)
            if (!names.Add(t.Name)) throw new InvalidOperationException($"{model.GetType().Name} names two tensors '{t.Name}'.");
        var trainable = named.Where(t => t.Trainable).ToArray();
        var expected = model.TrainableTensors;
        bool same = trainable.Length == expected.Count;
        for (int i = 0; same && i < trainable.Length; i++) same = trainable[i].Tensor.Handle == expected[i].Handle;
        if (!same)
            throw new InvalidOperationException(
                $"{model.GetType().Name}'s trainable NamedTensors [{string.Join(", ", trainable.Select(t => t.Name))}] are not its TrainableTensors in " +
                "the same order: the optimizer's state is kept by the index in TrainableTensors, so the two must agree.");
        return [.. trainable.Select(t => t.Name)];
    }

    private static void RequireSameKind(string path, string name, Tensor saved, Tensor target)
    {
        if (saved.dtype != target.dtype)
            throw new ArgumentException($"{path}: tensor '{name}' is {saved.dtype} in the file but {target.dtype} in the model.", nameof(path));
        if (!saved.shape.SequenceEqual(target.shape))
            throw new ArgumentException(
                $"{path}: tensor '{name}' has shape ({string.Join(", ", saved.shape)}) in the file but ({string.Join(", ", target.shape)}) in the model.", nameof(path));
    }

    private static string Required(IReadOnlyDictionary<string, string> meta, string key, string path) =>
        meta.TryGetValue(key, out string? value) ? value : throw Corrupt(path, key);

    private static long ParseLong(string text, string key, string path) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) && value >= 0 ? value : throw Corrupt(path, key);

    private static InvalidDataException Corrupt(string path, string key) =>
        new($"{path} is a ModelDsl checkpoint whose metadata '{key}' is missing or malformed.");
}
