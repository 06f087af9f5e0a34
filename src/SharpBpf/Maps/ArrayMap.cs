using SharpBpf.Memory;

namespace SharpBpf.Maps;

/// <summary>
/// <c>BPF_MAP_TYPE_ARRAY</c> and <c>BPF_MAP_TYPE_PERCPU_ARRAY</c>: <c>max_entries</c> preallocated, zeroed values
/// indexed by a u32 key, in one native block (values 8-byte aligned). Elements always exist: delete gives
/// -EINVAL, <c>BPF_NOEXIST</c> gives -EEXIST, an index past the end -E2BIG. Also backs global data
/// (<c>.data</c>, <c>.rodata</c>, <c>.bss</c>) through <see cref="MapDefinition.InitialValue"/>.
/// </summary>
public sealed class ArrayMap : BpfMap
{
    private readonly NativeBlock _values;
    private readonly int _stride;
    private readonly int _slotBytes;
    private readonly int _lockOffset;

    internal ArrayMap(MapDefinition definition) : base(definition)
    {
        if (KeySize != 4) throw Invalid($"array key size must be 4, got {KeySize}");
        if (ValueSize <= 0) throw Invalid("array value size must be positive");
        if (MaxEntries <= 0) throw Invalid("max_entries must be positive");
        _lockOffset = definition.SpinLockOffset;
        if (_lockOffset >= 0 && (IsPerCpu || _lockOffset + 4 > ValueSize || (_lockOffset & 3) != 0))
            throw Invalid($"spin lock offset {_lockOffset} is invalid for this value");
        _stride = RoundUp8(ValueSize);
        _slotBytes = IsPerCpu ? _stride * BpfCpu.Count : _stride;
        long total = (long)_slotBytes * MaxEntries;
        if (total > int.MaxValue) throw new BpfMapException(Name, $"{total} bytes of values exceed the 2 GiB limit", -Errno.ENOMEM);
        _values = new NativeBlock(total);
        if (!definition.InitialValue.IsEmpty)
        {
            if (definition.InitialValue.Length > ValueSize) throw Invalid($"initial value of {definition.InitialValue.Length} bytes exceeds the value size {ValueSize}");
            definition.InitialValue.Span.CopyTo(_values.Slice(0, ValueSize));
        }
        bool readOnly = definition.ReadOnlyForPrograms || (definition.Flags & MapCreationFlags.ReadOnlyProgram) != 0;
        SetRegions(new MemoryRegion(_values.Address, (ulong)total, readOnly ? MemoryAccess.Read : MemoryAccess.ReadWrite, $"map '{Name}' values"));
    }

    /// <inheritdoc/>
    public override bool IsPerCpu => Type == MapType.PerCpuArray;

    /// <summary>Address of element <paramref name="index"/>'s value (CPU 0's slot for per-CPU arrays).</summary>
    public ulong ValueAddress(uint index) => index < (uint)MaxEntries ? _values.Address + (ulong)index * (ulong)_slotBytes : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>The value of element <paramref name="index"/> for <paramref name="cpu"/>, as a live view of the map.</summary>
    public Span<byte> ValueSpan(uint index, int cpu = 0)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, (uint)MaxEntries);
        if ((uint)cpu >= (uint)(IsPerCpu ? BpfCpu.Count : 1)) throw new ArgumentOutOfRangeException(nameof(cpu));
        return _values.Slice((int)index * _slotBytes + cpu * _stride, ValueSize);
    }

    private static bool TryIndex(ReadOnlySpan<byte> key, out uint index)
    {
        index = key.Length == 4 ? BitConverter.ToUInt32(key) : uint.MaxValue;
        return key.Length == 4;
    }

    /// <inheritdoc/>
    public override int Lookup(ReadOnlySpan<byte> key, Span<byte> value, MapUpdateFlags flags = MapUpdateFlags.Any)
    {
        CheckKey(key);
        CheckHostValue(value.Length);
        if (flags != MapUpdateFlags.Any && (flags != MapUpdateFlags.Lock || _lockOffset < 0)) return -Errno.EINVAL;
        TryIndex(key, out uint index);
        if (index >= (uint)MaxEntries) return -Errno.ENOENT;
        int offset = (int)index * _slotBytes;
        MapValues.CopyElementToHost(_values, offset, ValueSize, _stride, _lockOffset, IsPerCpu, flags == MapUpdateFlags.Lock, value);
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
        TryIndex(key, out uint index);
        if (index >= (uint)MaxEntries) return -Errno.E2BIG;
        if ((flags & ~MapUpdateFlags.Lock) == MapUpdateFlags.NoExist) return -Errno.EEXIST;
        int offset = (int)index * _slotBytes;
        if (flags.HasFlag(MapUpdateFlags.Lock))
            MapValues.CopyLocked(_values.Slice(offset, ValueSize), value, ref _values.Int32At(offset + _lockOffset), _lockOffset, toHost: false);
        else if (!IsPerCpu)
            MapValues.Copy(_values.Slice(offset, ValueSize), value, _lockOffset);
        else if (allCpus)
            for (int cpu = 0; cpu < BpfCpu.Count; cpu++)
                value.Slice(cpu * _stride, ValueSize).CopyTo(_values.Slice(offset + cpu * _stride, ValueSize));
        else
            value.CopyTo(_values.Slice(offset + BpfCpu.Current * _stride, ValueSize));
        return 0;
    }

    /// <inheritdoc/>
    public override int Delete(ReadOnlySpan<byte> key)
    {
        CheckKey(key);
        return -Errno.EINVAL;
    }

    /// <inheritdoc/>
    public override int GetNextKey(ReadOnlySpan<byte> key, Span<byte> nextKey)
    {
        if (nextKey.Length != 4) throw new ArgumentException("array keys are 4 bytes", nameof(nextKey));
        uint next;
        if (!TryIndex(key, out uint index) || index >= (uint)MaxEntries) next = 0;
        else if (index == (uint)MaxEntries - 1) return -Errno.ENOENT;
        else next = index + 1;
        BitConverter.TryWriteBytes(nextKey, next);
        return 0;
    }

    /// <summary>Address of element 0's value (the JIT compiles known array lookups to <c>ValuesAddress + key * SlotBytes</c>).</summary>
    internal ulong ValuesAddress => _values.Address;

    /// <summary>Bytes from one element's value to the next's.</summary>
    internal int SlotBytes => _slotBytes;

    /// <inheritdoc/>
    public override ulong ProgramLookup(ReadOnlySpan<byte> key)
    {
        if (!TryIndex(key, out uint index) || index >= (uint)MaxEntries) return 0;
        return _values.Address + (ulong)index * (ulong)_slotBytes + (IsPerCpu ? (ulong)(BpfCpu.Current * _stride) : 0);
    }

    /// <inheritdoc/>
    public override int ForEachElement(MapElementVisitor visitor)
    {
        Span<byte> key = stackalloc byte[4];
        ulong cpuOffset = IsPerCpu ? (ulong)(BpfCpu.Current * _stride) : 0;
        for (uint i = 0; i < (uint)MaxEntries; i++)
        {
            BitConverter.TryWriteBytes(key, i);
            if (!visitor(key, _values.Address + (ulong)i * (ulong)_slotBytes + cpuOffset)) return (int)i + 1;
        }
        return MaxEntries;
    }

    private protected override void ReleaseMemory() => _values.Dispose();
}
