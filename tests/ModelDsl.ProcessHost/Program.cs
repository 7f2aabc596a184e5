using ModelDsl;
using ModelDsl.Checkpoints;
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
                case "model-dtype":
                    // A float64 batch (what torch.tensor(double[]) and F# float literals give) into a generated float32 model.
                    using (var model = new ModelDsl.Examples.StockMlp(seed: 1))
                    using (var x = ones(4, 25, 5, dtype: ScalarType.Float64))
                        model.Forward(x);
                    return 0;
                case "model-shape":
                    // A batch of the wrong width into a generated model's train step.
                    using (var model = new ModelDsl.Examples.StockMlp(seed: 1))
                    using (var x = ones(4, 25, 6))
                    using (var y = ones(4, 1))
                        model.TrainStep(x, y);
                    return 0;
                case "raw-matmul":
                    // The unguarded native call, for contrast: expected to abort.
                    using (var a = ones(4, 3, dtype: ScalarType.Float64))
                    using (var b = ones(3, 2))
                        a.matmul(b);
                    return 0;
                case "save-loop" when args.Length == 3 && int.TryParse(args[2], out int saves):
                    SaveLoop(args[1], saves);
                    return 0;
                default:
                    Console.Error.WriteLine("usage: ModelDsl.ProcessHost dense-dtype | matmul-shape | model-dtype | model-shape | raw-matmul | save-loop PATH SAVES");
                    return 2;
            }
        }
        catch (Exception e)
        {
            Console.WriteLine($"EXCEPTION {e.GetType().Name}: {e.Message}");
            return 1;
        }
    }

    /// <summary>The tensor sizes of the save loop's model: a 2 MB kernel and Adam's two slots, 6 MB a file, so that a
    /// save (written, flushed to disk, renamed) takes long enough to be killed in.</summary>
    public const int LoopInputs = 512, LoopOutputs = 1024;

    /// <summary>
    /// Saves checkpoint after checkpoint to <paramref name="path"/> until killed (or after <paramref name="saves"/>
    /// saves, so that a child whose kill comes late does not write on). Before save number k every weight, every
    /// optimizer slot and the step counter hold k and the epoch is k, so a complete file is one whose tensors all hold
    /// its epoch. Prints "saved k" after each save.
    /// </summary>
    public static void SaveLoop(string path, int saves)
    {
        using var model = new TinyModel(LoopInputs, LoopOutputs, seed: 1);
        using (var x = ones(2, LoopInputs))
        using (var y = ones(2, LoopOutputs))
            model.TrainStep(x, y);   // creates Adam's slots
        for (int k = 1; k <= saves; k++)
        {
            foreach (var t in model.NamedTensors) t.Tensor.fill_(k);
            foreach (var slot in model.Optimizer.GetState().Slots) slot.Value.fill_(k);
            Checkpoint.Save(model, path, epoch: k);
            Console.WriteLine($"saved {k}");
            Console.Out.Flush();
        }
    }
}
