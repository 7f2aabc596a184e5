module ModelDsl.FSharp.Tests.LabData

open System
open System.IO
open Xunit

[<assembly: CollectionBehavior(DisableTestParallelization = true)>]
do ()

/// MODELDSL_KO_CSV, else shared/data/KO-2018.csv found by walking up from the test folder.
let ko2018 () =
    match Environment.GetEnvironmentVariable "MODELDSL_KO_CSV" with
    | null | "" ->
        match ModelDsl.Labs.Stock.StockData.FindSharedData "KO-2018.csv" with
        | null -> failwith "KO-2018.csv not found: set MODELDSL_KO_CSV or keep shared/data beside the repository"
        | path -> path
    | path -> path

let outDir () = Path.Combine(Path.GetTempPath(), "modeldsl-fsharp-tests", Guid.NewGuid().ToString "N")

/// PNG width and height from the IHDR chunk.
let pngSize (path: string) =
    let b = File.ReadAllBytes path
    let be i = (int b[i] <<< 24) ||| (int b[i + 1] <<< 16) ||| (int b[i + 2] <<< 8) ||| int b[i + 3]
    Assert.Equal("IHDR", Text.Encoding.ASCII.GetString(b, 12, 4))
    be 16, be 20
