using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using ModelDsl.Checkpoints;
using ModelDsl.Optimizers;
using ModelDsl.ProcessHost;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Checkpoints;

/// <summary>
/// The files against the safetensors specification (huggingface/safetensors README, "Format"), both ways: a checkpoint
/// written by the runtime is read back by a reader written here from the spec alone (header length, JSON, raw
/// little-endian bytes), and files written here from the spec are read by Checkpoint.Load.
/// </summary>
public sealed class SafeTensorsFormatTests : FileTests
{
    /// <summary>The spec, read independently: (header JSON, the byte buffer after it).</summary>
    private static (JsonElement Header, byte[] Buffer, byte[] RawHeader) ReadBySpec(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(0, 8));
        byte[] header = file[8..(8 + (int)n)];
        return (JsonDocument.Parse(header).RootElement.Clone(), file[(8 + (int)n)..], header);
    }

    private static float[] Floats(byte[] buffer, JsonElement entry)
    {
        long begin = entry.GetProperty("data_offsets")[0].GetInt64(), end = entry.GetProperty("data_offsets")[1].GetInt64();
        var values = new float[(end - begin) / 4];
        for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(buffer.AsSpan((int)begin + 4 * i, 4));
        return values;
    }

    [Fact]
    public void A_checkpoint_reads_back_with_a_reader_written_from_the_spec()
    {
        using var model = new TinyModel(3, 2, seed: 4, dropout: 0.5);
        model.TrainStep(ones(5, 3), zeros(5, 2));   // Adam's slots exist, the step counter is 1
        string path = PathOf("model.safetensors");
        Checkpoint.Save(model, path, epoch: 7);

        var (header, buffer, raw) = ReadBySpec(path);
        Assert.Equal((byte)'{', raw[0]);
        Assert.Equal(0, (8 + raw.Length) % 8);                               // padded so that every tensor is aligned
        Assert.All(raw[(raw.AsSpan().LastIndexOf((byte)'}') + 1)..], b => Assert.Equal((byte)' ', b));

        // Weights under their generated names, values as little-endian float32, row-major.
        var kernel = header.GetProperty("OutputKernel");
        Assert.Equal("F32", kernel.GetProperty("dtype").GetString());
        Assert.Equal([3L, 2], kernel.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(model.OutputKernel.data<float>().ToArray(), Floats(buffer, kernel));
        Assert.Equal(model.InputScale.data<float>().ToArray(), Floats(buffer, header.GetProperty("InputScale")));
        var count = header.GetProperty("StepCount");
        Assert.Equal("I64", count.GetProperty("dtype").GetString());
        Assert.Empty(count.GetProperty("shape").EnumerateArray());
        Assert.Equal(1L, BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan((int)count.GetProperty("data_offsets")[0].GetInt64(), 8)));

        // Adam's slots under Keras' names, and the generator's state as bytes.
        var state = model.Optimizer.GetState();
        Assert.Equal(state.Slots.Single(s => s.Slot == "velocity" && s.Index == 1).Value.data<float>().ToArray(),
            Floats(buffer, header.GetProperty("optimizer/velocity/OutputBias")));
        Assert.Equal("U8", header.GetProperty("random_generator/state").GetProperty("dtype").GetString());

        // Every byte belongs to exactly one tensor.
        var ranges = header.EnumerateObject().Where(p => p.Name != "__metadata__")
            .Select(p => (p.Value.GetProperty("data_offsets")[0].GetInt64(), p.Value.GetProperty("data_offsets")[1].GetInt64()))
            .OrderBy(r => r.Item1).ToList();
        Assert.Equal(0, ranges[0].Item1);
        for (int i = 1; i < ranges.Count; i++) Assert.Equal(ranges[i - 1].Item2, ranges[i].Item1);
        Assert.Equal(buffer.Length, ranges[^1].Item2);

        var meta = header.GetProperty("__metadata__");
        Assert.All(meta.EnumerateObject(), p => Assert.Equal(JsonValueKind.String, p.Value.ValueKind));
        Assert.Equal("pt", meta.GetProperty("format").GetString());
        Assert.Equal("7", meta.GetProperty("modeldsl.epoch").GetString());
        Assert.Equal("1", meta.GetProperty("modeldsl.optimizer.iterations").GetString());
        Assert.Equal("Adam", meta.GetProperty("modeldsl.optimizer").GetString());
        Assert.Equal(model.Architecture, meta.GetProperty("modeldsl.architecture").GetString());
        Assert.Equal(Checkpoint.Fingerprint(model.Architecture), meta.GetProperty("modeldsl.architecture_sha256").GetString());
        Assert.Empty(Directory.GetFiles(Dir, "*.tmp"));
    }

    /// <summary>A safetensors file composed by hand: header JSON written as text, values as little-endian bytes.</summary>
    private static void WriteBySpec(string path, string headerJson, byte[] buffer)
    {
        byte[] header = Encoding.UTF8.GetBytes(headerJson);
        var file = new byte[8 + header.Length + buffer.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
        header.CopyTo(file, 8);
        buffer.CopyTo(file, 8 + header.Length);
        File.WriteAllBytes(path, file);
    }

    private static byte[] Bytes(params float[] values) => [.. values.SelectMany(BitConverter.GetBytes)];

    /// <summary>OutputKernel (2, 1) = [0.5, -1.5], OutputBias = [0.25], InputScale = [2, 3], StepCount = 9, the header in
    /// another order than the buffer.</summary>
    private static string TinyWeights(string path, string kernelDtype = "F32", string kernelShape = "[2, 1]", string extraHeader = "")
    {
        byte[] buffer = [.. BitConverter.GetBytes(9L), .. Bytes(2, 3), .. Bytes(0.5f, -1.5f), .. Bytes(0.25f)];
        WriteBySpec(path,
            "{" + extraHeader +
            "\"OutputBias\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [24, 28]}, " +
            $"\"OutputKernel\": {{\"dtype\": \"{kernelDtype}\", \"shape\": {kernelShape}, \"data_offsets\": [16, 24]}}, " +
            "\"StepCount\": {\"dtype\": \"I64\", \"shape\": [], \"data_offsets\": [0, 8]}, " +
            "\"InputScale\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 16]}}   ",
            buffer);
        return path;
    }

    [Fact]
    public void A_file_written_from_the_spec_loads_as_weights()
    {
        string path = TinyWeights(PathOf("by-hand.safetensors"), extraHeader: "\"__metadata__\": {\"format\": \"pt\"}, ");
        using var model = new TinyModel(2, 1, seed: 1);
        long iterations = model.Optimizer.Iterations;
        var info = Checkpoint.Load(model, path);
        Assert.True(info.WeightsOnly);
        Assert.Null(info.Architecture);
        Assert.Equal([0.5f, -1.5f], model.OutputKernel.data<float>().ToArray());
        Assert.Equal([0.25f], model.OutputBias.data<float>().ToArray());
        Assert.Equal([2f, 3f], model.InputScale.data<float>().ToArray());
        Assert.Equal(9L, model.StepCount.item<long>());
        Assert.Equal(iterations, model.Optimizer.Iterations);

        // SafeTensors.Load reads it as well, and writes what the spec reader reads.
        using var content = SafeTensors.Load(path);
        Assert.Equal("pt", content.Metadata["format"]);
        string copy = PathOf("copy.safetensors");
        SafeTensors.Save(copy, [.. content.Tensors]);
        var (header, buffer, _) = ReadBySpec(copy);
        Assert.Equal([0.5f, -1.5f], Floats(buffer, header.GetProperty("OutputKernel")));
    }

    [Fact]
    public void Dtype_and_shape_mismatches_name_the_tensor_and_change_nothing()
    {
        using var model = new TinyModel(2, 1, seed: 1);
        float[] before = model.OutputKernel.data<float>().ToArray();

        var dtype = Assert.Throws<ArgumentException>(() => Checkpoint.Load(model,
            TinyWeightsF64Kernel(PathOf("f64.safetensors"))));
        Assert.Contains("tensor 'OutputKernel' is Float64 in the file but Float32 in the model", dtype.Message);

        var shape = Assert.Throws<ArgumentException>(() => Checkpoint.Load(model,
            TinyWeights(PathOf("shape.safetensors"), kernelShape: "[1, 2]")));
        Assert.Contains("tensor 'OutputKernel' has shape (1, 2) in the file but (2, 1) in the model", shape.Message);

        string missing = PathOf("missing.safetensors");
        WriteBySpec(missing, "{\"OutputBias\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", Bytes(1));
        Assert.Contains("has no tensor 'OutputKernel' for TinyModel (it has [OutputBias])",
            Assert.Throws<ArgumentException>(() => Checkpoint.Load(model, missing)).Message);

        Assert.Equal(before, model.OutputKernel.data<float>().ToArray());
    }

    private static string TinyWeightsF64Kernel(string path)
    {
        byte[] buffer = [.. BitConverter.GetBytes(0.5), .. BitConverter.GetBytes(-1.5), .. BitConverter.GetBytes(9L), .. Bytes(2, 3), .. Bytes(0.25f)];
        WriteBySpec(path,
            "{\"OutputKernel\": {\"dtype\": \"F64\", \"shape\": [2, 1], \"data_offsets\": [0, 16]}, " +
            "\"StepCount\": {\"dtype\": \"I64\", \"shape\": [], \"data_offsets\": [16, 24]}, " +
            "\"InputScale\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [24, 32]}, " +
            "\"OutputBias\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [32, 36]}}", buffer);
        return path;
    }

    public static TheoryData<string, string, string> BrokenFiles => new()
    {
        { "hole", "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", "begins at byte 4 of the buffer where 0 was expected" },
        { "short", "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 4]}}", "needs 8 bytes" },
        { "dtype", "{\"a\": {\"dtype\": \"F8\", \"shape\": [1], \"data_offsets\": [0, 4]}}", "has the dtype F8" },
        { "brace", " {\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", "does not begin with '{'" },
        { "duplicate", "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, \"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", "appears twice" },
        { "metadata", "{\"__metadata__\": {\"n\": 1}, \"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", "is not a string" },
        { "trailing", "{\"a\": {\"dtype\": \"F32\", \"shape\": [], \"data_offsets\": [0, 2]}}", "needs 4 bytes" },
    };

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public void Files_that_break_the_spec_are_refused(string name, string header, string problem)
    {
        string path = PathOf(name + ".safetensors");
        WriteBySpec(path, header, Bytes(1));
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
        Assert.Contains(problem, e.Message);
        Assert.StartsWith(path + " is not a valid safetensors file", e.Message);
    }

    [Fact]
    public void A_header_length_beyond_the_file_is_refused()
    {
        string path = PathOf("long.safetensors");
        var file = new byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(file, 1000);
        File.WriteAllBytes(path, file);
        Assert.Contains("header length 1000 exceeds the file", Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path)).Message);
        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Contains("fewer than the 8", Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path)).Message);
    }

    [Fact]
    public void Every_supported_dtype_round_trips()
    {
        var tensors = new List<KeyValuePair<string, Tensor>>
        {
            new("f64", tensor(new[] { 1.5, -2 })), new("f32", tensor(new[] { 1.5f })), new("f16", tensor(new[] { 1.5f }).to_type(ScalarType.Float16)),
            new("bf16", tensor(new[] { 1.5f }).to_type(ScalarType.BFloat16)), new("i64", tensor(new[] { -3L })), new("i32", tensor(new[] { 7 })),
            new("i16", tensor(new[] { 7 }).to_type(ScalarType.Int16)), new("i8", tensor(new[] { -7 }).to_type(ScalarType.Int8)),
            new("u8", tensor(new byte[] { 200 })), new("bool", tensor(new[] { true, false })), new("empty", zeros(0, 3)),
        };
        string path = PathOf("dtypes.safetensors");
        SafeTensors.Save(path, tensors, new Dictionary<string, string> { ["note"] = "ünïcødé" });
        using var content = SafeTensors.Load(path);
        Assert.Equal("ünïcødé", content.Metadata["note"]);
        foreach (var (name, t) in tensors)
        {
            Assert.Equal(t.dtype, content.Tensors[name].dtype);
            Assert.Equal(t.shape, content.Tensors[name].shape);
            Assert.True(Same.Tensors(t, content.Tensors[name]), name);
        }
        var (header, _, _) = ReadBySpec(path);
        Assert.Equal(["F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL", "F32"],
            tensors.Select(t => header.GetProperty(t.Key).GetProperty("dtype").GetString()));
        Assert.Throws<ArgumentException>(() => SafeTensors.Save(path, [new("a", zeros(1)), new("a", zeros(1))]));
    }
}
