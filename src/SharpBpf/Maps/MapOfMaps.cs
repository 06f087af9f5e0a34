using System.Buffers.Binary;

namespace SharpBpf.Maps;

/// <summary>Checks inner maps against the template as the kernel's <c>bpf_map_meta_equal</c> does.</summary>
internal static class InnerMapRules
{
    public static MapDefinition Template(MapDefinition definition)
    {
        var inner = definition.InnerMap ?? throw new BpfMapException(definition.Name, "map-in-map needs an inner map definition");
        if (inner.Type is MapType.ArrayOfMaps or MapType.HashOfMaps or MapType.ProgArray)
            throw new BpfMapException(definition.Name, $"inner maps cannot be of type {inner.Type}");
        if (definition.ValueSize != 4) throw new BpfMapException(definition.Name, $"map-in-map value size must be 4 (a map id), got {definition.ValueSize}");
        return inner;
    }

    public static bool Compatible(MapDefinition template, BpfMap map) =>
        map.Type == template.Type && map.KeySize == template.KeySize && map.ValueSize == template.ValueSize
        && map.Definition.Flags == template.Flags
        && ((template.Flags & MapCreationFlags.InnerMap) != 0 || map.MaxEntries == template.MaxEntries)
        && map is not (ArrayOfMapsMap or HashOfMapsMap);

    /// <summary>Resolves a u32 map id value to a compatible live map.</summary>
    public static int Resolve(MapDefinition template, ReadOnlySpan<byte> value, out BpfMap? map)
    {
        map = value.Length == 4 ? BpfMap.TryFromId(BinaryPrimitives.ReadUInt32LittleEndian(value)) : null;
        if (map is null || map.IsDisposed) return -Errno.EINVAL;
        return Compatible(template, map) ? 0 : -Errno.EINVAL;
    }
}

/// <summary>
/// <c>BPF_MAP_TYPE_ARRAY_OF_MAPS</c>: slots holding inner maps. Host values are the inner map's
/// <see cref="BpfMap.Id"/> (u32, in place of an fd); a program's lookup returns the inner map's handle, usable
/// with the map helpers, or 0. Inner maps must match <see cref="MapDefinition.InnerMap"/>.
/// </summary>
public sealed class ArrayOfMapsMap : BpfMap
{
    private readonly MapDefinition _template;
    private readonly BpfMap?[] _maps;

    internal ArrayOfMapsMap(MapDefinition definition) : base(definition)
    {
        if (KeySize != 4) throw Invalid($"array key size must be 4, got {KeySize}");
        if (MaxEntries <= 0) throw Invalid("max_entries must be positive");
        _template = InnerMapRules.Template(definition);
        _maps = new BpfMap?[MaxEntries];
    }

    /// <summary>Puts <paramref name="inner"/> (or nothing) in slot <paramref name="index"/>.</summary>
    /// <exception cref="BpfMapException">Index out of range or incompatible inner map.</exception>
    public void SetMap(uint index, BpfMap? inner)
    {
        if (index >= (uint)MaxEntries) throw new BpfMapException(Name, $"index {index} is out of range", -Errno.E2BIG);
        if (inner is not null && !InnerMapRules.Compatible(_template, inner)) throw new BpfMapException(Name, $"inner map '{inner.Name}' does not match the inner map template");
        Volatile.Write(ref _maps[index], inner);
    }

    /// <summary>The inner map in slot <paramref name="index"/>, or null.</summary>
    public BpfMap? GetMap(uint index) => index < (uint)MaxEntries ? Volatile.Read(ref _maps[index]) : null;

    /// <inheritdoc/>
    public override ulong ProgramLookup(ReadOnlySpan<byte> key) =>
        key.Length == 4 && GetMap(BinaryPrimitives.ReadUInt32LittleEndian(key)) is { IsDisposed: false } map ? map.Handle : 0;

    /// <inheritdoc/>
    public override int Lookup(ReadOnlySpan<byte> key, Span<byte> value, MapUpdateFlags flags = MapUpdateFlags.Any)
    {
        CheckKey(key);
        CheckHostValue(value.Length);
        uint index = BinaryPrimitives.ReadUInt32LittleEndian(key);
        if (GetMap(index) is not { } map) return -Errno.ENOENT;
        BinaryPrimitives.WriteUInt32LittleEndian(value, map.Id);
        return 0;
    }

    /// <inheritdoc/>
    public override int Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, MapUpdateFlags flags = MapUpdateFlags.Any)
    {
        CheckKey(key);
        CheckHostValue(value.Length);
        if (flags != MapUpdateFlags.Any) return -Errno.EINVAL;
        uint index = BinaryPrimitives.ReadUInt32LittleEndian(key);
        if (index >= (uint)MaxEntries) return -Errno.E2BIG;
        int result = InnerMapRules.Resolve(_template, value, out var map);
        if (result != 0) return result;
        Volatile.Write(ref _maps[index], map);
        return 0;
    }

    /// <inheritdoc/>
    public override int ProgramUpdate(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, MapUpdateFlags flags) => -Errno.EOPNOTSUPP;

    /// <inheritdoc/>
    public override int Delete(ReadOnlySpan<byte> key)
    {
        CheckKey(key);
        uint index = BinaryPrimitives.ReadUInt32LittleEndian(key);
        if (index >= (uint)MaxEntries) return -Errno.E2BIG;
        return Interlocked.Exchange(ref _maps[index], null) is null ? -Errno.ENOENT : 0;
    }

    /// <inheritdoc/>
    public override int GetNextKey(ReadOnlySpan<byte> key, Span<byte> nextKey)
    {
        uint index = key.Length == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(key) : uint.MaxValue;
        uint next = index >= (uint)MaxEntries ? 0 : index + 1;
        if (next >= (uint)MaxEntries) return -Errno.ENOENT;
        BinaryPrimitives.WriteUInt32LittleEndian(nextKey, next);
        return 0;
    }
}

/// <summary>
/// <c>BPF_MAP_TYPE_HASH_OF_MAPS</c>: a hash from keys to inner maps, with hash-map semantics (flags, -E2BIG when
/// full, <c>get_next_key</c>). Host values are inner map ids; a program's lookup returns the inner map's handle.
/// </summary>
public sealed class HashOfMapsMap : BpfMap
{
    private readonly MapDefinition _template;
    private readonly HashMap _ids;

    internal HashOfMapsMap(MapDefinition definition) : base(definition)
    {
        _template = InnerMapRules.Template(definition);
        _ids = new HashMap(definition with { Type = MapType.Hash, InnerMap = null, SpinLockOffset = -1 }, register: false);
    }

    /// <summary>Maps <paramref name="key"/> to <paramref name="inner"/>; returns 0 or a negative errno.</summary>
    public int SetMap(ReadOnlySpan<byte> key, BpfMap inner, MapUpdateFlags flags = MapUpdateFlags.Any)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Span<byte> id = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(id, inner.Id);
        return Update(key, id, flags);
    }

    /// <summary>The inner map for <paramref name="key"/>, or null.</summary>
    public BpfMap? GetMap(ReadOnlySpan<byte> key)
    {
        Span<byte> id = stackalloc byte[4];
        return _ids.Lookup(key, id) == 0 ? TryFromId(BinaryPrimitives.ReadUInt32LittleEndian(id)) : null;
    }

    /// <inheritdoc/>
    public override ulong ProgramLookup(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize) return 0;
        Span<byte> id = stackalloc byte[4];
        if (_ids.Lookup(key, id) != 0) return 0;
        return TryFromId(BinaryPrimitives.ReadUInt32LittleEndian(id)) is { IsDisposed: false } map ? map.Handle : 0;
    }

    /// <inheritdoc/>
    public override int Lookup(ReadOnlySpan<byte> key, Span<byte> value, MapUpdateFlags flags = MapUpdateFlags.Any) =>
        flags != MapUpdateFlags.Any ? -Errno.EINVAL : _ids.Lookup(key, value);

    /// <inheritdoc/>
    public override int Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, MapUpdateFlags flags = MapUpdateFlags.Any)
    {
        CheckKey(key);
        CheckHostValue(value.Length);
        if (flags.HasFlag(MapUpdateFlags.Lock)) return -Errno.EINVAL;
        int result = InnerMapRules.Resolve(_template, value, out _);
        return result != 0 ? result : _ids.Update(key, value, flags);
    }

    /// <inheritdoc/>
    public override int ProgramUpdate(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, MapUpdateFlags flags) => -Errno.EOPNOTSUPP;

    /// <inheritdoc/>
    public override int Delete(ReadOnlySpan<byte> key) => _ids.Delete(key);

    /// <inheritdoc/>
    public override int GetNextKey(ReadOnlySpan<byte> key, Span<byte> nextKey) => _ids.GetNextKey(key, nextKey);

    private protected override void ReleaseMemory() => _ids.Dispose();
}
