// An F# console program whose one reference is the ModelDsl package: its first line is a plain torch call, with no
// TorchRuntime.Initialize() (the package compiles a start-up file into F# executables: buildTransitive/ModelDsl.targets).
open TorchSharp

let total = torch.arange(1L, 5L).sum().item<int64>()
printfn "packed F# program: first torch call gives %d; native repair %A" total ModelDsl.TorchRuntime.Status
exit (if total = 10L then 0 else 1)
