module ModelDsl.FSharp.Tests.RegressionTests

open System.IO
open Xunit
open ModelDsl
open ModelDsl.Optimizers
open ModelDsl.Plotting
open ModelDsl.Labs
open ModelDsl.Labs.Regression

[<Fact>]
let ``Grades regression trained from F# reaches the textbook's loss and weights`` () =
    TorchRuntime.Initialize() |> ignore
    Training.Determinism.Seed 42
    use data = GradesData.Generate(10_000, 42)
    // The generated model, straight from F#: constructor argument and property initializer.
    use model = new ModelDsl.Examples.GradesRegression(42, Optimizer = new Sgd(0.002))   // models and optimizers are IDisposable: F# wants `new`
    Assert.Equal(4L, ModelDsl.Examples.GradesRegression.ParameterCount.Total)
    let losses = ResizeArray()
    let trace = Trainer.Run(model, data, 8, 4, 42, onEpoch = (fun epoch loss -> losses.Add loss))
    Assert.Equal(4, trace.EpochLoss.Count)
    Assert.True(Seq.last losses < 0.045, sprintf "final loss %f" (Seq.last losses))
    let weights = model.Weights.W.data<float32>().ToArray() |> Array.map float
    let bias = float (model.Weights.B.data<float32>().ToArray()[0])
    let fit = LabModels.LinearWeights model
    Assert.Equal<float seq>(weights, fit.Weights)
    Seq.zip weights [ 0.3; 0.3; 0.4 ] |> Seq.iteri (fun i (w, e) -> Assert.True(abs (w - e) < 0.01, sprintf "w%d = %f" (i + 1) w))
    Assert.True(abs bias < 0.05)
    // Keras' MSE recomputed here in doubles: mean((x·w + b − y)²), not halved, on the whole set after the last epoch
    let x = data.X.to_type(TorchSharp.torch.ScalarType.Float64).data<float>().ToArray()
    let y = data.Y.to_type(TorchSharp.torch.ScalarType.Float64).data<float>().ToArray()
    let mse =
        Array.init y.Length (fun i -> x[3 * i] * weights[0] + x[3 * i + 1] * weights[1] + x[3 * i + 2] * weights[2] + bias - y[i])
        |> Array.averageBy (fun e -> e * e)
    Assert.Equal(mse, trace.EpochLoss[3], 5)
    // the seed's figures (the regression lab's, same seed and data)
    Pinned.assertClose Pinned.contracting "epoch loss" [ 0.04149351641535759; 0.04117909446358681; 0.04247171804308891; 0.041084956377744675 ] trace.EpochLoss
    Pinned.assertClose Pinned.contracting "w1, w2, w3, b" [ 0.3031414747238159; 0.30407366156578064; 0.3904944658279419; 0.009231354109942913 ] (Array.append weights [| bias |])
    Assert.Equal<float seq>(trace.EpochLoss, losses)
    let dir = LabData.outDir ()
    let saved =
        Figure("Pérdida por época", "Época", "Pérdida", width = 640, height = 480)
            .Line([| 1.0 .. 4.0 |], trace.EpochLoss, label = "F#", style = SeriesStyle.LineAndMarkers)
            .Save(Path.Combine(dir, "loss.png"))
    Assert.Equal((640, 480), LabData.pngSize saved.Path)
