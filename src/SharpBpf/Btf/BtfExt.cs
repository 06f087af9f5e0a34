using System.Buffers.Binary;

namespace SharpBpf.Btf;

/// <summary>A <c>.BTF.ext</c> func_info record: the function starting at <see cref="InstructionOffset"/> has BTF type <see cref="TypeId"/>.</summary>
public sealed record BtfFuncInfo(uint InstructionOffset, uint TypeId);

/// <summary>A <c>.BTF.ext</c> line_info record: the instruction at byte <see cref="InstructionOffset"/> of its section came from this source line.</summary>
public sealed record BtfLineInfo(uint InstructionOffset, string FileName, string SourceText, uint Line, uint Column);

/// <summary>
/// The parsed <c>.BTF.ext</c> section: func_info and line_info grouped by ELF section name. CO-RE relocation
/// records (core_relo) are skipped: this runtime has no kernel types to relocate against.
/// </summary>
public sealed class BtfExt
{
    private const ushort Magic = 0xeb9f;
    private const int HeaderMinSize = 24;
    private const string SectionName = ".BTF.ext";

    private BtfExt(IReadOnlyDictionary<string, IReadOnlyList<BtfFuncInfo>> functions, IReadOnlyDictionary<string, IReadOnlyList<BtfLineInfo>> lines)
    {
        FunctionInfo = functions;
        LineInfo = lines;
    }

    /// <summary>func_info records by ELF section name, offsets in bytes from the start of the section.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<BtfFuncInfo>> FunctionInfo { get; }

    /// <summary>line_info records by ELF section name, offsets in bytes from the start of the section.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<BtfLineInfo>> LineInfo { get; }

    /// <summary>Parses <c>.BTF.ext</c>; strings are looked up in <paramref name="btf"/>.</summary>
    /// <exception cref="BpfBtfException">The data is malformed; the message names the offset.</exception>
    public static BtfExt Parse(ReadOnlySpan<byte> data, BtfData btf)
    {
        if (data.Length < HeaderMinSize) throw Error(0, $"section is {data.Length} bytes, shorter than the {HeaderMinSize}-byte header");
        if (BinaryPrimitives.ReadUInt16LittleEndian(data) != Magic)
            throw Error(0, $"bad magic 0x{BinaryPrimitives.ReadUInt16LittleEndian(data):x4}, expected 0xeb9f");
        if (data[2] != 1) throw Error(2, $"unsupported version {data[2]}");
        uint headerLength = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
        if (headerLength < HeaderMinSize || headerLength > (uint)data.Length)
            throw Error(4, $"header length {headerLength} is outside {HeaderMinSize}..{data.Length}");

        var functions = ReadInfo(data, headerLength, 8, 8, (r, at) =>
            new BtfFuncInfo(BinaryPrimitives.ReadUInt32LittleEndian(r), BinaryPrimitives.ReadUInt32LittleEndian(r[4..])), btf, "func_info");
        var lines = ReadInfo(data, headerLength, 16, 16, (r, at) =>
        {
            uint lineColumn = BinaryPrimitives.ReadUInt32LittleEndian(r[12..]);
            return new BtfLineInfo(BinaryPrimitives.ReadUInt32LittleEndian(r), Text(btf, BinaryPrimitives.ReadUInt32LittleEndian(r[4..]), at + 4),
                Text(btf, BinaryPrimitives.ReadUInt32LittleEndian(r[8..]), at + 8), lineColumn >> 10, lineColumn & 0x3ff);
        }, btf, "line_info");
        return new BtfExt(functions, lines);
    }

    private delegate T RecordReader<T>(ReadOnlySpan<byte> record, long offset);

    private static IReadOnlyDictionary<string, IReadOnlyList<T>> ReadInfo<T>(ReadOnlySpan<byte> data, uint headerLength, int fieldOffset,
        int minimumRecordSize, RecordReader<T> read, BtfData btf, string what)
    {
        uint offset = BinaryPrimitives.ReadUInt32LittleEndian(data[fieldOffset..]);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(data[(fieldOffset + 4)..]);
        var result = new Dictionary<string, IReadOnlyList<T>>();
        if (length == 0) return result;
        ulong start = (ulong)headerLength + offset;
        if (start > (ulong)data.Length || (ulong)data.Length - start < length)
            throw Error(fieldOffset, $"{what} (offset {offset}, length {length}) extends past the {data.Length}-byte section");
        var block = data.Slice((int)start, (int)length);
        if (block.Length < 4) throw Error((long)start, $"{what} is too short for its record size field");
        uint recordSize = BinaryPrimitives.ReadUInt32LittleEndian(block);
        if (recordSize < minimumRecordSize || recordSize > 1024)
            throw Error((long)start, $"{what} record size {recordSize} is outside {minimumRecordSize}..1024");
        int position = 4;
        while (position < block.Length)
        {
            long at = (long)start + position;
            if (block.Length - position < 8) throw Error(at, $"{what} section header is truncated");
            string section = Text(btf, BinaryPrimitives.ReadUInt32LittleEndian(block[position..]), at);
            uint count = BinaryPrimitives.ReadUInt32LittleEndian(block[(position + 4)..]);
            position += 8;
            if ((ulong)count * recordSize > (ulong)(block.Length - position))
                throw Error(at + 4, $"{what} for section '{section}' declares {count} records of {recordSize} bytes, more than the {block.Length - position} bytes left");
            var records = new T[count];
            for (int i = 0; i < count; i++)
            {
                records[i] = read(block.Slice(position, (int)recordSize), (long)start + position);
                position += (int)recordSize;
            }
            if (result.TryGetValue(section, out var existing)) records = [.. existing, .. records];
            result[section] = records;
        }
        return result;
    }

    private static string Text(BtfData btf, uint offset, long at)
    {
        try
        {
            return btf.GetString(offset);
        }
        catch (BpfBtfException)
        {
            throw Error(at, $"string offset {offset} is outside the .BTF string section");
        }
    }

    private static BpfBtfException Error(long offset, string problem) => new(SectionName, offset, problem);
}
