using System.Numerics;
using ModelDsl.Kernels;
using ModelDsl.Managed;
using ModelDsl.Runtime.Tests.Kernels;
using static ModelDsl.Runtime.Tests.Managed.BinarySpansTests;
using static ModelDsl.Runtime.Tests.Managed.SpanTest;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Managed;

public class ReduceSpansTests
{
    public static TheoryData<bool, int, int, int> Sizes => new()
    {
        { false, 3, 4, 5 }, { true, 3, 4, 5 }, { false, 2, 50, 1 }, { true, 2, 50, 1 }, { false, 1, 7, 300 }, { true, 1, 7, 300 },
        { false, 4, 1, 3 }, { true, 6, 2, 1 }, { false, 1, 1, 1 }, { true, 2, 300, 2 },
    };

    [Theory, MemberData(nameof(Sizes))]
    public void Axis_reductions_equal_torch_and_their_gradients_torch_autograd(bool float32, int outer, int axis, int inner)
    {
        if (float32) Check<float>(outer, axis, inner); else Check<double>(outer, axis, inner);
    }

    private static void Check<T>(int outer, int axis, int inner) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Rng((ulong)(outer * 10000 + axis * 100 + inner));
        // On the grid of halves: Max meets ties (its gradient split equally, as amax).
        var x = Grid<T>(g, false, outer, axis, inner);
        var dy = Randn<T>(g, outer, inner);
        double tolerance = Tolerance<T>(Reordered);
        foreach (string kind in new[] { "Sum", "Mean", "Max" })
        {
            Func<Tensor, Tensor> reference = kind switch
            {
                "Sum" => t => t.sum(1L),
                "Mean" => t => t.mean([1L]),
                _ => t => t.amax([1L]),
            };
            var y = new T[outer * inner];
            if (kind == "Sum") ReduceSpans.SumAxis<T>(Values<T>(x), y, outer, axis, inner);
            else if (kind == "Mean") ReduceSpans.MeanAxis<T>(Values<T>(x), y, outer, axis, inner);
            else ReduceSpans.MaxAxis<T>(Values<T>(x), y, outer, axis, inner);
            var expected = reference(x);
            Close<T>(expected, y, tolerance, kind + " y");

            var (dx, prefill) = Prefilled<T>(g, outer, axis, inner);
            if (kind == "Sum") ReduceSpans.SumAxisBackward<T>(Values<T>(dy), dx, outer, axis, inner);
            else if (kind == "Mean") ReduceSpans.MeanAxisBackward<T>(Values<T>(dy), dx, outer, axis, inner);
            else ReduceSpans.MaxAxisBackward<T>(Values<T>(dy), Values<T>(x), Values<T>(expected), dx, outer, axis, inner);
            var truth = GradientCheck.Autograd(t => reference(t[0]), [x], dy)[0];
            Close<T>(prefill + truth, dx, tolerance, kind + " dx");
            if (kind == "Max") Close<T>(prefill + TensorOpKernel.MaxBackward(dy, x, expected, 1), dx, tolerance, "Max dx (TensorOpKernel)");
        }
        // "Not needed".
        ReduceSpans.SumAxisBackward<T>(Values<T>(dy), default, outer, axis, inner);
        ReduceSpans.MeanAxisBackward<T>(Values<T>(dy), default, outer, axis, inner);
        ReduceSpans.MaxAxisBackward<T>(Values<T>(dy), Values<T>(x), new T[outer * inner], default, outer, axis, inner);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Whole_sum_and_mean_equal_torch(bool float32)
    {
        if (float32) Whole<float>(); else Whole<double>();
    }

    private static void Whole<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Rng(5);
        var x = Randn<T>(g, 37, 29);
        var sum = ReduceSpans.Sum<T>(Values<T>(x));
        var mean = ReduceSpans.Mean<T>(Values<T>(x));
        // The float64 truth: a float sum of 1073 terms is only as exact as its order.
        Close<T>(Wide(x).sum().reshape(1), [sum], Tolerance<T>(Reordered), "sum");
        Close<T>(Wide(x).mean().reshape(1), [mean], Tolerance<T>(Reordered), "mean");
        T upstream = T.CreateTruncating(0.75);
        var (dx, prefill) = Prefilled<T>(g, 37, 29);
        ReduceSpans.SumBackward<T>(upstream, dx);
        Close<T>(prefill + 0.75, dx, Tolerance<T>(Exact), "sum dx");
        (dx, prefill) = Prefilled<T>(g, 37, 29);
        ReduceSpans.MeanBackward<T>(upstream, dx);
        Close<T>(prefill + 0.75 / (37 * 29), dx, Tolerance<T>(Exact), "mean dx");
    }

    [Fact]
    public void Sizes_are_checked()
    {
        var e = Assert.Throws<ArgumentException>(() => ReduceSpans.SumAxis<double>(new double[12], new double[5], 2, 3, 2));
        Assert.Contains("ReduceSpans: y has 5 elements but its shape (outer, inner) needs 4", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ReduceSpans.MaxAxis<double>(default, new double[6], 2, 0, 3));
    }
}
