using System.Numerics;
using ModelDsl.Kernels;
using static ModelDsl.Runtime.Tests.Managed.SpanTest;

namespace ModelDsl.Runtime.Tests.Managed;

/// <summary>
/// The conv family called exactly as the generator's managed emitter writes the calls (ConvolutionLayer.Managed,
/// PoolingLayer.Managed): inside a method generic in T, over Span&lt;T&gt; slices of one block, index spans Span&lt;int&gt;,
/// `default` for a missing bias and for gradients not needed, fully qualified names and int literals for the sizes.
/// </summary>
public class GeneratedCallFormsTests
{
    [Fact]
    public void The_generated_call_forms_compile_and_match_the_array_calls()
    {
        Run<float>();
        Run<double>();
    }

    private static void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int n = 2;
        var g = Rng(77);
        var x = Randn<T>(g, n, 6, 6, 2);
        var kernel = Randn<T>(g, 3, 3, 2, 4);
        Span<T> block = new T[n * 6 * 6 * 2 + n * 6 * 6 * 4 + n * 3 * 3 * 4 + n * 4 + n * 6 * 6 * 4 + n * 6 * 6 * 2];
        Span<T> input = block.Slice(0, n * 72), conv = block.Slice(n * 72, n * 144), pooled = block.Slice(n * 216, n * 36), global = block.Slice(n * 252, n * 4);
        Span<T> dConv = block.Slice(n * 256, n * 144), dInput = block.Slice(n * 400, n * 72);
        Span<T> weights = Values<T>(kernel), dWeights = new T[weights.Length];
        Span<int> indexBlock = new int[n * 36];
        Values<T>(x).CopyTo(input);

        global::ModelDsl.Managed.Conv2DSpans.Forward<T>(input, weights, default, conv, n, 6, 6, 2, 4, 3, 3, 1, 1, global::ModelDsl.Kernels.Padding.Same, 1, 1);
        global::ModelDsl.Managed.PoolingSpans.MaxPool2D<T>(conv, pooled, indexBlock, n, 6, 6, 4, 2, 2, 2, 2, global::ModelDsl.Kernels.Padding.Valid);
        global::ModelDsl.Managed.GlobalPoolingSpans.Max<T>(pooled, global, n, 9, 4);
        global::ModelDsl.Managed.GlobalPoolingSpans.MaxBackward<T>(global, pooled, global, default, n, 9, 4);
        global::ModelDsl.Managed.PoolingSpans.MaxPool2DBackward<T>(pooled, indexBlock, dConv, n, 6, 6, 4, 2, 2, 2, 2, global::ModelDsl.Kernels.Padding.Valid);
        global::ModelDsl.Managed.PoolingSpans.AveragePool1D<T>(conv, pooled, n, 36, 4, 4, 4, global::ModelDsl.Kernels.Padding.Valid);
        global::ModelDsl.Managed.PoolingSpans.AveragePool1DBackward<T>(pooled, default, n, 36, 4, 4, 4, global::ModelDsl.Kernels.Padding.Valid);
        global::ModelDsl.Managed.Conv2DSpans.Backward<T>(dConv, input, weights, dInput, dWeights, default, n, 6, 6, 2, 4, 3, 3, 1, 1, global::ModelDsl.Kernels.Padding.Same, 1, 1);
        global::ModelDsl.Managed.Conv1DSpans.Forward<T>(input, weights.Slice(0, 3 * 2 * 4), default, conv.Slice(0, n * 36 * 4), n, 36, 2, 4, 3, 1, global::ModelDsl.Kernels.Padding.Causal, 1);

        var y = Conv2DKernel.Forward(x, kernel, null, 1, 1, Padding.Same);
        var trace = PoolingKernel.MaxPool2D(y, 2, 2, 2, 2, Padding.Valid);
        var dy = PoolingKernel.MaxPool2DBackward(trace.Output, trace, y);
        var expected = Conv2DKernel.Backward(dy, x, kernel, false, 1, 1, Padding.Same);
        Close<T>(expected.Input!, dInput, Tolerance<T>(Reordered), "dx through conv, max pooling");
        Close<T>(expected.Kernel, dWeights, Tolerance<T>(Reordered), "dKernel through conv, max pooling");
        Close<T>(Conv1DKernel.Forward(x.reshape(n, 36, 2), kernel.reshape(9, 2, 4).narrow(0, 0, 3), null, 1, Padding.Causal), conv.Slice(0, n * 36 * 4),
            Tolerance<T>(Reordered), "causal Conv1D");
    }
}
