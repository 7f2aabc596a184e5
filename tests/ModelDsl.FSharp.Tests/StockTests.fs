module ModelDsl.FSharp.Tests.StockTests

open Xunit
open ModelDsl.Labs.Data
open ModelDsl.Training
open ModelDsl.Labs
open ModelDsl.Labs.Stock

[<Fact>]
let ``Stock MLP trained from F# on KO 2018 has the report's windows, parameters and the seed's figures`` () =
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
    // seed 7's figures, five epochs of Adam 0.1 (one batch of 101 windows per epoch)
    Pinned.assertClose Pinned.stock "loss" [ 1547.9090576171875; 704.6077270507812; 291.57720947265625; 477.0284118652344; 190.48646545410156 ] history["loss"]
    Pinned.assertClose Pinned.stock "mae" [ 39.3310661315918; 25.743885040283203; 12.57238483428955; 18.37430191040039; 9.971111297607422 ] history["mae"]
    Pinned.assertClose Pinned.stock "val_mae" [ 43.9434814453125; 42.73468780517578; 39.307098388671875; 34.20738983154297; 28.805471420288086 ] history["val_mae"]
    Pinned.assertClose Pinned.stock "test loss, mae" [ 419.90985107421875; 20.43899917602539 ] [ test.Loss; test.Metrics["mae"] ]
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

[<Fact>]
let ``Stock LSTM trained from F# on KO 2018 gives the seed's figures`` () =
    // The one F# run through the generated LSTM's backward: a wrong gradient there changes these figures.
    let series = YahooCsv.Read(LabData.ko2018 ())
    use w = new StockWindows(series, 7)
    Determinism.Seed 7
    let m = LabModels.StockLstm(7, w.Features)
    Assert.Equal(1425L, m.TrainableParams)
    let history = TrainingLoop.Fit(m.Model, w.Train, 5, validation = w.Val)
    let test = TrainingLoop.Evaluate(m.Model, w.Test)
    Pinned.assertClose Pinned.stock "loss" [ 1580.699462890625; 1386.985107421875; 1278.576904296875; 1143.3822021484375; 988.6819458007812 ] history["loss"]
    Pinned.assertClose Pinned.stock "mae" [ 39.74860382080078; 37.230735778808594; 35.744781494140625; 33.80013656616211; 31.42817497253418 ] history["mae"]
    Pinned.assertClose Pinned.stock "val_mae" [ 42.807552337646484; 42.25697708129883; 41.884666442871094; 41.78364562988281; 41.585994720458984 ] history["val_mae"]
    Pinned.assertClose Pinned.stock "test loss, mae" [ 2115.06103515625; 45.986572265625 ] [ test.Loss; test.Metrics["mae"] ]
