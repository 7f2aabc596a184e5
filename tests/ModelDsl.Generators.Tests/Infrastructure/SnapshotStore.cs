using System.Runtime.CompilerServices;
using System.Text;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;
using Microsoft.CodeAnalysis;

namespace ModelDsl.Generators.Tests.Infrastructure;

/// <summary>One text to keep as a snapshot: <paramref name="Name"/> is the part after the test's name
/// (<c>#Namespace.Type.g</c> for a generated source, empty for the diagnostics), <paramref name="Extension"/> without dot.</summary>
public sealed record SnapshotFile(string Name, string Extension, string Text);

/// <summary>
/// Snapshot testing with Verify's conventions, so that moving to Verify.SourceGenerators later is a package swap:
/// <c>{Class}.{Method}#{Hint}.verified.cs</c> per generated source (each starting <c>//HintName: {hint}</c>),
/// <c>{Class}.{Method}.verified.txt</c> for diagnostics; UTF-8 with BOM, LF, no trailing newline;
/// <c>*.received.*</c> written on a mismatch (git-ignored) and deleted on a match;
/// <c>MODELDSL_ACCEPT_SNAPSHOTS=1</c> accepts what was received.
/// </summary>
public sealed class SnapshotStore(string directory, bool accept)
{
    public const string AcceptVariable = "MODELDSL_ACCEPT_SNAPSHOTS";

    private static readonly UTF8Encoding Utf8WithBom = new(encoderShouldEmitUTF8Identifier: true);

    public string Directory { get; } = directory;

    /// <summary>The store beside the calling test file: <c>Snapshots/</c> in the test project's source folder.</summary>
    public static SnapshotStore ForSourceFile(string sourceFile) =>
        new(Path.Combine(Path.GetDirectoryName(sourceFile)!, "Snapshots"), Environment.GetEnvironmentVariable(AcceptVariable) == "1");

    /// <summary>Compares <paramref name="files"/> with the verified ones; throws a message with every difference.</summary>
    public void Verify(string testClass, string testMethod, IReadOnlyList<SnapshotFile> files)
    {
        System.IO.Directory.CreateDirectory(Directory);
        string prefix = $"{testClass}.{testMethod}";
        foreach (var stale in System.IO.Directory.EnumerateFiles(Directory, prefix + "*.received.*")
                     .Where(f => BelongsTo(Path.GetFileName(f), prefix)))
            File.Delete(stale);

        var problems = new StringBuilder();
        foreach (var file in files.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            string stem = Path.Combine(Directory, prefix + file.Name);
            string verified = $"{stem}.verified.{file.Extension}";
            string received = $"{stem}.received.{file.Extension}";
            string actual = Normalize(file.Text);

            if (File.Exists(verified) && Normalize(File.ReadAllText(verified)) == actual) continue;
            if (accept)
            {
                File.WriteAllText(verified, actual, Utf8WithBom);
                continue;
            }
            File.WriteAllText(received, actual, Utf8WithBom);
            if (!File.Exists(verified))
            {
                problems.AppendLine($"New: {Path.GetFileName(received)}");
            }
            else
            {
                problems.AppendLine($"NotEqual: {Path.GetFileName(verified)}");
                problems.AppendLine(Diff(Normalize(File.ReadAllText(verified)), actual));
            }
        }

        if (problems.Length > 0)
            throw new SnapshotMismatchException(
                $"Snapshots of {prefix} differ from the verified files in {Directory}.\n{problems}" +
                $"Inspect the *.received.* files; to accept them, rerun with {AcceptVariable}=1 (or move each received file over its verified one).");
    }

    /// <summary>Text as Verify stores it: LF newlines, no trailing newline, no BOM character.</summary>
    public static string Normalize(string text) =>
        text.Replace("\r\n", "\n").Replace('\r', '\n').TrimStart('\uFEFF').TrimEnd('\n');

    // "{prefix}.received.x" or "{prefix}#hint.received.x", never another test whose name merely starts the same.
    private static bool BelongsTo(string fileName, string prefix) =>
        fileName.Length > prefix.Length && (fileName[prefix.Length] == '#' || fileName[prefix.Length] == '.');

    private static string Diff(string expected, string actual)
    {
        var model = InlineDiffBuilder.Diff(expected, actual, ignoreWhiteSpace: false);
        var text = new StringBuilder();
        foreach (var line in model.Lines)
        {
            string mark = line.Type switch { ChangeType.Inserted => "+ ", ChangeType.Deleted => "- ", _ => "  " };
            if (line.Type is ChangeType.Inserted or ChangeType.Deleted) text.Append(mark).AppendLine(line.Text);
        }
        return text.ToString();
    }
}

public sealed class SnapshotMismatchException(string message) : Exception(message);

/// <summary>Verify-style snapshots of a generator run: one file per generated source, one for the diagnostics.</summary>
public static class Snapshots
{
    /// <summary>Snapshots every generated source (ordered by hint name) and the generator's diagnostics.</summary>
    /// <remarks>The test class name is the calling file's name: one test class per file. The module initializer, the same
    /// in every run, is left out unless <paramref name="includeModuleInitializer"/> (one test snapshots it).</remarks>
    public static void Verify(GeneratorDriverRunResult run, [CallerFilePath] string sourceFile = "", [CallerMemberName] string testMethod = "",
        bool includeModuleInitializer = false)
    {
        var files = new List<SnapshotFile>();
        foreach (var source in run.Results.SelectMany(r => r.GeneratedSources).OrderBy(s => s.HintName, StringComparer.Ordinal))
        {
            if (source.HintName == ModelDslGenerator.ModuleInitializerHintName && !includeModuleInitializer) continue;
            string hint = Path.GetFileNameWithoutExtension(source.HintName);
            files.Add(new SnapshotFile("#" + hint, "cs", $"//HintName: {source.HintName}\n" + Scrub(source.SourceText.ToString())));
        }
        var diagnostics = run.Diagnostics.OrderBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Id, StringComparer.Ordinal).ToList();
        if (diagnostics.Count > 0)
            files.Add(new SnapshotFile("", "txt", string.Join("\n", diagnostics.Select(Describe))));
        SnapshotStore.ForSourceFile(sourceFile).Verify(Path.GetFileNameWithoutExtension(sourceFile), testMethod, files);
    }

    /// <summary>A diagnostic as one stable line: id, severity, file-relative span, message.</summary>
    public static string Describe(Diagnostic d)
    {
        var span = d.Location.GetLineSpan();
        return $"{d.Id} {d.Severity} {Path.GetFileName(span.Path)}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1})-" +
               $"({span.EndLinePosition.Line + 1},{span.EndLinePosition.Character + 1}): {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
    }

    /// <summary>Removes what varies between builds: the generator's version in [GeneratedCode].</summary>
    public static string Scrub(string generated) =>
        System.Text.RegularExpressions.Regex.Replace(generated,
            "(GeneratedCode\\(\"ModelDsl\\.Generators\", \")[^\"]*(\"\\))", "$1{Version}$2");
}
