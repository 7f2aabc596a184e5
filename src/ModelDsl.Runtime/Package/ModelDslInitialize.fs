// Compiled first into an F# executable that references the ModelDsl package (buildTransitive/ModelDsl.targets): F# runs
// this top-level `do` when the program starts, before its own code, so a first plain torch call finds the natives.
module internal ModelDsl.Generated.ModelDslInitialize

do
    try ModelDsl.TorchRuntime.Initialize() |> ignore
    // Reported again, with its message, by the first torch call or an explicit TorchRuntime.Initialize().
    with _ -> ()
