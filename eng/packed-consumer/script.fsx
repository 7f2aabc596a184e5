// An F# script that takes ModelDsl and ModelDsl.Plotting from the feed, trains the model of a C# library built against
// the same package, and saves a figure. @FEED@, @VERSION@ and @LIBRARY@ are filled in by packed-consumer-test.sh.
#i "nuget: @FEED@"
#r "nuget: ModelDsl, @VERSION@"
#r "nuget: ModelDsl.Plotting, @VERSION@"
#r "@LIBRARY@"
open System.IO
open TorchSharp
open ModelDsl.Data
open ModelDsl.Plotting

// The first call is a plain torch one, with no TorchRuntime.Initialize(): the package's F# Interactive initialisation
// script (content/ModelDsl.fsx) has already found TorchSharp's natives, repairing them where the system needs it.
torch.manual_seed 1L |> ignore
let x = torch.linspace(-1.0, 1.0, 64L).reshape(64L, 1L)
let y = x * torch.tensor 2.0f - torch.tensor 1.0f
let model = Consumer.Line(1)
let history = model.Fit(TensorDataset(x, y, batchSize = 16, shuffle = true, seed = 1), 60)
let losses = history["loss"]
let saved =
    Figure("Line: training loss", "Epoch", "Loss (MSE)")
        .Line(losses, label = "Consumer.Line")
        .LogY()
        .Save(Path.Combine(__SOURCE_DIRECTORY__, "loss.png"))
printfn "packed F# script: loss %.4f -> %.6f over %d epochs; figure %s (%d x %d)" losses[0] losses[losses.Count - 1] history.Epochs saved.Path saved.Width saved.Height
if not (losses[losses.Count - 1] < losses[0] / 100.0) then failwith "the loss did not fall by a factor of 100"
