using System.Buffers.Binary;
using SharpBpf.Memory;

namespace SharpBpf.Maps;

/// <summary>
/// <c>BPF_MAP_TYPE_LPM_TRIE</c>: keys are <c>struct bpf_lpm_trie_key</c> (u32 prefix length in host order, then
/// <c>key_size - 4</c> data bytes in network order); lookups return the value of the longest stored prefix that
/// matches the first <c>prefixlen</c> bits of the key. Requires <c>BPF_F_NO_PREALLOC</c> as the kernel does; full:
/// -ENOSPC. <c>get_next_key</c> walks in the kernel's post-order (more specific prefixes before the ones
/// containing them, 0-bits before 1-bits); a missing key restarts from the first. Values live in preallocated
/// native slots recycled through a FIFO free list, like the hash maps.
/// </summary>
public sealed class LpmTrieMap : BpfMap
{
    private readonly int _dataSize;
    private readonly int _stride;
    private readonly NativeBlock _values;
    private readonly Lock _lock = new();
    // Per prefix length: masked data -> slot.
    private readonly Dictionary<string, int>?[] _byLength;
    private readonly List<int> _lengthsDescending = [];
    private readonly byte[][] _storedKeys;
    private readonly Queue<int> _free = new();

    internal LpmTrieMap(MapDefinition definition) : base(definition)
    {
        _dataSize = KeySize - 4;
        if (_dataSize < 1 || _dataSize > 256) throw Invalid($"LPM trie key size must be 5-260 (4-byte prefix length and 1-256 data bytes), got {KeySize}");
        if (ValueSize <= 0) throw Invalid("value size must be positive");
        if (MaxEntries <= 0) throw Invalid("max_entries must be positive");
        if ((definition.Flags & MapCreationFlags.NoPrealloc) == 0) throw Invalid("LPM tries need BPF_F_NO_PREALLOC in map_flags");
        _stride = RoundUp8(ValueSize);
        if ((long)_stride * MaxEntries > int.MaxValue) throw new BpfMapException(Name, "too large", -Errno.ENOMEM);
        _values = new NativeBlock((long)_stride * MaxEntries);
        _byLength = new Dictionary<string, int>?[_dataSize * 8 + 1];
        _storedKeys = new byte[MaxEntries][];
        for (int i = 0; i < MaxEntries; i++) _free.Enqueue(i);
        SetRegions(new MemoryRegion(_values.Address, (ulong)_stride * (ulong)MaxEntries, MemoryAccess.ReadWrite, $"map '{Name}' values"));
    }

    /// <summary>Number of prefixes stored.</summary>
    public int Count { get { lock (_lock) return MaxEntries - _free.Count; } }

    private int MaxPrefix => _dataSize * 8;

    private static string Masked(ReadOnlySpan<byte> data, int prefixLength)
    {
        int fullBytes = prefixLength / 8, bits = prefixLength % 8;
        Span<char> chars = stackalloc char[fullBytes + (bits > 0 ? 1 : 0)];
        for (int i = 0; i < fullBytes; i++) chars[i] = (char)data[i];
        if (bits > 0) chars[fullBytes] = (char)(data[fullBytes] & (0xFF00 >> bits));
        return new string(chars);
    }

    private int FindExact(ReadOnlySpan<byte> key, out int prefixLength, out string masked)
    {
        prefixLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(key);
        masked = "";
        if ((uint)prefixLength > (uint)MaxPrefix) return -2;
        masked = Masked(key[4..], prefixLength);
        var table = _byLength[prefixLength];
        return table is not null && table.TryGetValue(masked, out int slot) ? slot : -1;
    }

    private int LongestMatch(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize) return -1;
        uint limit = BinaryPrimitives.ReadUInt32LittleEndian(key);
        foreach (int length in _lengthsDescending)
        {
            if ((uint)length > limit) continue;
            if (_byLength[length]!.TryGetValue(Masked(key[4..], length), out int slot)) return slot;
        }
        return -1;
    }

    /// <inheritdoc/>
    public override ulong ProgramLookup(ReadOnlySpan<byte> key)
    {
        lock (_lock)
        {
            int slot = LongestMatch(key);
            return slot < 0 ? 0 : _values.Address + (ulong)slot * (ulong)_stride;
        }
    }

    /// <inheritdoc/>
    public override int Lookup(ReadOnlySpan<byte> key, Span<byte> value, MapUpdateFlags flags = MapUpdateFlags.Any)
    {
        CheckKey(key);
        CheckHostValue(value.Length);
        if (flags != MapUpdateFlags.Any) return -Errno.EINVAL;
        lock (_lock)
        {
            int slot = LongestMatch(key);
            if (slot < 0) return -Errno.ENOENT;
            _values.Slice(slot * _stride, ValueSize).CopyTo(value);
        }
        return 0;
    }

    /// <inheritdoc/>
    public override int Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, MapUpdateFlags flags = MapUpdateFlags.Any)
    {
        CheckKey(key);
        CheckHostValue(value.Length);
        return ProgramUpdate(key, value, flags);
    }

    /// <inheritdoc/>
    public override int ProgramUpdate(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, MapUpdateFlags flags)
    {
        if (key.Length != KeySize || value.Length != ValueSize || (ulong)flags > (ulong)MapUpdateFlags.Exist) return -Errno.EINVAL;
        lock (_lock)
        {
            int slot = FindExact(key, out int prefixLength, out string masked);
            if (slot == -2) return -Errno.EINVAL;
            if (slot >= 0)
            {
                if (flags == MapUpdateFlags.NoExist) return -Errno.EEXIST;
            }
            else
            {
                if (flags == MapUpdateFlags.Exist) return -Errno.ENOENT;
                if (_free.Count == 0) return -Errno.ENOSPC;
                slot = _free.Dequeue();
                var table = _byLength[prefixLength] ??= new Dictionary<string, int>();
                if (table.Count == 0) InsertLength(prefixLength);
                table.Add(masked, slot);
                var stored = new byte[KeySize];
                key[..4].CopyTo(stored);
                for (int i = 0; i < masked.Length; i++) stored[4 + i] = (byte)masked[i];
                _storedKeys[slot] = stored;
            }
            value.CopyTo(_values.Slice(slot * _stride, ValueSize));
        }
        return 0;
    }

    private void InsertLength(int length)
    {
        int index = 0;
        while (index < _lengthsDescending.Count && _lengthsDescending[index] > length) index++;
        _lengthsDescending.Insert(index, length);
    }

    /// <inheritdoc/>
    public override int Delete(ReadOnlySpan<byte> key)
    {
        CheckKey(key);
        lock (_lock)
        {
            int slot = FindExact(key, out int prefixLength, out string masked);
            if (slot == -2) return -Errno.EINVAL;
            if (slot < 0) return -Errno.ENOENT;
            var table = _byLength[prefixLength]!;
            table.Remove(masked);
            if (table.Count == 0) _lengthsDescending.Remove(prefixLength);
            _storedKeys[slot] = null!;
            _free.Enqueue(slot);
        }
        return 0;
    }

    /// <summary>Post-order of a binary trie: by bits where the prefixes differ (0 first); a prefix after its extensions.</summary>
    private static int ComparePostOrder(byte[] a, byte[] b)
    {
        int lengthA = (int)BinaryPrimitives.ReadUInt32LittleEndian(a), lengthB = (int)BinaryPrimitives.ReadUInt32LittleEndian(b);
        int common = Math.Min(lengthA, lengthB);
        for (int bit = 0; bit < common; bit++)
        {
            int bitA = (a[4 + bit / 8] >> (7 - bit % 8)) & 1, bitB = (b[4 + bit / 8] >> (7 - bit % 8)) & 1;
            if (bitA != bitB) return bitA - bitB;
        }
        return lengthB.CompareTo(lengthA);
    }

    /// <inheritdoc/>
    public override int GetNextKey(ReadOnlySpan<byte> key, Span<byte> nextKey)
    {
        if (nextKey.Length != KeySize) throw new ArgumentException($"map '{Name}': key must be {KeySize} bytes", nameof(nextKey));
        List<byte[]> ordered;
        byte[]? currentKey = null;
        lock (_lock)
        {
            ordered = [.. _storedKeys.Where(k => k is not null)];
            if (key.Length == KeySize && FindExact(key, out _, out _) is int slot and >= 0) currentKey = _storedKeys[slot];
        }
        ordered.Sort(ComparePostOrder);
        int next = currentKey is null ? 0 : ordered.IndexOf(currentKey) + 1;
        if (next >= ordered.Count) return -Errno.ENOENT;
        ordered[next].CopyTo(nextKey);
        return 0;
    }

    private protected override void ReleaseMemory() => _values.Dispose();
}
