/// <summary>
/// A .NET startup hook (called by the runtime before <c>Main</c>) for F# executables that reference the ModelDsl package:
/// F# has no module initializers, and an F# program's first line may be a plain <c>torch</c> call. The package's
/// buildTransitive targets name this assembly in the app's runtimeconfig (<c>STARTUP_HOOKS</c>) for F# executables only.
/// The runtime requires this exact shape: a class named <c>StartupHook</c> in the global namespace with
/// <c>public static void Initialize()</c>.
/// </summary>
internal static class StartupHook
{
    public static void Initialize()
    {
        try { ModelDsl.TorchRuntime.Initialize(); }
        catch (Exception) { /* Reported again, with its message, by the first torch call or an explicit TorchRuntime.Initialize(). */ }
    }
}
