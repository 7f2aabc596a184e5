namespace ModelDsl.Generators.Emit;

/// <summary>
/// The module initializer written into every assembly that references the runtime: it runs
/// <c>ModelDsl.TorchRuntime.Initialize()</c> before the assembly's first code, so that a program may start with a plain
/// <c>torch</c> call and still find TorchSharp's natives (repaired where the system's libstdc++ is too old).
/// </summary>
internal static class ModuleInitializerEmitter
{
    public static string Emit()
    {
        var w = new CodeWriter();
        w.WriteHeader();
        using (w.WriteBlock("namespace ModelDsl.Generated"))
        {
            w.WriteLine("/// <summary>Loads TorchSharp's natives (repairing them where needed) before this assembly's first code runs.</summary>");
            w.WriteLine(CodeWriter.GeneratedCodeAttribute);
            using (w.WriteBlock("internal static class ModelDslModuleInitializer"))
            {
                // CA2255 warns that module initializers are for libraries' own use; running before user code is the point.
                w.WriteLine("#pragma warning disable CA2255");
                w.WriteLine("[global::System.Runtime.CompilerServices.ModuleInitializer]");
                w.WriteLine("internal static void Initialize()");
                w.WriteLine("{");
                w.WriteLine("    try { global::ModelDsl.TorchRuntime.Initialize(); }");
                w.WriteLine("    // Reported again, with its message, by the first torch call or an explicit TorchRuntime.Initialize().");
                w.WriteLine("    catch (global::System.Exception) { }");
                w.WriteLine("}");
                w.WriteLine("#pragma warning restore CA2255");
            }
        }
        return w.ToString();
    }
}
