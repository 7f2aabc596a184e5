using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Checkpoints;

/// <summary>The tensors and <c>__metadata__</c> of a safetensors file; the tensors are new CPU tensors the caller owns.</summary>
public sealed record SafeTensorsContent(IReadOnlyDictionary<string, Tensor> Tensors, IReadOnlyDictionary<string, string> Metadata) : IDisposable
{
    /// <summary>Disposes every tensor.</summary>
    public void Dispose()
    {
        foreach (var t in Tensors.Values) t.Dispose();
    }
}

/// <summary>
/// The safetensors format (huggingface/safetensors): 8 bytes, the header's length N as an unsigned little-endian
/// 64-bit integer; N bytes of UTF-8 JSON starting with <c>{</c> and padded with spaces, mapping each tensor name to
/// <c>{"dtype", "shape", "data_offsets": [begin, end]}</c> (offsets into the byte buffer that follows) plus an optional
/// <c>"__metadata__"</c> map of strings; then the raw little-endian, row-major bytes, every byte belonging to exactly
/// one tensor. PyTorch's <c>safetensors.torch.load_file</c> reads what <see cref="Save"/> writes.
/// </summary>
/// <remarks>
/// Writes are atomic: the file is written under a temporary name in the same directory, flushed to disk
/// (<c>FileStream.Flush(true)</c>) and renamed over the target, so a reader sees the old file or the new one, never a
/// part. A process killed mid-write leaves only a hidden <c>.name.*.tmp</c> file behind. Tensors are laid out by
/// element size, largest first, and the header is padded to a multiple of 8 bytes, so every tensor is aligned.
/// </remarks>
public static class SafeTensors
{
    /// <summary>The reference implementation's limit on the header's size.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private static readonly (ScalarType Type, string Name, int Size)[] Dtypes =
    [
        (ScalarType.Float64, "F64", 8), (ScalarType.Int64, "I64", 8), (ScalarType.Float32, "F32", 4), (ScalarType.Int32, "I32", 4),
        (ScalarType.Float16, "F16", 2), (ScalarType.BFloat16, "BF16", 2), (ScalarType.Int16, "I16", 2),
        (ScalarType.Int8, "I8", 1), (ScalarType.Byte, "U8", 1), (ScalarType.Bool, "BOOL", 1),
    ];

    /// <summary>The safetensors name of a dtype ("F32", "I64", ...).</summary>
    /// <exception cref="ArgumentException">A dtype safetensors has no name for here (complex).</exception>
    public static string DtypeName(ScalarType dtype)
    {
        foreach (var d in Dtypes) if (d.Type == dtype) return d.Name;
        throw new ArgumentException($"safetensors has no dtype for {dtype}.", nameof(dtype));
    }

    /// <summary>Writes <paramref name="tensors"/> (any device; copied to the CPU) and <paramref name="metadata"/> to
    /// <paramref name="path"/>, atomically.</summary>
    /// <exception cref="ArgumentException">A name repeats, is empty or is "__metadata__", or a dtype has no safetensors name.</exception>
    public static void Save(string path, IReadOnlyList<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        RequireLittleEndian();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, tensor) in tensors)
        {
            if (string.IsNullOrEmpty(name) || name == "__metadata__")
                throw new ArgumentException($"'{name}' cannot name a tensor in a safetensors file.", nameof(tensors));
            if (!names.Add(name)) throw new ArgumentException($"The tensor name '{name}' appears twice.", nameof(tensors));
            ArgumentNullException.ThrowIfNull(tensor, name);
            DtypeName(tensor.dtype);
        }

        // Largest elements first (stable within a size): with an 8-byte aligned header every tensor is aligned.
        var ordered = tensors.Select((t, i) => (Entry: t, Index: i)).OrderByDescending(p => ElementSize(p.Entry.Value.dtype)).ThenBy(p => p.Index)
            .Select(p => p.Entry).ToList();
        var header = new MemoryStream();
        long offset = 0;
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata) json.WriteString(key, value);
                json.WriteEndObject();
            }
            foreach (var (name, tensor) in ordered)
            {
                long bytes = tensor.numel() * ElementSize(tensor.dtype);
                json.WriteStartObject(name);
                json.WriteString("dtype", DtypeName(tensor.dtype));
                json.WriteStartArray("shape");
                foreach (long d in tensor.shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        while (header.Length % 8 != 0) header.WriteByte((byte)' ');

        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            header.Position = 0;
            header.CopyTo(stream);
            foreach (var (_, tensor) in ordered)
            {
                if (tensor.numel() == 0) continue;
                using var scope = NewDisposeScope();
                var cpu = tensor.detach().cpu().contiguous();
                stream.Write(cpu.bytes);
            }
        });
    }

    /// <summary>Reads every tensor and the metadata of <paramref name="path"/>, checking the format as the reference
    /// implementation does (header bounds and JSON, known dtypes, offsets that match each shape and cover the byte
    /// buffer exactly, in order, without holes or overlaps).</summary>
    /// <exception cref="InvalidDataException">The file breaks the format; the message names the file and the rule.</exception>
    public static SafeTensorsContent Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        RequireLittleEndian();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var (entries, metadata, dataStart) = ReadHeader(stream, path);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var entry in entries)
            {
                var tensor = empty(entry.Shape, dtype: entry.Dtype);
                tensors[entry.Name] = tensor;
                long bytes = entry.End - entry.Begin;
                if (bytes == 0) continue;
                stream.Position = dataStart + entry.Begin;
                var buffer = new byte[bytes];
                stream.ReadExactly(buffer);
                tensor.bytes = buffer;
            }
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
        return new SafeTensorsContent(tensors, metadata);
    }

    internal sealed record Entry(string Name, ScalarType Dtype, long[] Shape, long Begin, long End);

    private static (List<Entry> Entries, Dictionary<string, string> Metadata, long DataStart) ReadHeader(FileStream stream, string path)
    {
        long fileLength = stream.Length;
        if (fileLength < 8) throw Invalid(path, $"it has {fileLength} bytes, fewer than the 8 of the header length");
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderBytes || headerLength > (ulong)(fileLength - 8))
            throw Invalid(path, $"its header length {headerLength} exceeds the file ({fileLength} bytes) or the {MaxHeaderBytes}-byte limit");
        var header = new byte[headerLength];
        stream.ReadExactly(header);
        if (header.Length == 0 || header[0] != (byte)'{') throw Invalid(path, "its header does not begin with '{'");
        long dataStart = 8 + (long)headerLength;
        long dataLength = fileLength - dataStart;

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header, new JsonDocumentOptions { AllowTrailingCommas = false });
        }
        catch (JsonException e)
        {
            throw Invalid(path, $"its header is not JSON ({e.Message})");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw Invalid(path, "its header is not a JSON object");
            var entries = new List<Entry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name)) throw Invalid(path, $"the key '{property.Name}' appears twice in its header");
                if (property.Name == "__metadata__")
                {
                    if (property.Value.ValueKind != JsonValueKind.Object) throw Invalid(path, "__metadata__ is not an object");
                    foreach (var item in property.Value.EnumerateObject())
                    {
                        if (item.Value.ValueKind != JsonValueKind.String) throw Invalid(path, $"__metadata__ value '{item.Name}' is not a string");
                        metadata[item.Name] = item.Value.GetString()!;
                    }
                    continue;
                }
                entries.Add(ParseEntry(property, path));
            }
            long expected = 0;
            foreach (var entry in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
            {
                if (entry.Begin != expected)
                    throw Invalid(path, $"tensor '{entry.Name}' begins at byte {entry.Begin} of the buffer where {expected} was expected (holes and overlaps are not allowed)");
                expected = entry.End;
            }
            if (expected != dataLength)
                throw Invalid(path, $"its tensors cover {expected} bytes but the buffer after the header has {dataLength}");
            return (entries, metadata, dataStart);
        }
    }

    private static Entry ParseEntry(JsonProperty property, string path)
    {
        string name = property.Name;
        var value = property.Value;
        if (value.ValueKind != JsonValueKind.Object
            || !value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String
            || !value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array
            || !value.TryGetProperty("data_offsets", out var offsetsElement) || offsetsElement.ValueKind != JsonValueKind.Array
            || offsetsElement.GetArrayLength() != 2)
            throw Invalid(path, $"tensor '{name}' lacks a string dtype, a shape array or a two-number data_offsets");
        string dtypeName = dtypeElement.GetString()!;
        var dtype = Dtypes.FirstOrDefault(d => d.Name == dtypeName);
        if (dtype.Name is null) throw Invalid(path, $"tensor '{name}' has the dtype {dtypeName}, which is not one of [{string.Join(", ", Dtypes.Select(d => d.Name))}]");
        var shape = new long[shapeElement.GetArrayLength()];
        long count = 1;
        int i = 0;
        foreach (var d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long size) || size < 0)
                throw Invalid(path, $"tensor '{name}' has a shape entry that is not a non-negative integer");
            shape[i++] = size;
            count = checked(count * size);
        }
        long begin = Offset(offsetsElement[0], name, path), end = Offset(offsetsElement[1], name, path);
        if (end < begin || end - begin != checked(count * dtype.Size))
            throw Invalid(path, $"tensor '{name}' has data_offsets [{begin}, {end}] but its shape ({string.Join(", ", shape)}) of {dtypeName} needs {count * dtype.Size} bytes");
        return new Entry(name, dtype.Type, shape, begin, end);
    }

    private static long Offset(JsonElement element, string name, string path) =>
        element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out long v) && v >= 0
            ? v
            : throw Invalid(path, $"tensor '{name}' has a data offset that is not a non-negative integer");

    private static int ElementSize(ScalarType dtype)
    {
        foreach (var d in Dtypes) if (d.Type == dtype) return d.Size;
        throw new ArgumentException($"safetensors has no dtype for {dtype}.", nameof(dtype));
    }

    private static InvalidDataException Invalid(string path, string problem) =>
        new($"{path} is not a valid safetensors file: {problem}.");

    private static void RequireLittleEndian()
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors files are little-endian; this machine is not.");
    }
}

/// <summary>Writes a file so that readers see the old content or the new one, never a part.</summary>
internal static class AtomicFile
{
    /// <summary>Writes through <paramref name="write"/> into a temporary file beside <paramref name="path"/>, flushes it
    /// to disk, then renames it over <paramref name="path"/> (an atomic replace on POSIX and NTFS). The temporary file
    /// is deleted when anything fails.</summary>
    public static void Write(string path, Action<FileStream> write)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        string temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
