using System.Collections;
using static TorchSharp.torch;

namespace ModelDsl.Data;

/// <summary>Windows built by <see cref="Timeseries.FromArray"/>.</summary>
public sealed class TimeseriesDataset : IResumableDataset
{
    private readonly Tensor _data;
    private readonly Tensor? _targets;
    private readonly long[] _starts;
    private readonly long[] _offsets;
    private readonly EpochOrder _order;

    internal TimeseriesDataset(Tensor data, Tensor? targets, IReadOnlyList<long> starts, int sequenceLength, int samplingRate,
        int batchSize, bool shuffle, int seed)
    {
        _data = data;
        _targets = targets;
        _starts = [.. starts];
        _offsets = [.. Enumerable.Range(0, sequenceLength).Select(k => (long)k * samplingRate)];
        SequenceLength = sequenceLength;
        SamplingRate = samplingRate;
        BatchSize = batchSize;
        _order = new EpochOrder(_starts.LongLength, shuffle, seed);
    }

    /// <summary>The absolute row of each window's first step, ascending; batches visit them in this order unless shuffled.</summary>
    public IReadOnlyList<long> WindowStarts => _starts;

    public int SequenceLength { get; }
    public int SamplingRate { get; }
    public int BatchSize { get; }

    public long Count => _starts.LongLength;

    public int BatchCount => EpochOrder.BatchCount(Count, BatchSize);

    public IEnumerator<Batch> GetEnumerator()
    {
        foreach (var chunk in EpochOrder.Chunks(_order.Next(), BatchSize))
        {
            long[] starts = [.. chunk.Select(i => _starts[i])];
            long[] rows = [.. starts.SelectMany(s => _offsets.Select(o => s + o))];
            using var rowIndex = tensor(rows, dtype: ScalarType.Int64, device: _data.device);
            using var flat = _data.index_select(0, rowIndex);
            var x = flat.reshape([starts.Length, SequenceLength, .. _data.shape.Skip(1)]);
            Tensor y;
            if (_targets is null)
                y = empty([starts.Length, 0], dtype: _data.dtype, device: _data.device);
            else
            {
                using var targetIndex = tensor(starts, dtype: ScalarType.Int64, device: _targets.device);
                y = _targets.index_select(0, targetIndex);
            }
            yield return new Batch(x, y);
        }
    }

    /// <inheritdoc />
    public long EpochPosition
    {
        get => _order.Epoch;
        set => _order.Seek(value);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
