using System.Buffers.Binary;
using SharpBpf.Memory;

namespace SharpBpf.Maps;

/// <summary>
/// <c>BPF_MAP_TYPE_HASH</c>, <c>PERCPU_HASH</c>, <c>LRU_HASH</c> and <c>LRU_PERCPU_HASH</c>.
/// <para>
/// Storage: <c>max_entries</c> element slots are preallocated (the kernel's default): values in one native block
/// that lives as long as the map, keys and chain links in managed arrays. Buckets are chains of slot indexes,
/// guarded by striped locks (LRU maps use one lock for buckets and the LRU list). Full: -E2BIG (LRU maps evict
/// the least recently used element instead).
/// </para>
/// <para>
/// Deleted elements: a program may still hold a pointer to a deleted element's value. The slot goes to the
/// tail of a FIFO free list and is reused only after every other free slot, and its memory is never unmapped
/// while the map lives, so a stale pointer reads or writes a valid (possibly recycled) value, never freed memory,
/// as with the kernel's preallocated hash maps.
/// </para>
/// </summary>
public sealed class HashMap : BpfMap
{
    private readonly bool _lru;
    private readonly int _stride;
    private readonly int _slotBytes;
    private readonly int _lockOffset;
    private readonly NativeBlock _values;
    private readonly byte[] _keys;
    private readonly uint[] _hashes;
    private readonly int[] _next;
    private readonly int[] _buckets;
    private readonly Lock[] _stripes;
    private readonly int _stripeMask;
    private readonly ulong _seed;
    // FIFO free list of slots.
    private readonly int[] _free;
    private int _freeHead;
    private int _freeCount;
    private readonly Lock _freeLock = new();
    // LRU list (most recent at head), guarded by the single stripe of LRU maps.
    private readonly int[] _lruPrev = [];
    private readonly int[] _lruNext = [];
    private int _lruHead = -1, _lruTail = -1;
    private int _count;

    internal HashMap(MapDefinition definition, bool register = true) : base(definition, register)
    {
        if (KeySize <= 0) throw Invalid("hash key size must be positive");
        if (KeySize > 512) throw new BpfMapException(Name, $"key size {KeySize} exceeds 512 bytes", -Errno.E2BIG);
        if (ValueSize <= 0) throw Invalid("hash value size must be positive");
        if (MaxEntries <= 0) throw Invalid("max_entries must be positive");
        _lru = Type is MapType.LruHash or MapType.LruPerCpuHash;
        _lockOffset = definition.SpinLockOffset;
        if (_lockOffset >= 0 && (IsPerCpu || _lockOffset + 4 > ValueSize || (_lockOffset & 3) != 0))
            throw Invalid($"spin lock offset {_lockOffset} is invalid for this value");
        _stride = RoundUp8(ValueSize);
        _slotBytes = IsPerCpu ? _stride * BpfCpu.Count : _stride;
        long total = (long)_slotBytes * MaxEntries;
        if (total > int.MaxValue || (long)KeySize * MaxEntries > Array.MaxLength)
            throw new BpfMapException(Name, $"{MaxEntries} entries exceed the 2 GiB limit", -Errno.ENOMEM);
        _values = new NativeBlock(total);
        _keys = new byte[KeySize * MaxEntries];
        _hashes = new uint[MaxEntries];
        _next = new int[MaxEntries];
        _free = new int[MaxEntries];
        for (int i = 0; i < MaxEntries; i++) _free[i] = i;
        _freeCount = MaxEntries;
        _buckets = new int[(int)Math.Min(1u << 30, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)MaxEntries))];
        Array.Fill(_buckets, -1);
        int stripes = _lru ? 1 : Math.Min(_buckets.Length, 64);
        _stripes = new Lock[stripes];
        for (int i = 0; i < stripes; i++) _stripes[i] = new Lock();
        _stripeMask = stripes - 1;
        if (_lru)
        {
            _lruPrev = new int[MaxEntries];
            _lruNext = new int[MaxEntries];
        }
        _seed = (definition.Flags & MapCreationFlags.ZeroSeed) != 0 ? 0 : (ulong)Random.Shared.NextInt64();
        SetRegions(new MemoryRegion(_values.Address, (ulong)total, MemoryAccess.ReadWrite, $"map '{Name}' values"));
    }

    /// <inheritdoc/>
    public override bool IsPerCpu => Type is MapType.PerCpuHash or MapType.LruPerCpuHash;

    /// <summary>Number of elements.</summary>
    public int Count => Volatile.Read(ref _count);

    internal static uint HashBytes(ReadOnlySpan<byte> data, ulong seed)
    {
        ulong h = seed ^ (0x9E3779B97F4A7C15UL * (ulong)(data.Length + 1));
        while (data.Length >= 8)
        {
            h = (h ^ BinaryPrimitives.ReadUInt64LittleEndian(data)) * 0xFF51AFD7ED558CCDUL;
            h ^= h >> 32;
            data = data[8..];
        }
        ulong tail = 0;
        for (int i = 0; i < data.Length; i++) tail |= (ulong)data[i] << (8 * i);
        h = (h ^ tail) * 0xC4CEB9FE1A85EC53UL;
        h ^= h >> 29;
        h *= 0x94D049BB133111EBUL;
        return (uint)(h ^ (h >> 32));
    }

    private Span<byte> KeyAt(int slot) => _keys.AsSpan(slot * KeySize, KeySize);

    private int Find(int bucket, uint hash, ReadOnlySpan<byte> key, out int previous)
    {
        previous = -1;
        for (int slot = _buckets[bucket]; slot >= 0; previous = slot, slot = _next[slot])
            if (_hashes[slot] == hash && KeyAt(slot).SequenceEqual(key)) return slot;
        return -1;
    }

    private Lock StripeOf(int bucket) => _stripes[bucket & _stripeMask];

    private ulong SlotAddress(int slot) => _values.Address + (ulong)slot * (ulong)_slotBytes;

    /// <inheritdoc/>
    public override ulong ProgramLookup(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize) return 0;
        uint hash = HashBytes(key, _seed);
        int bucket = (int)(hash & (uint)(_buckets.Length - 1));
        int slot;
        lock (StripeOf(bucket))
        {
            slot = Find(bucket, hash, key, out _);
            if (slot < 0) return 0;
            if (_lru) Touch(slot);
        }
        return SlotAddress(slot) + (IsPerCpu ? (ulong)(BpfCpu.Current * _stride) : 0);
    }

    /// <inheritdoc/>
    public override int Lookup(ReadOnlySpan<byte> key, Span<byte> value, MapUpdateFlags flags = MapUpdateFlags.Any)
    {
        CheckKey(key);
        CheckHostValue(value.Length);
        if (flags != MapUpdateFlags.Any && (flags != MapUpdateFlags.Lock || _lockOffset < 0)) return -Errno.EINVAL;
        uint hash = HashBytes(key, _seed);
        int bucket = (int)(hash & (uint)(_buckets.Length - 1));
        lock (StripeOf(bucket))
        {
            int slot = Find(bucket, hash, key, out _);
            if (slot < 0) return -Errno.ENOENT;
            int offset = slot * _slotBytes;
            MapValues.CopyElementToHost(_values, offset, ValueSize, _stride, _lockOffset, IsPerCpu, flags == MapUpdateFlags.Lock, value);
        }
        return 0;
    }

    /// <inheritdoc/>
    public override int Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, MapUpdateFlags flags = MapUpdateFlags.Any)
    {
        CheckKey(key);
        CheckHostValue(value.Length);
        return Store(key, value, flags, allCpus: true);
    }

    /// <inheritdoc/>
    public override int ProgramUpdate(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, MapUpdateFlags flags)
    {
        if (key.Length != KeySize || value.Length != ValueSize) return -Errno.EINVAL;
        return Store(key, value, flags, allCpus: false);
    }

    private int Store(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, MapUpdateFlags flags, bool allCpus)
    {
        int check = CheckUpdateFlags(flags, _lockOffset >= 0);
        if (check != 0) return check;
        var mode = flags & ~MapUpdateFlags.Lock;
        uint hash = HashBytes(key, _seed);
        int bucket = (int)(hash & (uint)(_buckets.Length - 1));
        lock (StripeOf(bucket))
        {
            int slot = Find(bucket, hash, key, out _);
            if (slot >= 0)
            {
                if (mode == MapUpdateFlags.NoExist) return -Errno.EEXIST;
                WriteValue(slot, value, flags, allCpus, fresh: false);
                if (_lru) Touch(slot);
                return 0;
            }
            if (mode == MapUpdateFlags.Exist) return -Errno.ENOENT;
            slot = TakeFreeSlot();
            if (slot < 0)
            {
                if (!_lru) return -Errno.E2BIG;
                slot = EvictLeastRecentlyUsed();
                if (slot < 0) return -Errno.E2BIG;
            }
            key.CopyTo(KeyAt(slot));
            _hashes[slot] = hash;
            WriteValue(slot, value, flags, allCpus, fresh: true);
            _next[slot] = _buckets[bucket];
            _buckets[bucket] = slot;
            if (_lru) LinkHead(slot);
            Interlocked.Increment(ref _count);
            return 0;
        }
    }

    private void WriteValue(int slot, ReadOnlySpan<byte> value, MapUpdateFlags flags, bool allCpus, bool fresh)
    {
        int offset = slot * _slotBytes;
        if (fresh && _lockOffset >= 0) _values.Int32At(offset + _lockOffset) = 0;
        if (flags.HasFlag(MapUpdateFlags.Lock) && !fresh)
            MapValues.CopyLocked(_values.Slice(offset, ValueSize), value, ref _values.Int32At(offset + _lockOffset), _lockOffset, toHost: false);
        else if (!IsPerCpu) MapValues.Copy(_values.Slice(offset, ValueSize), value, _lockOffset);
        else if (allCpus)
            for (int cpu = 0; cpu < BpfCpu.Count; cpu++)
                value.Slice(cpu * _stride, ValueSize).CopyTo(_values.Slice(offset + cpu * _stride, ValueSize));
        else
        {
            // A program's update sets its own CPU's value; a new element starts zeroed on the others.
            if (fresh) _values.Slice(offset, _slotBytes).Clear();
            value.CopyTo(_values.Slice(offset + BpfCpu.Current * _stride, ValueSize));
        }
    }

    /// <inheritdoc/>
    public override int Delete(ReadOnlySpan<byte> key)
    {
        CheckKey(key);
        uint hash = HashBytes(key, _seed);
        int bucket = (int)(hash & (uint)(_buckets.Length - 1));
        lock (StripeOf(bucket))
        {
            int slot = Find(bucket, hash, key, out int previous);
            if (slot < 0) return -Errno.ENOENT;
            Unlink(bucket, slot, previous);
        }
        return 0;
    }

    private void Unlink(int bucket, int slot, int previous)
    {
        if (previous < 0) _buckets[bucket] = _next[slot];
        else _next[previous] = _next[slot];
        if (_lru) UnlinkLru(slot);
        Interlocked.Decrement(ref _count);
        lock (_freeLock)
        {
            _free[(_freeHead + _freeCount) % _free.Length] = slot;
            _freeCount++;
        }
    }

    private int TakeFreeSlot()
    {
        lock (_freeLock)
        {
            if (_freeCount == 0) return -1;
            int slot = _free[_freeHead];
            _freeHead = (_freeHead + 1) % _free.Length;
            _freeCount--;
            return slot;
        }
    }

    // LRU list operations run under the single stripe lock of LRU maps.
    private void Touch(int slot)
    {
        if (_lruHead == slot) return;
        UnlinkLru(slot);
        LinkHead(slot);
    }

    private void LinkHead(int slot)
    {
        _lruPrev[slot] = -1;
        _lruNext[slot] = _lruHead;
        if (_lruHead >= 0) _lruPrev[_lruHead] = slot;
        _lruHead = slot;
        if (_lruTail < 0) _lruTail = slot;
    }

    private void UnlinkLru(int slot)
    {
        int prev = _lruPrev[slot], next = _lruNext[slot];
        if (prev >= 0) _lruNext[prev] = next; else _lruHead = next;
        if (next >= 0) _lruPrev[next] = prev; else _lruTail = prev;
    }

    private int EvictLeastRecentlyUsed()
    {
        int victim = _lruTail;
        if (victim < 0) return -1;
        int bucket = (int)(_hashes[victim] & (uint)(_buckets.Length - 1));
        int slot = Find(bucket, _hashes[victim], KeyAt(victim), out int previous);
        Unlink(bucket, slot, previous);
        return TakeFreeSlot();
    }

    /// <inheritdoc/>
    public override int GetNextKey(ReadOnlySpan<byte> key, Span<byte> nextKey)
    {
        if (nextKey.Length != KeySize) throw new ArgumentException($"map '{Name}': key must be {KeySize} bytes", nameof(nextKey));
        int startBucket = 0;
        if (key.Length == KeySize)
        {
            uint hash = HashBytes(key, _seed);
            int bucket = (int)(hash & (uint)(_buckets.Length - 1));
            lock (StripeOf(bucket))
            {
                int slot = Find(bucket, hash, key, out _);
                if (slot >= 0)
                {
                    if (_next[slot] >= 0)
                    {
                        KeyAt(_next[slot]).CopyTo(nextKey);
                        return 0;
                    }
                    startBucket = bucket + 1;
                }
            }
        }
        for (int bucket = startBucket; bucket < _buckets.Length; bucket++)
        {
            if (Volatile.Read(ref _buckets[bucket]) < 0) continue;
            lock (StripeOf(bucket))
            {
                int head = _buckets[bucket];
                if (head < 0) continue;
                KeyAt(head).CopyTo(nextKey);
                return 0;
            }
        }
        return -Errno.ENOENT;
    }

    /// <inheritdoc/>
    public override int ForEachElement(MapElementVisitor visitor)
    {
        int visited = 0;
        ulong cpuOffset = IsPerCpu ? (ulong)(BpfCpu.Current * _stride) : 0;
        var slots = new List<int>();
        var keys = new byte[KeySize * 8];
        for (int bucket = 0; bucket < _buckets.Length; bucket++)
        {
            if (Volatile.Read(ref _buckets[bucket]) < 0) continue;
            slots.Clear();
            // Snapshot the chain so the visitor may update or delete elements of this map.
            lock (StripeOf(bucket))
            {
                for (int slot = _buckets[bucket]; slot >= 0; slot = _next[slot]) slots.Add(slot);
                if (keys.Length < slots.Count * KeySize) keys = new byte[slots.Count * KeySize * 2];
                for (int i = 0; i < slots.Count; i++) KeyAt(slots[i]).CopyTo(keys.AsSpan(i * KeySize));
            }
            for (int i = 0; i < slots.Count; i++)
            {
                visited++;
                if (!visitor(keys.AsSpan(i * KeySize, KeySize), SlotAddress(slots[i]) + cpuOffset)) return visited;
            }
        }
        return visited;
    }

    private protected override void ReleaseMemory() => _values.Dispose();
}
