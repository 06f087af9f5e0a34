namespace SharpBpf.Maps;

/// <summary>
/// <c>BPF_MAP_TYPE_QUEUE</c> (FIFO) and <c>BPF_MAP_TYPE_STACK</c> (LIFO): keyless, at most <c>max_entries</c>
/// values. Push on a full map gives -E2BIG, or with <c>BPF_EXIST</c> drops the oldest value; pop and peek on an
/// empty map give -ENOENT. Values are copied in and out, so they need no stable addresses.
/// </summary>
public sealed class QueueStackMap : BpfMap
{
    private readonly byte[] _storage;
    private readonly Lock _lock = new();
    private int _start;
    private int _count;

    internal QueueStackMap(MapDefinition definition) : base(definition)
    {
        if (KeySize != 0) throw Invalid($"{Type} maps have no key (key size must be 0, got {KeySize})");
        if (ValueSize <= 0) throw Invalid("value size must be positive");
        if (MaxEntries <= 0) throw Invalid("max_entries must be positive");
        if ((long)ValueSize * MaxEntries > Array.MaxLength) throw new BpfMapException(Name, "too large", -Errno.ENOMEM);
        _storage = new byte[ValueSize * MaxEntries];
    }

    /// <summary>Number of values held.</summary>
    public int Count { get { lock (_lock) return _count; } }

    private Span<byte> At(int logicalIndex) => _storage.AsSpan((_start + logicalIndex) % MaxEntries * ValueSize, ValueSize);

    /// <inheritdoc/>
    public override int Push(ReadOnlySpan<byte> value, MapUpdateFlags flags = MapUpdateFlags.Any)
    {
        if (value.Length != ValueSize) return -Errno.EINVAL;
        if (flags != MapUpdateFlags.Any && flags != MapUpdateFlags.Exist) return -Errno.EINVAL;
        lock (_lock)
        {
            if (_count == MaxEntries)
            {
                if (flags != MapUpdateFlags.Exist) return -Errno.E2BIG;
                _start = (_start + 1) % MaxEntries;
                _count--;
            }
            value.CopyTo(At(_count));
            _count++;
        }
        return 0;
    }

    /// <inheritdoc/>
    public override int Pop(Span<byte> value) => Take(value, remove: true);

    /// <inheritdoc/>
    public override int Peek(Span<byte> value) => Take(value, remove: false);

    private int Take(Span<byte> value, bool remove)
    {
        if (value.Length != ValueSize) return -Errno.EINVAL;
        lock (_lock)
        {
            if (_count == 0) return -Errno.ENOENT;
            int index = Type == MapType.Queue ? 0 : _count - 1;
            At(index).CopyTo(value);
            if (!remove) return 0;
            if (Type == MapType.Queue) _start = (_start + 1) % MaxEntries;
            _count--;
        }
        return 0;
    }

    /// <inheritdoc/>
    public override int Lookup(ReadOnlySpan<byte> key, Span<byte> value, MapUpdateFlags flags = MapUpdateFlags.Any) =>
        key.Length != 0 || flags != MapUpdateFlags.Any ? -Errno.EINVAL : Peek(value);

    /// <inheritdoc/>
    public override int Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, MapUpdateFlags flags = MapUpdateFlags.Any) =>
        key.Length != 0 ? -Errno.EINVAL : Push(value, flags);

    /// <inheritdoc/>
    public override int Delete(ReadOnlySpan<byte> key) => -Errno.EINVAL;

    /// <inheritdoc/>
    public override int GetNextKey(ReadOnlySpan<byte> key, Span<byte> nextKey) => -Errno.EINVAL;
}
