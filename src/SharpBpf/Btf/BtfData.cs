using System.Buffers.Binary;
using SharpBpf.Elf;

namespace SharpBpf.Btf;

/// <summary>
/// The parsed <c>.BTF</c> section: every type kind and the string section, with every type reference checked to
/// be in range, plus resolution helpers (modifier chains, sizes, member lookup) that stop on reference cycles.
/// </summary>
public sealed class BtfData
{
    private const ushort Magic = 0xeb9f;
    private const int HeaderMinSize = 24;
    /// <summary>Longest typedef/modifier/array chain followed before giving up (libbpf's MAX_RESOLVE_DEPTH).</summary>
    private const int MaxResolveDepth = 32;
    private const string SectionName = ".BTF";

    private readonly byte[] _strings;
    private readonly BtfType[] _types;

    private BtfData(byte[] strings, BtfType[] types)
    {
        _strings = strings;
        _types = types;
    }

    /// <summary>All types indexed by id; entry 0 is void.</summary>
    public IReadOnlyList<BtfType> Types => _types;

    /// <summary>Parses a <c>.BTF</c> section.</summary>
    /// <exception cref="BpfBtfException">The data is malformed; the message names the offset.</exception>
    public static BtfData Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length < HeaderMinSize) throw Error(0, $"section is {data.Length} bytes, shorter than the {HeaderMinSize}-byte BTF header");
        if (BinaryPrimitives.ReadUInt16LittleEndian(data) != Magic)
            throw Error(0, $"bad magic 0x{BinaryPrimitives.ReadUInt16LittleEndian(data):x4}, expected 0xeb9f (little-endian BTF)");
        if (data[2] != 1) throw Error(2, $"unsupported BTF version {data[2]}");
        uint headerLength = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
        if (headerLength < HeaderMinSize || headerLength > (uint)data.Length)
            throw Error(4, $"header length {headerLength} is outside {HeaderMinSize}..{data.Length}");
        var typeSection = Slice(data, headerLength, BinaryPrimitives.ReadUInt32LittleEndian(data[8..]), BinaryPrimitives.ReadUInt32LittleEndian(data[12..]), 8, "type");
        var stringSection = Slice(data, headerLength, BinaryPrimitives.ReadUInt32LittleEndian(data[16..]), BinaryPrimitives.ReadUInt32LittleEndian(data[20..]), 16, "string");
        long typeBase = headerLength + (long)BinaryPrimitives.ReadUInt32LittleEndian(data[8..]);
        if (stringSection.Length > 0 && stringSection[^1] != 0)
            throw Error(headerLength + (long)BinaryPrimitives.ReadUInt32LittleEndian(data[16..]) + stringSection.Length - 1, "string section is not NUL-terminated");
        var strings = stringSection.ToArray();
        var types = new List<BtfType> { new(0, BtfKind.Void, "", 0, 0, false) };
        int position = 0;
        while (position < typeSection.Length)
        {
            long at = typeBase + position;
            var rest = typeSection[position..];
            if (rest.Length < 12) throw Error(at, $"type [{types.Count}] header is truncated ({rest.Length} bytes left)");
            string name = StringAt(strings, BinaryPrimitives.ReadUInt32LittleEndian(rest), at);
            uint info = BinaryPrimitives.ReadUInt32LittleEndian(rest[4..]);
            uint sizeOrType = BinaryPrimitives.ReadUInt32LittleEndian(rest[8..]);
            uint vlen = info & 0xffff;
            uint kindNumber = (info >> 24) & 0x1f;
            bool kindFlag = (info >> 31) != 0;
            if (kindNumber is 0 or > (uint)BtfKind.Enum64) throw Error(at + 4, $"type [{types.Count}] has unknown kind {kindNumber}");
            var kind = (BtfKind)kindNumber;
            uint id = (uint)types.Count;
            long extraLength = kind switch
            {
                BtfKind.Int or BtfKind.Var or BtfKind.DeclTag => 4,
                BtfKind.Array => 12,
                BtfKind.Struct or BtfKind.Union or BtfKind.DataSection or BtfKind.Enum64 => 12L * vlen,
                BtfKind.Enum or BtfKind.FuncProto => 8L * vlen,
                _ => 0,
            };
            if (rest.Length - 12 < extraLength)
                throw Error(at, $"type [{id}] {kind} needs {extraLength} bytes after its header, only {rest.Length - 12} remain");
            var extra = rest.Slice(12, (int)extraLength);
            var type = kind switch
            {
                BtfKind.Int => new BtfType(id, kind, name, sizeOrType, vlen, kindFlag) { IntEncoding = BinaryPrimitives.ReadUInt32LittleEndian(extra) },
                BtfKind.Array => new BtfType(id, kind, name, sizeOrType, vlen, kindFlag)
                {
                    Array = new BtfArrayInfo(BinaryPrimitives.ReadUInt32LittleEndian(extra), BinaryPrimitives.ReadUInt32LittleEndian(extra[4..]),
                        BinaryPrimitives.ReadUInt32LittleEndian(extra[8..])),
                },
                BtfKind.Struct or BtfKind.Union => new BtfType(id, kind, name, sizeOrType, vlen, kindFlag)
                {
                    Members = Records(extra, 12, (r, i) =>
                    {
                        uint offset = BinaryPrimitives.ReadUInt32LittleEndian(r[8..]);
                        return new BtfMember(StringAt(strings, BinaryPrimitives.ReadUInt32LittleEndian(r), at + 12 + 12 * i),
                            BinaryPrimitives.ReadUInt32LittleEndian(r[4..]), kindFlag ? offset & 0xffffff : offset, kindFlag ? offset >> 24 : 0);
                    }),
                },
                BtfKind.Enum => new BtfType(id, kind, name, sizeOrType, vlen, kindFlag)
                {
                    EnumValues = Records(extra, 8, (r, i) => new BtfEnumValue(StringAt(strings, BinaryPrimitives.ReadUInt32LittleEndian(r), at + 12 + 8 * i),
                        kindFlag ? BinaryPrimitives.ReadInt32LittleEndian(r[4..]) : BinaryPrimitives.ReadUInt32LittleEndian(r[4..]))),
                },
                BtfKind.Enum64 => new BtfType(id, kind, name, sizeOrType, vlen, kindFlag)
                {
                    EnumValues = Records(extra, 12, (r, i) => new BtfEnumValue(StringAt(strings, BinaryPrimitives.ReadUInt32LittleEndian(r), at + 12 + 12 * i),
                        (long)(BinaryPrimitives.ReadUInt32LittleEndian(r[4..]) | ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(r[8..]) << 32)))),
                },
                BtfKind.FuncProto => new BtfType(id, kind, name, sizeOrType, vlen, kindFlag)
                {
                    Parameters = Records(extra, 8, (r, i) => new BtfParameter(StringAt(strings, BinaryPrimitives.ReadUInt32LittleEndian(r), at + 12 + 8 * i),
                        BinaryPrimitives.ReadUInt32LittleEndian(r[4..]))),
                },
                BtfKind.Var => new BtfType(id, kind, name, sizeOrType, vlen, kindFlag) { Linkage = BinaryPrimitives.ReadUInt32LittleEndian(extra) },
                BtfKind.DataSection => new BtfType(id, kind, name, sizeOrType, vlen, kindFlag)
                {
                    Variables = Records(extra, 12, (r, _) => new BtfVariableSection(BinaryPrimitives.ReadUInt32LittleEndian(r),
                        BinaryPrimitives.ReadUInt32LittleEndian(r[4..]), BinaryPrimitives.ReadUInt32LittleEndian(r[8..]))),
                },
                BtfKind.DeclTag => new BtfType(id, kind, name, sizeOrType, vlen, kindFlag) { ComponentIndex = BinaryPrimitives.ReadInt32LittleEndian(extra) },
                _ => new BtfType(id, kind, name, sizeOrType, vlen, kindFlag),
            };
            types.Add(type);
            position += 12 + (int)extraLength;
        }

        var btf = new BtfData(strings, types.ToArray());
        btf.CheckReferences();
        return btf;
    }

    /// <summary>The type with id <paramref name="id"/>.</summary>
    /// <exception cref="BpfBtfException">No such type.</exception>
    public BtfType GetType(uint id) =>
        id < (uint)_types.Length ? _types[id] : throw Error(0, $"type id {id} is out of range (0..{_types.Length - 1})");

    /// <summary>The string at <paramref name="offset"/> in the string section.</summary>
    /// <exception cref="BpfBtfException">The offset is outside the string section.</exception>
    public string GetString(uint offset) => StringAt(_strings, offset, 0);

    /// <summary>Follows TYPEDEF, CONST, VOLATILE, RESTRICT and TYPE_TAG links to the underlying type.</summary>
    /// <exception cref="BpfBtfException">The chain is longer than 32 links (or cyclic).</exception>
    public BtfType ResolveModifiers(uint id)
    {
        var type = GetType(id);
        for (int depth = 0; type.Kind is BtfKind.Typedef or BtfKind.Const or BtfKind.Volatile or BtfKind.Restrict or BtfKind.TypeTag; depth++)
        {
            if (depth >= MaxResolveDepth) throw Error(0, $"type [{id}]: typedef/modifier chain is longer than {MaxResolveDepth} links (or cyclic)");
            type = GetType(type.SizeOrType);
        }
        return type;
    }

    /// <summary>Size in bytes of the type (pointers are 8 bytes), following modifiers and arrays.</summary>
    /// <exception cref="BpfBtfException">The type has no size (void, function, forward declaration) or its size overflows.</exception>
    public ulong SizeOf(uint id) => SizeOf(id, 0);

    private ulong SizeOf(uint id, int depth)
    {
        if (depth >= MaxResolveDepth) throw Error(0, $"type [{id}]: array nesting is deeper than {MaxResolveDepth} (or cyclic)");
        var type = ResolveModifiers(id);
        if (type.HasSize) return type.SizeOrType;
        return type.Kind switch
        {
            BtfKind.Pointer => 8,
            BtfKind.Array => ArraySize(type, SizeOf(type.Array!.ElementTypeId, depth + 1)),
            BtfKind.Var => SizeOf(type.SizeOrType, depth + 1),
            _ => throw Error(0, $"type [{type.Id}] {type.Kind} '{type.Name}' has no size"),
        };
    }

    private static ulong ArraySize(BtfType array, ulong elementSize)
    {
        ulong count = array.Array!.Count;
        if (count != 0 && elementSize > ulong.MaxValue / count)
            throw Error(0, $"type [{array.Id}] array of {count} elements of {elementSize} bytes overflows 64 bits");
        return elementSize * count;
    }

    /// <summary>Finds the member named <paramref name="name"/> of the struct or union <paramref name="structId"/> (after modifiers), or null.</summary>
    public BtfMember? FindMember(uint structId, string name)
    {
        var type = ResolveModifiers(structId);
        return type.Kind is BtfKind.Struct or BtfKind.Union ? type.Members.FirstOrDefault(m => m.Name == name) : null;
    }

    /// <summary>The first type of <paramref name="kind"/> named <paramref name="name"/>, or null.</summary>
    public BtfType? FindByName(string name, BtfKind kind) => _types.FirstOrDefault(t => t.Kind == kind && t.Name == name);

    private void CheckReferences()
    {
        uint count = (uint)_types.Length;
        foreach (var type in _types)
        {
            void Check(uint referenced, string what)
            {
                if (referenced >= count) throw Error(0, $"type [{type.Id}] {type.Kind} '{type.Name}': {what} {referenced} is out of range (0..{count - 1})");
            }

            if (type.ReferencedTypeId != 0) Check(type.ReferencedTypeId, "referenced type id");
            if (type.Array is { } array)
            {
                Check(array.ElementTypeId, "element type id");
                Check(array.IndexTypeId, "index type id");
            }
            foreach (var member in type.Members) Check(member.TypeId, $"member '{member.Name}' type id");
            foreach (var parameter in type.Parameters) Check(parameter.TypeId, $"parameter '{parameter.Name}' type id");
            foreach (var variable in type.Variables) Check(variable.TypeId, "variable type id");
        }
    }

    private static IReadOnlyList<T> Records<T>(ReadOnlySpan<byte> bytes, int size, RecordReader<T> read)
    {
        var result = new T[bytes.Length / size];
        for (int i = 0; i < result.Length; i++) result[i] = read(bytes.Slice(i * size, size), i);
        return result;
    }

    private delegate T RecordReader<T>(ReadOnlySpan<byte> record, int index);

    private static ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> data, uint headerLength, uint offset, uint length, long fieldOffset, string what)
    {
        ulong start = (ulong)headerLength + offset;
        if (start > (ulong)data.Length || (ulong)data.Length - start < length)
            throw Error(fieldOffset, $"{what} section (offset {offset}, length {length} after the {headerLength}-byte header) extends past the {data.Length}-byte section");
        return data.Slice((int)start, (int)length);
    }

    private static string StringAt(byte[] strings, uint offset, long at) =>
        ElfFile.ReadString(strings, offset) ?? throw Error(at, $"string offset {offset} is outside the {strings.Length}-byte string section");

    private static BpfBtfException Error(long offset, string problem) => new(SectionName, offset, problem);
}
