// The textbook's gradient descent on cosh(πx/4) from F#, with the derivative the generator wrote beside CoshBowl:
// the 20-row table (α = 0.05, then 0.5) and figure 8.
//   dotnet fsi examples/fsharp/optimization.fsx
#load "References.fsx"
open System.IO
open ModelDsl.Examples
open ModelDsl.Plotting
open References

let alphas = 0.05 :: List.replicate 19 0.5
let rows =
    alphas
    |> List.scan (fun (x, _) alpha -> let next = x - alpha * OptimizationFunctions.CoshBowlDerivative x in next, alpha) (-1.0, 0.0)
    |> List.pairwise
    |> List.map (fun ((x, _), (next, alpha)) -> x, alpha, OptimizationFunctions.CoshBowl x, OptimizationFunctions.CoshBowlDerivative x, next)

printfn "%8s %5s %8s %8s %12s" "x" "α" "f(x)" "f'(x)" "x - α f'(x)"
for x, alpha, f, g, next in rows do
    printfn "%8.4f %5.2f %8.4f %8.4f %12.4f" x alpha f g next

// The generated value and derivative come together as a record, ModelDsl.ValueAndDerivative<float>, read by name.
let both = OptimizationFunctions.CoshBowlWithDerivative -1.0
printfn "CoshBowlWithDerivative(-1) = { Value = %.4f; Derivative = %.4f }" both.Value both.Derivative

// Figure 8: gd(0.5, -1), ten steps, over tf.range(-1, 1, 0.01).
let iterates = List.scan (fun x _ -> x - 0.5 * OptimizationFunctions.CoshBowlDerivative x) -1.0 [ 1 .. 10 ]
let grid = [| for i in 0 .. 199 -> -1.0 + 0.01 * float i |]
let saved =
    Figure("Optimización", "Argumento (x)", "Función de costo")
        .Line(grid, grid |> Array.map OptimizationFunctions.CoshBowl, label = "Función de costo")
        .Line(Array.ofList iterates, iterates |> List.map OptimizationFunctions.CoshBowl |> Array.ofList,
              label = "Minimización iterativa", style = SeriesStyle.LineAndMarkers, color = "#2ca02c")
        .Save(Path.Combine(outDir, "fig08_cosh_alpha0.5.png"))
printfn "figure: %s" saved.Path
let _, _, _, _, last = List.last rows
if abs (last - -0.0008) > 5e-5 then failwithf "row 20 ends at %f, the textbook prints -0.0008" last
