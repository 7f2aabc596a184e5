using ModelDsl.Managed;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Managed;

/// <summary>TensorSpans: the span is the tensor's own memory (reads and writes, views with a storage offset), and
/// tensors that cannot be read as one are refused with the reason.</summary>
public class TensorSpansTests
{
    public TensorSpansTests() => TorchRuntime.Initialize();

    [Fact]
    public void The_span_reads_and_writes_the_tensors_memory()
    {
        using var scope = NewDisposeScope();
        var t = arange(12, ScalarType.Float64).reshape(3, 4);
        var span = TensorSpans.Of<double>(t);
        Assert.Equal(12, span.Length);
        Assert.Equal(7.0, span[7]);
        span[5] = -1;
        Assert.Equal(-1.0, t[1, 1].ToDouble());

        var f = arange(6, ScalarType.Float32);
        TensorSpans.Of<float>(f)[2] = 9;
        Assert.Equal(9f, f[2].ToSingle());
    }

    [Fact]
    public void A_contiguous_view_with_a_storage_offset_starts_at_its_first_element()
    {
        using var scope = NewDisposeScope();
        var t = arange(12, ScalarType.Float64).reshape(4, 3);
        var rows = t.narrow(0, 2, 2);
        Assert.True(rows.is_contiguous());
        var span = TensorSpans.Of<double>(rows);
        Assert.Equal([6.0, 7, 8, 9, 10, 11], span.ToArray());
        span[0] = 100;
        Assert.Equal(100.0, t[2, 0].ToDouble());
    }

    [Fact]
    public void The_data_pointer_comes_from_libtorch_directly()
    {
        // One native call per span instead of Tensor.bytes' four: the export must be found on this platform.
        var field = typeof(TensorSpans).GetField("DataPointer", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;
        Assert.NotEqual(IntPtr.Zero, (IntPtr)field.GetValue(null)!);
    }

    [Fact]
    public void Labels_and_empty_tensors()
    {
        using var scope = NewDisposeScope();
        Assert.Equal([3L, 1, 4], TensorSpans.Labels(tensor(new long[] { 3, 1, 4 })).ToArray());
        Assert.True(TensorSpans.Of<float>(zeros(0, 5)).IsEmpty);
    }

    [Fact]
    public void Tensors_that_are_not_spans_are_refused_with_the_reason()
    {
        using var scope = NewDisposeScope();
        var t = zeros(3, 4, ScalarType.Float64);
        Assert.Contains("dtype", Assert.Throws<ArgumentException>(() => TensorSpans.Of<float>(t)).Message);
        Assert.Contains("contiguous", Assert.Throws<ArgumentException>(() => TensorSpans.Of<double>(t.t())).Message);
        Assert.Contains("dtype", Assert.Throws<ArgumentException>(() => TensorSpans.Labels(t)).Message);
    }
}

/// <summary>The workspace's weight spans: checked once per tensor object, length included.</summary>
public class ManagedWorkspaceTests
{
    [Fact]
    public void A_slot_asked_for_another_length_is_checked_afresh()
    {
        var workspace = new ModelDsl.Managed.ManagedWorkspace();
        using var weight = TorchSharp.torch.zeros(10, dtype: TorchSharp.torch.ScalarType.Float32);
        Assert.Equal(10, workspace.Weight<float>(0, weight, 10).Length);
        Assert.Throws<ArgumentException>(() => workspace.Weight<float>(0, weight, 10_000));
        Assert.Equal(10, workspace.Weight<float>(0, weight, 10).Length);
    }
}
