using System.Collections.Concurrent;

namespace SharpBpf.Maps;

/// <summary>A record written by <c>bpf_perf_event_output</c>.</summary>
/// <param name="Index">The perf-event array index it went to (the CPU for <c>BPF_F_CURRENT_CPU</c>).</param>
/// <param name="Data">The sample bytes.</param>
public readonly record struct PerfEventRecord(int Index, byte[] Data);

/// <summary>Receives perf-event samples as they are written, on the producing thread.</summary>
public delegate void PerfEventHandler(int index, ReadOnlySpan<byte> data);

/// <summary>
/// <c>BPF_MAP_TYPE_PERF_EVENT_ARRAY</c>: one perf buffer per index (by default one per CPU). Samples go to
/// <see cref="Handler"/> when set, otherwise into a bounded host queue (<see cref="TryDequeue"/>); when the queue
/// holds <see cref="Capacity"/> samples further ones are dropped, counted in <see cref="LostCount"/>, and the helper
/// returns -ENOSPC, as a full perf buffer does.
/// </summary>
public sealed class PerfEventArrayMap : BpfMap
{
    /// <summary>BPF_F_INDEX_MASK.</summary>
    public const ulong IndexMask = 0xFFFF_FFFFUL;
    /// <summary>BPF_F_CURRENT_CPU.</summary>
    public const ulong CurrentCpu = IndexMask;

    private readonly ConcurrentQueue<PerfEventRecord> _queue = new();
    private int _queued;
    private long _lost;

    internal PerfEventArrayMap(MapDefinition definition) : base(NormalizeDefinition(definition))
    {
        if (KeySize != 4 || ValueSize != 4) throw Invalid($"perf_event_array key and value sizes must be 4, got {KeySize} and {ValueSize}");
    }

    // libbpf's defaults: 4-byte key and value, one entry per CPU.
    private static MapDefinition NormalizeDefinition(MapDefinition d) => d with
    {
        KeySize = d.KeySize == 0 ? 4 : d.KeySize,
        ValueSize = d.ValueSize == 0 ? 4 : d.ValueSize,
        MaxEntries = d.MaxEntries == 0 ? (uint)BpfCpu.Count : d.MaxEntries,
    };

    /// <summary>Called for each sample instead of queueing it, when set.</summary>
    public PerfEventHandler? Handler { get; set; }

    /// <summary>Maximum queued samples (default 65536).</summary>
    public int Capacity { get; set; } = 65536;

    /// <summary>Samples dropped because the queue was full.</summary>
    public long LostCount => Interlocked.Read(ref _lost);

    /// <summary>Takes the oldest queued sample.</summary>
    public bool TryDequeue(out PerfEventRecord record)
    {
        if (!_queue.TryDequeue(out record)) return false;
        Interlocked.Decrement(ref _queued);
        return true;
    }

    /// <summary>Takes all queued samples, oldest first.</summary>
    public List<PerfEventRecord> Drain()
    {
        var records = new List<PerfEventRecord>();
        while (TryDequeue(out var record)) records.Add(record);
        return records;
    }

    /// <summary>
    /// <c>bpf_perf_event_output</c>'s map part: <paramref name="flags"/> holds the index (or BPF_F_CURRENT_CPU) in
    /// its low 32 bits and nothing else. Returns 0, -EINVAL, -E2BIG (index out of range) or -ENOSPC.
    /// </summary>
    public int Output(ulong flags, ReadOnlySpan<byte> data)
    {
        if ((flags & ~IndexMask) != 0) return -Errno.EINVAL;
        ulong index = flags & IndexMask;
        if (index == CurrentCpu) index = (ulong)BpfCpu.Current;
        if (index >= (ulong)MaxEntries) return -Errno.E2BIG;
        var handler = Handler;
        if (handler is not null)
        {
            handler((int)index, data);
            return 0;
        }
        if (Interlocked.Increment(ref _queued) > Capacity)
        {
            Interlocked.Decrement(ref _queued);
            Interlocked.Increment(ref _lost);
            return -Errno.ENOSPC;
        }
        _queue.Enqueue(new PerfEventRecord((int)index, data.ToArray()));
        return 0;
    }

    /// <inheritdoc/>
    public override int GetNextKey(ReadOnlySpan<byte> key, Span<byte> nextKey)
    {
        uint index = key.Length == 4 ? BitConverter.ToUInt32(key) : uint.MaxValue;
        uint next = index >= (uint)MaxEntries ? 0 : index + 1;
        if (next >= (uint)MaxEntries) return -Errno.ENOENT;
        BitConverter.TryWriteBytes(nextKey, next);
        return 0;
    }
}
