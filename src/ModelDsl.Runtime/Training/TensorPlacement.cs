using static TorchSharp.torch;

namespace ModelDsl.Training;

/// <summary>Where a generated model's tensors live: they are created on the CPU (seeded initializers) and moved once.</summary>
public static class TensorPlacement
{
    /// <summary>
    /// <paramref name="tensor"/> itself when it is already on <paramref name="device"/>; otherwise a copy there, the
    /// original disposed (a constructor's CPU draws are not kept twice).
    /// </summary>
    public static Tensor On(Tensor tensor, Device device)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(device);
        if (IsOn(tensor, device)) return tensor;
        var moved = tensor.to(device);
        tensor.Dispose();
        return moved;
    }

    /// <summary>True when <paramref name="tensor"/> lives on <paramref name="device"/> (an index-less device matches index 0).</summary>
    public static bool IsOn(Tensor tensor, Device device)
        => tensor.device_type == device.type && (device.index < 0 ? tensor.device_index <= 0 : tensor.device_index == device.index);
}
