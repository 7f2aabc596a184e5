using ModelDsl.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Kernels;

public class EmbeddingKernelTests
{
    [Fact]
    public void Forward_looks_up_rows_and_appends_the_output_dimension()
    {
        var table = tensor(new[,] { { 0.0, 0.5 }, { 1.0, 1.5 }, { 2.0, 2.5 }, { 3.0, 3.5 } });
        var indices = tensor(new long[,] { { 0, 3, 3 }, { 2, 1, 0 } });
        var y = EmbeddingKernel.Forward(indices, table);
        Assert.Equal([2L, 3, 2], y.shape);
        Assert.Equal([0.0, 0.5, 3, 3.5, 3, 3.5, 2, 2.5, 1, 1.5, 0, 0.5], y.data<double>().ToArray());
        Assert.Equal(y.data<double>().ToArray(), EmbeddingKernel.Forward(indices.to_type(ScalarType.Int32), table).data<double>().ToArray());
        Assert.Equal([2L], EmbeddingKernel.Forward(tensor(3L), table).shape);   // a scalar index gives one row
    }

    [Fact]
    public void Backward_accumulates_repeated_indices_as_autograd_does()
    {
        var g = GradientCheck.Rng(91);
        var table = GradientCheck.Randn(g, 5, 3);
        var indices = tensor(new long[,] { { 1, 4, 1, 1 }, { 0, 4, 2, 1 } });   // row 1 four times, row 3 never
        var dy = GradientCheck.Randn(g, 2, 4, 3);

        var dTable = EmbeddingKernel.Backward(dy, indices, table);

        // Independent transcription: the lookup as one-hot rows times the table.
        GradientCheck.AssertBackward(a => EmbeddingKernel.Forward(indices, a[0]),
            a => nn.functional.one_hot(indices, 5).to_type(ScalarType.Float64).matmul(a[0]), [table], dy, [dTable], ["embeddings"]);
        Assert.All(dTable[3].data<double>().ToArray(), v => Assert.Equal(0.0, v));
    }

    [Theory]
    [InlineData(10L, "index 10 at position (1, 2)")]
    [InlineData(-1L, "index -1 at position (1, 2)")]
    public void An_out_of_range_index_throws_naming_it_and_its_position_and_the_process_lives(long bad, string named)
    {
        var table = zeros(10, 4, dtype: ScalarType.Float64);
        var indices = zeros(2, 3, dtype: ScalarType.Int64);
        indices[1, 2] = tensor(bad);
        indices[1, 0] = tensor(9L);   // the last valid row is fine
        foreach (var idx in new[] { indices, indices.to_type(ScalarType.Int32) })
        {
            var forward = Assert.Throws<ArgumentException>(() => EmbeddingKernel.Forward(idx, table));
            Assert.Contains(named, forward.Message);
            Assert.Contains("[0, 10)", forward.Message);
            var backward = Assert.Throws<ArgumentException>(() => EmbeddingKernel.Backward(zeros(2, 3, 4, dtype: ScalarType.Float64), idx, table));
            Assert.Contains(named, backward.Message);
        }
        // Still alive and working after the rejected calls.
        Assert.Equal([1L, 4], EmbeddingKernel.Forward(tensor(new long[] { 9 }), table).shape);
    }

    [Fact]
    public void Floating_indices_are_rejected_with_the_fix()
    {
        var e = Assert.Throws<ArgumentException>(() => EmbeddingKernel.Forward(tensor(new[] { 1.0, 2.0 }), zeros(4, 2)));
        Assert.Contains("Float64", e.Message);
        Assert.Contains("int64", e.Message);
    }

    [Fact]
    public void A_bad_table_or_upstream_shape_is_named()
    {
        var table = Assert.Throws<ArgumentException>(() => EmbeddingKernel.Forward(tensor(new long[] { 0 }), zeros(4)));
        Assert.Contains("(4)", table.Message);
        var dy = Assert.Throws<ArgumentException>(() => EmbeddingKernel.Backward(zeros(3, 5), tensor(new long[] { 0, 1, 2 }), zeros(4, 2)));
        Assert.Contains("(3, 5)", dy.Message);
        Assert.Contains("(2)", dy.Message);
    }
}
