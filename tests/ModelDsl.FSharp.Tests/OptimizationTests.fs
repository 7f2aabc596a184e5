module ModelDsl.FSharp.Tests.OptimizationTests

open System
open Xunit
open ModelDsl.Labs
open ModelDsl.Labs.Optimization

let private round4 (v: float) = Math.Round(v, 4, MidpointRounding.AwayFromZero)

[<Fact>]
let ``Cosh table from F# agrees with the formula and the printed first and last rows`` () =
    let table = OptimizationLab.CoshTable()
    Assert.Equal(20, table.Count)
    // independent recomputation: f′ = π/4 · sinh(πx/4), α = 0.05 then 0.5
    let mutable x = -1.0
    for i in 0 .. 19 do
        let alpha = if i = 0 then 0.05 else 0.5
        let g = Math.PI / 4.0 * Math.Sinh(Math.PI * x / 4.0)
        Assert.Equal(g, table[i].Grad, 12)
        Assert.Equal(Math.Cosh(Math.PI * x / 4.0), table[i].F, 12)
        x <- x - alpha * g
        Assert.Equal(x, table[i].Next, 12)
    Assert.Equal((-1.0, 1.3246, -0.6823, -0.9659), (table[0].X, round4 table[0].F, round4 table[0].Grad, round4 table[0].Next))
    Assert.Equal((-0.0012, 1.0, -0.0007, -0.0008), (round4 table[19].X, round4 table[19].F, round4 table[19].Grad, round4 table[19].Next))

[<Fact>]
let ``Generated sinc derivative is right where the textbook's formula is not`` () =
    for x in [ -1.0; -0.3; 0.1; 0.25 ] do
        let fd = GradientDescent.CentralDifference(Func<_, _> LabModels.Sinc, x)
        Assert.Equal(fd, LabModels.SincDerivative x, 4)
        Assert.True(abs (TextbookFormulas.SincDerivative x - LabModels.SincDerivative x) > 0.1)
    let xs = GradientDescent.Iterates(Func<_, _> LabModels.CoshQuarterDerivative, 0.5, -1.0)
    Assert.Equal(11, xs.Count)
    Assert.True(abs xs[10] < 0.05)
    // the textbook's gd: x -= alpha * gradf(x), ten times, with gradf = π/4 · sinh(πx/4), recomputed here
    let expected = Seq.scan (fun x _ -> x - 0.5 * Math.PI / 4.0 * Math.Sinh(Math.PI * x / 4.0)) -1.0 [ 1 .. 10 ] |> Array.ofSeq
    Array.iteri (fun i e -> Assert.Equal(e, xs[i], 12)) expected
    // and the true derivative of sin(3πx)/x, (3πx·cos 3πx − sin 3πx)/x², which eq. 37 gets wrong
    for x in [ -1.0; -0.3; 0.1; 0.25 ] do
        let truth = (3.0 * Math.PI * x * Math.Cos(3.0 * Math.PI * x) - Math.Sin(3.0 * Math.PI * x)) / (x * x)
        Assert.Equal(truth, LabModels.SincDerivative x, 9)

[<Fact>]
let ``Generated value and derivative are read by name from F#`` () =
    let both: ModelDsl.ValueAndDerivative<float> = ModelDsl.Examples.OptimizationFunctions.CoshBowlWithDerivative -1.0
    Assert.Equal(Math.Cosh(-Math.PI / 4.0), both.Value, 12)
    Assert.Equal(Math.PI / 4.0 * Math.Sinh(-Math.PI / 4.0), both.Derivative, 12)
    Assert.Equal(ModelDsl.Examples.OptimizationFunctions.CoshBowlDerivative -1.0, both.Derivative)
    // A record: structural equality and a readable ToString, unlike a struct tuple's Item1/Item2.
    Assert.Equal(ModelDsl.ValueAndDerivative<float>(both.Value, both.Derivative), both)
    Assert.StartsWith("ValueAndDerivative { Value = ", both.ToString())
