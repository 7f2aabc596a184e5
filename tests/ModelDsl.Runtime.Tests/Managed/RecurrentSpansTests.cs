using ModelDsl.Managed;
using ModelDsl.Runtime.Tests.Kernels;
using TorchSharp;
using static ModelDsl.Runtime.Tests.Managed.SpanTesting;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Managed;

/// <summary>
/// LstmSpans, GruSpans and SimpleRnnSpans against the torch kernels (LstmKernel, GruKernel, SimpleRnnKernel) on the same
/// random problems: forward output, and every gradient added into prefilled spans. float64 within 1e-10 (the matrix
/// products sum in another order than MKL's), float32 within 1e-5 of the float32 torch kernel.
/// </summary>
public class RecurrentSpansTests
{
    /// <summary>The span kernel of a layer, called on arrays.</summary>
    private static class Spans<T> where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        public static int TraceLength(string layer, int n, int time, int units) => layer switch
        {
            "LSTM" => LstmSpans.TraceLength(n, time, units),
            "GRU" => GruSpans.TraceLength(n, time, units),
            _ => SimpleRnnSpans.TraceLength(n, time, units),
        };

        public static int ScratchLength(string layer, int n, int time, int units) => layer switch
        {
            "LSTM" => LstmSpans.ScratchLength(n, time, units),
            "GRU" => GruSpans.ScratchLength(n, time, units),
            _ => SimpleRnnSpans.ScratchLength(n, time, units),
        };

        public static void Forward(string layer, T[] x, T[] kernel, T[] recurrent, T[] bias, T[] output, T[] trace,
            int n, int time, int features, int units, bool sequences)
        {
            switch (layer)
            {
                case "LSTM": LstmSpans.Forward<T>(x, kernel, recurrent, bias, output, trace, n, time, features, units, sequences); break;
                case "GRU": GruSpans.Forward<T>(x, kernel, recurrent, bias, output, trace, n, time, features, units, sequences); break;
                default: SimpleRnnSpans.Forward<T>(x, kernel, recurrent, bias, output, trace, n, time, features, units, sequences); break;
            }
        }

        public static void Backward(string layer, T[] dOutput, T[] x, T[] kernel, T[] recurrent, T[] trace, T[] scratch,
            T[]? dx, T[] dKernel, T[] dRecurrent, T[] dBias, int n, int time, int features, int units, bool sequences)
        {
            switch (layer)
            {
                case "LSTM": LstmSpans.Backward<T>(dOutput, x, kernel, recurrent, trace, scratch, dx, dKernel, dRecurrent, dBias, n, time, features, units, sequences); break;
                case "GRU": GruSpans.Backward<T>(dOutput, x, kernel, recurrent, trace, scratch, dx, dKernel, dRecurrent, dBias, n, time, features, units, sequences); break;
                default: SimpleRnnSpans.Backward<T>(dOutput, x, kernel, recurrent, trace, scratch, dx, dKernel, dRecurrent, dBias, n, time, features, units, sequences); break;
            }
        }
    }

    /// <summary>
    /// One random problem: the torch kernel's output and gradients (in T's dtype) against the span kernel's, the
    /// gradients added into prefilled spans; then a second backward from the same trace without dx ("not needed"),
    /// whose weight gradients must be the same.
    /// </summary>
    private static void AssertMatchesTorch<T>(string name, int n, int time, int features, int units, bool sequences, ulong seed)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var layer = RecurrentLayer.Named(name);
        var (x64, kernel64, recurrent64, bias64, dOut64) = RecurrentCases.Problem(seed, n, time, features, units, layer.Gates, layer.BiasShape(units), sequences);
        var dtype = DType<T>();
        Tensor[] inputs = [x64.to_type(dtype), kernel64.to_type(dtype), recurrent64.to_type(dtype), bias64.to_type(dtype)];
        var dOut = dOut64.to_type(dtype);
        var expectedOutput = layer.Forward(inputs, sequences);
        var expected = layer.Backward(inputs, sequences, dOut);
        double tolerance = Tolerance<T>();
        string what = $"{name} n={n} T={time} F={features} u={units} seq={sequences} {typeof(T).Name}";

        T[] x = Values<T>(inputs[0]), kernel = Values<T>(inputs[1]), recurrent = Values<T>(inputs[2]), bias = Values<T>(inputs[3]);
        var output = new T[expectedOutput.numel()];
        var trace = new T[Spans<T>.TraceLength(name, n, time, units)];
        Spans<T>.Forward(name, x, kernel, recurrent, bias, output, trace, n, time, features, units, sequences);
        AssertClose(expectedOutput, output, tolerance, what + " output");

        var scratch = new T[Spans<T>.ScratchLength(name, n, time, units)];
        T[][] prefill = [Prefill<T>(x.Length, seed + 1), Prefill<T>(kernel.Length, seed + 2), Prefill<T>(recurrent.Length, seed + 3), Prefill<T>(bias.Length, seed + 4)];
        T[][] grads = [.. prefill.Select(Copy)];
        Spans<T>.Backward(name, Values<T>(dOut), x, kernel, recurrent, trace, scratch, grads[0], grads[1], grads[2], grads[3], n, time, features, units, sequences);
        string[] names = ["dx", "dKernel", "dRecurrentKernel", "dBias"];
        for (int i = 0; i < 4; i++)
            AssertAdded(expected[i], prefill[i], grads[i], tolerance, $"{what} {names[i]}");

        // The trace is read, not consumed, and an empty dx skips the input gradient only.
        T[][] again = [.. prefill.Skip(1).Select(Copy)];
        Spans<T>.Backward(name, Values<T>(dOut), x, kernel, recurrent, trace, scratch, null, again[0], again[1], again[2], n, time, features, units, sequences);
        for (int i = 0; i < 3; i++)
            Assert.Equal(grads[i + 1], again[i]);
    }

    public static TheoryData<string, int, int, int, int, bool> Problems()
    {
        var data = new TheoryData<string, int, int, int, int, bool>();
        foreach (var name in new[] { "LSTM", "GRU", "SimpleRNN" })
        foreach (bool sequences in new[] { false, true })
        {
            data.Add(name, 3, 7, 4, 5, sequences);      // u below a vector: the scalar lanes
            data.Add(name, 13, 25, 5, 16, sequences);   // lab width; 325 rows: two K blocks in the weight gradients
            data.Add(name, 2, 1, 3, 9, sequences);      // one step: no recurrent product
            data.Add(name, 5, 6, 17, 11, sequences);    // wide features: dx through Wᵀ; u = 11 mixes vectors and scalars
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Problems))]
    public void Float64_forward_and_backward_match_the_torch_kernel(string name, int n, int time, int features, int units, bool sequences) =>
        AssertMatchesTorch<double>(name, n, time, features, units, sequences, 1100);

    [Theory]
    [MemberData(nameof(Problems))]
    public void Float32_forward_and_backward_match_the_torch_kernel(string name, int n, int time, int features, int units, bool sequences) =>
        AssertMatchesTorch<float>(name, n, time, features, units, sequences, 1200);

    [Theory]
    [InlineData("LSTM")]
    [InlineData("GRU")]
    [InlineData("SimpleRNN")]
    public void Wide_layers_cross_the_product_blocks(string name) =>
        // 4u = 528 (GRU 396) columns: several N blocks of 128; 40 features: dx through Wᵀ in blocks.
        AssertMatchesTorch<double>(name, 3, 4, 40, 132, sequences: true, 1300);
}
