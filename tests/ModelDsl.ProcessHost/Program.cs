using ModelDsl;
using ModelDsl.Kernels;
using static TorchSharp.torch;

namespace ModelDsl.ProcessHost;

/// <summary>
/// Child-process modes for the runtime tests. Exit codes: 0 done, 1 a .NET exception (its type and message on
/// stdout as "EXCEPTION Type: message"), 2 bad arguments. A signal (exit 134, 137, 139) means the process died natively.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        TorchRuntime.Initialize();
        try
        {
            switch (args.FirstOrDefault())
            {
                case "dense-dtype":
                    // A float64 batch into float32 weights: THSTensor_matmul used to abort with exit 134.
                    using (var x = ones(4, 3, dtype: ScalarType.Float64))
                    using (var kernel = ones(3, 2))
                        DenseKernel.Forward(x, kernel, null);
                    return 0;
                case "matmul-shape":
                    using (var a = ones(2, 3))
                    using (var b = ones(2, 3))
                        Ops.MatMul(a, b);
                    return 0;
                case "raw-matmul":
                    // The unguarded native call, for contrast: expected to abort.
                    using (var a = ones(4, 3, dtype: ScalarType.Float64))
                    using (var b = ones(3, 2))
                        a.matmul(b);
                    return 0;
                default:
                    Console.Error.WriteLine("usage: ModelDsl.ProcessHost dense-dtype | matmul-shape | raw-matmul");
                    return 2;
            }
        }
        catch (Exception e)
        {
            Console.WriteLine($"EXCEPTION {e.GetType().Name}: {e.Message}");
            return 1;
        }
    }
}
