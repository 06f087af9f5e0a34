using System.Buffers.Binary;

namespace SharpBpf.Attach;

/// <summary>An interface described by a pcapng Interface Description Block.</summary>
/// <param name="LinkType">Link-layer header type of this interface's packets.</param>
/// <param name="SnapLength">Largest number of bytes kept per packet; 0 means no limit.</param>
/// <param name="Name">The <c>if_name</c> option, or null.</param>
/// <param name="TimestampResolution">The <c>if_tsresol</c> byte: high bit clear = 10^-n s, set = 2^-n s (default 6).</param>
/// <param name="TimestampOffsetSeconds">The <c>if_tsoffset</c> option: seconds added to every timestamp (default 0).</param>
public sealed record CaptureInterface(LinkType LinkType, uint SnapLength, string? Name, byte TimestampResolution, long TimestampOffsetSeconds);

/// <summary>
/// Streams a pcapng file: Section Header Blocks in either byte order (several sections may follow each other, each
/// with its own interfaces), Interface Description Blocks (link type, snap length, <c>if_tsresol</c>,
/// <c>if_tsoffset</c>, <c>if_name</c>), Enhanced, Simple and obsolete Packet Blocks; every other block type is skipped.
/// </summary>
/// <remarks>
/// <see cref="PacketRecord.InterfaceIndex"/> is the interface id within the record's section. Direction from an
/// EPB's <c>epb_flags</c> becomes <see cref="PacketRecord.PacketType"/> (outbound → Outgoing; inbound → Host,
/// Multicast, Broadcast or OtherHost by reception type). A Simple Packet Block has no timestamp (0).
/// Reported as <see cref="BpfCaptureException"/>: a first block that is not a section header, a bad byte-order
/// magic or major version, a block length below 12, not a multiple of 4, past the end of the file or not repeated
/// at the block's end, options running past their block, a packet naming an undefined interface, an unsupported link
/// type, and the record-length checks of <see cref="PcapReader"/>.
/// </remarks>
public sealed class PcapNgReader : CaptureReader
{
    internal const uint SectionHeaderType = 0x0A0D0D0A;
    internal const uint ByteOrderMagic = 0x1A2B3C4D;
    internal const uint InterfaceDescriptionType = 1;
    internal const uint ObsoletePacketType = 2;
    internal const uint SimplePacketType = 3;
    internal const uint EnhancedPacketType = 6;
    private const int MaxOptionsLength = 1024 * 1024;

    private readonly List<CaptureInterface> _interfaces = [];
    private byte[] _body = new byte[4096];

    private PcapNgReader(CaptureStream input, CaptureReadOptions? options) : base(input, options)
    {
        ReadOnlySpan<byte> start = input.Peek(4);
        if (start.Length < 4 || BinaryPrimitives.ReadUInt32LittleEndian(start) != SectionHeaderType)
            throw new BpfCaptureException(0, 0, start.Length < 4 ? "truncated pcapng file: no section header block" : $"not a pcapng file: first block type 0x{BinaryPrimitives.ReadUInt32LittleEndian(start):x8}");
    }

    /// <summary>Opens the pcapng file at <paramref name="path"/>.</summary>
    /// <exception cref="BpfCaptureException">The file does not start with a section header block.</exception>
    public static PcapNgReader Open(string path, CaptureReadOptions? options = null) =>
        Open(CaptureFile.OpenFileStream(path), leaveOpen: false, options);

    /// <summary>Reads a pcapng stream from its current position; the stream is closed with the reader unless <paramref name="leaveOpen"/>.</summary>
    /// <exception cref="BpfCaptureException">The stream does not start with a section header block.</exception>
    public static PcapNgReader Open(Stream stream, bool leaveOpen = false, CaptureReadOptions? options = null)
    {
        var input = new CaptureStream(stream, leaveOpen);
        try
        {
            return new PcapNgReader(input, options);
        }
        catch
        {
            input.Dispose();
            throw;
        }
    }

    internal static PcapNgReader Open(CaptureStream input, CaptureReadOptions? options) => new(input, options);

    /// <summary>Interfaces of the current section, in id order.</summary>
    public IReadOnlyList<CaptureInterface> Interfaces => _interfaces;

    /// <summary>Number of section header blocks read so far.</summary>
    public int SectionCount { get; private set; }

    /// <summary>True when the current section is big-endian.</summary>
    public bool IsBigEndian { get; private set; }

    private protected override bool ReadRecord(long recordNumber, out PacketRecord record)
    {
        Span<byte> head = stackalloc byte[12];
        while (true)
        {
            long offset = Input.Position;
            if (Input.AtEnd)
            {
                record = default;
                return false;
            }
            ReadExactly(head[..8], recordNumber, offset, "block header");
            uint type = ReadUInt32(head);
            if (type == SectionHeaderType)
            {
                ReadExactly(head[8..], recordNumber, offset, "section header block");
                uint magic = BinaryPrimitives.ReadUInt32LittleEndian(head[8..]);
                if (magic == ByteOrderMagic) IsBigEndian = false;
                else if (BinaryPrimitives.ReverseEndianness(magic) == ByteOrderMagic) IsBigEndian = true;
                else throw new BpfCaptureException(recordNumber, offset, $"section header block: bad byte-order magic 0x{magic:x8}");
            }
            else if (SectionCount == 0)
            {
                throw new BpfCaptureException(recordNumber, offset, $"the first block is type 0x{type:x8}, not a section header block");
            }
            uint totalLength = ReadUInt32(head[4..]);
            long consumed = type == SectionHeaderType ? 12 : 8;
            if (totalLength < consumed + 4 || totalLength % 4 != 0)
                throw new BpfCaptureException(recordNumber, offset, $"block type 0x{type:x} has invalid total length {totalLength} (must be a multiple of 4, at least {consumed + 4})");
            RequireAvailable(totalLength - consumed, recordNumber, offset, BlockName(type));
            bool known = type is SectionHeaderType or InterfaceDescriptionType or EnhancedPacketType or SimplePacketType or ObsoletePacketType;
            if (!known)
            {
                long skip = totalLength - consumed - 4;
                if (Input.Skip(skip) < skip)
                    throw new BpfCaptureException(recordNumber, offset, $"truncated block type 0x{type:x}: the file ends inside it");
                CheckTrailer(totalLength, recordNumber, offset, type);
                continue;
            }
            if (totalLength > (long)Options.MaxCapturedLength + MaxOptionsLength)
                throw new BpfCaptureException(recordNumber, offset, $"block type 0x{type:x} claims {totalLength} bytes, more than the maximum record size allows");
            int bodyLength = (int)(totalLength - consumed - 4);
            if (_body.Length < bodyLength) _body = new byte[Math.Max(bodyLength, _body.Length * 2)];
            Span<byte> body = _body.AsSpan(0, bodyLength);
            ReadExactly(body, recordNumber, offset, BlockName(type));
            CheckTrailer(totalLength, recordNumber, offset, type);
            switch (type)
            {
                case SectionHeaderType:
                    ReadSectionHeader(body, recordNumber, offset);
                    break;
                case InterfaceDescriptionType:
                    _interfaces.Add(ReadInterface(body, recordNumber, offset));
                    break;
                default:
                    record = ReadPacket(type, body, recordNumber, offset);
                    return true;
            }
        }
    }

    /// <summary>A constant name per block type, so the success path formats no string.</summary>
    private static string BlockName(uint type) => type switch
    {
        SectionHeaderType => "section header block",
        InterfaceDescriptionType => "interface description block",
        EnhancedPacketType => "enhanced packet block",
        SimplePacketType => "simple packet block",
        ObsoletePacketType => "obsolete packet block",
        _ => "block of unknown type",
    };

    private void CheckTrailer(uint totalLength, long recordNumber, long offset, uint type)
    {
        Span<byte> trailer = stackalloc byte[4];
        ReadExactly(trailer, recordNumber, offset, BlockName(type));
        uint repeated = ReadUInt32(trailer);
        if (repeated != totalLength)
            throw new BpfCaptureException(recordNumber, offset, $"block type 0x{type:x}: trailing length {repeated} differs from the leading length {totalLength}");
    }

    private void ReadSectionHeader(ReadOnlySpan<byte> body, long recordNumber, long offset)
    {
        // body starts after the byte-order magic: major, minor, section length, options.
        if (body.Length < 12)
            throw new BpfCaptureException(recordNumber, offset, $"section header block too short ({body.Length + 12} bytes)");
        ushort major = ReadUInt16(body);
        if (major != 1)
            throw new BpfCaptureException(recordNumber, offset, $"unsupported pcapng version {major}.{ReadUInt16(body[2..])} (expected 1.x)");
        BlockOptions(body[12..], recordNumber, offset); // validated only: no section option changes how packets read
        _interfaces.Clear();
        SectionCount++;
    }

    private CaptureInterface ReadInterface(ReadOnlySpan<byte> body, long recordNumber, long offset)
    {
        if (body.Length < 8)
            throw new BpfCaptureException(recordNumber, offset, $"interface description block too short ({body.Length + 12} bytes)");
        ushort linkType = ReadUInt16(body);
        RequireKnownLinkType(linkType, recordNumber, offset);
        uint snapLength = ReadUInt32(body[4..]);
        string? name = null;
        byte resolution = 6;
        long tsOffset = 0;
        bool bigEndian = IsBigEndian;
        foreach (var (code, start, length) in BlockOptions(body[8..], recordNumber, offset))
        {
            ReadOnlySpan<byte> bytes = body.Slice(8 + start, length);
            switch (code)
            {
                case 2:
                    name = System.Text.Encoding.UTF8.GetString(bytes).TrimEnd('\0');
                    break;
                case 9 when bytes.Length >= 1:
                    resolution = bytes[0];
                    break;
                case 14 when bytes.Length >= 8:
                    tsOffset = bigEndian ? BinaryPrimitives.ReadInt64BigEndian(bytes) : BinaryPrimitives.ReadInt64LittleEndian(bytes);
                    break;
            }
        }
        return new CaptureInterface((LinkType)linkType, snapLength, name, resolution, tsOffset);
    }

    private PacketRecord ReadPacket(uint type, ReadOnlySpan<byte> body, long recordNumber, long offset)
    {
        int headerLength = type switch { EnhancedPacketType => 20, ObsoletePacketType => 20, _ => 4 };
        if (body.Length < headerLength)
            throw new BpfCaptureException(recordNumber, offset, $"packet block type {type} too short ({body.Length + 12} bytes)");
        uint interfaceId, captured, original;
        ulong units = 0;
        if (type == SimplePacketType)
        {
            interfaceId = 0;
            original = ReadUInt32(body);
            captured = (uint)Math.Min(original, (uint)(body.Length - 4));
            if (_interfaces.Count > 0 && _interfaces[0].SnapLength != 0) captured = Math.Min(captured, _interfaces[0].SnapLength);
        }
        else
        {
            interfaceId = type == ObsoletePacketType ? ReadUInt16(body) : ReadUInt32(body);
            units = ((ulong)ReadUInt32(body[4..]) << 32) | ReadUInt32(body[8..]);
            captured = ReadUInt32(body[12..]);
            original = ReadUInt32(body[16..]);
        }
        if (interfaceId >= _interfaces.Count)
            throw new BpfCaptureException(recordNumber, offset, $"packet names interface {interfaceId}, but the section defines {_interfaces.Count}");
        CaptureInterface captureInterface = _interfaces[(int)interfaceId];
        CheckLengths(captured, original, captureInterface.SnapLength, recordNumber, offset);
        int padded = (int)((captured + 3) & ~3u);
        if (captured > body.Length - headerLength || (type != SimplePacketType && padded > body.Length - headerLength))
            throw new BpfCaptureException(recordNumber, offset, $"captured length {captured} runs past the end of its {body.Length + 12}-byte block");
        byte[] data = body.Slice(headerLength, (int)captured).ToArray();
        var packetType = PacketTypeFromHeader(captureInterface.LinkType, data);
        if (type != SimplePacketType)
        {
            foreach (var (code, start, length) in BlockOptions(body[(headerLength + padded)..], recordNumber, offset))
            {
                if (code == 2 && length >= 4)
                    packetType = DirectionFromFlags(ReadUInt32(body.Slice(headerLength + padded + start, 4)), packetType);
            }
        }
        long nanoseconds = type == SimplePacketType ? 0 : ToNanoseconds(units, captureInterface, recordNumber, offset);
        return new PacketRecord(recordNumber, nanoseconds, (int)interfaceId, captureInterface.LinkType, (int)Math.Min(original, int.MaxValue), data, packetType);
    }

    private static PacketType DirectionFromFlags(uint flags, PacketType fallback) => (flags & 3) switch
    {
        2 => PacketType.Outgoing,
        1 => ((flags >> 2) & 7) switch { 2 => PacketType.Multicast, 3 => PacketType.Broadcast, 4 => PacketType.OtherHost, _ => PacketType.Host },
        _ => fallback,
    };

    private static long ToNanoseconds(ulong units, CaptureInterface captureInterface, long recordNumber, long offset)
    {
        byte resolution = captureInterface.TimestampResolution;
        int exponent = resolution & 0x7F;
        if (resolution <= 9 && captureInterface.TimestampOffsetSeconds == 0)
        {
            // The common case (microseconds or nanoseconds, no offset) without 128-bit arithmetic.
            long scale = s_decimalScale[9 - resolution];
            if (units <= (ulong)(long.MaxValue / scale)) return (long)units * scale;
        }
        UInt128 nanoseconds;
        if ((resolution & 0x80) != 0)
            nanoseconds = ((UInt128)units * 1_000_000_000UL) >> exponent;
        else if (exponent <= 9)
            nanoseconds = (UInt128)units * Pow10(9 - exponent);
        else
            nanoseconds = exponent - 9 > 38 ? 0 : units / Pow10(exponent - 9);
        Int128 total = (Int128)nanoseconds + (Int128)captureInterface.TimestampOffsetSeconds * 1_000_000_000;
        if (total > long.MaxValue || total < long.MinValue)
            throw new BpfCaptureException(recordNumber, offset, $"timestamp {units} (resolution byte 0x{resolution:x2}) is outside the representable range");
        return (long)total;
    }

    private static readonly long[] s_decimalScale = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000];

    private static UInt128 Pow10(int exponent)
    {
        UInt128 value = 1;
        for (int i = 0; i < exponent; i++) value *= 10;
        return value;
    }

    /// <summary>Options as (code, range within <paramref name="options"/>), checked against the block end.</summary>
    private IReadOnlyList<(ushort Code, int Start, int Length)> BlockOptions(ReadOnlySpan<byte> options, long recordNumber, long offset)
    {
        if (options.Length < 4) return [];
        var list = new List<(ushort, int, int)>();
        int position = 0;
        while (position + 4 <= options.Length)
        {
            ushort code = ReadUInt16(options[position..]);
            ushort length = ReadUInt16(options[(position + 2)..]);
            if (code == 0) break;
            int paddedLength = (length + 3) & ~3;
            if (position + 4 + paddedLength > options.Length)
                throw new BpfCaptureException(recordNumber, offset, $"option {code} of length {length} runs past the end of its block");
            list.Add((code, position + 4, length));
            position += 4 + paddedLength;
        }
        return list;
    }


    private ushort ReadUInt16(ReadOnlySpan<byte> bytes) =>
        IsBigEndian ? BinaryPrimitives.ReadUInt16BigEndian(bytes) : BinaryPrimitives.ReadUInt16LittleEndian(bytes);

    private uint ReadUInt32(ReadOnlySpan<byte> bytes) =>
        IsBigEndian ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt32LittleEndian(bytes);
}
