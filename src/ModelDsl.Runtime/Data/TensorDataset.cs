using System.Collections;
using static TorchSharp.torch;

namespace ModelDsl.Data;

/// <summary>Minibatches over the first axis of in-memory tensors; the last partial batch is kept.</summary>
public sealed class TensorDataset : IResumableDataset
{
    private readonly Tensor _x, _y;
    private readonly int _batchSize;
    private readonly EpochOrder _order;

    /// <exception cref="ArgumentException">The tensors disagree on the number of samples.</exception>
    public TensorDataset(Tensor x, Tensor y, int batchSize = 32, bool shuffle = false, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        EpochOrder.RequireBatchSize(batchSize);
        if (x.dim() == 0 || y.dim() == 0 || x.shape[0] != y.shape[0])
            throw new ArgumentException(
                $"x and y need the same first (sample) axis: x has shape ({string.Join(", ", x.shape)}), y has shape ({string.Join(", ", y.shape)}).",
                nameof(y));
        _x = x;
        _y = y;
        _batchSize = batchSize;
        _order = new EpochOrder(x.shape[0], shuffle, seed);
    }

    public long Count => _x.shape[0];

    public int BatchCount => EpochOrder.BatchCount(Count, _batchSize);

    public IEnumerator<Batch> GetEnumerator()
    {
        foreach (var rows in EpochOrder.Chunks(_order.Next(), _batchSize))
        {
            using var index = tensor(rows, dtype: ScalarType.Int64, device: _x.device);
            yield return new Batch(_x.index_select(0, index), _y.index_select(0, index));
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
