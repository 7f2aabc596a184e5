// The stock lab's first model from F#: KO 2018, 25-day windows of Open/High/Low/Close/Volume, Adj Close 12 days later,
// the generated StockMlp (Normalization adapted on all rows, as the report), Adam 0.1, 50 epochs, test MAE.
//   dotnet fsi examples/fsharp/stock.fsx
#load "References.fsx"
open System.IO
open TorchSharp
open ModelDsl.Data
open ModelDsl.Labs.Data
open ModelDsl.Examples
open ModelDsl.Plotting
open References

let series = YahooCsv.Read(sharedData "KO-2018.csv")
let rows = series.Count
let delay = 25 + 12 - 1
let features =
    torch.tensor([| for i in 0 .. rows - 1 do
                        yield! [| series.Open[i]; series.High[i]; series.Low[i]; series.Close[i]; series.Volume[i] |] |> Array.map float32 |])
        .reshape(int64 rows, 5L)
let data = features.narrow(0, 0L, int64 (rows - delay))
let targets = torch.tensor([| for i in delay .. rows - 1 -> float32 series.AdjClose[i] |])
let numTrain, numVal = int (0.5 * float rows), int (0.25 * float rows)
let train = Timeseries.FromArray(data, targets, 25, startIndex = 0, endIndex = numTrain, shuffle = true, seed = 1, batchSize = 256)
let validation =
    Timeseries.FromArray(data, targets, 25, startIndex = numTrain, endIndex = numTrain + numVal, shuffle = true, seed = 2, batchSize = 256)
let test = Timeseries.FromArray(data, targets, 25, startIndex = numTrain + numVal, shuffle = true, seed = 3, batchSize = 256)
printfn "windows: train %d, val %d, test %d" train.Count validation.Count test.Count

ModelDsl.Training.Determinism.Seed 42
let model = new StockMlp(42)
model.Adapt features
printfn "%s" (model.Summary())
let history = model.Fit(train, 50, validation = validation)
let testMae = model.Evaluate(test).Metrics["mae"]
printfn "Test MAE: %.2f (the report: 16.22 in its dollars, %.2f in this file's)" testMae (16.22 / 0.934413)

let epochs = [| 1.0 .. float history.Epochs |]
let saved =
    Figure("Ошибка MAE на обучающей и валидационной выборках", "Epoch", "MAE")
        .Line(epochs[1..], Seq.toArray history["mae"] |> Array.skip 1, label = "MAE на обучающей выборке", style = SeriesStyle.Markers)
        .Line(epochs, history["val_mae"], label = "MAE на валидационной выборке")
        .Save(Path.Combine(outDir, "stock_mlp_learning_curves.png"))
printfn "figure: %s" saved.Path
if not (System.Double.IsFinite testMae) then failwith "test MAE is not finite"
