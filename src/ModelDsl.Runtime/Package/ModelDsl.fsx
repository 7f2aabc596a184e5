// F# Interactive runs this file when a script says `#r "nuget: ModelDsl"` (the NuGet dependency manager loads
// content/<PackageId>.fsx of each referenced package right after resolving it), so TorchSharp's natives are found,
// and repaired where the system's libstdc++ is too old, before the script's first line: even a first `torch.*` call works.
ModelDsl.TorchRuntime.Initialize() |> ignore
