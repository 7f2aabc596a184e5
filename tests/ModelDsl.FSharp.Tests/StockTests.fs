module ModelDsl.FSharp.Tests.StockTests

open Xunit
open ModelDsl.Labs.Data
open ModelDsl.Training
open ModelDsl.Labs
open ModelDsl.Labs.Stock

[<Fact>]
let ``Stock MLP trained from F# on KO 2018 has the report's windows, parameters and a finite test MAE`` () =
    let series = YahooCsv.Read(LabData.ko2018 ())
    Assert.Equal(251, series.Count)
    use w = new StockWindows(series, 7)
    Assert.Equal(WindowCounts(101L, 38L, 4L), w.Counts)
    Determinism.Seed 7
    let m = LabModels.StockMlp(7, w.Features)
    Assert.Equal(2044L, m.Params)
    Assert.Equal(2033L, m.TrainableParams)
    let history = TrainingLoop.Fit(m.Model, w.Train, 5, validation = w.Val)
    Assert.Equal(5, history.Epochs)
    Assert.Equal<string list>([ "loss"; "mae"; "val_loss"; "val_mae" ], List.ofSeq history.Keys)
    let test = TrainingLoop.Evaluate(m.Model, w.Test)
    Assert.True(System.Double.IsFinite test.Metrics["mae"])
    // Keras' MAE recomputed here: mean |y − ŷ| over every test window, predicting with the generated model
    let errors = ResizeArray<float>()
    for batch in w.Test do
        use bx = batch.X
        use by = batch.Y
        use prediction = m.Predict.Invoke bx
        let p = prediction.reshape(-1L).to_type(TorchSharp.torch.ScalarType.Float64).data<float>().ToArray()
        let t = by.reshape(-1L).to_type(TorchSharp.torch.ScalarType.Float64).data<float>().ToArray()
        Array.iter2 (fun a b -> errors.Add(abs (a - b))) p t
    Assert.Equal(4, errors.Count)
    Assert.True(abs (Seq.average errors - test.Metrics["mae"]) <= 1e-4 * max 1.0 (Seq.average errors))
    let b = Baselines.Of w
    Assert.True(b.PersistenceMae > 0.0 && b.TrainMeanMae > 0.0)
    // persistence recomputed from the rows: test windows start at 187 … 190, last row start + 24, target row start + 36
    let persistence = [ 187 .. 190 ] |> List.averageBy (fun p -> abs (series.Close[p + 24] - series.AdjClose[p + 36]))
    Assert.Equal(persistence, b.PersistenceMae, 9)
    // the generated summary reads the report's model.summary() totals
    Assert.Contains("Total params: 2,044", m.Summary)
    Assert.Contains("Trainable params: 2,033", m.Summary)
    Assert.Contains("Non-trainable params: 11", m.Summary)
    Assert.Equal(2577L, LabModels.StockSeluMlp(7).Params)
    Assert.Equal(1436L, LabModels.StockLstm(7, w.Features).Params)
