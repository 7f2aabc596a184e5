using System.Numerics;
using static ModelDsl.Runtime.Tests.Managed.SpanTest;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Managed;

/// <summary>
/// The calls of family C exactly as ManagedEmitter and NormalizationLayer.Managed write them (Span&lt;T&gt; slices of one
/// block, T a type parameter, "not needed" as default), so a change of signature that would break generated code
/// breaks this test's build; run on a small graph: y = Max(Softmax(Relu(x) * 2 − b), axis 1) and friends.
/// </summary>
public class FamilyCCallFormsTests
{
    [Fact]
    public void The_generated_call_forms_compile_and_agree_with_torch()
    {
        Run<double>(Exact);
        Run<float>(SpanTest.Single);
    }

    private static void Run<T>(double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int n = 3;
        var g = Rng(21);
        var xt = Randn<T>(g, n, 4);
        var bt = Randn<T>(g, 1, 4);
        var mean = Randn<T>(g, 4);
        var variance = Randn<T>(g, 4).square() + 0.5;
        T[] block = new T[200], weights = [.. Values<T>(bt), .. Values<T>(mean), .. Values<T>(variance)];
        Span<T> v = block;
        Span<T> w = weights;
        Values<T>(xt).CopyTo(v.Slice(0, n * 4));
        Span<T> x = v.Slice(0, n * 4), z = v.Slice(12, n * 4), r = v.Slice(24, n * 4), s = v.Slice(36, n * 4), d = v.Slice(48, n * 4),
            m = v.Slice(60, n), u = v.Slice(63, n * 4), e = v.Slice(75, n * 4), dm = v.Slice(90, n), dd = v.Slice(93, n * 4),
            dr = v.Slice(105, n * 4), dx = v.Slice(117, n * 4), du = v.Slice(129, n * 4);
        Span<T> wB = w.Slice(0, 4), wMean = w.Slice(4, 4), wVariance = w.Slice(8, 4);

        global::ModelDsl.Managed.NormalizationSpans.Forward<T>(x, wMean, wVariance, z, n, 4);
        global::ModelDsl.Managed.ActivationSpans.Forward<T>(global::ModelDsl.Kernels.Activation.Relu, z, r, 4);
        global::ModelDsl.Managed.ScalarSpans.Forward<T>(global::ModelDsl.Managed.BinaryOp.Multiply, r, T.CreateTruncating(2), constantFirst: false, s);
        global::ModelDsl.Managed.BinarySpans.Forward<T>(global::ModelDsl.Managed.BinaryOp.Subtract, s, n, 4, wB, 1, 4, d, n, 4);
        global::ModelDsl.Managed.UnarySpans.Forward<T>("Softmax", d, e, 4);
        global::ModelDsl.Managed.ReduceSpans.MaxAxis<T>(e, m, n, 4, 1);
        global::ModelDsl.Managed.ReduceSpans.SumAxis<T>(e, u.Slice(0, 4), 1, n, 4);

        var zt = global::ModelDsl.Kernels.NormalizationKernel.Forward(xt, mean, variance);
        var et = Ops.Softmax(Ops.Relu(zt) * 2 - bt);
        Close<T>(et.amax([1L]), m, tolerance, "m");
        Close<T>(et.sum(0L), u.Slice(0, 4), tolerance, "u");

        // Backward of m only, with dL/dm = 1: the adjoints cleared once, then accumulated.
        v.Slice(90).Clear();
        dm.Fill(T.One);
        global::ModelDsl.Managed.ReduceSpans.MaxAxisBackward<T>(dm, e, m, du, n, 4, 1);
        global::ModelDsl.Managed.UnarySpans.Backward<T>("Softmax", du, d, e, dd, 4);
        global::ModelDsl.Managed.BinarySpans.Backward<T>(global::ModelDsl.Managed.BinaryOp.Subtract, dd, s, n, 4, wB, 1, 4, d, dr, default, n, 4);
        global::ModelDsl.Managed.ScalarSpans.Backward<T>(global::ModelDsl.Managed.BinaryOp.Multiply, dr, r, T.CreateTruncating(2), constantFirst: false, s, dx);
        dr.Clear();
        global::ModelDsl.Managed.ActivationSpans.Backward<T>(global::ModelDsl.Kernels.Activation.Relu, dx, z, r, dr, 4);
        dx.Clear();
        global::ModelDsl.Managed.NormalizationSpans.Backward<T>(dr, wVariance, dx, n, 4);
        global::ModelDsl.Managed.NormalizationSpans.Backward<T>(dr, wVariance, default, n, 4);

        var leaf = xt.to_type(ScalarType.Float64).detach().requires_grad_(true);
        var yt = Ops.Softmax(Ops.Relu(global::ModelDsl.Kernels.NormalizationKernel.Forward(leaf, Wide(mean), Wide(variance))) * 2 - Wide(bt)).amax([1L]);
        yt.sum().backward();
        Close<T>(leaf.grad!, dx, Tolerance<T>(Reordered), "dx");
    }

    private static Tensor Wide(Tensor t) => t.to_type(ScalarType.Float64);
}
