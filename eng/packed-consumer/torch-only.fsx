// Nothing but torch after `#r "nuget: ModelDsl"`: no ModelDsl type is named, so only the package's F# Interactive
// start-up script (content/ModelDsl.fsx) can have set up TorchSharp's natives. @FEED@ and @VERSION@ are filled in.
#i "nuget: @FEED@"
#r "nuget: ModelDsl, @VERSION@"
printfn "packed F# torch-only script: %d" (TorchSharp.torch.arange(1L, 5L).sum().item<int64>())
