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

    /// <summary>Exit code of a run whose data could not be used (a CSV's content, a model's data).</summary>
    public const int BadData = 1;
    /// <summary>Exit code of a run whose arguments or environment are wrong (an option, a path, a variable).</summary>
    public const int BadArguments = 2;

    /// <summary>
    /// Runs the command line; never throws. 0: done; 1 (<see cref="BadData"/>): the data cannot be used; 2
    /// (<see cref="BadArguments"/>): an argument, output path or environment variable is wrong. Each failure prints one
    /// message naming the file (and line) and the fix. Output paths are checked before any training starts.
    /// </summary>
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
            return BadArguments;
        }
        try
        {
            CheckOutputs(options);
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
            return e.ExitCode;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {e.Message} (check that the output folder is writable and the disk is not full)");
            return BadData;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Not expected: say what happened in one line, without a stack trace, and where to report it.
            stderr.WriteLine($"error: the lab stopped on an unexpected {e.GetType().Name}: {e.Message}");
            stderr.WriteLine("       this is a bug in the labs: please report it with the command line that caused it.");
            return BadData;
        }
    }

    /// <summary>
    /// Fails with exit code 2 before any training when a result could not be written: <c>--out</c> (unless
    /// <c>--no-plots</c>) must be a folder we can create and write in, <c>--json</c> a file we can create or replace.
    /// </summary>
    public static void CheckOutputs(LabOptions options)
    {
        if (options.Plots)
        {
            var problem = WritableFolder(options.OutDir);
            if (problem is not null)
                throw LabException.BadArguments($"--out '{options.OutDir}': cannot write figures there ({problem}); choose a writable folder with --out DIR, or pass --no-plots.");
        }
        if (options.JsonPath is { } json)
        {
            string full = Path.GetFullPath(json);
            if (Directory.Exists(full))
                throw LabException.BadArguments($"--json '{json}' is a folder; give the path of a file, such as {Path.Combine(json, "results.json")}.");
            var problem = WritableFolder(Path.GetDirectoryName(full)!);
            if (problem is null && File.Exists(full))
            {
                try { using var _ = new FileStream(full, FileMode.Open, FileAccess.Write); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { problem = e.Message; }
            }
            if (problem is not null)
                throw LabException.BadArguments($"--json '{json}': cannot write the results there ({problem}); choose a writable file with --json PATH.");
        }
    }

    /// <summary>Null when <paramref name="folder"/> exists or can be created and a file can be written in it; else why not.</summary>
    private static string? WritableFolder(string folder)
    {
        try
        {
            string full = Path.GetFullPath(folder);
            if (File.Exists(full)) return $"'{full}' is a file, not a folder";
            Directory.CreateDirectory(full);
            string probe = Path.Combine(full, $".modeldsl-write-check-{Environment.ProcessId}-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return e.Message;
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

/// <summary>A lab could not run: the message is for the user and names the file (and line) and the fix;
/// <see cref="ExitCode"/> is 1 for data that cannot be used, 2 for a wrong argument, path or environment variable.</summary>
public sealed class LabException(string message, Exception? inner = null, int exitCode = LabRunner.BadData) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;

    /// <summary>The data cannot be used (exit code 1).</summary>
    public static LabException BadData(string message, Exception? inner = null) => new(message, inner, LabRunner.BadData);

    /// <summary>An argument, output path or environment variable is wrong (exit code 2).</summary>
    public static LabException BadArguments(string message, Exception? inner = null) => new(message, inner, LabRunner.BadArguments);
}
