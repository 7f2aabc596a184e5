// Shared references for the lab scripts: the Labs build output holds the runtime, the generated example models and
// their dependencies. Build first: dotnet build examples/Labs   (Debug, net10.0)
#r "../Labs/bin/Debug/net10.0/TorchSharp.dll"
#r "../Labs/bin/Debug/net10.0/ScottPlot.dll"
#r "../Labs/bin/Debug/net10.0/ModelDsl.Runtime.dll"
#r "../Labs/bin/Debug/net10.0/ModelDsl.Plotting.dll"
#r "../Labs/bin/Debug/net10.0/ModelDsl.Examples.dll"
#r "../Labs/bin/Debug/net10.0/ModelDsl.Labs.dll"

open System
open System.IO

// Natives first: scripts have no deps.json to tell the host where TorchSharp's libraries are.
ModelDsl.TorchRuntime.Initialize() |> ignore

/// Where the scripts write figures (out/fsharp under the current folder).
let outDir = Path.Combine(Environment.CurrentDirectory, "out", "fsharp")

/// MODELDSL_KO_CSV, else shared/data/<file> beside the repository (found by walking up from this script).
let sharedData file =
    let rec up (dir: DirectoryInfo) =
        if isNull dir then failwithf "%s not found: set MODELDSL_KO_CSV or keep shared/data beside the repository" file
        else
            let candidate = Path.Combine(dir.FullName, "shared", "data", file)
            if File.Exists candidate then candidate else up dir.Parent
    match Environment.GetEnvironmentVariable "MODELDSL_KO_CSV" with
    | null | "" -> up (DirectoryInfo __SOURCE_DIRECTORY__)
    | path when file = "KO-2018.csv" -> path
    | _ -> up (DirectoryInfo __SOURCE_DIRECTORY__)
