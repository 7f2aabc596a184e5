using System.Numerics;
using ModelDsl.Kernels;
using ModelDsl.Managed;
using ModelDsl.Runtime.Tests.Kernels;
using static ModelDsl.Runtime.Tests.Managed.SpanTest;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Managed;

public class ActivationSpansTests
{
    public static TheoryData<Activation, bool> Cases()
    {
        var data = new TheoryData<Activation, bool>();
        foreach (Activation a in Enum.GetValues<Activation>()) { data.Add(a, false); data.Add(a, true); }
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Forward_and_backward_equal_ActivationKernel(Activation activation, bool float32)
    {
        if (float32) Check<float>(activation, 9, 7); else Check<double>(activation, 9, 7);
        if (float32) Check<float>(activation, 3, 300); else Check<double>(activation, 3, 300);
    }

    private static void Check<T>(Activation activation, int rows, int width) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Rng((ulong)(activation + 1) * 31 + (ulong)width);
        // Scale 2, and exact zeros: the kinks of Relu, Selu, Elu and LeakyRelu take the x <= 0 side.
        var x = Randn<T>(g, rows, width) * 2 * arange(rows * width).remainder(5).ne(0).reshape(rows, width).to_type(Dtype<T>());
        var dy = Randn<T>(g, rows, width);
        double tolerance = Tolerance<T>(activation == Activation.Softmax ? Reordered : Exact);

        var y = new T[rows * width];
        ActivationSpans.Forward<T>(activation, Values<T>(x), y, width);
        var expected = ActivationKernel.Forward(activation, x);
        Close<T>(expected, y, tolerance, $"{activation} y");

        var (dx, prefill) = Prefilled<T>(g, rows, width);
        ActivationSpans.Backward<T>(activation, Values<T>(dy), Values<T>(x), Values<T>(expected), dx, width);
        Close<T>(prefill + ActivationKernel.Backward(activation, dy, x, expected), dx, tolerance, $"{activation} dx");

        // "Not needed": an empty dx is no error and touches nothing.
        ActivationSpans.Backward<T>(activation, Values<T>(dy), Values<T>(x), Values<T>(expected), default, width);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Softplus_and_Gelu_agree_far_out(bool float32)
    {
        if (float32) Far<float>(); else Far<double>();
    }

    private static void Far<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Softplus above torch's threshold (20) is x; GELU's erf saturates; tiny arguments keep their precision.
        double[] values = [25, 20.5, 19.5, -30, -12, -7.5, -5, -3, -2.6, -2.4, -1e-9, 1e-12, 2.4, 2.6, 3.3, 5.9, 6.1, 9];
        var x = tensor(values).to_type(Dtype<T>());
        var dy = ones_like(x);
        foreach (var activation in new[] { Activation.Softplus, Activation.Gelu, Activation.Elu, Activation.Selu, Activation.Swish, Activation.Sigmoid })
        {
            var y = new T[values.Length];
            ActivationSpans.Forward<T>(activation, Values<T>(x), y, values.Length);
            var expected = ActivationKernel.Forward(activation, x);
            Close<T>(expected, y, Tolerance<T>(Exact), $"{activation} y");
            var dx = new T[values.Length];
            ActivationSpans.Backward<T>(activation, Values<T>(dy), Values<T>(x), Values<T>(expected), dx, values.Length);
            Close<T>(ActivationKernel.Backward(activation, dy, x, expected), dx, Tolerance<T>(Exact), $"{activation} dx");
        }
    }

    [Fact]
    public void Erf_is_torchs_to_a_few_ulp()
    {
        var x = linspace(-8, 8, 16001, dtype: ScalarType.Float64);
        var expected = special.erf(x).data<double>().ToArray();
        var values = x.data<double>().ToArray();
        double worst = 0;
        for (int i = 0; i < values.Length; i++) worst = Math.Max(worst, Math.Abs(ElementMath.Erf(values[i]) - expected[i]));
        Assert.True(worst <= 1e-15, $"max |erf error| {worst:E3}");
    }

    [Fact]
    public void Softmax_rows_must_be_whole()
    {
        var e = Assert.Throws<ArgumentException>(() => ActivationSpans.Forward<double>(Activation.Softmax, new double[7], new double[7], 3));
        Assert.Contains("ActivationSpans: x has 7 elements, not a whole number of rows of width 3", e.Message);
    }
}

public class UnarySpansTests
{
    public static TheoryData<string, bool> Cases()
    {
        var data = new TheoryData<string, bool>();
        foreach (string f in UnarySpans.Functions) { data.Add(f, false); data.Add(f, true); }
        return data;
    }

    /// <summary>The torch op of each name (the graph's Ops).</summary>
    private static Tensor Reference(string function, Tensor x) => function switch
    {
        "Square" => Ops.Square(x),
        "Exp" => Ops.Exp(x),
        "Log" => Ops.Log(x),
        "Sqrt" => Ops.Sqrt(x),
        "Abs" => Ops.Abs(x),
        "Relu" => Ops.Relu(x),
        "Selu" => Ops.Selu(x),
        "Elu" => Ops.Elu(x),
        "Tanh" => Ops.Tanh(x),
        "Sigmoid" => Ops.Sigmoid(x),
        "Softplus" => Ops.Softplus(x),
        "LeakyRelu" => Ops.LeakyRelu(x),
        "Gelu" => Ops.Gelu(x),
        "Swish" => Ops.Swish(x),
        "Softmax" => Ops.Softmax(x),
        "LogSoftmax" => Ops.LogSoftmax(x),
        _ => throw new ArgumentException(function),
    };

    [Theory, MemberData(nameof(Cases))]
    public void Forward_equals_the_op_and_backward_torch_autograd(string function, bool float32)
    {
        if (float32) Check<float>(function, 8, 6); else Check<double>(function, 8, 6);
        if (float32) Check<float>(function, 2, 290); else Check<double>(function, 2, 290);
    }

    private static void Check<T>(string function, int rows, int width) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Rng((ulong)(function.Length * 7 + width));
        var x = Randn<T>(g, rows, width) * 2;
        if (function is "Log" or "Sqrt") x = x.abs() + 0.1;
        else x[0, 0] = zeros(1, dtype: Dtype<T>())[0];   // the kinks: Relu, Abs, ... at exactly 0
        var dy = Randn<T>(g, rows, width);
        double tolerance = Tolerance<T>(function is "Softmax" or "LogSoftmax" ? Reordered : Exact);

        var y = new T[rows * width];
        UnarySpans.Forward<T>(function, Values<T>(x), y, width);
        var expected = Reference(function, x);
        Close<T>(expected, y, tolerance, $"{function} y");

        var (dx, prefill) = Prefilled<T>(g, rows, width);
        UnarySpans.Backward<T>(function, Values<T>(dy), Values<T>(x), Values<T>(expected), dx, width);
        var autograd = GradientCheck.Autograd(t => Reference(function, t[0]), [x], dy)[0];
        Close<T>(prefill + autograd, dx, Tolerance<T>(Reordered), $"{function} dx");

        UnarySpans.Backward<T>(function, Values<T>(dy), Values<T>(x), Values<T>(expected), default, width);
    }

    [Fact]
    public void An_unknown_function_is_named()
    {
        var e = Assert.Throws<ArgumentException>(() => UnarySpans.Forward<double>("Cube", new double[3], new double[3], 3));
        Assert.Contains("'Cube'", e.Message);
        e = Assert.Throws<ArgumentException>(() => UnarySpans.Backward<float>("Sin", new float[3], new float[3], new float[3], new float[3], 3));
        Assert.Contains("'Sin'", e.Message);
    }
}
