using System.Buffers.Binary;
using SharpBpf.Maps;

namespace SharpBpf.ProgramTypes;

/// <summary>
/// Stand-ins for the redirect target maps (<c>BPF_MAP_TYPE_DEVMAP</c>, <c>DEVMAP_HASH</c>, <c>CPUMAP</c>,
/// <c>XSKMAP</c>): user space fills them with interface indexes, queue sizes or socket numbers through the map API,
/// and <c>bpf_redirect_map</c> records the chosen target instead of transmitting. Keys are u32; values are 4 bytes
/// (or 8: <c>struct bpf_devmap_val</c>/<c>bpf_cpumap_val</c>, the program fd ignored). A first word of 0 (ifindex
/// or queue size) clears an entry, as in the kernel. Programs cannot look values up (no pointers are handed out).
/// </summary>
public sealed class RedirectMap : BpfMap
{
    private readonly Lock _lock = new();
    private readonly Dictionary<uint, byte[]> _entries = [];
    private readonly List<uint> _order = [];

    internal RedirectMap(MapDefinition definition) : base(definition)
    {
        if (definition.Type is not (MapType.DevMap or MapType.DevMapHash or MapType.CpuMap or MapType.XskMap))
            throw new BpfMapException(Name, $"{definition.Type} is not a redirect map type");
        if (KeySize != 4) throw new BpfMapException(Name, $"key size must be 4, got {KeySize}");
        bool wide = definition.Type is MapType.DevMap or MapType.DevMapHash or MapType.CpuMap;
        if (ValueSize != 4 && !(wide && ValueSize == 8)) throw new BpfMapException(Name, $"value size must be 4{(wide ? " or 8" : "")}, got {ValueSize}");
        if (MaxEntries <= 0) throw new BpfMapException(Name, "max_entries must be positive");
    }

    private bool IsArray => Type != MapType.DevMapHash;

    /// <summary>The first value word (ifindex, queue size, socket) for <paramref name="key"/>, when present.</summary>
    public bool TryGetTarget(uint key, out uint target)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var value))
            {
                target = BinaryPrimitives.ReadUInt32LittleEndian(value);
                return true;
            }
        }
        target = 0;
        return false;
    }

    /// <inheritdoc/>
    public override int Lookup(ReadOnlySpan<byte> key, Span<byte> value, MapUpdateFlags flags = MapUpdateFlags.Any)
    {
        CheckSizes(key, value.Length);
        lock (_lock)
        {
            if (!_entries.TryGetValue(BinaryPrimitives.ReadUInt32LittleEndian(key), out var stored)) return -Errno.ENOENT;
            stored.CopyTo(value);
            return 0;
        }
    }

    /// <inheritdoc/>
    public override int Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, MapUpdateFlags flags = MapUpdateFlags.Any)
    {
        CheckSizes(key, value.Length);
        if ((ulong)flags > (ulong)MapUpdateFlags.Exist) return -Errno.EINVAL;
        uint index = BinaryPrimitives.ReadUInt32LittleEndian(key);
        lock (_lock)
        {
            bool present = _entries.ContainsKey(index);
            if (IsArray)
            {
                if (index >= (uint)MaxEntries) return -Errno.E2BIG;
                // Array slots always exist in the kernel, so NOEXIST can never succeed.
                if (flags == MapUpdateFlags.NoExist) return -Errno.EEXIST;
            }
            else
            {
                if (flags == MapUpdateFlags.NoExist && present) return -Errno.EEXIST;
                if (flags == MapUpdateFlags.Exist && !present) return -Errno.ENOENT;
                if (!present && _entries.Count >= MaxEntries) return -Errno.E2BIG;
            }
            if (BinaryPrimitives.ReadUInt32LittleEndian(value) == 0 && Type != MapType.XskMap)
            {
                if (present) Remove(index);
                return 0;
            }
            if (!present) _order.Add(index);
            _entries[index] = value.ToArray();
            return 0;
        }
    }

    /// <inheritdoc/>
    public override int Delete(ReadOnlySpan<byte> key)
    {
        CheckSizes(key, ValueSize);
        uint index = BinaryPrimitives.ReadUInt32LittleEndian(key);
        lock (_lock)
        {
            if (IsArray)
            {
                if (index >= (uint)MaxEntries) return -Errno.EINVAL;
                Remove(index);
                return 0;
            }
            return Remove(index) ? 0 : -Errno.ENOENT;
        }
    }

    /// <inheritdoc/>
    public override int GetNextKey(ReadOnlySpan<byte> key, Span<byte> nextKey)
    {
        if (nextKey.Length != 4 || (key.Length != 0 && key.Length != 4)) throw new ArgumentException("keys of redirect maps are 4 bytes");
        lock (_lock)
        {
            uint next;
            if (IsArray)
            {
                // Array maps walk indexes whether or not the slot is filled.
                uint index = key.Length == 0 ? uint.MaxValue : BinaryPrimitives.ReadUInt32LittleEndian(key);
                next = index >= (uint)MaxEntries ? 0 : index + 1;
                if (next >= (uint)MaxEntries) return -Errno.ENOENT;
            }
            else
            {
                int at = key.Length == 0 ? -1 : _order.IndexOf(BinaryPrimitives.ReadUInt32LittleEndian(key));
                if (at + 1 >= _order.Count) return _order.Count == 0 || at >= 0 ? -Errno.ENOENT : Fill(nextKey, _order[0]);
                next = _order[at + 1];
            }
            return Fill(nextKey, next);
        }
    }

    private static int Fill(Span<byte> nextKey, uint key)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(nextKey, key);
        return 0;
    }

    private bool Remove(uint index)
    {
        if (!_entries.Remove(index)) return false;
        _order.Remove(index);
        return true;
    }

    private void CheckSizes(ReadOnlySpan<byte> key, int valueLength)
    {
        if (key.Length != 4) throw new ArgumentException($"map '{Name}': key must be 4 bytes, got {key.Length}");
        if (valueLength != ValueSize) throw new ArgumentException($"map '{Name}': value must be {ValueSize} bytes, got {valueLength}");
    }
}
