using static TorchSharp.torch;

namespace ModelDsl.Data;

/// <summary>One minibatch: inputs and targets, first axis the batch.</summary>
public sealed record Batch(Tensor X, Tensor Y)
{
    /// <summary>Samples in this batch (the first axis of <see cref="X"/>).</summary>
    public long Size => X.size(0);
}
