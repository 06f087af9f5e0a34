namespace SharpBpf.Attach;

/// <summary>
/// One captured packet: when it was seen, on which interface and link type, how long it was on the wire and the
/// bytes that were kept (<see cref="Data"/>, at most the snap length). Each record owns its bytes.
/// </summary>
/// <param name="RecordNumber">1-based position in the file or live capture.</param>
/// <param name="TimestampNanoseconds">Nanoseconds since the Unix epoch (UTC).</param>
/// <param name="InterfaceIndex">
/// pcapng: the interface id within its section; classic pcap: 0; live capture: the kernel ifindex.
/// </param>
/// <param name="LinkType">Link-layer header type of <see cref="Data"/>.</param>
/// <param name="OriginalLength">Length of the packet on the wire; at least <see cref="CapturedLength"/>.</param>
/// <param name="Data">The captured bytes, starting with the link-layer header.</param>
/// <param name="PacketType">Direction/addressing when the source records it, else <see cref="Attach.PacketType.Unknown"/>.</param>
public readonly record struct PacketRecord(
    long RecordNumber,
    long TimestampNanoseconds,
    int InterfaceIndex,
    LinkType LinkType,
    int OriginalLength,
    ReadOnlyMemory<byte> Data,
    PacketType PacketType = PacketType.Unknown)
{
    /// <summary>The timestamp as a UTC <see cref="DateTimeOffset"/> (truncated to its 100 ns tick).</summary>
    public DateTimeOffset Timestamp => DateTimeOffset.UnixEpoch.AddTicks(TimestampNanoseconds / 100);

    /// <summary>Number of bytes captured (the length of <see cref="Data"/>).</summary>
    public int CapturedLength => Data.Length;

    /// <summary>The captured bytes as a span.</summary>
    public ReadOnlySpan<byte> Span => Data.Span;

    /// <summary>True when fewer bytes were captured than were on the wire (the snap length cut the packet).</summary>
    public bool IsTruncated => Data.Length < OriginalLength;
}
