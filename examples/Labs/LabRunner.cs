using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ModelDsl.Labs.Classification;
using ModelDsl.Labs.Optimization;
using ModelDsl.Labs.Regression;
using ModelDsl.Labs.Stock;

namespace ModelDsl.Labs;

/// <summary>The front door: parses arguments, runs labs, prints reports and writes JSON.</summary>
public static class LabRunner
{
    /// <summary>snake_case names, indented, Cyrillic and accents written as themselves.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static int Execute(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        var parsed = LabOptions.Parse(args);
        if (parsed.ShowHelp)
        {
            stdout.WriteLine(LabOptions.Usage);
            return 0;
        }
        if (parsed.Options is not { } options)
        {
            stderr.WriteLine($"error: {parsed.Error}");
            stderr.WriteLine(LabOptions.Usage);
            return 2;
        }
        try
        {
            var results = Run(options, stdout);
            if (options.JsonPath is { } path)
            {
                WriteJson(path, results, options.Lab == LabName.All);
                stdout.WriteLine($"JSON results: {Path.GetFullPath(path)}");
            }
            return 0;
        }
        catch (LabException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    /// <summary>Runs the chosen lab(s); keys are the lab names as they appear in the JSON.</summary>
    public static IReadOnlyDictionary<string, object> Run(LabOptions options, TextWriter log)
    {
        var results = new Dictionary<string, object>();
        if (options.Lab is LabName.Regression or LabName.All) results["regression"] = RegressionLab.Run(options, log);
        if (options.Lab is LabName.Optimization or LabName.All) results["optimization"] = OptimizationLab.Run(options, log);
        if (options.Lab is LabName.Stock or LabName.All) results["stock"] = StockLab.Run(options, log);
        if (options.Lab is LabName.StockLong) results["stock_long"] = StockLab.RunLong(options, log);
        if (options.Lab is LabName.Classification or LabName.All) results["classification"] = ClassificationLab.Run(options, log);
        return results;
    }

    public static void WriteJson(string path, IReadOnlyDictionary<string, object> results, bool combined)
    {
        JsonNode? node = combined || results.Count != 1
            ? new JsonObject(results.Select(kv => KeyValuePair.Create(kv.Key, JsonSerializer.SerializeToNode(kv.Value, kv.Value.GetType(), Json))))
            : JsonSerializer.SerializeToNode(results.Values.Single(), results.Values.Single().GetType(), Json);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, node!.ToJsonString(Json) + "\n");
    }
}

/// <summary>A lab could not run (bad data, missing file): the message is for the user.</summary>
public sealed class LabException(string message, Exception? inner = null) : Exception(message, inner);
