namespace SharpBpf.Btf;

/// <summary>BTF type kinds, numbered as in <c>BTF_KIND_*</c> (<c>linux/btf.h</c>).</summary>
public enum BtfKind
{
    /// <summary>Type id 0: void.</summary>
    Void = 0,
    /// <summary>Integer (with encoding, bit offset and bit count).</summary>
    Int = 1,
    /// <summary>Pointer.</summary>
    Pointer = 2,
    /// <summary>Array.</summary>
    Array = 3,
    /// <summary>Struct.</summary>
    Struct = 4,
    /// <summary>Union.</summary>
    Union = 5,
    /// <summary>32-bit enum.</summary>
    Enum = 6,
    /// <summary>Forward declaration.</summary>
    Forward = 7,
    /// <summary>Typedef.</summary>
    Typedef = 8,
    /// <summary>Volatile modifier.</summary>
    Volatile = 9,
    /// <summary>Const modifier.</summary>
    Const = 10,
    /// <summary>Restrict modifier.</summary>
    Restrict = 11,
    /// <summary>Function (refers to its prototype).</summary>
    Func = 12,
    /// <summary>Function prototype.</summary>
    FuncProto = 13,
    /// <summary>Variable.</summary>
    Var = 14,
    /// <summary>Data section (variables laid out in an ELF section).</summary>
    DataSection = 15,
    /// <summary>Floating point.</summary>
    Float = 16,
    /// <summary>Declaration tag.</summary>
    DeclTag = 17,
    /// <summary>Type tag.</summary>
    TypeTag = 18,
    /// <summary>64-bit enum.</summary>
    Enum64 = 19,
}

/// <summary>A struct or union member; <see cref="BitfieldSize"/> is 0 unless the member is a bitfield.</summary>
public sealed record BtfMember(string Name, uint TypeId, uint BitOffset, uint BitfieldSize);

/// <summary>An enumerator of an ENUM or ENUM64 type.</summary>
public sealed record BtfEnumValue(string Name, long Value);

/// <summary>A parameter of a FUNC_PROTO (an unnamed parameter of type 0 marks varargs).</summary>
public sealed record BtfParameter(string Name, uint TypeId);

/// <summary>A variable laid out in a DATASEC.</summary>
public sealed record BtfVariableSection(uint TypeId, uint Offset, uint Size);

/// <summary>An ARRAY's element type, index type and element count.</summary>
public sealed record BtfArrayInfo(uint ElementTypeId, uint IndexTypeId, uint Count);

/// <summary>One BTF type. Which properties are meaningful depends on <see cref="Kind"/>.</summary>
public sealed class BtfType
{
    internal BtfType(uint id, BtfKind kind, string name, uint sizeOrType, uint vlen, bool kindFlag)
    {
        Id = id;
        Kind = kind;
        Name = name;
        SizeOrType = sizeOrType;
        VariableLength = vlen;
        KindFlag = kindFlag;
    }

    /// <summary>The type id (index in the type section, starting at 1; 0 is void).</summary>
    public uint Id { get; }

    /// <summary>The kind.</summary>
    public BtfKind Kind { get; }

    /// <summary>The name, empty for anonymous types.</summary>
    public string Name { get; }

    /// <summary>The raw size/type field: a byte size for INT, STRUCT, UNION, ENUM, ENUM64, DATASEC and FLOAT; a type id otherwise.</summary>
    public uint SizeOrType { get; }

    /// <summary>The raw vlen field (member count, or linkage for FUNC).</summary>
    public uint VariableLength { get; }

    /// <summary>The kind_flag bit (bitfield encoding for structs, signedness for enums, forward of a union).</summary>
    public bool KindFlag { get; }

    /// <summary>True for kinds whose <see cref="SizeOrType"/> is a byte size.</summary>
    public bool HasSize => Kind is BtfKind.Int or BtfKind.Struct or BtfKind.Union or BtfKind.Enum or BtfKind.Enum64
        or BtfKind.DataSection or BtfKind.Float;

    /// <summary>The referenced type id for PTR, TYPEDEF, modifiers, FUNC, FUNC_PROTO (return type), VAR, DECL_TAG and TYPE_TAG; 0 otherwise.</summary>
    public uint ReferencedTypeId => HasSize || Kind is BtfKind.Array or BtfKind.Forward or BtfKind.Void ? 0 : SizeOrType;

    /// <summary>INT: the raw encoding word (encoding bits 24-27, bit offset 16-23, bit count 0-7).</summary>
    public uint IntEncoding { get; internal init; }

    /// <summary>INT: number of value bits.</summary>
    public int IntBits => (int)(IntEncoding & 0xff);

    /// <summary>ARRAY: element type, index type, count.</summary>
    public BtfArrayInfo? Array { get; internal init; }

    /// <summary>STRUCT and UNION members.</summary>
    public IReadOnlyList<BtfMember> Members { get; internal init; } = [];

    /// <summary>ENUM and ENUM64 values.</summary>
    public IReadOnlyList<BtfEnumValue> EnumValues { get; internal init; } = [];

    /// <summary>FUNC_PROTO parameters.</summary>
    public IReadOnlyList<BtfParameter> Parameters { get; internal init; } = [];

    /// <summary>DATASEC variables.</summary>
    public IReadOnlyList<BtfVariableSection> Variables { get; internal init; } = [];

    /// <summary>VAR linkage (0 static, 1 global, 2 extern); FUNC linkage is <see cref="VariableLength"/>.</summary>
    public uint Linkage { get; internal init; }

    /// <summary>DECL_TAG: the member or parameter index the tag applies to, or -1 for the declaration itself.</summary>
    public int ComponentIndex { get; internal init; }

    /// <inheritdoc />
    public override string ToString() => $"[{Id}] {Kind} '{Name}'";
}
