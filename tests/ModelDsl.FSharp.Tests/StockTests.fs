module ModelDsl.FSharp.Tests.StockTests

open Xunit
open ModelDsl.Data
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
    let b = Baselines.Of w
    Assert.True(b.PersistenceMae > 0.0 && b.TrainMeanMae > 0.0)
    Assert.Equal(2577L, LabModels.StockSeluMlp(7).Params)
    Assert.Equal(1436L, LabModels.StockLstm(7, w.Features).Params)
