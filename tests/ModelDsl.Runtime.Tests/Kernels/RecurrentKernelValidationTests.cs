using ModelDsl.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Kernels;

/// <summary>
/// The argument checks the LSTM, GRU and SimpleRNN kernels share: each bad argument is refused before any native
/// call, with an ArgumentException naming the argument, the expected and the actual shape or dtype.
/// </summary>
public class RecurrentKernelValidationTests
{
    private const long Batch = 2, Time = 3, Features = 5, Units = 4;

    private static ArgumentException Refused(RecurrentLayer layer, Tensor x, Tensor? kernel = null, Tensor? recurrent = null, Tensor? bias = null)
    {
        long width = layer.Gates * Units;
        return Assert.Throws<ArgumentException>(() => layer.Forward([x, kernel ?? zeros(Features, width),
            recurrent ?? zeros(Units, width), bias ?? zeros(layer.BiasShape(Units))], false));
    }

    private static RecurrentLayer Get(string name) => RecurrentLayer.Named(name);

    public static TheoryData<string> Layers => ["LSTM", "GRU", "SimpleRNN"];

    [Theory]
    [MemberData(nameof(Layers))]
    public void A_rank_2_input_is_refused(string name)
    {
        var e = Refused(Get(name), zeros(Batch, Features));
        Assert.Equal("x", e.ParamName);
        Assert.Contains($"{name} input must be (batch, time, features) (rank 3); got shape [2, 5] (rank 2)", e.Message);
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void Zero_time_steps_are_refused(string name)
    {
        var e = Refused(Get(name), zeros(Batch, 0, Features));
        Assert.Equal("x", e.ParamName);
        Assert.Contains("at least one time step; got [2, 0, 5] (0 time steps)", e.Message);
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void A_kernel_of_the_wrong_width_is_refused_with_the_expected_and_actual_shapes(string name)
    {
        var layer = Get(name);
        long width = layer.Gates * Units;
        var e = Refused(layer, zeros(Batch, Time, Features), kernel: zeros(Features, width + 1));
        Assert.Equal("kernel", e.ParamName);
        Assert.Contains($"= [{Features}, {width}]", e.Message);
        Assert.Contains($"got [{Features}, {width + 1}]", e.Message);
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void A_kernel_for_other_features_is_refused(string name)
    {
        var layer = Get(name);
        long width = layer.Gates * Units;
        var e = Refused(layer, zeros(Batch, Time, Features), kernel: zeros(Features + 1, width));
        Assert.Equal("kernel", e.ParamName);
        Assert.Contains($"= [{Features}, {width}] for input [2, 3, 5]", e.Message);
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void A_recurrent_kernel_not_u_by_gates_u_is_refused(string name)
    {
        var layer = Get(name);
        var e = Refused(layer, zeros(Batch, Time, Features), recurrent: zeros(Units, layer.Gates * Units - 1));
        Assert.Equal("recurrentKernel", e.ParamName);
        Assert.Contains($"{name} recurrent kernel must be (u, {(layer.Gates == 1 ? "u" : $"{layer.Gates}u")}); got [{Units}, {layer.Gates * Units - 1}]", e.Message);
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void A_bias_of_the_wrong_shape_is_refused(string name)
    {
        var layer = Get(name);
        var e = Refused(layer, zeros(Batch, Time, Features), bias: zeros(layer.Gates * Units + 1));
        Assert.Equal("bias", e.ParamName);
        Assert.Contains($"[{string.Join(", ", layer.BiasShape(Units))}]", e.Message);
        Assert.Contains($"got [{layer.Gates * Units + 1}]", e.Message);
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void Weights_of_another_dtype_are_refused(string name)
    {
        var layer = Get(name);
        var e = Refused(layer, zeros(Batch, Time, Features, dtype: ScalarType.Float64));
        Assert.Equal("kernel", e.ParamName);
        Assert.Contains($"{name} kernel has dtype Float32 but the input has Float64", e.Message);
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void An_integer_input_is_refused(string name)
    {
        var e = Refused(Get(name), zeros(Batch, Time, Features, dtype: ScalarType.Int64));
        Assert.Equal("x", e.ParamName);
        Assert.Contains($"{name} input must be Float32 or Float64; got Int64", e.Message);
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void An_upstream_gradient_of_another_dtype_is_refused(string name)
    {
        var layer = Get(name);
        long width = layer.Gates * Units;
        var e = Assert.Throws<ArgumentException>(() => layer.Backward([zeros(Batch, Time, Features), zeros(Features, width),
            zeros(Units, width), zeros(layer.BiasShape(Units))], false, zeros(Batch, Units, dtype: ScalarType.Float64)));
        Assert.Equal("dOutput", e.ParamName);
        Assert.Contains($"{name} dOutput has dtype Float64 but the input has Float32", e.Message);
    }

    [Theory]
    [InlineData("LSTM", false)]
    [InlineData("LSTM", true)]
    [InlineData("GRU", false)]
    [InlineData("GRU", true)]
    [InlineData("SimpleRNN", false)]
    [InlineData("SimpleRNN", true)]
    public void An_upstream_gradient_not_shaped_like_the_output_is_refused(string name, bool sequences)
    {
        var layer = Get(name);
        long width = layer.Gates * Units;
        // The shape of the other return_sequences setting: the usual mistake when stacking.
        var wrong = sequences ? zeros(Batch, Units) : zeros(Batch, Time, Units);
        var e = Assert.Throws<ArgumentException>(() => layer.Backward([zeros(Batch, Time, Features), zeros(Features, width),
            zeros(Units, width), zeros(layer.BiasShape(Units))], sequences, wrong));
        Assert.Equal("dOutput", e.ParamName);
        Assert.Contains(sequences ? "[2, 3, 4] (batch, time, units)" : "[2, 4] (batch, units)", e.Message);
        Assert.Contains($"got [{string.Join(", ", wrong.shape)}]", e.Message);
    }
}

/// <summary>A recurrent layer reading the model's input is told its input needs no gradient: the rest is unchanged.</summary>
public class RecurrentInputGradientTests
{
    [Theory]
    [InlineData("LSTM")]
    [InlineData("GRU")]
    [InlineData("SimpleRNN")]
    public void Without_the_input_gradient_it_is_null_and_the_weight_gradients_are_the_same(string name)
    {
        var layer = RecurrentLayer.Named(name);
        var (x, kernel, recurrent, bias, dOut) = RecurrentCases.Problem(77, 3, 4, 5, 6, layer.Gates, layer.BiasShape(6), sequences: false);
        Tensor?[] Weights(bool input) => name switch
        {
            "LSTM" => LstmKernel.Backward(dOut, LstmKernel.Forward(x, kernel, recurrent, bias), input) switch { var g => [g.Input, g.Kernel, g.RecurrentKernel, g.Bias] },
            "GRU" => GruKernel.Backward(dOut, GruKernel.Forward(x, kernel, recurrent, bias), input) switch { var g => [g.Input, g.Kernel, g.RecurrentKernel, g.Bias] },
            _ => SimpleRnnKernel.Backward(dOut, SimpleRnnKernel.Forward(x, kernel, recurrent, bias), input) switch { var g => [g.Input, g.Kernel, g.RecurrentKernel, g.Bias] },
        };
        var full = Weights(true);
        var weightsOnly = Weights(false);
        Assert.NotNull(full[0]);
        Assert.Null(weightsOnly[0]);
        for (int i = 1; i < 4; i++) Assert.True(weightsOnly[i]!.equal(full[i]!).all().item<bool>(), $"gradient {i} differs");
    }
}
