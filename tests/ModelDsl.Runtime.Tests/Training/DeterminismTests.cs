using ModelDsl.Initializers;
using ModelDsl.Kernels;
using ModelDsl.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Training;

/// <summary>Tests that touch torch's global generator and thread count: never beside other tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalTorchState { public const string Name = "Global torch state"; }

[Collection(GlobalTorchState.Name)]
public class DeterminismTests
{
    /// <summary>A few training-like steps drawing from the global generator: dense, LSTM, loss and backward.</summary>
    private static byte[] Run(int seed)
    {
        Determinism.Seed(seed);
        var x = randn(32, 10, 5);
        var y = randn(32, 1);
        var kernel = new GlorotUniform().Create([5, 64], ScalarType.Float32, new Generator(1)) + 0.01f * randn(5, 64);
        var recurrent = randn(16, 64) * 0.1f;
        var bias = LstmBias.UnitForget(16);
        var dense = randn(16, 1) * 0.1f;
        var results = new List<Tensor>();
        for (int step = 0; step < 3; step++)
        {
            var trace = LstmKernel.Forward(x + 0.1f * randn(32, 10, 5), kernel, recurrent, bias);
            var pred = DenseKernel.Forward(trace.Output, dense, null);
            var dPred = LossKernel.Backward(Loss.MeanSquaredError, pred, y);
            var dDense = DenseKernel.Backward(dPred, trace.Output, dense, hasBias: false);
            var grads = LstmKernel.Backward(dDense.Input!, trace);
            kernel -= 0.1f * grads.Kernel;
            recurrent -= 0.1f * grads.RecurrentKernel;
            dense -= 0.1f * dDense.Kernel;
            results.Add(LossKernel.Forward(Loss.MeanSquaredError, pred, y).reshape(1));
        }
        results.Add(kernel.flatten());
        results.Add(recurrent.flatten());
        return cat(results, 0).data<float>().ToArray().SelectMany(BitConverter.GetBytes).ToArray();
    }

    [Fact]
    public void The_same_seed_gives_bit_identical_results_and_another_seed_does_not()
    {
        var first = Run(1234);
        var second = Run(1234);
        var other = Run(1235);
        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
        Assert.Equal(Determinism.Threads, get_num_threads());
    }
}
