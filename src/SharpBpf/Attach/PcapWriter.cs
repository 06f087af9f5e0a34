using System.Buffers.Binary;

namespace SharpBpf.Attach;

/// <summary>
/// Writes a classic libpcap file (version 2.4) with one link type and snap length, little- or big-endian, with
/// microsecond or nanosecond timestamps. Packets longer than the snap length are cut to it (their original length is
/// kept). The result reads back with <see cref="PcapReader"/>, tcpdump and tshark.
/// </summary>
public sealed class PcapWriter : IDisposable
{
    /// <summary>The snap length tcpdump uses by default (262144).</summary>
    public const int DefaultSnapLength = 262144;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly byte[] _header = new byte[PcapReader.RecordHeaderLength];

    /// <summary>Starts a pcap stream on <paramref name="stream"/> by writing the file header.</summary>
    /// <param name="stream">Where to write; closed with the writer unless <paramref name="leaveOpen"/>.</param>
    /// <param name="linkType">Link-layer header type of every packet written.</param>
    /// <param name="snapLength">Largest number of bytes kept per packet (1 to 2^31-1).</param>
    /// <param name="precision">Timestamp resolution, which selects the magic number.</param>
    /// <param name="bigEndian">Write the header fields big-endian instead of little-endian.</param>
    /// <param name="leaveOpen">Leave <paramref name="stream"/> open when the writer is disposed.</param>
    public PcapWriter(Stream stream, LinkType linkType, int snapLength = DefaultSnapLength,
        TimestampPrecision precision = TimestampPrecision.Microseconds, bool bigEndian = false, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(snapLength, 1);
        _stream = stream;
        _leaveOpen = leaveOpen;
        LinkType = linkType;
        SnapLength = snapLength;
        Precision = precision;
        IsBigEndian = bigEndian;
        Span<byte> header = stackalloc byte[PcapReader.FileHeaderLength];
        WriteUInt32(header, precision == TimestampPrecision.Nanoseconds ? PcapReader.MagicNanoseconds : PcapReader.MagicMicroseconds);
        WriteUInt16(header[4..], 2);
        WriteUInt16(header[6..], 4);
        WriteUInt32(header[8..], 0);
        WriteUInt32(header[12..], 0);
        WriteUInt32(header[16..], (uint)snapLength);
        WriteUInt32(header[20..], (ushort)linkType);
        _stream.Write(header);
    }

    /// <summary>Creates (or overwrites) the pcap file at <paramref name="path"/>.</summary>
    public static PcapWriter Create(string path, LinkType linkType, int snapLength = DefaultSnapLength,
        TimestampPrecision precision = TimestampPrecision.Microseconds, bool bigEndian = false) =>
        new(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 64 * 1024), linkType, snapLength, precision, bigEndian);

    /// <summary>Link type recorded in the file header.</summary>
    public LinkType LinkType { get; }

    /// <summary>Snap length recorded in the file header.</summary>
    public int SnapLength { get; }

    /// <summary>Timestamp resolution of the file.</summary>
    public TimestampPrecision Precision { get; }

    /// <summary>True when fields are written big-endian.</summary>
    public bool IsBigEndian { get; }

    /// <summary>Number of records written so far.</summary>
    public long RecordsWritten { get; private set; }

    /// <summary>Writes one packet.</summary>
    /// <param name="timestampNanoseconds">Nanoseconds since the Unix epoch; must fit pcap's unsigned 32-bit seconds.</param>
    /// <param name="data">The packet bytes, from the link-layer header on; cut to the snap length.</param>
    /// <param name="originalLength">Length on the wire; -1 (the default) means <paramref name="data"/>.Length.</param>
    /// <exception cref="ArgumentOutOfRangeException">The timestamp does not fit, or the original length is shorter than the data.</exception>
    public void Write(long timestampNanoseconds, ReadOnlySpan<byte> data, int originalLength = -1)
    {
        if (originalLength == -1) originalLength = data.Length;
        ArgumentOutOfRangeException.ThrowIfLessThan(originalLength, data.Length);
        ArgumentOutOfRangeException.ThrowIfNegative(timestampNanoseconds);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(timestampNanoseconds / 1_000_000_000, 1L << 32, nameof(timestampNanoseconds));
        long nanoseconds = timestampNanoseconds % 1_000_000_000;
        ReadOnlySpan<byte> kept = data.Length > SnapLength ? data[..SnapLength] : data;
        WriteUInt32(_header, (uint)(timestampNanoseconds / 1_000_000_000));
        WriteUInt32(_header.AsSpan(4), (uint)(Precision == TimestampPrecision.Nanoseconds ? nanoseconds : nanoseconds / 1000));
        WriteUInt32(_header.AsSpan(8), (uint)kept.Length);
        WriteUInt32(_header.AsSpan(12), (uint)originalLength);
        _stream.Write(_header);
        _stream.Write(kept);
        RecordsWritten++;
    }

    /// <summary>Writes <paramref name="record"/>'s timestamp, bytes and original length (its link type is not checked).</summary>
    public void Write(in PacketRecord record) => Write(record.TimestampNanoseconds, record.Span, Math.Max(record.OriginalLength, record.CapturedLength));

    /// <summary>Flushes buffered bytes to the stream.</summary>
    public void Flush() => _stream.Flush();

    /// <summary>Flushes and closes the stream unless it was given with leaveOpen.</summary>
    public void Dispose()
    {
        _stream.Flush();
        if (!_leaveOpen) _stream.Dispose();
    }

    private void WriteUInt16(Span<byte> bytes, ushort value)
    {
        if (IsBigEndian) BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        else BinaryPrimitives.WriteUInt16LittleEndian(bytes, value);
    }

    private void WriteUInt32(Span<byte> bytes, uint value)
    {
        if (IsBigEndian) BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        else BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
    }
}
