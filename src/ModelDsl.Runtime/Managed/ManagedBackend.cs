using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Managed;

/// <summary>What a generated model's managed backend shares: the Auto threshold and the checks that route a batch.</summary>
public static class ManagedBackend
{
    /// <summary>
    /// Multiply-adds of one training step (forward and backward, the batch included) below which <see cref="Backend.Auto"/>
    /// runs the managed code: where the two backends' step times cross in bench/'s <c>--crossover</c> (docs/performance.md).
    /// </summary>
    public static long AutoThreshold { get; set; } = 50_000_000;

    /// <summary>
    /// Trainable weights above which <see cref="Backend.Auto"/> keeps to TorchSharp at any batch: wide layers are
    /// matrix products that libtorch's GEMM runs faster than the managed one (docs/performance.md).
    /// </summary>
    public static long AutoWeightLimit { get; set; } = 100_000;

    /// <summary>
    /// True when a batch <paramref name="x"/> goes to the managed code: a CPU model of float32 or float64, and either
    /// <paramref name="backend"/> is Managed, or it is Auto, the step's work is below <see cref="AutoThreshold"/> and the
    /// model has at most <see cref="AutoWeightLimit"/> trainable weights.
    /// </summary>
    public static bool Runs(Backend backend, Device device, ScalarType dtype, Tensor x, long multiplyAddsPerSample, long trainableWeights)
        => backend != Backend.Torch && device.type == DeviceType.CPU && dtype is ScalarType.Float32 or ScalarType.Float64
           && (backend == Backend.Managed || (x.size(0) * multiplyAddsPerSample <= AutoThreshold && trainableWeights <= AutoWeightLimit));

    /// <summary>
    /// The batch size of a span train step, after checking what the tensor entry's guards check: the model computes in
    /// <typeparamref name="T"/>'s dtype on the CPU, x holds whole samples (at least one), y (or the labels) one target
    /// row per sample, and <paramref name="metricsLength"/> is 0 or the number of metrics.
    /// </summary>
    /// <exception cref="ArgumentException">A span type or length that does not fit; the message names the fix.</exception>
    /// <exception cref="InvalidOperationException">A model on a device other than the CPU.</exception>
    public static int SpanBatch<T>(string model, ScalarType dtype, Device device, int xLength, long perSample, int yLength, long targetsPerSample,
        int metricsLength, int metricCount) where T : unmanaged
    {
        var wanted = TensorSpans.ScalarTypeOf<T>();
        if (dtype is not (ScalarType.Float32 or ScalarType.Float64))
            throw new ArgumentException($"{model} computes in {dtype}: the span TrainStep takes float32 or float64 models; pass tensors to TrainStep(Tensor, Tensor) instead.", "x");
        if (dtype != wanted)
            throw new ArgumentException(
                $"{model} computes in {dtype} but the span TrainStep got {typeof(T).Name} values: pass {(dtype == ScalarType.Float64 ? "double" : "float")} spans, or create the model with dtype: ScalarType.{wanted}.", "x");
        if (device.type != DeviceType.CPU)
            throw new InvalidOperationException($"{model} is on {device}: the span TrainStep runs the managed code on the CPU; pass tensors to TrainStep(Tensor, Tensor) instead.");
        if (xLength == 0 || xLength % perSample != 0)
            throw new ArgumentException($"{model}: x holds {xLength} values, which is not a whole number of samples of {perSample} values (at least one).", "x");
        long n = xLength / perSample;
        if (yLength != n * targetsPerSample)
            throw new ArgumentException($"{model}: x holds {n} samples, so y must hold {n * targetsPerSample} values ({targetsPerSample} per sample); it holds {yLength}.", "y");
        if (metricsLength != 0 && metricsLength != metricCount)
            throw new ArgumentException($"{model} has {metricCount} metrics: pass an empty span or one of {metricCount} elements for them; got {metricsLength}.", "metrics");
        return (int)n;
    }

    /// <summary>A new CPU tensor of <paramref name="shape"/> and <paramref name="dtype"/> holding <paramref name="values"/>.</summary>
    public static Tensor ToTensor<T>(ReadOnlySpan<T> values, long[] shape, ScalarType dtype) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var result = empty(shape, dtype);
        values.CopyTo(TensorSpans.Of<T>(result));
        return result;
    }

    /// <summary>
    /// The targets of a batch as <typeparamref name="T"/> values in the predictions' layout (<paramref name="count"/>
    /// of them, as Keras' losses align (batch) with (batch, 1)); a copy in <paramref name="converted"/> (for the caller
    /// to dispose) when their dtype or layout differs.
    /// </summary>
    public static ReadOnlySpan<T> Targets<T>(Tensor y, int count, out Tensor? converted) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        if (y.numel() != count)
            throw new ArgumentException($"The targets have shape ({string.Join(", ", y.shape)}), {y.numel()} values, but the predictions have {count}.", nameof(y));
        var dtype = typeof(T) == typeof(double) ? ScalarType.Float64 : ScalarType.Float32;
        converted = y.dtype == dtype && y.is_contiguous() ? null : y.to_type(dtype).contiguous();
        return TensorSpans.Of<T>(converted ?? y);
    }

    /// <summary>Class indices as int64 (<paramref name="count"/> of them); a converted copy when they come as another integer type.</summary>
    public static ReadOnlySpan<long> Labels(Tensor y, int count, out Tensor? converted)
    {
        if (y.numel() != count)
            throw new ArgumentException($"The labels have shape ({string.Join(", ", y.shape)}), {y.numel()} values, but there are {count} predictions.", nameof(y));
        converted = y.dtype == ScalarType.Int64 && y.is_contiguous() ? null : y.to_type(ScalarType.Int64).contiguous();
        return TensorSpans.Labels(converted ?? y);
    }
}

/// <summary>What one call of a model's managed code does.</summary>
public enum ManagedMode
{
    /// <summary>Forward (training), loss, backward, optimizer update, metrics.</summary>
    Train,
    /// <summary>Forward (inference), loss, metrics.</summary>
    Test,
    /// <summary>Forward (inference): the predictions.</summary>
    Predict,
    /// <summary>Forward (training) and backward from a given d(loss)/d(output): the gradients, nothing updated.</summary>
    Backward,
}

/// <summary>
/// The memory of a model's managed steps: one block for a step's values, adjoints and traces, one for its weights'
/// gradients, one of indices (pooling's arg-maxes), each allocated once and grown only when a larger batch comes.
/// </summary>
public sealed class ManagedWorkspace
{
    private Array? _values, _gradients;
    private int[]? _indices;

    /// <summary>A block of at least <paramref name="length"/> elements for a step's values (contents undefined).</summary>
    public Span<T> Values<T>(int length) where T : unmanaged => Block<T>(ref _values, length);

    /// <summary>The weights' gradients, <paramref name="length"/> elements, zeroed.</summary>
    public Span<T> Gradients<T>(int length) where T : unmanaged
    {
        var span = Block<T>(ref _gradients, length);
        span.Clear();
        return span;
    }

    private Tensor?[] _weights = [];
    private Type?[] _weightTypes = [];
    private int[] _weightLengths = [];

    /// <summary>
    /// The memory of weight <paramref name="slot"/>, <paramref name="length"/> elements of <typeparamref name="T"/>: checked
    /// in full (dtype, CPU, contiguity, length) when the slot first sees this tensor object, and afterwards only its data
    /// pointer read (one native call instead of six), since a tensor keeps its dtype, device and size (as long as no
    /// in-place <c>set_</c>, <c>resize_</c> or <c>as_strided_</c> changes its layout: see <see cref="TensorSpans"/>).
    /// </summary>
    /// <exception cref="ArgumentException">A tensor whose dtype, device, layout or length does not fit.</exception>
    public Span<T> Weight<T>(int slot, Tensor tensor, int length) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        if (slot < _weights.Length && ReferenceEquals(_weights[slot], tensor) && _weightTypes[slot] == typeof(T) && _weightLengths[slot] == length)
            return TensorSpans.Unchecked<T>(tensor, length);
        var span = TensorSpans.Of<T>(tensor);
        if (span.Length != length)
            throw new ArgumentException($"A weight has {span.Length} elements where the model declares {length}: assign weights of the declared shapes.", nameof(tensor));
        if (slot >= _weights.Length)
        {
            Array.Resize(ref _weights, slot + 1);
            Array.Resize(ref _weightTypes, slot + 1);
            Array.Resize(ref _weightLengths, slot + 1);
        }
        _weights[slot] = tensor;
        _weightTypes[slot] = typeof(T);
        _weightLengths[slot] = length;
        return span;
    }

    /// <summary>A block of at least <paramref name="length"/> indices.</summary>
    public Span<int> Indices(int length)
    {
        if (_indices is null || _indices.Length < length) _indices = new int[Math.Max(length, 1)];
        return _indices.AsSpan(0, length);
    }

    private static Span<T> Block<T>(ref Array? array, int length) where T : unmanaged
    {
        if (array is not T[] typed || typed.Length < length)
        {
            typed = new T[Math.Max(length, 1)];
            array = typed;
        }
        return typed.AsSpan(0, length);
    }
}

/// <summary>A generated model that has a managed backend besides TorchSharp's: which one runs is chosen per model.</summary>
public interface IManagedModel : Training.ITrainableModel
{
    /// <summary>Which code runs TrainStep, TestStep, Forward and Predict (see <see cref="ModelDsl.Backend"/>).</summary>
    Backend Backend { get; set; }
}
