namespace SharpBpf.Maps;

/// <summary>
/// <c>BPF_MAP_TYPE_BLOOM_FILTER</c>: keyless; push adds a value, peek answers "maybe present" (0) or "absent"
/// (-ENOENT), with no false negatives. <c>map_extra</c> is the number of hash functions (1-15, 0 means 5); the bit
/// array is sized as in the kernel: <c>max_entries * hashes / ln 2</c> rounded up to a power of two.
/// </summary>
public sealed class BloomFilterMap : BpfMap
{
    private readonly long[] _bits;
    private readonly ulong _bitMask;
    private readonly ulong _seed;

    internal BloomFilterMap(MapDefinition definition) : base(definition)
    {
        if (KeySize != 0) throw Invalid($"bloom filters have no key (key size must be 0, got {KeySize})");
        if (ValueSize <= 0) throw Invalid("value size must be positive");
        if (MaxEntries <= 0) throw Invalid("max_entries must be positive");
        if ((definition.MapExtra & ~0xFUL) != 0) throw Invalid($"map_extra {definition.MapExtra} is not a hash count of 0-15");
        HashCount = definition.MapExtra == 0 ? 5 : (int)definition.MapExtra;
        double wanted = Math.Ceiling(MaxEntries * (double)HashCount / Math.Log(2));
        ulong bits = System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)Math.Max(64, wanted));
        if (bits > 1UL << 34) throw new BpfMapException(Name, "bit array too large", -Errno.E2BIG);
        _bits = new long[bits / 64];
        _bitMask = bits - 1;
        _seed = (definition.Flags & MapCreationFlags.ZeroSeed) != 0 ? 0 : (ulong)Random.Shared.NextInt64();
    }

    /// <summary>Number of hash functions.</summary>
    public int HashCount { get; }

    /// <summary>Size of the bit array.</summary>
    public long BitCount => (long)_bitMask + 1;

    private ulong BitOf(ReadOnlySpan<byte> value, int i) => HashMap.HashBytes(value, _seed + (ulong)i * 0x9E3779B97F4A7C15UL) & _bitMask;

    /// <inheritdoc/>
    public override int Push(ReadOnlySpan<byte> value, MapUpdateFlags flags = MapUpdateFlags.Any)
    {
        if (value.Length != ValueSize || flags != MapUpdateFlags.Any) return -Errno.EINVAL;
        for (int i = 0; i < HashCount; i++)
        {
            ulong bit = BitOf(value, i);
            Interlocked.Or(ref _bits[bit >> 6], 1L << (int)(bit & 63));
        }
        return 0;
    }

    /// <inheritdoc/>
    public override int Peek(Span<byte> value)
    {
        if (value.Length != ValueSize) return -Errno.EINVAL;
        for (int i = 0; i < HashCount; i++)
        {
            ulong bit = BitOf(value, i);
            if ((Volatile.Read(ref _bits[bit >> 6]) & (1L << (int)(bit & 63))) == 0) return -Errno.ENOENT;
        }
        return 0;
    }

    /// <summary>True when <paramref name="value"/> may have been pushed; false when it certainly was not.</summary>
    public bool MayContain(ReadOnlySpan<byte> value)
    {
        Span<byte> copy = value.Length <= 256 ? stackalloc byte[value.Length] : new byte[value.Length];
        value.CopyTo(copy);
        return Peek(copy) == 0;
    }

    /// <inheritdoc/>
    public override int Lookup(ReadOnlySpan<byte> key, Span<byte> value, MapUpdateFlags flags = MapUpdateFlags.Any) =>
        key.Length != 0 || flags != MapUpdateFlags.Any ? -Errno.EINVAL : Peek(value);

    /// <inheritdoc/>
    public override int Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, MapUpdateFlags flags = MapUpdateFlags.Any) =>
        key.Length != 0 ? -Errno.EINVAL : Push(value, flags);
}
