using TorchSharp;

namespace ModelDsl.Runtime.Tests.Checkpoints;

/// <summary>Tests that write files: a fresh temporary directory per test, deleted afterwards; torch initialised.</summary>
public abstract class FileTests : IDisposable
{
    protected FileTests()
    {
        TorchRuntime.Initialize();
        Dir = Directory.CreateTempSubdirectory($"modeldsl-{GetType().Name}-").FullName;
    }

    /// <summary>The test's directory.</summary>
    protected string Dir { get; }

    /// <summary>A path inside <see cref="Dir"/>.</summary>
    protected string PathOf(params string[] parts) => Path.Combine([Dir, .. parts]);

    public void Dispose()
    {
        Directory.Delete(Dir, recursive: true);
        GC.SuppressFinalize(this);
    }
}
