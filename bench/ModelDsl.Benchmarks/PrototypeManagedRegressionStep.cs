using ModelDsl.Examples;

namespace ModelDsl.Benchmarks;

/// <summary>
/// PROTOTYPE, not emitted by anything: the code a shape-specialised managed backend could emit from the op graph of
/// <see cref="GradesRegression"/>'s train step (x (8, 3) · W (3, 1) + B, mean squared error, SGD at 0.002).
/// Every shape is a constant; buffers are allocated once; plain loops over float spans (too small for SIMD to matter).
/// </summary>
public sealed class PrototypeManagedRegressionStep
{
    private const int Batch = Setup.RegressionBatch, Inputs = 3;
    private const float LearningRate = 0.002f;

    private readonly float[] _w = new float[Inputs];
    private readonly float[] _b = new float[1];
    private readonly float[] _dOutput = new float[Batch];

    /// <summary>Starts from a copy of <paramref name="model"/>'s weights.</summary>
    public PrototypeManagedRegressionStep(GradesRegression model)
    {
        Setup.ToArray(model.Weights.W).CopyTo(_w, 0);
        Setup.ToArray(model.Weights.B).CopyTo(_b, 0);
    }

    public ReadOnlySpan<float> W => _w;
    public ReadOnlySpan<float> B => _b;

    /// <summary>Forward, loss, backward and SGD update on x (8, 3) and y (8); returns the loss before the update.</summary>
    public double TrainStep(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        // Forward and loss: output = x · W + B; loss = mean((output - y)²); dOutput = 2 (output - y) / batch.
        float loss = 0;
        for (int n = 0; n < Batch; n++)
        {
            ReadOnlySpan<float> row = x.Slice(n * Inputs, Inputs);
            float error = row[0] * _w[0] + row[1] * _w[1] + row[2] * _w[2] + _b[0] - y[n];
            loss += error * error;
            _dOutput[n] = error * (2f / Batch);
        }

        // Backward: dW = xᵀ · dOutput, dB = Σ dOutput; SGD: w -= lr · dw.
        float dW0 = 0, dW1 = 0, dW2 = 0, dB = 0;
        for (int n = 0; n < Batch; n++)
        {
            float d = _dOutput[n];
            dW0 += x[n * Inputs] * d;
            dW1 += x[n * Inputs + 1] * d;
            dW2 += x[n * Inputs + 2] * d;
            dB += d;
        }
        _w[0] -= LearningRate * dW0;
        _w[1] -= LearningRate * dW1;
        _w[2] -= LearningRate * dW2;
        _b[0] -= LearningRate * dB;
        return loss / Batch;
    }
}
