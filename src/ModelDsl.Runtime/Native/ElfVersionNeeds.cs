using System.Buffers.Binary;
using System.Text;

namespace ModelDsl.Native;

/// <summary>
/// Reads and edits the version requirements (<c>.gnu.version_r</c>) of a 64-bit little-endian ELF shared library.
/// </summary>
/// <remarks>
/// Marking a requirement <c>VER_FLG_WEAK</c> makes the dynamic loader accept a library that lacks that version
/// instead of refusing to load; a symbol bound to the missing version would still fail, so this is only safe for
/// versions whose symbols are never called (see <see cref="TorchRuntime"/>).
/// </remarks>
public static class ElfVersionNeeds
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    /// <summary>Every version name the library requires, with the library it requires it from and whether it is weak.</summary>
    public static IReadOnlyList<VersionNeed> Read(ReadOnlySpan<byte> elf)
    {
        var needs = new List<VersionNeed>();
        foreach (var e in Entries(elf))
            needs.Add(new VersionNeed(e.File, e.Version, (U16(elf, e.FlagsOffset) & VerFlagWeak) != 0));
        return needs;
    }

    /// <summary>
    /// Sets <c>VER_FLG_WEAK</c> on every requirement of <paramref name="version"/>. Returns how many entries changed
    /// (0 when they were already weak); throws <see cref="InvalidDataException"/> when the file is not an ELF64
    /// little-endian library or does not require that version at all.
    /// </summary>
    public static int MakeWeak(Span<byte> elf, string version)
    {
        var matching = Entries(elf).Where(e => e.Version == version).ToList();
        var offsets = new List<int>();
        foreach (var entry in matching)
            if ((U16(elf, entry.FlagsOffset) & VerFlagWeak) == 0) offsets.Add(entry.FlagsOffset);
        if (matching.Count == 0) throw new InvalidDataException($"The library does not require version '{version}'; there is nothing to weaken.");
        foreach (var offset in offsets)
        {
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(elf[offset..]);
            BinaryPrimitives.WriteUInt16LittleEndian(elf[offset..], (ushort)(flags | VerFlagWeak));
        }
        return offsets.Count;
    }

    private readonly record struct Entry(string File, string Version, int FlagsOffset);

    /// <summary>Every Vernaux entry: the required file, the version name and where its 16-bit flags live.</summary>
    private static List<Entry> Entries(ReadOnlySpan<byte> elf)
    {
        var entries = new List<Entry>();
        if (elf.Length < 0x40 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("Not an ELF file (bad magic).");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("Only 64-bit little-endian ELF files are supported.");

        long sectionTable = checked((long)U64(elf, 0x28));
        int entrySize = U16(elf, 0x3A);
        int count = U16(elf, 0x3C);
        for (int i = 0; i < count; i++)
        {
            int header = checked((int)(sectionTable + (long)i * entrySize));
            if (U32(elf, header + 4) != ShtGnuVerneed) continue;
            int sectionOffset = checked((int)U64(elf, header + 0x18));
            int needCount = checked((int)U32(elf, header + 0x2C)); // sh_info: number of Verneed entries
            int stringsHeader = checked((int)(sectionTable + (long)U32(elf, header + 0x28) * entrySize));
            int strings = checked((int)U64(elf, stringsHeader + 0x18));

            int need = sectionOffset;
            for (int n = 0; n < needCount; n++)
            {
                int auxCount = U16(elf, need + 2);
                string file = CString(elf, strings + (int)U32(elf, need + 4));
                int aux = need + (int)U32(elf, need + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    entries.Add(new Entry(file, CString(elf, strings + (int)U32(elf, aux + 8)), aux + 4));
                    aux += (int)U32(elf, aux + 12);
                }
                need += (int)U32(elf, need + 12);
            }
        }
        return entries;
    }

    private static ushort U16(ReadOnlySpan<byte> b, int o) => BinaryPrimitives.ReadUInt16LittleEndian(b.Slice(o, 2));
    private static uint U32(ReadOnlySpan<byte> b, int o) => BinaryPrimitives.ReadUInt32LittleEndian(b.Slice(o, 4));
    private static ulong U64(ReadOnlySpan<byte> b, int o) => BinaryPrimitives.ReadUInt64LittleEndian(b.Slice(o, 8));

    private static string CString(ReadOnlySpan<byte> b, int o)
    {
        int end = b[o..].IndexOf((byte)0);
        if (end < 0) throw new InvalidDataException($"Unterminated string at offset {o}.");
        return Encoding.ASCII.GetString(b.Slice(o, end));
    }
}

/// <summary>One version requirement of an ELF library: <paramref name="Version"/> needed from <paramref name="File"/>.</summary>
public sealed record VersionNeed(string File, string Version, bool IsWeak);
