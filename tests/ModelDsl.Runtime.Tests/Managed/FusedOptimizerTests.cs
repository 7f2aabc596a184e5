using System.Numerics;
using ModelDsl.Optimizers;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Managed;

/// <summary>
/// The fused optimizer updates against the torch-op update: the truth is the same optimizer stepped on
/// non-contiguous parameters (which the fused loop refuses, so the torch ops run); the fused runs are the span
/// overload <c>Step&lt;T&gt;(parameters, gradients)</c> with one concatenated gradient buffer and the tensor-list
/// <c>Step</c> on contiguous tensors. Several steps, every option; the state slots (names, order, values) and the
/// iteration counter must match too.
/// </summary>
public class FusedOptimizerTests
{
    public FusedOptimizerTests() => TorchRuntime.Initialize();

    /// <summary>Parameter shapes with element counts that are not multiples of any vector width (the padded tail).</summary>
    private static readonly long[][] Shapes = [[3, 5], [7], [2, 2], [3, 1]];

    private const int Steps = 4;

    public static TheoryData<string> Kinds => new()
    {
        "sgd", "sgd-momentum", "sgd-nesterov", "adam", "adam-schedule", "adamw", "adamw-no-decay",
        "rmsprop", "rmsprop-centered", "rmsprop-momentum", "rmsprop-centered-momentum",
    };

    private static Optimizer Make(string kind) => kind switch
    {
        "sgd" => new Sgd(0.05),
        "sgd-momentum" => new Sgd(0.05, momentum: 0.9),
        "sgd-nesterov" => new Sgd(0.05, momentum: 0.8, nesterov: true),
        "adam" => new Adam(0.01),
        "adam-schedule" => new Adam(new ExponentialDecay(0.02, 2, 0.5), beta1: 0.8, beta2: 0.95, epsilon: 1e-6),
        "adamw" => new AdamW(0.01, weightDecay: 0.05),
        "adamw-no-decay" => new AdamW(0.01, weightDecay: 0),
        "rmsprop" => new RmsProp(0.01),
        "rmsprop-centered" => new RmsProp(0.01, rho: 0.8, centered: true),
        "rmsprop-momentum" => new RmsProp(0.01, momentum: 0.5),
        "rmsprop-centered-momentum" => new RmsProp(new PiecewiseConstantDecay([2], [0.01, 0.003]), momentum: 0.7, centered: true),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Span_step_equals_the_torch_update_in_float64(string kind) => Compare<double>(kind, spans: true, 1e-13);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Tensor_list_step_on_contiguous_tensors_equals_the_torch_update_in_float64(string kind) => Compare<double>(kind, spans: false, 1e-13);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Span_step_equals_the_torch_update_in_float32(string kind) => Compare<float>(kind, spans: true, SpanTest.Single);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Tensor_list_step_on_contiguous_tensors_equals_the_torch_update_in_float32(string kind) => Compare<float>(kind, spans: false, SpanTest.Single);

    private static void Compare<T>(string kind, bool spans, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var scope = NewDisposeScope();
        var g = SpanTest.Rng(17);
        var initial = Shapes.Select(s => SpanTest.Randn<T>(g, s)).ToArray();
        // The truth: non-contiguous views (every other element of a (..., 2) tensor), which only the torch ops update.
        var strided = initial.Select(t => zeros([.. t.shape, 2], t.dtype).select(-1, 0).copy_(t)).ToArray();
        var fused = initial.Select(t => t.clone()).ToArray();
        Assert.All(strided, t => Assert.False(t.is_contiguous()));
        using var reference = Make(kind);
        using var optimizer = Make(kind);
        for (int step = 0; step < Steps; step++)
        {
            var gradients = Shapes.Select(s => SpanTest.Randn<T>(g, s)).ToArray();
            reference.Step(strided, gradients);
            if (spans)
            {
                T[] buffer = gradients.SelectMany(SpanTest.Values<T>).ToArray();
                optimizer.Step<T>(fused, buffer);
            }
            else
                optimizer.Step(fused, gradients);
            for (int i = 0; i < fused.Length; i++)
                SpanTest.Close<T>(strided[i], SpanTest.Values<T>(fused[i]), tolerance, $"{kind} step {step} parameter {i}");
        }
        var expected = reference.GetState();
        var actual = optimizer.GetState();
        Assert.Equal(Steps, actual.Iterations);
        Assert.Equal(expected.Iterations, actual.Iterations);
        Assert.Equal(expected.LearningRate, actual.LearningRate);
        Assert.Equal(expected.Slots.Select(s => (s.Slot, s.Index)), actual.Slots.Select(s => (s.Slot, s.Index)));
        foreach (var (e, a) in expected.Slots.Zip(actual.Slots))
        {
            Assert.True(a.Value.is_contiguous());
            SpanTest.Close<T>(e.Value, SpanTest.Values<T>(a.Value), tolerance, $"{kind} slot {a.Slot} {a.Index}");
        }
    }

    [Fact]
    public void A_state_saved_from_the_torch_update_continues_in_the_span_step()
    {
        using var scope = NewDisposeScope();
        var g = SpanTest.Rng(5);
        var initial = Shapes.Select(s => SpanTest.Randn<double>(g, s)).ToArray();
        var strided = initial.Select(t => zeros([.. t.shape, 2], t.dtype).select(-1, 0).copy_(t)).ToArray();
        var fused = initial.Select(t => t.clone()).ToArray();
        using var reference = Make("rmsprop-centered-momentum");
        using var resumed = Make("rmsprop-centered-momentum");
        var first = Shapes.Select(s => SpanTest.Randn<double>(g, s)).ToArray();
        reference.Step(strided, first);
        // The slots of the torch update are views of non-contiguous tensors' shapes: load them as contiguous copies.
        var state = reference.GetState();
        resumed.LoadState(state with { Slots = state.Slots.Select(s => s with { Value = s.Value.contiguous() }).ToList() });
        for (int i = 0; i < fused.Length; i++) fused[i].copy_(strided[i]);
        var second = Shapes.Select(s => SpanTest.Randn<double>(g, s)).ToArray();
        reference.Step(strided, second);
        resumed.Step<double>(fused, second.SelectMany(SpanTest.Values<double>).ToArray());
        Assert.Equal(2, resumed.Iterations);
        for (int i = 0; i < fused.Length; i++)
            SpanTest.Close<double>(strided[i], SpanTest.Values<double>(fused[i]), 1e-13, $"parameter {i}");
    }

    [Fact]
    public void Span_step_rejects_a_buffer_of_the_wrong_length_and_a_parameter_of_another_dtype()
    {
        using var scope = NewDisposeScope();
        using var optimizer = new Adam();
        var parameters = new[] { zeros(3, ScalarType.Float64), zeros(2, ScalarType.Float64) };
        var error = Assert.Throws<ArgumentException>(() => optimizer.Step<double>(parameters, new double[4]));
        Assert.Contains("5", error.Message);
        Assert.Throws<ArgumentException>(() => optimizer.Step<float>(parameters, new float[5]));
        Assert.Equal(0, optimizer.Iterations);
        optimizer.Step<double>(parameters, new double[5]);
        Assert.Throws<ArgumentException>(() => optimizer.Step<double>([zeros(4, ScalarType.Float64), zeros(1, ScalarType.Float64)], new double[5]));
        Assert.Equal(1, optimizer.Iterations);
    }

    /// <summary>An optimizer of the user's, with only the torch-op update.</summary>
    private sealed class Halving() : Optimizer(new ConstantLearningRate(0.5))
    {
        protected override void Update(int index, Tensor parameter, Tensor gradient, double learningRate, long iteration) =>
            parameter.sub_(gradient.mul(learningRate).add_(Slot("seen", index, parameter).add_(1)));
    }

    [Fact]
    public void An_optimizer_without_a_fused_loop_takes_its_torch_update_in_the_span_step()
    {
        using var scope = NewDisposeScope();
        var g = SpanTest.Rng(8);
        var initial = Shapes.Select(s => SpanTest.Randn<double>(g, s)).ToArray();
        var viaList = initial.Select(t => t.clone()).ToArray();
        var viaSpan = initial.Select(t => t.clone()).ToArray();
        using var list = new Halving();
        using var span = new Halving();
        for (int step = 0; step < 2; step++)
        {
            var gradients = Shapes.Select(s => SpanTest.Randn<double>(g, s)).ToArray();
            list.Step(viaList, gradients);
            span.Step<double>(viaSpan, gradients.SelectMany(SpanTest.Values<double>).ToArray());
        }
        Assert.Equal(2, span.Iterations);
        for (int i = 0; i < viaSpan.Length; i++)
            SpanTest.Close<double>(viaList[i], SpanTest.Values<double>(viaSpan[i]), 0, $"parameter {i}");
        Assert.Throws<ArgumentException>(() => span.Step<Half>(viaSpan, new Half[30]));
    }

    [Fact]
    public void The_same_list_with_a_tensor_swapped_for_another_shape_is_checked_again_and_refused()
    {
        using var optimizer = new Sgd(0.1);
        var parameters = new List<Tensor> { zeros(2, 3, ScalarType.Float64), zeros(4, ScalarType.Float64) };
        double[] gradients = [.. Enumerable.Repeat(1.0, 10)];
        optimizer.Step<double>(parameters, gradients);
        optimizer.Step<double>(parameters, gradients);   // the remembered list: no checks, the same update
        Assert.Equal(-0.2, parameters[0][0, 0].ToDouble(), 12);

        parameters[1] = zeros(5, ScalarType.Float64);
        var error = Assert.Throws<ArgumentException>(() => optimizer.Step<double>(parameters, [.. Enumerable.Repeat(1.0, 11)]));
        Assert.Contains("Parameter 1 has shape (5) but had shape (4) on the first step", error.Message);
    }
}
