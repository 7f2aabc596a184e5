using System.Numerics;
using System.Runtime.Intrinsics;
using ModelDsl.Examples;

namespace ModelDsl.Benchmarks;

/// <summary>
/// PROTOTYPE, not emitted by anything: the code a shape-specialised managed backend could emit from the op graph of
/// <see cref="StockMlp"/>'s train step: Normalization (5 features), Flatten (25 × 5 = 125), Dense(16, relu),
/// Dense(1), mean squared error and mean absolute error on batch 101, Keras' Adam at 0.1.
/// Every shape is a constant; buffers and Adam's state are allocated once; Normalization and Flatten are fused into
/// the hidden layer's matrix product; a 16-wide row is two <see cref="Vector256{T}"/> kept in registers, Adam runs
/// over <see cref="Vector{T}"/> (both in the BCL: no System.Numerics.Tensors package).
/// </summary>
public sealed class PrototypeManagedMlpStep
{
    private const int Batch = Setup.MlpBatch, Features = 5, Inputs = 25 * Features, Hidden = 16;
    private const double LearningRate = 0.1, Beta1 = 0.9, Beta2 = 0.999;
    private const float Epsilon = 1e-7f, MinStandardDeviation = 1e-7f;

    // Weights, Keras layout: HiddenKernel (125, 16) row-major, HiddenBias (16), OutputKernel (16, 1), OutputBias (1).
    private readonly float[] _hiddenKernel, _hiddenBias, _outputKernel, _outputBias, _normMean, _normVariance;
    private readonly float[][] _trainable, _gradients, _m, _v;

    // Intermediate values of the forward pass, kept for the backward pass.
    private readonly float[] _normalized = new float[Batch * Inputs];
    private readonly float[] _hiddenPreActivation = new float[Batch * Hidden];
    private readonly float[] _hidden = new float[Batch * Hidden];
    private readonly float[] _dOutput = new float[Batch];
    private readonly float[] _dHiddenPreActivation = new float[Batch * Hidden];
    private long _iterations;

    /// <summary>Starts from a copy of <paramref name="model"/>'s weights and Normalization statistics.</summary>
    public PrototypeManagedMlpStep(StockMlp model)
    {
        var w = model.Weights;
        _hiddenKernel = Setup.ToArray(w.HiddenKernel);
        _hiddenBias = Setup.ToArray(w.HiddenBias);
        _outputKernel = Setup.ToArray(w.OutputKernel);
        _outputBias = Setup.ToArray(w.OutputBias);
        _normMean = Setup.ToArray(w.NormMean);
        _normVariance = Setup.ToArray(w.NormVariance);
        _trainable = [_hiddenKernel, _hiddenBias, _outputKernel, _outputBias];
        _gradients = [.. _trainable.Select(p => new float[p.Length])];
        _m = [.. _trainable.Select(p => new float[p.Length])];
        _v = [.. _trainable.Select(p => new float[p.Length])];
    }

    /// <summary>The trainable weights in the order of <see cref="StockMlp.Parameters.Trainable"/>.</summary>
    public IReadOnlyList<float[]> Trainable => _trainable;

    /// <summary>One step on x (101, 25, 5) and y (101); returns the loss and mean absolute error before the update.</summary>
    public (double Loss, double MeanAbsoluteError) TrainStep(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        Forward(x);
        var result = LossAndOutputGradient(y);
        Backward();
        Adam();
        return result;
    }

    private void Forward(ReadOnlySpan<float> x)
    {
        Span<float> mean = stackalloc float[Features], inverseStd = stackalloc float[Features];
        for (int f = 0; f < Features; f++)
        {
            mean[f] = _normMean[f];
            inverseStd[f] = 1f / MathF.Max(MathF.Sqrt(_normVariance[f]), MinStandardDeviation);
        }
        for (int n = 0; n < Batch; n++)
        {
            // Norm + Flatten, fused into Hidden's matrix product: for each input i (day-major, feature-minor),
            // normalized = (x - mean) / max(sqrt(variance), 1e-7), then pre += normalized · HiddenKernel[i, 0..16].
            ReadOnlySpan<float> row = x.Slice(n * Inputs, Inputs);
            Span<float> normalized = _normalized.AsSpan(n * Inputs, Inputs);
            var (pre0, pre1) = Load16(_hiddenBias);
            for (int i = 0; i < Inputs; i += Features)
            {
                for (int f = 0; f < Features; f++)
                {
                    float value = (row[i + f] - mean[f]) * inverseStd[f];
                    normalized[i + f] = value;
                    var (k0, k1) = Load16(_hiddenKernel.AsSpan((i + f) * Hidden));
                    pre0 += Vector256.Create(value) * k0;
                    pre1 += Vector256.Create(value) * k1;
                }
            }
            // Hidden = relu(pre).
            Store16(pre0, pre1, _hiddenPreActivation.AsSpan(n * Hidden));
            Store16(Vector256.Max(pre0, Vector256<float>.Zero), Vector256.Max(pre1, Vector256<float>.Zero), _hidden.AsSpan(n * Hidden));
        }
    }

    private (double Loss, double MeanAbsoluteError) LossAndOutputGradient(ReadOnlySpan<float> y)
    {
        // Output = hidden · OutputKernel + OutputBias; loss = mean(e²), mae = mean|e|, dOutput = 2e / batch.
        var (w0, w1) = Load16(_outputKernel);
        float squared = 0, absolute = 0;
        for (int n = 0; n < Batch; n++)
        {
            var (h0, h1) = Load16(_hidden.AsSpan(n * Hidden));
            float error = Vector256.Sum(h0 * w0 + h1 * w1) + _outputBias[0] - y[n];
            squared += error * error;
            absolute += MathF.Abs(error);
            _dOutput[n] = error * (2f / Batch);
        }
        return (squared / Batch, absolute / Batch);
    }

    private void Backward()
    {
        // Output layer and relu, one sample at a time: dOutputKernel = Σ hiddenᵀ d, dOutputBias = Σ d,
        // dPre = d · OutputKernelᵀ where pre > 0, dHiddenBias = Σ dPre.
        var (w0, w1) = Load16(_outputKernel);
        var (dOutputKernel0, dOutputKernel1) = (Vector256<float>.Zero, Vector256<float>.Zero);
        var (dHiddenBias0, dHiddenBias1) = (Vector256<float>.Zero, Vector256<float>.Zero);
        float dOutputBias = 0;
        for (int n = 0; n < Batch; n++)
        {
            var d = Vector256.Create(_dOutput[n]);
            var (h0, h1) = Load16(_hidden.AsSpan(n * Hidden));
            var (p0, p1) = Load16(_hiddenPreActivation.AsSpan(n * Hidden));
            dOutputKernel0 += h0 * d;
            dOutputKernel1 += h1 * d;
            dOutputBias += _dOutput[n];
            var dPre0 = Vector256.ConditionalSelect(Vector256.GreaterThan(p0, Vector256<float>.Zero), d * w0, Vector256<float>.Zero);
            var dPre1 = Vector256.ConditionalSelect(Vector256.GreaterThan(p1, Vector256<float>.Zero), d * w1, Vector256<float>.Zero);
            Store16(dPre0, dPre1, _dHiddenPreActivation.AsSpan(n * Hidden));
            dHiddenBias0 += dPre0;
            dHiddenBias1 += dPre1;
        }
        Store16(dOutputKernel0, dOutputKernel1, _gradients[2]);
        _gradients[3][0] = dOutputBias;
        Store16(dHiddenBias0, dHiddenBias1, _gradients[1]);

        // Hidden layer: dHiddenKernel[i, 0..16] = Σ_n normalized[n, i] · dPre[n, 0..16], one row of the kernel at a time.
        Span<float> dHiddenKernel = _gradients[0];
        for (int i = 0; i < Inputs; i++)
        {
            var (sum0, sum1) = (Vector256<float>.Zero, Vector256<float>.Zero);
            for (int n = 0; n < Batch; n++)
            {
                var a = Vector256.Create(_normalized[n * Inputs + i]);
                var (g0, g1) = Load16(_dHiddenPreActivation.AsSpan(n * Hidden));
                sum0 += a * g0;
                sum1 += a * g1;
            }
            Store16(sum0, sum1, dHiddenKernel.Slice(i * Hidden));
        }
    }

    /// <summary>Keras' Adam, as ModelDsl.Optimizers.Adam: epsilon added to the uncorrected sqrt(v).</summary>
    private void Adam()
    {
        double t = _iterations + 1;
        var alpha = new Vector<float>((float)(LearningRate * Math.Sqrt(1 - Math.Pow(Beta2, t)) / (1 - Math.Pow(Beta1, t))));
        var oneMinusBeta1 = new Vector<float>((float)(1 - Beta1));
        var oneMinusBeta2 = new Vector<float>((float)(1 - Beta2));
        var epsilon = new Vector<float>(Epsilon);
        for (int p = 0; p < _trainable.Length; p++)
        {
            Span<float> w = _trainable[p], g = _gradients[p], m = _m[p], v = _v[p];
            int i = 0;
            for (; i <= w.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var gi = new Vector<float>(g[i..]);
                var mi = new Vector<float>(m[i..]);
                var vi = new Vector<float>(v[i..]);
                mi += (gi - mi) * oneMinusBeta1;
                vi += (gi * gi - vi) * oneMinusBeta2;
                (new Vector<float>(w[i..]) - alpha * mi / (Vector.SquareRoot(vi) + epsilon)).CopyTo(w[i..]);
                mi.CopyTo(m[i..]);
                vi.CopyTo(v[i..]);
            }
            for (; i < w.Length; i++)
            {
                m[i] += (g[i] - m[i]) * oneMinusBeta1[0];
                v[i] += (g[i] * g[i] - v[i]) * oneMinusBeta2[0];
                w[i] -= alpha[0] * m[i] / (MathF.Sqrt(v[i]) + Epsilon);
            }
        }
        _iterations++;
    }

    /// <summary>A 16-wide row as two 8-wide vectors: the hidden layer's width is a constant the emitter knows.</summary>
    private static (Vector256<float>, Vector256<float>) Load16(ReadOnlySpan<float> row) =>
        (Vector256.Create<float>(row), Vector256.Create<float>(row.Slice(8)));

    private static void Store16(Vector256<float> low, Vector256<float> high, Span<float> row)
    {
        low.CopyTo(row);
        high.CopyTo(row.Slice(8));
    }
}
