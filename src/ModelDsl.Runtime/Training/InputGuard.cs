using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Training;

/// <summary>
/// Checks a model's entry points run before their first libtorch call, so that a wrong batch gives a .NET exception
/// naming what was expected, what came and the fix, instead of a native abort deep in a kernel.
/// </summary>
public static class InputGuard
{
    /// <summary>
    /// <paramref name="x"/> must have shape <c>(batch, sampleShape...)</c>, dtype <paramref name="dtype"/> and live on
    /// <paramref name="device"/>.
    /// </summary>
    /// <param name="model">The model's name, for the message ("StockMlp").</param>
    /// <param name="parameter">The argument's name in the entry point ("x", "input").</param>
    /// <param name="x">The batch.</param>
    /// <param name="sampleShape">One sample's shape, without the batch axis (a generated model's <c>InputShape</c>).</param>
    /// <param name="dtype">The dtype the model was constructed with.</param>
    /// <param name="device">The device of the model's weights.</param>
    /// <exception cref="ArgumentException">Every mismatch, in one message: shape, dtype (with "call x.to(ScalarType.Float32)"
    /// or "construct the model with dtype: ScalarType.Float64"), device (with "move the batch with x.to(...)").</exception>
    public static void Require(string model, string parameter, Tensor x, IReadOnlyList<long> sampleShape, ScalarType dtype, Device device)
    {
        ArgumentNullException.ThrowIfNull(x, parameter);
        ArgumentNullException.ThrowIfNull(sampleShape);
        ArgumentNullException.ThrowIfNull(device);
        var problems = new List<string>();
        long rank = x.dim();
        bool shapeOk = rank == sampleShape.Count + 1;
        for (int i = 0; shapeOk && i < sampleShape.Count; i++) shapeOk = x.size(i + 1) == sampleShape[i];
        if (!shapeOk)
        {
            string expected = "(batch" + string.Concat(sampleShape.Select(d => ", " + d.ToString(CultureInfo.InvariantCulture))) + ")";
            string hint = rank == sampleShape.Count && x.shape.SequenceEqual(sampleShape)
                ? $": a single sample needs its batch axis, {parameter}.unsqueeze(0)"
                : "";
            problems.Add($"shape {expected} but got {Shape(x)}{hint}");
        }
        var actual = x.dtype;
        if (actual != dtype)
        {
            string fix = $"call {parameter}.to(ScalarType.{dtype})";
            if (IsFloating(actual)) fix += $", or construct the model with dtype: ScalarType.{actual}";
            problems.Add($"dtype {dtype} but got {actual}: {fix}");
        }
        if (!SameDevice(x, device))
            problems.Add($"a batch on {Show(device)} (the device of its weights) but got one on {Show(x)}: move the batch with " +
                         $"{parameter}.to(model's device), here {parameter}.to(torch.device(\"{Show(device)}\"))");
        if (problems.Count > 0)
            throw new ArgumentException($"{model} expects {parameter} of " + string.Join("; and ", problems) + ".", parameter);
    }

    /// <summary>
    /// Targets for a batch of <paramref name="rows"/> samples: <paramref name="y"/> must have that many rows, live on
    /// <paramref name="device"/>, and be an integer tensor when it holds class indices (a real one otherwise: floating,
    /// integer or boolean targets are cast to the predictions' dtype by the loss, as Keras does).
    /// </summary>
    /// <exception cref="ArgumentException">The rows, dtype class or device do not fit; the message names both and the fix.</exception>
    public static void RequireTargets(string model, string parameter, Tensor y, long rows, bool classIndices, Device device)
    {
        ArgumentNullException.ThrowIfNull(y, parameter);
        ArgumentNullException.ThrowIfNull(device);
        var problems = new List<string>();
        if (y.dim() == 0 || y.size(0) != rows)
            problems.Add($"one row per input sample ({rows}) but got shape {Shape(y)}");
        var dtype = y.dtype;
        if (classIndices && !IsInteger(dtype))
            problems.Add($"class indices, an integer tensor, but got {dtype}: call {parameter}.to(ScalarType.Int64)");
        else if (!classIndices && !(IsFloating(dtype) || IsInteger(dtype) || dtype == ScalarType.Bool))
            problems.Add($"real targets but got {dtype}: call {parameter}.to(ScalarType.Float32)");
        if (!SameDevice(y, device))
            problems.Add($"targets on {Show(device)} but got them on {Show(y)}: move them with {parameter}.to(torch.device(\"{Show(device)}\"))");
        if (problems.Count > 0)
            throw new ArgumentException($"{model} expects {parameter} with " + string.Join("; and ", problems) + ".", parameter);
    }

    /// <summary>
    /// Throws <see cref="NonFiniteInputException"/> when a floating <paramref name="x"/> holds NaN or ±∞, naming the
    /// first such element; integer and boolean tensors pass.
    /// </summary>
    /// <param name="model">The model (or operation) for the message.</param>
    /// <param name="parameter">The argument's name.</param>
    /// <param name="x">The tensor to check.</param>
    /// <param name="batch">The 1-based batch the tensor is, when it is one of a dataset's; null for a whole tensor.</param>
    public static void RequireFinite(string model, string parameter, Tensor x, int? batch = null)
    {
        ArgumentNullException.ThrowIfNull(x, parameter);
        if (!IsFloating(x.dtype)) return;
        using var scope = NewDisposeScope();
        var finite = isfinite(x);
        if (finite.all().item<bool>()) return;
        var bad = finite.logical_not().flatten();
        long count = bad.sum().item<long>();
        long flat = bad.nonzero()[0, 0].item<long>();
        double value = x.flatten()[flat].to_type(ScalarType.Float64).item<double>();
        var index = new long[x.dim()];
        long rest = flat;
        for (int i = index.Length - 1; i >= 0; i--)
        {
            long size = x.size(i);
            index[i] = rest % size;
            rest /= size;
        }
        throw new NonFiniteInputException(model, parameter, batch, index, value, count);
    }

    internal static bool IsFloating(ScalarType dtype) =>
        dtype is ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float64;

    private static bool IsInteger(ScalarType dtype) =>
        dtype is ScalarType.Byte or ScalarType.Int8 or ScalarType.Int16 or ScalarType.Int32 or ScalarType.Int64;

    private static bool SameDevice(Tensor t, Device device) =>
        t.device_type == device.type && (device.index < 0 ? t.device_index <= 0 : t.device_index == device.index);

    private static string Show(Device device) => device.index < 0 ? Lower(device.type) : $"{Lower(device.type)}:{device.index}";

    private static string Show(Tensor t) => t.device_index < 0 ? Lower(t.device_type) : $"{Lower(t.device_type)}:{t.device_index}";

    private static string Lower(DeviceType type) => type.ToString().ToLowerInvariant();

    private static string Shape(Tensor t) => "(" + string.Join(", ", t.shape) + ")";
}

/// <summary>An input held NaN or an infinity; the message names the tensor, the batch and the first bad element.</summary>
public sealed class NonFiniteInputException : ArgumentException
{
    public NonFiniteInputException(string model, string parameter, int? batch, IReadOnlyList<long> index, double value, long count)
        : base($"{model}: {parameter}{(batch is int b ? $" of batch {b} (counted from 1)" : "")} holds {Show(value)} at index " +
               $"[{string.Join(", ", index)}]{(count > 1 ? $", the first of {count} non-finite values" : "")}. Non-finite inputs " +
               "would turn every loss, metric and prediction into NaN: drop or fill the missing rows before training, evaluating or predicting.",
               parameter)
    {
        Model = model;
        Parameter = parameter;
        Batch = batch;
        Index = index;
        Value = value;
        Count = count;
    }

    public string Model { get; }
    public string Parameter { get; }

    /// <summary>1-based batch within the dataset; null when a whole tensor was checked.</summary>
    public int? Batch { get; }

    /// <summary>The first non-finite element, one index per axis (row-major order).</summary>
    public IReadOnlyList<long> Index { get; }

    public double Value { get; }

    /// <summary>How many non-finite elements the tensor holds.</summary>
    public long Count { get; }

    private static string Show(double value) => double.IsNaN(value) ? "NaN" : value > 0 ? "+∞" : "-∞";
}
