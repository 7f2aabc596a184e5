using System.Numerics;
using ModelDsl.Kernels;
using ModelDsl.Managed;
using static ModelDsl.Runtime.Tests.Managed.SpanTest;
using static TorchSharp.torch;

namespace ModelDsl.Runtime.Tests.Managed;

/// <summary>
/// Conv1DSpans and Conv2DSpans against Conv1DKernel and Conv2DKernel on random problems: the forward (with and without
/// bias), every gradient added into prefilled spans, and the "not needed" empty spans.
/// </summary>
public class ConvolutionSpansTests
{
    // (n, length, in, filters, kernel, stride, padding, dilation): interior and padded windows, strides, dilation,
    // channel counts below and above a vector, a window as long as the input.
    public static TheoryData<bool, int, int, int, int, int, int, Padding, int> Conv1DCases()
    {
        var data = new TheoryData<bool, int, int, int, int, int, int, Padding, int>();
        foreach (bool float32 in new[] { false, true })
        {
            data.Add(float32, 3, 11, 2, 5, 3, 1, Padding.Valid, 1);
            data.Add(float32, 2, 11, 3, 4, 3, 1, Padding.Same, 1);
            data.Add(float32, 2, 10, 3, 17, 4, 1, Padding.Same, 1);
            data.Add(float32, 2, 9, 5, 6, 3, 1, Padding.Causal, 1);
            data.Add(float32, 3, 13, 4, 9, 3, 2, Padding.Valid, 1);
            data.Add(float32, 2, 13, 4, 9, 4, 3, Padding.Same, 1);
            data.Add(float32, 2, 12, 3, 8, 3, 2, Padding.Causal, 1);
            data.Add(float32, 2, 14, 3, 5, 3, 1, Padding.Valid, 2);
            data.Add(float32, 2, 14, 3, 5, 3, 1, Padding.Same, 3);
            data.Add(float32, 2, 9, 2, 4, 2, 1, Padding.Causal, 4);
            data.Add(float32, 2, 5, 3, 2, 5, 1, Padding.Valid, 1);
            data.Add(float32, 4, 25, 5, 16, 3, 1, Padding.Same, 1);
        }
        return data;
    }

    [Theory, MemberData(nameof(Conv1DCases))]
    public void Conv1D_forward_and_backward_equal_Conv1DKernel(bool float32, int n, int length, int inChannels, int filters, int kernelSize, int stride, Padding padding, int dilation)
    {
        if (float32) Conv1D<float>(n, length, inChannels, filters, kernelSize, stride, padding, dilation);
        else Conv1D<double>(n, length, inChannels, filters, kernelSize, stride, padding, dilation);
    }

    private static void Conv1D<T>(int n, int length, int inChannels, int filters, int kernelSize, int stride, Padding padding, int dilation)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Rng((ulong)(n * 7919 + length * 131 + inChannels * 17 + filters * 5 + kernelSize * 3 + stride + (int)padding * 11 + dilation * 29));
        int outLength = Conv1DKernel.OutputLength(length, kernelSize, stride, padding, dilation);
        var x = Randn<T>(g, n, length, inChannels);
        var kernel = Randn<T>(g, kernelSize, inChannels, filters);
        var bias = Randn<T>(g, filters);
        var dy = Randn<T>(g, n, outLength, filters);
        double tolerance = Tolerance<T>(Reordered);

        var y = new T[n * outLength * filters];
        Conv1DSpans.Forward<T>(Values<T>(x), Values<T>(kernel), Values<T>(bias), y, n, length, inChannels, filters, kernelSize, stride, padding, dilation);
        Close<T>(Conv1DKernel.Forward(x, kernel, bias, stride, padding, dilation), y, tolerance, "y");
        Conv1DSpans.Forward<T>(Values<T>(x), Values<T>(kernel), default, y, n, length, inChannels, filters, kernelSize, stride, padding, dilation);
        Close<T>(Conv1DKernel.Forward(x, kernel, null, stride, padding, dilation), y, tolerance, "y without bias");

        var expected = Conv1DKernel.Backward(dy, x, kernel, hasBias: true, stride, padding, dilation);
        var (dx, dxPrefill) = Prefilled<T>(g, n, length, inChannels);
        var (dKernel, dKernelPrefill) = Prefilled<T>(g, kernelSize, inChannels, filters);
        var (dBias, dBiasPrefill) = Prefilled<T>(g, filters);
        Conv1DSpans.Backward<T>(Values<T>(dy), Values<T>(x), Values<T>(kernel), dx, dKernel, dBias, n, length, inChannels, filters, kernelSize, stride, padding, dilation);
        Close<T>(dxPrefill + expected.Input!, dx, tolerance, "dx");
        Close<T>(dKernelPrefill + expected.Kernel, dKernel, tolerance, "dKernel");
        Close<T>(dBiasPrefill + expected.Bias!, dBias, tolerance, "dBias");

        // Not needed: dx and dBias empty, dKernel still added.
        var (onlyKernel, onlyKernelPrefill) = Prefilled<T>(g, kernelSize, inChannels, filters);
        Conv1DSpans.Backward<T>(Values<T>(dy), Values<T>(x), Values<T>(kernel), default, onlyKernel, default, n, length, inChannels, filters, kernelSize, stride, padding, dilation);
        Close<T>(onlyKernelPrefill + expected.Kernel, onlyKernel, tolerance, "dKernel alone");
    }

    // (n, rows, cols, in, filters, kernelRows, kernelCols, strides, padding, dilation)
    private static readonly Conv2DCase[] Conv2DProblems =
    [
        new(2, 7, 8, 3, 5, 3, 3, 1, 1, Padding.Valid, 1, 1),
        new(2, 7, 8, 3, 5, 3, 3, 1, 1, Padding.Same, 1, 1),
        new(2, 8, 6, 1, 16, 2, 4, 1, 1, Padding.Same, 1, 1),
        new(3, 9, 9, 4, 6, 3, 2, 2, 3, Padding.Valid, 1, 1),
        new(2, 9, 10, 4, 6, 3, 3, 2, 2, Padding.Same, 1, 1),
        new(2, 9, 10, 2, 3, 3, 2, 1, 1, Padding.Valid, 2, 3),
        new(2, 9, 10, 2, 3, 3, 3, 1, 1, Padding.Same, 2, 2),
        new(2, 5, 6, 3, 9, 5, 6, 1, 1, Padding.Valid, 1, 1),
        new(3, 12, 12, 8, 11, 3, 3, 1, 1, Padding.Same, 1, 1),
    ];

    public static TheoryData<bool, int> Conv2DCases()
    {
        var data = new TheoryData<bool, int>();
        foreach (bool float32 in new[] { false, true })
            for (int i = 0; i < Conv2DProblems.Length; i++) data.Add(float32, i);
        return data;
    }

    [Theory, MemberData(nameof(Conv2DCases))]
    public void Conv2D_forward_and_backward_equal_Conv2DKernel(bool float32, int problem)
    {
        if (float32) Conv2D<float>(Conv2DProblems[problem]); else Conv2D<double>(Conv2DProblems[problem]);
    }

    private sealed record Conv2DCase(int N, int Rows, int Cols, int In, int Filters, int KernelRows, int KernelCols,
        int StrideRows, int StrideCols, Padding Padding, int DilationRows, int DilationCols);

    private static void Conv2D<T>(Conv2DCase c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Rng((ulong)(c.N * 7919 + c.Rows * 1301 + c.Cols * 131 + c.In * 17 + c.Filters * 5 + c.KernelRows * 3 + c.KernelCols * 37
            + c.StrideRows * 41 + c.StrideCols * 43 + (int)c.Padding * 11 + c.DilationRows * 29 + c.DilationCols * 31));
        int outRows = Conv1DKernel.OutputLength(c.Rows, c.KernelRows, c.StrideRows, c.Padding, c.DilationRows);
        int outCols = Conv1DKernel.OutputLength(c.Cols, c.KernelCols, c.StrideCols, c.Padding, c.DilationCols);
        var x = Randn<T>(g, c.N, c.Rows, c.Cols, c.In);
        var kernel = Randn<T>(g, c.KernelRows, c.KernelCols, c.In, c.Filters);
        var bias = Randn<T>(g, c.Filters);
        var dy = Randn<T>(g, c.N, outRows, outCols, c.Filters);
        double tolerance = Tolerance<T>(Reordered);

        var y = new T[c.N * outRows * outCols * c.Filters];
        Conv2DSpans.Forward<T>(Values<T>(x), Values<T>(kernel), Values<T>(bias), y, c.N, c.Rows, c.Cols, c.In, c.Filters, c.KernelRows, c.KernelCols,
            c.StrideRows, c.StrideCols, c.Padding, c.DilationRows, c.DilationCols);
        Close<T>(Conv2DKernel.Forward(x, kernel, bias, c.StrideRows, c.StrideCols, c.Padding, c.DilationRows, c.DilationCols), y, tolerance, "y");
        Conv2DSpans.Forward<T>(Values<T>(x), Values<T>(kernel), default, y, c.N, c.Rows, c.Cols, c.In, c.Filters, c.KernelRows, c.KernelCols,
            c.StrideRows, c.StrideCols, c.Padding, c.DilationRows, c.DilationCols);
        Close<T>(Conv2DKernel.Forward(x, kernel, null, c.StrideRows, c.StrideCols, c.Padding, c.DilationRows, c.DilationCols), y, tolerance, "y without bias");

        var expected = Conv2DKernel.Backward(dy, x, kernel, hasBias: true, c.StrideRows, c.StrideCols, c.Padding, c.DilationRows, c.DilationCols);
        var (dx, dxPrefill) = Prefilled<T>(g, c.N, c.Rows, c.Cols, c.In);
        var (dKernel, dKernelPrefill) = Prefilled<T>(g, c.KernelRows, c.KernelCols, c.In, c.Filters);
        var (dBias, dBiasPrefill) = Prefilled<T>(g, c.Filters);
        Conv2DSpans.Backward<T>(Values<T>(dy), Values<T>(x), Values<T>(kernel), dx, dKernel, dBias, c.N, c.Rows, c.Cols, c.In, c.Filters,
            c.KernelRows, c.KernelCols, c.StrideRows, c.StrideCols, c.Padding, c.DilationRows, c.DilationCols);
        Close<T>(dxPrefill + expected.Input!, dx, tolerance, "dx");
        Close<T>(dKernelPrefill + expected.Kernel, dKernel, tolerance, "dKernel");
        Close<T>(dBiasPrefill + expected.Bias!, dBias, tolerance, "dBias");

        var (onlyX, onlyXPrefill) = Prefilled<T>(g, c.N, c.Rows, c.Cols, c.In);
        Conv2DSpans.Backward<T>(Values<T>(dy), Values<T>(x), Values<T>(kernel), onlyX, default, default, c.N, c.Rows, c.Cols, c.In, c.Filters,
            c.KernelRows, c.KernelCols, c.StrideRows, c.StrideCols, c.Padding, c.DilationRows, c.DilationCols);
        Close<T>(onlyXPrefill + expected.Input!, onlyX, tolerance, "dx alone");
    }

    [Fact]
    public void Arguments_are_checked_with_messages_naming_them()
    {
        var e = Assert.Throws<ArgumentException>(() => Conv1DSpans.Forward<double>(new double[10], new double[12], default, new double[8], 1, 5, 2, 2, 3, 1, Padding.Valid, 1));
        Assert.Contains("Conv1DSpans: y has 8 elements but its shape (n, outputs…, filters) needs 6", e.Message);
        e = Assert.Throws<ArgumentException>(() => Conv1DSpans.Forward<double>(new double[4], new double[12], default, new double[1], 1, 2, 2, 2, 3, 1, Padding.Valid, 1));
        Assert.Contains("the length axis has length 2 but the window spans 3", e.Message);
        e = Assert.Throws<ArgumentException>(() => Conv1DSpans.Forward<double>(new double[10], new double[6], default, new double[6], 1, 5, 2, 2, 3, 2, Padding.Valid, 2));
        Assert.Contains("stride 2 together with dilation 2", e.Message);
        e = Assert.Throws<ArgumentException>(() => Conv2DSpans.Forward<float>(new float[9], new float[4], default, new float[9], 1, 3, 3, 1, 1, 2, 2, 1, 1, Padding.Causal, 1, 1));
        Assert.Contains("Conv2DSpans does not take Padding.Causal", e.Message);
        e = Assert.Throws<ArgumentException>(() => Conv2DSpans.Backward<float>(new float[4], new float[9], new float[4], new float[5], default, default, 1, 3, 3, 1, 1, 2, 2, 1, 1, Padding.Valid, 1, 1));
        Assert.Contains("dx has 5 elements", e.Message);
        var r = Assert.Throws<ArgumentOutOfRangeException>(() => Conv2DSpans.Forward<float>(new float[9], new float[4], default, new float[4], 1, 3, 3, 1, 1, 2, 2, 0, 1, Padding.Valid, 1, 1));
        Assert.Contains("strideRows must be at least 1", r.Message);
    }
}
