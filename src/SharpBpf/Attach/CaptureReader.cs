using System.Collections;

namespace SharpBpf.Attach;

/// <summary>
/// A forward-only source of <see cref="PacketRecord"/>s read from a pcap or pcapng stream. Enumerating continues from
/// where the previous enumeration stopped (the reader streams; it never loads the whole file). Bad input stops the
/// enumeration with <see cref="BpfCaptureException"/> after every record before it was delivered.
/// </summary>
public abstract class CaptureReader : IEnumerable<PacketRecord>, IDisposable
{
    private readonly CaptureStream _input;
    private bool _failed;

    private protected CaptureReader(CaptureStream input, CaptureReadOptions? options)
    {
        _input = input;
        Options = options ?? CaptureReadOptions.Default;
    }

    /// <summary>The options the reader was opened with.</summary>
    public CaptureReadOptions Options { get; }

    /// <summary>Number of packet records delivered so far.</summary>
    public long RecordsRead { get; private set; }

    private protected CaptureStream Input => _input;

    /// <summary>
    /// Reads the next packet record. Returns false at the clean end of the file; throws
    /// <see cref="BpfCaptureException"/> for a corrupt or truncated record (and keeps throwing it afterwards).
    /// </summary>
    public bool TryReadNext(out PacketRecord record)
    {
        if (_failed) throw new BpfCaptureException(RecordsRead + 1, _input.Position, "the reader already stopped at an earlier error");
        long offset = _input.Position;
        try
        {
            if (!ReadRecord(RecordsRead + 1, out record)) return false;
            RecordsRead++;
            return true;
        }
        catch (BpfCaptureException)
        {
            _failed = true;
            throw;
        }
        catch (IOException e)
        {
            _failed = true;
            throw new BpfCaptureException(RecordsRead + 1, offset, "I/O error: " + e.Message, e);
        }
    }

    /// <summary>Reads one record, or returns false at a clean end of input.</summary>
    private protected abstract bool ReadRecord(long recordNumber, out PacketRecord record);

    /// <summary>Streams the remaining records.</summary>
    public IEnumerator<PacketRecord> GetEnumerator()
    {
        while (TryReadNext(out PacketRecord record)) yield return record;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Closes the underlying stream unless it was opened with leaveOpen.</summary>
    public void Dispose()
    {
        _input.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Reads exactly <paramref name="destination"/>.Length bytes or reports the truncation at <paramref name="offset"/>.</summary>
    private protected void ReadExactly(Span<byte> destination, long recordNumber, long offset, string what)
    {
        int read = _input.Read(destination);
        if (read < destination.Length)
            throw new BpfCaptureException(recordNumber, offset, $"truncated {what}: needs {destination.Length} bytes, the file ends after {read}");
    }

    /// <summary>Rejects a length that runs past the end of a seekable input before anything is allocated for it.</summary>
    private protected void RequireAvailable(long count, long recordNumber, long offset, string what)
    {
        if (_input.Remaining is long remaining && count > remaining)
            throw new BpfCaptureException(recordNumber, offset, $"truncated {what}: claims {count} bytes, the file has {remaining} left");
    }

    /// <summary>Checks a link type against <see cref="CaptureReadOptions.AcceptAnyLinkType"/>.</summary>
    private protected void RequireKnownLinkType(uint linkType, long recordNumber, long offset)
    {
        if (linkType > ushort.MaxValue || (!Options.AcceptAnyLinkType && !Enum.IsDefined((LinkType)(ushort)linkType)))
            throw new BpfCaptureException(recordNumber, offset,
                $"unsupported link type {linkType} (supported: NULL 0, EN10MB 1, RAW 101, LINUX_SLL 113, LINUX_SLL2 276; set AcceptAnyLinkType to read others as opaque bytes)");
    }

    /// <summary>Checks a record's lengths: captured ≤ original, ≤ snap length (when not 0), ≤ the configured maximum.</summary>
    private protected void CheckLengths(uint captured, uint original, uint snapLength, long recordNumber, long offset)
    {
        if (captured > Options.MaxCapturedLength)
            throw new BpfCaptureException(recordNumber, offset, $"captured length {captured} exceeds the maximum record size {Options.MaxCapturedLength}");
        if (snapLength != 0 && captured > snapLength)
            throw new BpfCaptureException(recordNumber, offset, $"captured length {captured} exceeds the snap length {snapLength}");
        if (captured > original)
            throw new BpfCaptureException(recordNumber, offset, $"captured length {captured} exceeds the original length {original}");
    }

    /// <summary>The packet type carried inside a Linux cooked-capture header, or Unknown for other link types.</summary>
    private protected static PacketType PacketTypeFromHeader(LinkType linkType, ReadOnlySpan<byte> data)
    {
        int value = linkType switch
        {
            LinkType.LinuxSll when data.Length >= 16 => (data[0] << 8) | data[1],
            LinkType.LinuxSll2 when data.Length >= 20 => data[10],
            _ => -1,
        };
        return value is >= 0 and <= 7 ? (PacketType)value : PacketType.Unknown;
    }
}
