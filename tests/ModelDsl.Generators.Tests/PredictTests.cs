using System.Collections;
using ModelDsl.Data;
using ModelDsl.Examples;
using static TorchSharp.torch;

namespace ModelDsl.Generators.Tests;

/// <summary>Generated Predict over a dataset owns the batches it reads (as TrainingLoop does) and keeps its result.</summary>
public class PredictTests
{
    /// <summary>Yields new tensors per batch, as every dataset does, and remembers them.</summary>
    private sealed class RecordingDataset(Tensor x, Tensor y, int batchSize) : IDataset
    {
        public List<Tensor> Yielded { get; } = [];
        public long Count => x.size(0);
        public int BatchCount => (int)((Count + batchSize - 1) / batchSize);

        public IEnumerator<Batch> GetEnumerator()
        {
            for (long start = 0; start < Count; start += batchSize)
            {
                long length = Math.Min(batchSize, Count - start);
                var batch = new Batch(x.narrow(0, start, length).clone(), y.narrow(0, start, length).clone());
                Yielded.Add(batch.X);
                Yielded.Add(batch.Y);
                yield return batch;
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    [Fact]
    public void Predict_over_a_dataset_disposes_each_batch_and_returns_every_output()
    {
        var model = new GradesRegression(seed: 1);
        using Tensor x = randn(10, 3), y = randn(10, 1);
        var data = new RecordingDataset(x, y, batchSize: 4);
        using Tensor predictions = model.Predict(data);

        Assert.Equal(new long[] { 10, 1 }, predictions.shape);
        Assert.Equal(6, data.Yielded.Count);
        Assert.All(data.Yielded, t => Assert.True(t.IsInvalid, "a batch tensor was not disposed"));
        using Tensor whole = model.Predict(x);
        Assert.True(whole.allclose(predictions));
        Assert.False(x.IsInvalid);
    }
}
