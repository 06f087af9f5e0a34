using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace SharpBpf.Isa;

/// <summary>
/// One 8-byte eBPF instruction slot exactly as RFC 9669 encodes it: opcode, destination and source
/// register nibbles, a signed 16-bit offset and a signed 32-bit immediate. A 64-bit immediate load
/// (<c>lddw</c>) occupies two consecutive slots; the second one carries the upper 32 bits in its immediate.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1, Size = 8)]
public readonly struct Instruction : IEquatable<Instruction>
{
    /// <summary>Size of one instruction slot in bytes.</summary>
    public const int Size = 8;

    private readonly byte _opcode;
    private readonly byte _registers;
    private readonly short _offset;
    private readonly int _immediate;

    /// <summary>Creates an instruction from its fields. Register numbers are masked to 4 bits.</summary>
    public Instruction(byte opcode, int dst, int src, short offset, int immediate)
    {
        _opcode = opcode;
        _registers = (byte)((dst & 0x0f) | ((src & 0x0f) << 4));
        _offset = offset;
        _immediate = immediate;
    }

    /// <summary>The opcode byte (class, operation or size/mode, and source bits).</summary>
    public byte Opcode => _opcode;

    /// <summary>Destination register number (0-15 as encoded; valid programs use 0-10).</summary>
    public int Dst => _registers & 0x0f;

    /// <summary>Source register number (0-15 as encoded), or a pseudo-source tag for calls and <c>lddw</c>.</summary>
    public int Src => _registers >> 4;

    /// <summary>Signed 16-bit offset: a jump displacement, a memory offset, or a discriminator (sdiv, movsx).</summary>
    public short Offset => _offset;

    /// <summary>Signed 32-bit immediate.</summary>
    public int Immediate => _immediate;

    /// <summary>The instruction class (low three bits of the opcode).</summary>
    public InstructionClass Class => (InstructionClass)(_opcode & 0x07);

    /// <summary>The 8 instruction bytes read as one little-endian 64-bit value (the conformance suite's <c>raw</c> form).</summary>
    public ulong RawValue
    {
        get
        {
            Span<byte> bytes = stackalloc byte[Size];
            WriteTo(bytes);
            return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        }
    }

    /// <summary>Reads one instruction from 8 little-endian bytes.</summary>
    public static Instruction ReadFrom(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < Size) throw new ArgumentException("An instruction needs 8 bytes.", nameof(bytes));
        byte regs = bytes[1];
        return new Instruction(bytes[0], regs & 0x0f, regs >> 4,
            BinaryPrimitives.ReadInt16LittleEndian(bytes[2..]),
            BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]));
    }

    /// <summary>Builds an instruction from the conformance suite's 64-bit raw form.</summary>
    public static Instruction FromRaw(ulong raw)
    {
        Span<byte> bytes = stackalloc byte[Size];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, raw);
        return ReadFrom(bytes);
    }

    /// <summary>Writes the 8 instruction bytes, little-endian, to <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size) throw new ArgumentException("An instruction needs 8 bytes.", nameof(destination));
        destination[0] = _opcode;
        destination[1] = _registers;
        BinaryPrimitives.WriteInt16LittleEndian(destination[2..], _offset);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], _immediate);
    }

    /// <summary>Returns a copy with a different immediate (used when resolving map references).</summary>
    public Instruction WithImmediate(int immediate) => new(_opcode, Dst, Src, _offset, immediate);

    /// <summary>Returns a copy with a different source field.</summary>
    public Instruction WithSrc(int src) => new(_opcode, Dst, src, _offset, _immediate);

    /// <summary>Returns a copy with a different offset.</summary>
    public Instruction WithOffset(short offset) => new(_opcode, Dst, Src, offset, _immediate);

    /// <inheritdoc />
    public bool Equals(Instruction other) =>
        _opcode == other._opcode && _registers == other._registers && _offset == other._offset && _immediate == other._immediate;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Instruction other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_opcode, _registers, _offset, _immediate);

    /// <summary>Field equality.</summary>
    public static bool operator ==(Instruction left, Instruction right) => left.Equals(right);

    /// <summary>Field inequality.</summary>
    public static bool operator !=(Instruction left, Instruction right) => !left.Equals(right);

    /// <inheritdoc />
    public override string ToString() =>
        $"{{op=0x{_opcode:x2} dst=r{Dst} src=r{Src} off={_offset} imm={_immediate}}}";
}
