// An F# console program whose one reference is the ModelDsl package: its first line is a plain torch call, with no
// TorchRuntime.Initialize() (the package makes ModelDsl.Runtime a .NET startup hook of F# executables: buildTransitive/ModelDsl.targets).
open System.Runtime.CompilerServices
open TorchSharp

/// Touches ModelDsl only when called, after the first torch call: the code that makes that call must not name a
/// ModelDsl type, or compiling it would load ModelDsl (and run its initializer) before the call, proving nothing.
[<MethodImpl(MethodImplOptions.NoInlining)>]
let repairStatus () = string ModelDsl.TorchRuntime.Status

let total = torch.arange(1L, 5L).sum().item<int64>()
printfn "packed F# program: first torch call gives %d; native repair %s" total (repairStatus ())
exit (if total = 10L then 0 else 1)
