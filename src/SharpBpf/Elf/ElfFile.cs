using System.Buffers.Binary;
using System.Text;

namespace SharpBpf.Elf;

/// <summary>ELF section types the loader distinguishes.</summary>
internal static class SectionType
{
    public const uint Null = 0, ProgBits = 1, SymTab = 2, StrTab = 3, Rela = 4, NoBits = 8, Rel = 9;
}

/// <summary>One section header, with its name resolved.</summary>
internal sealed record ElfSection(int Index, string Name, uint Type, ulong Flags, long Offset, long Size, int Link, uint Info, ulong EntrySize, long HeaderOffset)
{
    public const ulong FlagWrite = 0x1, FlagAlloc = 0x2, FlagExecInstr = 0x4;

    public bool IsExecutable => (Flags & FlagExecInstr) != 0;

    /// <summary>True when the section occupies bytes in the file (NOBITS and NULL do not).</summary>
    public bool HasFileBytes => Type is not (SectionType.NoBits or SectionType.Null);
}

/// <summary>One symbol table entry.</summary>
internal sealed record ElfSymbol(int Index, string Name, ulong Value, ulong Size, byte Type, byte Bind, int SectionIndex, long FileOffset)
{
    public const byte TypeNoType = 0, TypeObject = 1, TypeFunc = 2, TypeSection = 3;
    public const byte BindLocal = 0, BindGlobal = 1, BindWeak = 2;
    public const int SectionUndefined = 0, SectionAbsolute = 0xfff1, SectionCommon = 0xfff2;

    public bool IsDefinedInSection => SectionIndex is not (SectionUndefined or SectionAbsolute or SectionCommon);
}

/// <summary>One REL or RELA entry; <see cref="Addend"/> is 0 for REL (the addend is implicit in the patched bytes).</summary>
internal sealed record ElfRelocation(ulong Offset, uint Type, int SymbolIndex, long Addend, bool HasExplicitAddend, long FileOffset);

/// <summary>
/// A validated little-endian ELF64 relocatable object: every header field, table and index is checked on load, so
/// the rest of the loader can index sections, symbols and strings without further range checks.
/// </summary>
internal sealed class ElfFile
{
    public const ushort MachineNone = 0, MachineBpf = 247;
    private const int HeaderSize = 64, SectionHeaderSize = 64, SymbolSize = 24, RelSize = 16, RelaSize = 24;
    private const int SectionIndexReservedStart = 0xff00;

    private readonly byte[] _bytes;

    private ElfFile(byte[] bytes) => _bytes = bytes;

    public ReadOnlySpan<byte> Bytes => _bytes;
    public ushort Machine { get; private set; }
    public IReadOnlyList<ElfSection> Sections { get; private set; } = [];
    public IReadOnlyList<ElfSymbol> Symbols { get; private set; } = [];
    public ElfSection? SymbolTable { get; private set; }

    /// <summary>Relocation sections by the index of the section they patch.</summary>
    public IReadOnlyDictionary<int, IReadOnlyList<(ElfSection Section, ElfRelocation[] Entries)>> RelocationsByTarget { get; private set; } =
        new Dictionary<int, IReadOnlyList<(ElfSection, ElfRelocation[])>>();

    public ReadOnlySpan<byte> Contents(ElfSection section) =>
        section.HasFileBytes ? _bytes.AsSpan((int)section.Offset, (int)section.Size) : ReadOnlySpan<byte>.Empty;

    public ElfSection? FindSection(string name) => Sections.FirstOrDefault(s => s.Name == name);

    public static ElfFile Parse(ReadOnlySpan<byte> input)
    {
        var file = new ElfFile(input.ToArray());
        file.ParseAll();
        return file;
    }

    private void ParseAll()
    {
        var data = Bytes;
        if (data.Length < HeaderSize)
            throw Header(0, $"file is {data.Length} bytes, shorter than the 64-byte ELF64 header");
        if (data[0] != 0x7f || data[1] != (byte)'E' || data[2] != (byte)'L' || data[3] != (byte)'F')
            throw Header(0, $"bad magic {data[0]:x2} {data[1]:x2} {data[2]:x2} {data[3]:x2}, expected 7f 45 4c 46 (\\x7fELF)");
        if (data[4] != 2) throw Header(4, $"ELF class {data[4]} is not ELFCLASS64 (2)");
        if (data[5] != 1) throw Header(5, $"data encoding {data[5]} is not little-endian ELFDATA2LSB (1)");
        if (data[6] != 1) throw Header(6, $"ELF identification version {data[6]} is not EV_CURRENT (1)");
        Machine = BinaryPrimitives.ReadUInt16LittleEndian(data[18..]);
        if (Machine is not (MachineBpf or MachineNone))
            throw Header(18, $"machine {Machine} is neither EM_BPF (247) nor EM_NONE (0)");
        ulong sectionTableOffset = BinaryPrimitives.ReadUInt64LittleEndian(data[40..]);
        ushort sectionHeaderSize = BinaryPrimitives.ReadUInt16LittleEndian(data[58..]);
        ushort sectionCount = BinaryPrimitives.ReadUInt16LittleEndian(data[60..]);
        ushort namesIndex = BinaryPrimitives.ReadUInt16LittleEndian(data[62..]);
        if (sectionCount == 0) throw Header(60, "the object has no section headers (e_shnum is 0)");
        if (sectionHeaderSize != SectionHeaderSize)
            throw Header(58, $"section header size e_shentsize is {sectionHeaderSize}, expected {SectionHeaderSize}");
        long tableBytes = (long)sectionCount * SectionHeaderSize;
        if (sectionTableOffset > (ulong)data.Length || (ulong)data.Length - sectionTableOffset < (ulong)tableBytes)
            throw Header(40, $"section header table at 0x{sectionTableOffset:x} ({sectionCount} x {SectionHeaderSize} bytes) extends past the end of the {data.Length}-byte file");
        if ((long)sectionTableOffset < HeaderSize)
            throw Header(40, $"section header table at 0x{sectionTableOffset:x} overlaps the ELF header");
        if (namesIndex >= sectionCount)
            throw Header(62, $"section name table index e_shstrndx {namesIndex} is out of range (0..{sectionCount - 1})");

        var namesHeader = data.Slice((int)sectionTableOffset + namesIndex * SectionHeaderSize, SectionHeaderSize);
        ulong namesOffset = BinaryPrimitives.ReadUInt64LittleEndian(namesHeader[24..]), namesSize = BinaryPrimitives.ReadUInt64LittleEndian(namesHeader[32..]);
        if (BinaryPrimitives.ReadUInt32LittleEndian(namesHeader[4..]) != SectionType.StrTab)
            throw Header(62, $"section name table #{namesIndex} has type {BinaryPrimitives.ReadUInt32LittleEndian(namesHeader[4..])}, expected SHT_STRTAB (3)");
        if (namesOffset > (ulong)data.Length || (ulong)data.Length - namesOffset < namesSize)
            throw Header((long)sectionTableOffset + namesIndex * SectionHeaderSize + 24,
                $"section name table #{namesIndex} at 0x{namesOffset:x} with size 0x{namesSize:x} extends past the end of the {data.Length}-byte file");
        var nameTable = data.Slice((int)namesOffset, (int)namesSize);

        var raw = new (uint Name, uint Type, ulong Flags, ulong Offset, ulong Size, uint Link, uint Info, ulong EntSize, long HeaderOffset)[sectionCount];
        for (int i = 0; i < sectionCount; i++)
        {
            long at = (long)sectionTableOffset + (long)i * SectionHeaderSize;
            var h = data.Slice((int)at, SectionHeaderSize);
            raw[i] = (BinaryPrimitives.ReadUInt32LittleEndian(h), BinaryPrimitives.ReadUInt32LittleEndian(h[4..]),
                BinaryPrimitives.ReadUInt64LittleEndian(h[8..]), BinaryPrimitives.ReadUInt64LittleEndian(h[24..]),
                BinaryPrimitives.ReadUInt64LittleEndian(h[32..]), BinaryPrimitives.ReadUInt32LittleEndian(h[40..]),
                BinaryPrimitives.ReadUInt32LittleEndian(h[44..]), BinaryPrimitives.ReadUInt64LittleEndian(h[56..]), at);
            if (raw[i].Type is not (SectionType.NoBits or SectionType.Null))
            {
                if (raw[i].Offset > (ulong)data.Length || (ulong)data.Length - raw[i].Offset < raw[i].Size)
                    throw new BpfElfException(ReadString(nameTable, raw[i].Name) ?? $"#{i}", at + 24,
                        $"section #{i} contents at 0x{raw[i].Offset:x} with size 0x{raw[i].Size:x} extend past the end of the {data.Length}-byte file");
            }
        }


        var sections = new ElfSection[sectionCount];
        for (int i = 0; i < sectionCount; i++)
        {
            var r = raw[i];
            string name = ReadString(nameTable, r.Name) ??
                throw new BpfElfException($"#{i}", r.HeaderOffset, $"section name offset {r.Name} is outside the section name table (size {nameTable.Length}) or not NUL-terminated");
            if (r.Link >= sectionCount)
                throw new BpfElfException(name, r.HeaderOffset + 40, $"link field {r.Link} is not a valid section index (0..{sectionCount - 1})");
            sections[i] = new ElfSection(i, name, r.Type, r.Flags, (long)r.Offset, (long)r.Size, (int)r.Link, r.Info, r.EntSize, r.HeaderOffset);
        }
        Sections = sections;
        CheckOverlaps(sections, (long)sectionTableOffset, tableBytes);
        ParseSymbols();
        ParseRelocations();
    }

    private static void CheckOverlaps(ElfSection[] sections, long tableOffset, long tableBytes)
    {
        var occupied = sections.Where(s => s.HasFileBytes && s.Size > 0)
            .Select(s => (Start: s.Offset, End: s.Offset + s.Size, s.Name, s.HeaderOffset))
            .Append((Start: 0L, End: (long)HeaderSize, Name: "ELF header", HeaderOffset: 0L))
            .Append((Start: tableOffset, End: tableOffset + tableBytes, Name: "section header table", HeaderOffset: 40L))
            .OrderBy(s => s.Start).ThenBy(s => s.End).ToArray();
        for (int i = 1; i < occupied.Length; i++)
        {
            var previous = occupied[i - 1];
            var current = occupied[i];
            if (current.Start < previous.End)
            {
                string culprit = current.Name is "ELF header" or "section header table" ? previous.Name : current.Name;
                string other = culprit == current.Name ? previous.Name : current.Name;
                throw new BpfElfException(culprit is "ELF header" or "section header table" ? null : culprit, current.Start,
                    $"contents overlap {other} (0x{previous.Start:x}..0x{previous.End:x} and 0x{current.Start:x}..0x{current.End:x})");
            }
        }
    }

    private void ParseSymbols()
    {
        var symbolTables = Sections.Where(s => s.Type == SectionType.SymTab).ToArray();
        if (symbolTables.Length == 0) return;
        if (symbolTables.Length > 1)
            throw new BpfElfException(symbolTables[1].Name, symbolTables[1].HeaderOffset, "the object has more than one symbol table");
        var table = symbolTables[0];
        SymbolTable = table;
        if (table.EntrySize != SymbolSize)
            throw new BpfElfException(table.Name, table.HeaderOffset + 56, $"symbol entry size {table.EntrySize} is not {SymbolSize}");
        if (table.Size % SymbolSize != 0)
            throw new BpfElfException(table.Name, table.Offset, $"size {table.Size} is not a multiple of the {SymbolSize}-byte symbol entry");
        var strings = Sections[table.Link];
        if (strings.Type != SectionType.StrTab)
            throw new BpfElfException(table.Name, table.HeaderOffset + 40, $"link {table.Link} ('{strings.Name}') is not a string table");
        var stringBytes = Contents(strings);
        var contents = Contents(table);
        int count = contents.Length / SymbolSize;
        var symbols = new ElfSymbol[count];
        for (int i = 0; i < count; i++)
        {
            var entry = contents.Slice(i * SymbolSize, SymbolSize);
            long at = table.Offset + (long)i * SymbolSize;
            uint nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(entry);
            string name = ReadString(stringBytes, nameOffset) ??
                throw new BpfElfException(table.Name, at, $"symbol #{i} name offset {nameOffset} is outside '{strings.Name}' (size {stringBytes.Length}) or not NUL-terminated");
            byte info = entry[4];
            ushort sectionIndex = BinaryPrimitives.ReadUInt16LittleEndian(entry[6..]);
            if (sectionIndex >= Sections.Count && sectionIndex is not (ElfSymbol.SectionAbsolute or ElfSymbol.SectionCommon))
                throw new BpfElfException(table.Name, at + 6,
                    sectionIndex >= SectionIndexReservedStart
                        ? $"symbol #{i} '{name}' uses unsupported reserved section index 0x{sectionIndex:x}"
                        : $"symbol #{i} '{name}' section index {sectionIndex} is out of range (0..{Sections.Count - 1})");
            symbols[i] = new ElfSymbol(i, name, BinaryPrimitives.ReadUInt64LittleEndian(entry[8..]),
                BinaryPrimitives.ReadUInt64LittleEndian(entry[16..]), (byte)(info & 0xf), (byte)(info >> 4), sectionIndex, at);
        }
        Symbols = symbols;
    }

    private void ParseRelocations()
    {
        var byTarget = new Dictionary<int, List<(ElfSection, ElfRelocation[])>>();
        foreach (var section in Sections)
        {
            if (section.Type is not (SectionType.Rel or SectionType.Rela)) continue;
            bool explicitAddend = section.Type == SectionType.Rela;
            int entrySize = explicitAddend ? RelaSize : RelSize;
            if (section.EntrySize != (ulong)entrySize)
                throw new BpfElfException(section.Name, section.HeaderOffset + 56, $"relocation entry size {section.EntrySize} is not {entrySize}");
            if (section.Size % entrySize != 0)
                throw new BpfElfException(section.Name, section.Offset, $"size {section.Size} is not a multiple of the {entrySize}-byte relocation entry");
            if (SymbolTable is null || section.Link != SymbolTable.Index)
                throw new BpfElfException(section.Name, section.HeaderOffset + 40, $"link {section.Link} is not the symbol table");
            if (section.Info == 0 || section.Info >= Sections.Count)
                throw new BpfElfException(section.Name, section.HeaderOffset + 44, $"info field {section.Info} is not a valid target section index (1..{Sections.Count - 1})");
            var contents = Contents(section);
            int count = contents.Length / entrySize;
            var entries = new ElfRelocation[count];
            for (int i = 0; i < count; i++)
            {
                var entry = contents.Slice(i * entrySize, entrySize);
                long at = section.Offset + (long)i * entrySize;
                ulong info = BinaryPrimitives.ReadUInt64LittleEndian(entry[8..]);
                ulong symbolIndex = info >> 32;
                if (symbolIndex >= (ulong)Symbols.Count)
                    throw new BpfElfException(section.Name, at + 8, $"relocation #{i} symbol index {symbolIndex} is out of range (symbol table has {Symbols.Count} entries)");
                entries[i] = new ElfRelocation(BinaryPrimitives.ReadUInt64LittleEndian(entry), (uint)info, (int)symbolIndex,
                    explicitAddend ? BinaryPrimitives.ReadInt64LittleEndian(entry[16..]) : 0, explicitAddend, at);
            }
            if (!byTarget.TryGetValue((int)section.Info, out var list)) byTarget[(int)section.Info] = list = [];
            list.Add((section, entries));
        }
        RelocationsByTarget = byTarget.ToDictionary(p => p.Key, p => (IReadOnlyList<(ElfSection, ElfRelocation[])>)p.Value);
    }

    /// <summary>Reads a NUL-terminated string at <paramref name="offset"/>, or null when it is out of range or unterminated.</summary>
    internal static string? ReadString(ReadOnlySpan<byte> table, ulong offset)
    {
        if (offset >= (ulong)table.Length) return table.Length == 0 && offset == 0 ? "" : null;
        var rest = table[(int)offset..];
        int end = rest.IndexOf((byte)0);
        return end < 0 ? null : Encoding.UTF8.GetString(rest[..end]);
    }

    private static BpfElfException Header(long offset, string problem) => new(null, offset, problem);
}
