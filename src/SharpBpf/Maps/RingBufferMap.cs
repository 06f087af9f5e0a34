using System.Buffers.Binary;
using SharpBpf.Memory;

namespace SharpBpf.Maps;

/// <summary>Receives one ring-buffer record; a negative return stops the poll (libbpf's convention).</summary>
public delegate int RingBufferRecordHandler(ReadOnlySpan<byte> record);

/// <summary>
/// <c>BPF_MAP_TYPE_RINGBUF</c>: a multi-producer, single-consumer buffer of <c>max_entries</c> bytes (a power of two,
/// multiple of 4096) in native memory, with the kernel's record format: an 8-byte header (u32 length with
/// <c>BUSY</c> bit 31 and <c>DISCARD</c> bit 30, u32 owner) followed by the data, 8-byte aligned. Records are
/// consumed in reservation order; a record still being written (busy) holds back the ones after it.
/// <para>
/// Wrap-around: the kernel maps the data area twice so a record may straddle the end. Without that, a record that
/// would straddle is preceded by a discarded padding record filling the rest of the buffer, so every record is
/// contiguous. The header's second word holds the map's <see cref="BpfMap.Id"/> so that <c>bpf_ringbuf_submit</c>,
/// which gets only the data pointer, finds and validates the buffer.
/// </para>
/// </summary>
public sealed class RingBufferMap : BpfMap
{
    /// <summary>BPF_RINGBUF_BUSY_BIT.</summary>
    public const uint BusyBit = 1u << 31;
    /// <summary>BPF_RINGBUF_DISCARD_BIT.</summary>
    public const uint DiscardBit = 1u << 30;
    /// <summary>BPF_RINGBUF_HDR_SZ.</summary>
    public const int HeaderSize = 8;
    /// <summary>BPF_RB_NO_WAKEUP.</summary>
    public const ulong NoWakeup = 1;
    /// <summary>BPF_RB_FORCE_WAKEUP.</summary>
    public const ulong ForceWakeup = 2;

    private readonly NativeBlock _data;
    private readonly long _mask;
    private readonly Lock _producerLock = new();
    private readonly Lock _consumerLock = new();
    private readonly SemaphoreSlim _dataSignal = new(0, 1);
    private long _producerPosition;
    private long _consumerPosition;

    internal RingBufferMap(MapDefinition definition) : base(definition)
    {
        if (KeySize != 0 || ValueSize != 0) throw Invalid($"ringbuf key and value sizes must be 0, got {KeySize} and {ValueSize}");
        if (MaxEntries <= 0 || !System.Numerics.BitOperations.IsPow2(MaxEntries) || MaxEntries % 4096 != 0)
            throw Invalid($"ringbuf size {MaxEntries} must be a power of two and a multiple of 4096");
        _data = new NativeBlock(MaxEntries);
        _mask = MaxEntries - 1;
        SetRegions(new MemoryRegion(_data.Address, (ulong)MaxEntries, MemoryAccess.ReadWrite, $"map '{Name}' records"));
    }

    /// <summary>Data size in bytes.</summary>
    public int Size => MaxEntries;

    /// <summary>Bytes reserved but not yet consumed.</summary>
    public long AvailableData => Volatile.Read(ref _producerPosition) - Volatile.Read(ref _consumerPosition);

    /// <summary>The producer position (bytes ever reserved, including headers and padding).</summary>
    public long ProducerPosition => Volatile.Read(ref _producerPosition);

    /// <summary>The consumer position.</summary>
    public long ConsumerPosition => Volatile.Read(ref _consumerPosition);

    private ref int HeaderWord(long position) => ref _data.Int32At((int)(position & _mask));

    /// <summary>
    /// <c>bpf_ringbuf_reserve</c>: reserves <paramref name="size"/> bytes and returns their address, or 0 when the
    /// buffer lacks room (or the size can never fit).
    /// </summary>
    public ulong Reserve(ulong size)
    {
        if (size == 0 || size > (ulong)(MaxEntries - HeaderSize)) return 0;
        long length = (long)((size + HeaderSize + 7) & ~7UL);
        lock (_producerLock)
        {
            long consumer = Volatile.Read(ref _consumerPosition);
            long producer = _producerPosition;
            long offset = producer & _mask;
            long padding = offset + length > MaxEntries ? MaxEntries - offset : 0;
            if (producer + padding + length - consumer > MaxEntries) return 0;
            if (padding > 0)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(_data.Slice((int)offset + 4, 4), Id);
                Volatile.Write(ref HeaderWord(producer), (int)((uint)(padding - HeaderSize) | DiscardBit));
                producer += padding;
                offset = 0;
            }
            BinaryPrimitives.WriteUInt32LittleEndian(_data.Slice((int)offset + 4, 4), Id);
            Volatile.Write(ref HeaderWord(producer), (int)((uint)size | BusyBit));
            Volatile.Write(ref _producerPosition, producer + length);
            return _data.Address + (ulong)offset + HeaderSize;
        }
    }

    /// <summary>True when <paramref name="address"/> is the data of a record of this buffer still being written.</summary>
    public bool IsReservedRecord(ulong address)
    {
        long offset = _data.OffsetOf(address) - HeaderSize;
        if (offset < 0 || (offset & 7) != 0) return false;
        uint header = (uint)Volatile.Read(ref _data.Int32At((int)offset));
        uint length = header & ~(BusyBit | DiscardBit);
        return (header & BusyBit) != 0 && BinaryPrimitives.ReadUInt32LittleEndian(_data.Slice((int)offset + 4, 4)) == Id
               && offset + HeaderSize + length <= MaxEntries;
    }

    /// <summary>
    /// <c>bpf_ringbuf_submit</c> / <c>bpf_ringbuf_discard</c> of the record at <paramref name="address"/>.
    /// Returns false (and changes nothing) when the address is not a reserved record of this buffer.
    /// </summary>
    public bool Commit(ulong address, bool discard, ulong flags = 0)
    {
        if (!IsReservedRecord(address)) return false;
        int offset = (int)_data.OffsetOf(address) - HeaderSize;
        ref int word = ref _data.Int32At(offset);
        uint header = (uint)Volatile.Read(ref word);
        Volatile.Write(ref word, (int)((header & ~BusyBit) | (discard ? DiscardBit : 0)));
        if ((flags & NoWakeup) == 0) Signal();
        return true;
    }

    /// <summary>
    /// <c>bpf_ringbuf_output</c>: copies <paramref name="data"/> into a new record. Returns 0, -EINVAL for unknown
    /// flags, or -EAGAIN when there is no room, as the kernel does.
    /// </summary>
    public int Output(ReadOnlySpan<byte> data, ulong flags = 0)
    {
        if ((flags & ~(NoWakeup | ForceWakeup)) != 0) return -Errno.EINVAL;
        ulong address = Reserve((ulong)data.Length);
        if (address == 0) return -Errno.EAGAIN;
        data.CopyTo(_data.Slice((int)_data.OffsetOf(address), data.Length));
        Commit(address, discard: false, flags);
        return 0;
    }

    /// <summary><c>bpf_ringbuf_query</c>: 0 available data, 1 ring size, 2 consumer position, 3 producer position.</summary>
    public ulong Query(ulong flags) => flags switch
    {
        0 => (ulong)AvailableData,
        1 => (ulong)MaxEntries,
        2 => (ulong)ConsumerPosition,
        3 => (ulong)ProducerPosition,
        _ => 0,
    };

    private void Signal()
    {
        if (_dataSignal.CurrentCount == 0)
        {
            try { _dataSignal.Release(); } catch (SemaphoreFullException) { }
        }
    }

    /// <summary>Waits until a record may be available or the timeout passes; true when signalled.</summary>
    public bool WaitForData(TimeSpan timeout) => AvailableData > 0 || _dataSignal.Wait(timeout);

    /// <summary>
    /// Consumes committed records in order, calling <paramref name="handler"/> for each one not discarded, until a
    /// busy record, the end of the data, <paramref name="maxRecords"/> records, or a negative handler result.
    /// Returns the number of records handed to the handler. One consumer at a time.
    /// </summary>
    public int Poll(RingBufferRecordHandler handler, int maxRecords = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(handler);
        int handled = 0;
        lock (_consumerLock)
        {
            long consumer = _consumerPosition;
            while (handled < maxRecords)
            {
                long producer = Volatile.Read(ref _producerPosition);
                if (consumer >= producer) break;
                uint header = (uint)Volatile.Read(ref HeaderWord(consumer));
                if ((header & BusyBit) != 0) break;
                int length = (int)(header & ~(BusyBit | DiscardBit));
                // Headers are program-writable memory: a program that overwrote one must not take the host down.
                if (length > MaxEntries - (int)(consumer & _mask) - HeaderSize || consumer + length + HeaderSize > producer)
                    throw new BpfMapException(Name, $"corrupted record header 0x{header:x8} at position {consumer}", -Errno.EINVAL);
                int result = 0;
                if ((header & DiscardBit) == 0)
                {
                    result = handler(_data.Slice((int)(consumer & _mask) + HeaderSize, length));
                    handled++;
                }
                consumer += (length + HeaderSize + 7) & ~7;
                Volatile.Write(ref _consumerPosition, consumer);
                if (result < 0) break;
            }
        }
        return handled;
    }

    private protected override void ReleaseMemory()
    {
        _data.Dispose();
        _dataSignal.Dispose();
    }
}

/// <summary>
/// Consumes one or more ring buffers with one callback, like libbpf's <c>ring_buffer</c>: <see cref="Poll"/> waits
/// for data, then hands every committed record to the callback in order.
/// </summary>
public sealed class RingBufferConsumer
{
    private readonly List<(RingBufferMap Map, RingBufferRecordHandler Handler)> _buffers = [];

    /// <summary>Creates a consumer of <paramref name="map"/>.</summary>
    public RingBufferConsumer(RingBufferMap map, RingBufferRecordHandler handler) => Add(map, handler);

    /// <summary>Adds another ring buffer.</summary>
    public RingBufferConsumer Add(RingBufferMap map, RingBufferRecordHandler handler)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(handler);
        _buffers.Add((map, handler));
        return this;
    }

    /// <summary>Consumes what is available now; returns the number of records handled.</summary>
    public int Consume()
    {
        int total = 0;
        foreach (var (map, handler) in _buffers) total += map.Poll(handler);
        return total;
    }

    /// <summary>Waits up to <paramref name="timeout"/> for data (on the first buffer), then consumes all buffers.</summary>
    public int Poll(TimeSpan timeout)
    {
        int handled = Consume();
        if (handled > 0 || _buffers.Count == 0) return handled;
        _buffers[0].Map.WaitForData(timeout);
        return Consume();
    }
}
