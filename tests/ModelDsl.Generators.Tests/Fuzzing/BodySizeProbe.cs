using System.Diagnostics;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using ModelDsl.Generators.Tests.Infrastructure;

namespace ModelDsl.Generators.Tests.Fuzzing;

/// <summary>One measurement: a body of <see cref="Operations"/> operations, the generator's and the compiler's times.</summary>
public sealed record BodySizeRow(string Kind, int Operations, double GeneratorSeconds, double GeneratorCpuSeconds, double InputCompileSeconds,
    double OutputCompileSeconds, int GeneratedCharacters, int GeneratedLines, string Diagnostics)
{
    public string ToLine() => string.Join('\t', "ROW", Kind, Operations, F(GeneratorSeconds), F(GeneratorCpuSeconds), F(InputCompileSeconds),
        F(OutputCompileSeconds), GeneratedCharacters, GeneratedLines, Diagnostics.Replace('\t', ' ').Replace('\n', ' '));

    public static BodySizeRow? Parse(string line)
    {
        string[] p = line.Split('\t');
        if (p.Length < 10 || p[0] != "ROW") return null;
        static double D(string s) => s == "NaN" ? double.NaN : double.Parse(s, CultureInfo.InvariantCulture);
        return new(p[1], int.Parse(p[2], CultureInfo.InvariantCulture), D(p[3]), D(p[4]), D(p[5]), D(p[6]),
            int.Parse(p[7], CultureInfo.InvariantCulture), int.Parse(p[8], CultureInfo.InvariantCulture), p[9]);
    }

    private static string F(double d) => double.IsNaN(d) ? "NaN" : d.ToString("0.000", CultureInfo.InvariantCulture);
}

/// <summary>
/// Measures the generator on long bodies in a thread with a 1 MB stack (the default of a .NET thread the compiler's
/// host would give it), in a child process: a stack overflow ends a process and cannot be caught, so it must not end
/// the test run. The child is a launcher compiled here with Roslyn that loads this test assembly from its directory
/// and calls <see cref="ChildMain"/>; each row is printed as soon as it is measured.
/// </summary>
public static class BodySizeProbe
{
    public const int OneMegabyte = 1024 * 1024;

    /// <summary>The child's entry point: <c>forward|differentiable size1,size2,... outputMax</c>.</summary>
    public static int ChildMain(string[] args)
    {
        string kind = args[0];
        int[] sizes = [.. args[1].Split(',').Select(int.Parse)];
        int outputMax = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : int.MaxValue;
        Measure(kind, 10, outputMax); // JIT and the references' symbols, so that the first row measures the generator only
        foreach (int n in sizes)
        {
            BodySizeRow? row = null;
            Exception? failure = null;
            var thread = new Thread(() =>
            {
                try
                {
                    row = Measure(kind, n, outputMax);
                }
                catch (Exception e)
                {
                    failure = e;
                }
            }, OneMegabyte);
            thread.Start();
            thread.Join();
            if (failure is not null)
            {
                Console.WriteLine($"ERROR\t{kind}\t{n}\t{failure.GetType().Name}: {failure.Message.Replace('\n', ' ')}");
                return 2;
            }
            Console.WriteLine(row!.ToLine());
            Console.Out.Flush();
        }
        return 0;
    }

    public static string Source(string kind, int operations) => kind == "forward" ? DeepBodies.Model(operations) : DeepBodies.Function(operations);

    /// <summary>
    /// Generator time (wall and process CPU) on the body, then the compiler on the input alone and, up to
    /// <paramref name="outputMax"/> operations (it is the slowest part: NaN above), with the generated code.
    /// </summary>
    public static BodySizeRow Measure(string kind, int operations, int outputMax = int.MaxValue)
    {
        var tree = CSharpSyntaxTree.ParseText(Source(kind, operations), GeneratorHarness.ParseOptions, path: "Input0.cs");
        CSharpCompilation input = GeneratorHarness.Compile().AddSyntaxTrees(tree);
        input = input.WithOptions(input.Options.WithConcurrentBuild(false)); // every phase on this thread, one core
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new ModelDslGenerator().AsSourceGenerator()], parseOptions: GeneratorHarness.ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: false));

        TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        driver = driver.RunGeneratorsAndUpdateCompilation(input, out Compilation output, out _);
        double generator = clock.Elapsed.TotalSeconds;
        double generatorCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;

        var result = driver.GetRunResult();
        var generated = result.GeneratedTrees.Select(t => t.GetText()).ToList();
        string diagnostics = string.Join(" ", result.Diagnostics.Select(d => d.Id).Distinct());
        if (result.Results.Single().Exception is { } e) diagnostics += $" threw {e.GetType().Name}";

        clock.Restart();
        int inputErrors = input.GetDiagnostics().Count(d => d.Severity == DiagnosticSeverity.Error && d.Id is not ("CS8795" or "CS9248"));
        double inputCompile = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var outputErrors = operations <= outputMax
            ? output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id).Distinct().ToList()
            : [];
        double outputCompile = operations <= outputMax ? clock.Elapsed.TotalSeconds : double.NaN;
        if (inputErrors > 0) diagnostics += $" input errors {inputErrors}";
        if (outputErrors.Count > 0) diagnostics += " output errors " + string.Join(" ", outputErrors);
        return new BodySizeRow(kind, operations, generator, generatorCpu, inputCompile, outputCompile,
            generated.Sum(t => t.Length), generated.Sum(t => t.Lines.Count), diagnostics.Trim());
    }

    private const string LauncherSource = """
        using System;
        using System.IO;
        using System.Runtime.Loader;

        public static class Launcher
        {
            public static int Main(string[] args)
            {
                string directory = args[0];
                AssemblyLoadContext.Default.Resolving += (context, name) =>
                {
                    string path = Path.Combine(directory, name.Name + ".dll");
                    return File.Exists(path) ? context.LoadFromAssemblyPath(path) : null;
                };
                var tests = AssemblyLoadContext.Default.LoadFromAssemblyPath(Path.Combine(directory, "ModelDsl.Generators.Tests.dll"));
                var main = tests.GetType("ModelDsl.Generators.Tests.Fuzzing.BodySizeProbe")!.GetMethod("ChildMain")!;
                return (int)main.Invoke(null, new object[] { args[1..] })!;
            }
        }
        """;

    private static readonly Lazy<string> Launcher = new(() =>
    {
        string directory = Path.Combine(Path.GetTempPath(), "modeldsl-body-size-probe-" + Environment.ProcessId);
        Directory.CreateDirectory(directory);
        string dll = Path.Combine(directory, "launcher.dll");
        var compilation = CSharpCompilation.Create("launcher", [CSharpSyntaxTree.ParseText(LauncherSource, GeneratorHarness.ParseOptions)],
            GeneratorHarness.Compile().References, new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        EmitResult emitted = compilation.Emit(dll);
        if (!emitted.Success) throw new InvalidOperationException("the probe launcher does not compile: " + string.Join("\n", emitted.Diagnostics));
        File.Copy(Path.Combine(AppContext.BaseDirectory, "ModelDsl.Generators.Tests.runtimeconfig.json"), Path.Combine(directory, "launcher.runtimeconfig.json"), overwrite: true);
        return dll;
    });

    /// <summary>Runs <see cref="ChildMain"/> in a child process; its rows, whether it ended normally, and its exit code and error output.</summary>
    public static (List<BodySizeRow> Rows, bool Completed, int ExitCode, string Error) RunChild(string kind, IReadOnlyList<int> sizes, int outputMax, TimeSpan timeout)
    {
        string dotnet = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        var start = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in (string[])["exec", Launcher.Value, AppContext.BaseDirectory, kind, string.Join(',', sizes), outputMax.ToString(CultureInfo.InvariantCulture)]) start.ArgumentList.Add(a);
        using var child = Process.Start(start)!;
        var rows = new List<BodySizeRow>();
        var lines = new List<string>();
        var error = new System.Text.StringBuilder();
        child.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (error) if (error.Length < 20_000) error.AppendLine(e.Data); };
        child.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (lines) lines.Add(e.Data); };
        child.BeginErrorReadLine();
        child.BeginOutputReadLine();
        bool finished = child.WaitForExit((int)timeout.TotalMilliseconds);
        if (!finished)
        {
            child.Kill();
            child.WaitForExit();
        }
        child.WaitForExit(); // flush the asynchronous readers
        lock (lines)
        {
            rows.AddRange(lines.Select(BodySizeRow.Parse).OfType<BodySizeRow>());
            foreach (string l in lines.Where(l => l.StartsWith("ERROR", StringComparison.Ordinal))) error.AppendLine(l);
        }
        return (rows, finished && child.ExitCode == 0, finished ? child.ExitCode : -1, finished ? error.ToString() : $"timed out after {timeout}\n{error}");
    }
}
