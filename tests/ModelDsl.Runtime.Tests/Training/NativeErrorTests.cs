namespace ModelDsl.Runtime.Tests.Training;

/// <summary>
/// What used to kill the process now throws: a float64 batch into a float32 Dense kernel, and a shape mismatch in
/// Ops.MatMul, run in a child process, end with a .NET exception and exit code 1; the raw native call, for contrast,
/// still dies by a signal (exit 134, SIGABRT: TorchSharp's THSTensor_matmul has no exception wrapper).
/// </summary>
public class NativeErrorTests
{
    [Fact]
    public async Task A_float64_batch_into_float32_weights_is_a_dotnet_exception_not_a_signal()
    {
        var (exit, stdout, stderr) = await ChildProcess.RunAsync("dense-dtype");
        Assert.True(exit == 1, $"exit {exit}; stdout: {stdout}; stderr: {stderr}");
        Assert.StartsWith("EXCEPTION ArgumentException: Dense: x has dtype Float64 but kernel has dtype Float32: call x.to(ScalarType.Float32)", stdout);
        Assert.DoesNotContain("terminate called", stderr);
    }

    [Fact]
    public async Task A_matmul_shape_mismatch_is_a_dotnet_exception_not_a_signal()
    {
        var (exit, stdout, _) = await ChildProcess.RunAsync("matmul-shape");
        Assert.Equal(1, exit);
        Assert.StartsWith("EXCEPTION ArgumentException: MatMul: a (2, 3) and b (2, 3) cannot be multiplied", stdout);
    }

    [Fact]
    public async Task A_float64_batch_into_a_generated_float32_model_is_a_dotnet_exception_naming_the_fix()
    {
        var (exit, stdout, stderr) = await ChildProcess.RunAsync("model-dtype");
        Assert.True(exit == 1, $"exit {exit}; stdout: {stdout}; stderr: {stderr}");
        Assert.StartsWith("EXCEPTION ArgumentException: StockMlp expects input of dtype Float32 but got Float64: call input.to(ScalarType.Float32), " +
                          "or construct the model with dtype: ScalarType.Float64", stdout);
    }

    [Fact]
    public async Task A_batch_of_the_wrong_shape_into_a_generated_train_step_is_a_dotnet_exception_naming_both_shapes()
    {
        var (exit, stdout, stderr) = await ChildProcess.RunAsync("model-shape");
        Assert.True(exit == 1, $"exit {exit}; stdout: {stdout}; stderr: {stderr}");
        Assert.StartsWith("EXCEPTION ArgumentException: StockMlp expects input of shape (batch, 25, 5) but got (4, 25, 6)", stdout);
    }

    [Fact]
    public async Task The_unguarded_native_call_still_aborts()
    {
        var (exit, _, stderr) = await ChildProcess.RunAsync("raw-matmul");
        Assert.True(exit > 128, $"exit {exit}: expected death by a signal");
        Assert.Contains("expected m1 and m2 to have the same dtype", stderr);
    }
}
