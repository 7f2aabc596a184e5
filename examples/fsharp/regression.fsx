// The textbook's linear regression from F#: 10,000 synthetic grades, the generated GradesRegression, minibatches of 8,
// SGD 0.002, 4 epochs, the loss on the whole set after each epoch.
//   dotnet fsi examples/fsharp/regression.fsx
#load "References.fsx"
open System.IO
open TorchSharp
open ModelDsl
open ModelDsl.Data
open ModelDsl.Examples
open ModelDsl.Optimizers
open ModelDsl.Plotting
open References

let seed = 42
Training.Determinism.Seed seed
let generator = new torch.Generator(uint64 seed)
let x = torch.rand([| 10_000L; 3L |], generator = generator) * torch.tensor 5.0f
let y = x.matmul(torch.tensor([| 0.3f; 0.3f; 0.4f |]).reshape(3L, 1L)) + torch.randn([| 10_000L; 1L |], generator = generator) * torch.tensor 0.2f

let model = new GradesRegression(seed, Optimizer = new Sgd(0.002))
let batches = TensorDataset(x, y, batchSize = 8, shuffle = true, seed = seed)
let losses =
    [ for epoch in 1 .. 4 do
          model.Fit(batches, 1) |> ignore
          let loss = model.TestStep(x, y).Loss
          printfn "época %d, pérdida %f" epoch loss
          loss ]

let w = model.Weights.W.data<float32>().ToArray()
let b = model.Weights.B.data<float32>().ToArray()
printfn "w = [%.4f, %.4f, %.4f] (real 0.3, 0.3, 0.4), b = %.4f" w[0] w[1] w[2] b[0]

let saved =
    Figure("Pérdida por época (F#)", "Época", "Pérdida (MSE)")
        .Line([| 1.0 .. 4.0 |], losses, label = "GradesRegression", style = SeriesStyle.LineAndMarkers)
        .Save(Path.Combine(outDir, "regression_loss.png"))
printfn "figure: %s" saved.Path
if List.last losses >= 0.045 then failwithf "loss %f is not below 0.045" (List.last losses)
