using ModelDsl.Generators.Tests.Models;
using ModelDsl.Initializers;
using TorchSharp;
using static ModelDsl.Generators.Tests.Infrastructure.Reference;
using static TorchSharp.torch;

namespace ModelDsl.Generators.Tests;

/// <summary>
/// A model's initial weights, reproduced here from <c>new Generator(seed)</c>: each tensor's initializer drawn in the
/// order the forward method first uses the layers and parameters (Keras' order), kernel before bias. Uniform and
/// normal draws are written as their formulas; Orthogonal and LecunNormal come from the runtime's records (tested
/// against Keras in the runtime tests). Every tensor must be bit-identical.
/// </summary>
public class InitialisationTests
{
    private const int Seed = 17;

    /// <summary>GlorotUniform by its formula: uniform in ±sqrt(6 / (fan_in + fan_out)), Keras' fans of a 2-D (in, out) kernel.</summary>
    private static Tensor GlorotUniform(Generator g, long fanIn, long fanOut)
    {
        double limit = Math.Sqrt(6.0 / (fanIn + fanOut));
        return rand([fanIn, fanOut], F64, generator: g) * (2 * limit) - limit;
    }

    [Fact]
    public void Every_initializer_is_drawn_in_keras_order_of_first_use()
    {
        var model = new InitializerOrderModel(seed: Seed, dtype: F64);
        var p = model.Weights;
        var g = new Generator(Seed);
        // Norm: mean 0, variance 1, count 0 until adapted; nothing drawn.
        var shift = randn([3], F64, generator: g) * 2 + 0.5;                                  // RandomNormal(0.5, 2)
        var memoryKernel = GlorotUniform(g, 3, 12);                                           // LSTM(3) on 3 features
        var memoryRecurrent = new Orthogonal().Create([3, 12], F64, g);
        var memoryBias = zeros(12, dtype: F64);
        memoryBias[TensorIndex.Slice(3, 6)] = tensor(1.0, dtype: F64);                        // unit_forget_bias: the forget block [u, 2u)
        var hiddenKernel = new Orthogonal().Create([3, 5], F64, g);
        var hiddenBias = randn([5], F64, generator: g) * 0.05;                                // RandomNormal's Keras defaults (0, 0.05)
        var scale = ones(5, dtype: F64);
        var offset = rand([5], F64, generator: g) * 5 - 2;                                    // RandomUniform(-2, 3)
        var rotation = new Orthogonal(0.5).Create([5, 5], F64, g);
        var headKernel = new LecunNormal().Create([5, 2], F64, g);
        var outputKernel = GlorotUniform(g, 2, 1);

        Identical(zeros(3, dtype: F64), p.NormMean, "NormMean");
        Identical(ones(3, dtype: F64), p.NormVariance, "NormVariance");
        Assert.Equal(0, p.NormCount.ToInt64());
        Identical(shift, p.Shift, "Shift");
        Identical(memoryKernel, p.MemoryKernel, "MemoryKernel");
        Identical(memoryRecurrent, p.MemoryRecurrentKernel, "MemoryRecurrentKernel");
        Identical(memoryBias, p.MemoryBias, "MemoryBias");
        Identical(hiddenKernel, p.HiddenKernel, "HiddenKernel");
        Identical(hiddenBias, p.HiddenBias, "HiddenBias");
        Identical(scale, p.Scale, "Scale");
        Identical(offset, p.Offset, "Offset");
        Identical(rotation, p.Rotation, "Rotation");
        Identical(headKernel, p.HeadKernel, "HeadKernel");
        Identical(outputKernel, p.OutputKernel, "OutputKernel");
        Identical(zeros(1, dtype: F64), p.OutputBias, "OutputBias");
        Identical(zeros(1, dtype: F64), p.Floor, "Floor");

        // Orthogonal with gain 0.5: R·Rᵀ = 0.25·I, whatever the draw.
        Close(eye(5, dtype: F64) * 0.25, p.Rotation.matmul(p.Rotation.t()), 1e-12, "Rotation·Rotationᵀ");
        // The trainable list, which the optimizer's state is indexed by, is in the same order.
        Assert.Equal([p.Shift, p.MemoryKernel, p.MemoryRecurrentKernel, p.MemoryBias, p.HiddenKernel, p.HiddenBias, p.Scale, p.Offset,
            p.Rotation, p.HeadKernel, p.OutputKernel, p.OutputBias, p.Floor], p.Trainable, ReferenceEqualityComparer.Instance);
    }

    [Fact]
    public void A_dense_layer_without_bias_has_no_bias_tensor_and_computes_x_times_kernel()
    {
        Assert.Null(typeof(InitializerOrderModel.Parameters).GetProperty("HeadBias"));
        // Keras' count: Norm 2·3 + 1 (non-trainable), Shift 3, LSTM 4·3·(3 + 3 + 1), Hidden 3·5 + 5, Scale 5, Offset 5,
        // Rotation 25, Head 5·2 without bias, Output 2 + 1, Floor 1.
        Assert.Equal(new ParameterCount(163, 156, 7), InitializerOrderModel.ParameterCount);

        var model = new InitializerOrderModel(seed: Seed, dtype: F64);
        model.Adapt(Random(5, 32, 4, 3) * 2 + 1);
        // Trained weights away from their initial values, so a zero that should not be there cannot hide.
        foreach (var t in model.Weights.Trainable) t.add_(Random(6, t.shape) * 0.1);
        var p = model.Weights;
        Tensor x = Random(7, 8, 4, 3);

        Tensor normalized = (x - p.NormMean) / p.NormVariance.sqrt().clamp_min(1e-7) + p.Shift;
        Tensor h = zeros(8, 3, dtype: F64), c = zeros(8, 3, dtype: F64);
        for (int t = 0; t < 4; t++)
        {
            Tensor z = normalized.select(1, t).matmul(p.MemoryKernel) + h.matmul(p.MemoryRecurrentKernel) + p.MemoryBias;
            c = z.narrow(1, 3, 3).sigmoid() * c + z.narrow(1, 0, 3).sigmoid() * z.narrow(1, 6, 3).tanh();
            h = z.narrow(1, 9, 3).sigmoid() * c.tanh();
        }
        Tensor hidden = (h.matmul(p.HiddenKernel) + p.HiddenBias).tanh();
        Tensor head = (hidden * p.Scale + p.Offset).matmul(p.Rotation).matmul(p.HeadKernel);   // no bias
        Tensor expected = head.matmul(p.OutputKernel) + p.OutputBias + p.Floor;

        Close(expected, model.Forward(x), 1e-12, "Forward");
    }

    [Fact]
    public void Raw_parameters_are_drawn_in_the_order_of_first_use()
    {
        var model = new BroadcastingModel(seed: Seed, dtype: F64);
        var p = model.Weights;
        var g = new Generator(Seed);
        Identical(randn([6, 4], F64, generator: g) * 0.5, p.W, "W");                          // RandomNormal(0, 0.5)
        Identical(rand([4], F64, generator: g) * 1.0 - 0.5, p.B, "B");                         // RandomUniform(-0.5, 0.5)
        Identical(ones(1, dtype: F64), p.Scale, "Scale");
        Identical(randn([4, 1], F64, generator: g) * 0.5, p.V, "V");
        Identical(GlorotUniform(g, 1, 2), p.HeadKernel, "HeadKernel");
        Identical(zeros(2, dtype: F64), p.HeadBias, "HeadBias");
    }
}
