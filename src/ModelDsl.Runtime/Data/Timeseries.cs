using static TorchSharp.torch;

namespace ModelDsl.Data;

/// <summary>Sliding windows over a series, as Keras' <c>timeseries_dataset_from_array</c>.</summary>
public static class Timeseries
{
    /// <summary>
    /// Keras' <c>timeseries_dataset_from_array</c>. Rows <c>[startIndex, endIndex)</c> of <paramref name="data"/> are used;
    /// <c>numSeqs = end - start - (sequenceLength - 1) * samplingRate</c>, clipped to <c>len(targets)</c>; windows start at
    /// <c>start + p</c> for <c>p = 0, sequenceStride, ... &lt; numSeqs</c> and hold rows <c>start + p + k * samplingRate</c>;
    /// the target of the window starting at absolute row <c>i</c> is <c>targets[i]</c>.
    /// X batches are <c>(batch, sequenceLength, features...)</c>; Y batches <c>(batch, targets' trailing dims...)</c>, or
    /// <c>(batch, 0)</c> when <paramref name="targets"/> is null.
    /// </summary>
    /// <exception cref="ArgumentException">An index, rate or length outside what Keras accepts (same rules, same bounds:
    /// <paramref name="endIndex"/> must be lower than the data's length), or a target row past the end of
    /// <paramref name="targets"/>.</exception>
    public static TimeseriesDataset FromArray(Tensor data, Tensor? targets, int sequenceLength, int samplingRate = 1,
        int sequenceStride = 1, int? startIndex = null, int? endIndex = null, bool shuffle = false, int seed = 0, int batchSize = 128)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.dim() == 0) throw new ArgumentException("data must have a time axis (rank 1 or more), got a scalar.", nameof(data));
        long length = data.shape[0];
        if (sequenceLength <= 0)
            throw new ArgumentOutOfRangeException(nameof(sequenceLength), sequenceLength, "sequenceLength must be positive.");
        if (startIndex is int s)
        {
            if (s < 0) throw new ArgumentOutOfRangeException(nameof(startIndex), s, "startIndex must be 0 or greater.");
            if (s >= length) throw new ArgumentOutOfRangeException(nameof(startIndex), s, $"startIndex must be lower than the length of the data ({length}).");
        }
        if (endIndex is int e)
        {
            if (startIndex is int s2 && e <= s2)
                throw new ArgumentOutOfRangeException(nameof(endIndex), e, $"endIndex must be higher than startIndex ({s2}).");
            if (e >= length)
                throw new ArgumentOutOfRangeException(nameof(endIndex), e,
                    $"endIndex must be lower than the length of the data ({length}), as in Keras; leave it null to use every row.");
            if (e <= 0) throw new ArgumentOutOfRangeException(nameof(endIndex), e, "endIndex must be higher than 0.");
        }
        if (samplingRate <= 0 || samplingRate >= length)
            throw new ArgumentOutOfRangeException(nameof(samplingRate), samplingRate, $"samplingRate must lie in [1, {length - 1}] for data of length {length}.");
        if (sequenceStride <= 0 || sequenceStride >= length)
            throw new ArgumentOutOfRangeException(nameof(sequenceStride), sequenceStride, $"sequenceStride must lie in [1, {length - 1}] for data of length {length}.");
        EpochOrder.RequireBatchSize(batchSize);

        long start = startIndex ?? 0, end = endIndex ?? length;
        long numSeqs = end - start - (long)(sequenceLength - 1) * samplingRate;
        if (targets is not null)
        {
            if (targets.dim() == 0) throw new ArgumentException("targets must have a time axis (rank 1 or more), got a scalar.", nameof(targets));
            numSeqs = Math.Min(numSeqs, targets.shape[0]);
        }
        var starts = new List<long>();
        for (long p = 0; p < numSeqs; p += sequenceStride) starts.Add(start + p);
        if (targets is not null && starts.Count > 0 && starts[^1] >= targets.shape[0])
            throw new ArgumentException(
                $"The window starting at row {starts[^1]} needs targets[{starts[^1]}], but targets has only {targets.shape[0]} rows.", nameof(targets));
        return new TimeseriesDataset(data, targets, starts, sequenceLength, samplingRate, batchSize, shuffle, seed);
    }
}
