using ModelDsl.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Benchmarks;

/// <summary>One fixed batch, as flat float arrays (for the managed prototypes) and as tensors (for TorchSharp).</summary>
public sealed class Batch
{
    private Batch(float[] x, float[] y, long[] xShape, Tensor? yTensor = null)
    {
        X = x;
        Y = y;
        XTensor = tensor(x, xShape);
        YTensor = yTensor ?? tensor(y, [y.Length, 1]);
    }

    public float[] X { get; }
    public float[] Y { get; }
    public Tensor XTensor { get; }
    public Tensor YTensor { get; }

    /// <summary>Standard-normal inputs of shape (batch, sampleShape...) and targets (batch, 1) from a fixed seed.</summary>
    public static Batch Create(int seed, int batch, params int[] sampleShape)
    {
        var random = new Random(seed);
        int sampleSize = sampleShape.Aggregate(1, (a, b) => a * b);
        float[] x = Normal(random, batch * sampleSize);
        float[] y = Normal(random, batch);
        return new Batch(x, y, [batch, .. sampleShape.Select(d => (long)d)]);
    }

    /// <summary>
    /// Standard-normal inputs of shape (batch, sampleShape...) and class indices (batch,) of dtype int64, uniform over
    /// [0, classes), from a fixed seed; <see cref="Y"/> holds the same indices as floats.
    /// </summary>
    public static Batch CreateClasses(int seed, int batch, int classes, params int[] sampleShape)
    {
        var random = new Random(seed);
        int sampleSize = sampleShape.Aggregate(1, (a, b) => a * b);
        float[] x = Normal(random, batch * sampleSize);
        long[] labels = [.. Enumerable.Range(0, batch).Select(_ => (long)random.Next(classes))];
        return new Batch(x, [.. labels.Select(l => (float)l)], [batch, .. sampleShape.Select(d => (long)d)], tensor(labels));
    }

    private static float[] Normal(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            // Box-Muller: enough for benchmark data, and the same on every machine.
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            values[i] = (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
        }
        return values;
    }
}

/// <summary>The seeds and sizes every benchmark and the verification share.</summary>
public static class Setup
{
    public const int Seed = 42;

    /// <summary>The textbook's minibatch for the grades regression.</summary>
    public const int RegressionBatch = 8;

    /// <summary>The lab's 101 training windows of 25 days × 5 features, in one batch.</summary>
    public const int MlpBatch = 101;

    /// <summary>Seeds torch and fixes its intra-op threads at one (<see cref="Determinism.Seed"/>).</summary>
    public static void Torch() => Determinism.Seed(Seed);

    public static float[] ToArray(Tensor t) => t.contiguous().data<float>().ToArray();
}
