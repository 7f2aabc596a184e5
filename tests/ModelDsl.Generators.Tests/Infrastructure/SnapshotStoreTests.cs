namespace ModelDsl.Generators.Tests.Infrastructure;

public sealed class SnapshotStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "modeldsl-snapshots-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static SnapshotFile Source(string text) => new("#Demo.Model.g", "cs", text);

    [Fact]
    public void A_new_snapshot_fails_and_writes_the_received_file()
    {
        var e = Assert.Throws<SnapshotMismatchException>(() => new SnapshotStore(_dir, accept: false).Verify("C", "M", [Source("a\nb")]));
        Assert.Contains("New: C.M#Demo.Model.g.received.cs", e.Message);
        Assert.Equal("a\nb", File.ReadAllText(Path.Combine(_dir, "C.M#Demo.Model.g.received.cs")));
    }

    [Fact]
    public void A_mismatch_shows_the_diff_and_a_match_deletes_the_received_file()
    {
        File.WriteAllText(Path.Combine(_dir.CreateDirectory(), "C.M#Demo.Model.g.verified.cs"), "\uFEFFa\r\nb\r\n");
        var store = new SnapshotStore(_dir, accept: false);

        var e = Assert.Throws<SnapshotMismatchException>(() => store.Verify("C", "M", [Source("a\nc")]));
        Assert.Contains("NotEqual: C.M#Demo.Model.g.verified.cs", e.Message);
        Assert.Contains("- b", e.Message);
        Assert.Contains("+ c", e.Message);
        Assert.True(File.Exists(Path.Combine(_dir, "C.M#Demo.Model.g.received.cs")));

        store.Verify("C", "M", [Source("a\nb\n")]); // BOM, CRLF and the trailing newline are normalised away
        Assert.False(File.Exists(Path.Combine(_dir, "C.M#Demo.Model.g.received.cs")));
    }

    [Fact]
    public void Accepting_writes_verified_files_with_bom_lf_and_no_trailing_newline()
    {
        new SnapshotStore(_dir, accept: true).Verify("C", "M", [Source("x\r\ny\n"), new SnapshotFile("", "txt", "MD0001 Error")]);
        var bytes = File.ReadAllBytes(Path.Combine(_dir, "C.M#Demo.Model.g.verified.cs"));
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF, (byte)'x', (byte)'\n', (byte)'y' }, bytes);
        Assert.Equal("MD0001 Error", File.ReadAllText(Path.Combine(_dir, "C.M.verified.txt")));
    }

    [Fact]
    public void Received_files_of_other_tests_with_a_longer_name_are_left_alone()
    {
        Directory.CreateDirectory(_dir);
        string other = Path.Combine(_dir, "C.MethodTwo#X.received.cs");
        File.WriteAllText(other, "keep");
        new SnapshotStore(_dir, accept: true).Verify("C", "Method", [Source("z")]);
        Assert.True(File.Exists(other));
    }
}

internal static class DirectoryExtensions
{
    public static string CreateDirectory(this string path)
    {
        Directory.CreateDirectory(path);
        return path;
    }
}
