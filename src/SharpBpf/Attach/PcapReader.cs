using System.Buffers.Binary;

namespace SharpBpf.Attach;

/// <summary>
/// Streams a classic libpcap file: either byte order, microsecond (0xA1B2C3D4) or nanosecond (0xA1B23C4D) magic,
/// version 2.x. Open it with <see cref="Open(string, CaptureReadOptions?)"/> and enumerate the records.
/// </summary>
/// <remarks>
/// Reported as <see cref="BpfCaptureException"/> (after the records before it were delivered): a bad magic or
/// version, an unsupported link type (unless <see cref="CaptureReadOptions.AcceptAnyLinkType"/>), a record whose
/// captured length exceeds the snap length (when the snap length is not 0), its original length or
/// <see cref="CaptureReadOptions.MaxCapturedLength"/>, and a record header or body cut off by the end of the file.
/// </remarks>
public sealed class PcapReader : CaptureReader
{
    internal const uint MagicMicroseconds = 0xA1B2C3D4;
    internal const uint MagicNanoseconds = 0xA1B23C4D;
    internal const int FileHeaderLength = 24;
    internal const int RecordHeaderLength = 16;

    private PcapReader(CaptureStream input, CaptureReadOptions? options) : base(input, options)
    {
        Span<byte> header = stackalloc byte[FileHeaderLength];
        ReadExactly(header, 0, 0, "pcap file header");
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(header);
        (IsBigEndian, Precision) = magic switch
        {
            MagicMicroseconds => (false, TimestampPrecision.Microseconds),
            MagicNanoseconds => (false, TimestampPrecision.Nanoseconds),
            _ when BinaryPrimitives.ReverseEndianness(magic) == MagicMicroseconds => (true, TimestampPrecision.Microseconds),
            _ when BinaryPrimitives.ReverseEndianness(magic) == MagicNanoseconds => (true, TimestampPrecision.Nanoseconds),
            _ => throw new BpfCaptureException(0, 0, $"not a pcap file: magic 0x{magic:x8}"),
        };
        VersionMajor = ReadUInt16(header[4..]);
        VersionMinor = ReadUInt16(header[6..]);
        if (VersionMajor != 2)
            throw new BpfCaptureException(0, 4, $"unsupported pcap version {VersionMajor}.{VersionMinor} (expected 2.x)");
        SnapLength = ReadUInt32(header[16..]);
        uint linkTypeField = ReadUInt32(header[20..]);
        // The upper bits of the link-type field carry the FCS length (pcap "LinkType and additional information").
        RequireKnownLinkType(linkTypeField & 0x0FFF_FFFF & ~0x0400_0000u, 0, 20);
        LinkType = (LinkType)(ushort)linkTypeField;
    }

    /// <summary>Opens the pcap file at <paramref name="path"/> and reads its header.</summary>
    /// <exception cref="BpfCaptureException">The header is missing, not pcap, or names an unsupported link type.</exception>
    public static PcapReader Open(string path, CaptureReadOptions? options = null) =>
        Open(CaptureFile.OpenFileStream(path), leaveOpen: false, options);

    /// <summary>Reads a pcap stream from its current position; the stream is closed with the reader unless <paramref name="leaveOpen"/>.</summary>
    /// <exception cref="BpfCaptureException">The header is missing, not pcap, or names an unsupported link type.</exception>
    public static PcapReader Open(Stream stream, bool leaveOpen = false, CaptureReadOptions? options = null)
    {
        var input = new CaptureStream(stream, leaveOpen);
        try
        {
            return new PcapReader(input, options);
        }
        catch
        {
            input.Dispose();
            throw;
        }
    }

    internal static PcapReader Open(CaptureStream input, CaptureReadOptions? options) => new(input, options);

    /// <summary>True when the file was written big-endian (the magic reads byte-swapped).</summary>
    public bool IsBigEndian { get; }

    /// <summary>Resolution of the record timestamps.</summary>
    public TimestampPrecision Precision { get; }

    /// <summary>Major version from the header (always 2).</summary>
    public ushort VersionMajor { get; }

    /// <summary>Minor version from the header (normally 4).</summary>
    public ushort VersionMinor { get; }

    /// <summary>Largest number of bytes kept per packet; 0 means no limit was recorded.</summary>
    public uint SnapLength { get; }

    /// <summary>Link-layer header type of every record.</summary>
    public LinkType LinkType { get; }

    private protected override bool ReadRecord(long recordNumber, out PacketRecord record)
    {
        record = default;
        long offset = Input.Position;
        if (Input.AtEnd) return false;
        Span<byte> header = stackalloc byte[RecordHeaderLength];
        ReadExactly(header, recordNumber, offset, "record header");
        uint seconds = ReadUInt32(header);
        uint fraction = ReadUInt32(header[4..]);
        uint captured = ReadUInt32(header[8..]);
        uint original = ReadUInt32(header[12..]);
        CheckLengths(captured, original, SnapLength, recordNumber, offset);
        RequireAvailable(captured, recordNumber, offset, "record data");
        byte[] data = new byte[captured];
        ReadExactly(data, recordNumber, offset, "record data");
        long nanoseconds = seconds * 1_000_000_000L + (Precision == TimestampPrecision.Microseconds ? fraction * 1000L : fraction);
        record = new PacketRecord(recordNumber, nanoseconds, 0, LinkType, (int)Math.Min(original, int.MaxValue), data,
            PacketTypeFromHeader(LinkType, data));
        return true;
    }

    private ushort ReadUInt16(ReadOnlySpan<byte> bytes) =>
        IsBigEndian ? BinaryPrimitives.ReadUInt16BigEndian(bytes) : BinaryPrimitives.ReadUInt16LittleEndian(bytes);

    private uint ReadUInt32(ReadOnlySpan<byte> bytes) =>
        IsBigEndian ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt32LittleEndian(bytes);
}
