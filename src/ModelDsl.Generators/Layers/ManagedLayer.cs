using System;

namespace ModelDsl.Generators.Layers;

/// <summary>
/// A layer in the managed backend (<see cref="Emit.ManagedEmitter"/>): the span kernel calls it writes, forward and
/// backward, and the buffers they need besides its input and output. Lengths are C# expressions of the batch "n".
/// </summary>
internal sealed record ManagedLayer(
    Func<ManagedCall, string> Forward,
    Func<ManagedCall, string> Backward,
    Func<string, string>? TraceLength = null,
    Func<string, string>? ScratchLength = null,
    Func<string, string>? IndexLength = null);

/// <summary>The C# names a managed layer call is written with (spans of type T, sizes, the batch n).</summary>
internal sealed class ManagedCall(string input, string output, string trace, string scratch, string indices,
    string gradient, string inputGradient, Func<string, string> weight, Func<string, string> weightGradient, string random)
{
    public const string N = "n";
    public const string T = "T";
    public const string Kernels = "global::ModelDsl.Managed";

    /// <summary>The input span (for an Embedding, the indices).</summary>
    public string Input { get; } = input;

    /// <summary>The output span (the pre-activation of a layer with an activation).</summary>
    public string Output { get; } = output;

    /// <summary>The buffer kept from forward to backward (<see cref="ManagedLayer.TraceLength"/>).</summary>
    public string Trace { get; } = trace;

    public string Scratch { get; } = scratch;

    public string Indices { get; } = indices;

    /// <summary>d(loss)/d(output) (of the pre-activation, for a layer with an activation).</summary>
    public string Gradient { get; } = gradient;

    /// <summary>Where the input's gradient is added, or "default" when the input needs none.</summary>
    public string InputGradient { get; } = inputGradient;

    /// <summary>The span of one of the layer's tensors, by suffix.</summary>
    public string Weight(string suffix) => weight(suffix);

    /// <summary>Where the gradient of one of the layer's trainable tensors is added, by suffix.</summary>
    public string WeightGradient(string suffix) => weightGradient(suffix);

    /// <summary>The model's generator (Dropout's masks).</summary>
    public string Random { get; } = random;

    /// <summary>The C# bool that is true while training (Dropout, BatchNormalization).</summary>
    public string Training => "training";

    /// <summary>The number of rows of a (batch, ..., last) tensor viewed as (rows, last): n times the middle axes.</summary>
    public static string Rows(int[] shape)
    {
        long middle = 1;
        for (int i = 1; i < shape.Length - 1; i++) middle *= shape[i];
        return middle == 1 ? N : $"{N} * {middle}";
    }

    /// <summary>A constant number as T: "T.CreateTruncating(0.001)".</summary>
    public static string Constant(string value) => $"{T}.CreateTruncating({value})";
}
