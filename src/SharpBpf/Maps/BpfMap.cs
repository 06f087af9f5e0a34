using System.Runtime.InteropServices;
using SharpBpf.Memory;
using SharpBpf.Runtime;

namespace SharpBpf.Maps;

/// <summary>Visits one element in <see cref="BpfMap.ForEachElement"/>; returns false to stop.</summary>
/// <param name="key">The element's key.</param>
/// <param name="valueAddress">Address of the element's value as a program sees it (this CPU's slot for per-CPU maps).</param>
public delegate bool MapElementVisitor(ReadOnlySpan<byte> key, ulong valueAddress);

/// <summary>
/// A BPF map with kernel semantics. Operations return 0 or a negative errno exactly where the kernel's
/// <c>bpf()</c> syscall and helpers do; host misuse (a buffer of the wrong size) throws
/// <see cref="ArgumentException"/>. All operations are thread-safe.
/// <para>
/// <b>Handles.</b> A program holds a map as the 64-bit value <see cref="Handle"/> (what <c>lddw rX, map</c> loads):
/// <c>0x5EB9 &lt;&lt; 48 | random16 &lt;&lt; 32 | Id</c>. It is not an address, so dereferencing it faults, and helpers
/// resolve it with <see cref="TryFromHandle"/> against a registry of live maps: a forged or stale value gives a
/// helper fault, never a host crash. <see cref="Id"/> (never reused) plays the role of a map fd in map-in-map values.
/// </para>
/// <para>
/// <b>Regions.</b> Values that programs may point to live in native memory at stable addresses
/// (<see cref="Regions"/>, named <c>map 'NAME' values</c>). A run learns them through <see cref="AddRegionsTo"/>: the
/// loader calls it for every map a program references when the run starts, and <c>bpf_map_lookup_elem</c> calls it
/// for the map it returns a pointer into (this covers inner maps reached at run time), adding each map once per run.
/// </para>
/// </summary>
public abstract class BpfMap : IDisposable
{
    private const ulong HandleTag = 0x5EB9UL << 48;
    private static readonly Lock s_registryLock = new();
    private static BpfMap?[] s_registry = new BpfMap?[64];
    private static uint s_lastId;

    private readonly ulong _handle;
    private MemoryRegion[] _regions = [];

    /// <summary>Validates the common fields and, when <paramref name="register"/>, gives the map a handle.</summary>
    private protected BpfMap(MapDefinition definition, bool register = true)
    {
        Definition = definition;
        if (!register) return;
        lock (s_registryLock)
        {
            uint id = ++s_lastId;
            if (id >= s_registry.Length)
            {
                var grown = new BpfMap?[Math.Max(s_registry.Length * 2, (int)id + 1)];
                s_registry.CopyTo(grown, 0);
                Volatile.Write(ref s_registry, grown);
            }
            Id = id;
            _handle = HandleTag | ((ulong)(uint)Random.Shared.Next(0, 0x10000) << 32) | id;
            s_registry[id] = this;
        }
    }

    /// <summary>The definition the map was created from.</summary>
    public MapDefinition Definition { get; }

    /// <summary>The map's name.</summary>
    public string Name => Definition.Name;

    /// <summary>The map type.</summary>
    public MapType Type => Definition.Type;

    /// <summary>Key size in bytes.</summary>
    public int KeySize => (int)Definition.KeySize;

    /// <summary>Value size in bytes, as a program sees one value.</summary>
    public int ValueSize => (int)Definition.ValueSize;

    /// <summary>Maximum number of entries (ring buffer: data size in bytes).</summary>
    public int MaxEntries => (int)Definition.MaxEntries;

    /// <summary>True for per-CPU maps: the host sees <see cref="BpfCpu.Count"/> values per key.</summary>
    public virtual bool IsPerCpu => false;

    /// <summary>
    /// Size of a value in host calls: <see cref="ValueSize"/>, or for per-CPU maps <see cref="BpfCpu.Count"/> times
    /// <see cref="ValueSize"/> rounded up to 8 (the kernel's layout for the syscall).
    /// </summary>
    public int HostValueSize => IsPerCpu ? BpfCpu.Count * RoundUp8(ValueSize) : ValueSize;

    /// <summary>The map's number, unique in the process and never reused (what map-in-map values hold).</summary>
    public uint Id { get; }

    /// <summary>The value a program holds for this map (see the class remarks).</summary>
    public ulong Handle => _handle;

    /// <summary>Native memory programs may point into (empty for maps whose values programs never address).</summary>
    public IReadOnlyList<MemoryRegion> Regions => _regions;

    /// <summary>True once disposed.</summary>
    public bool IsDisposed { get; private set; }

    /// <summary>Creates a map of the definition's type.</summary>
    /// <exception cref="BpfMapException">The type is unsupported or the definition invalid for it.</exception>
    public static BpfMap Create(MapDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (string.IsNullOrEmpty(definition.Name)) throw new BpfMapException("(unnamed)", "a map needs a name");
        return definition.Type switch
        {
            MapType.Array or MapType.PerCpuArray => new ArrayMap(definition),
            MapType.Hash or MapType.PerCpuHash or MapType.LruHash or MapType.LruPerCpuHash => new HashMap(definition),
            MapType.ProgArray => new ProgramArrayMap(definition),
            MapType.PerfEventArray => new PerfEventArrayMap(definition),
            MapType.RingBuf => new RingBufferMap(definition),
            MapType.Queue or MapType.Stack => new QueueStackMap(definition),
            MapType.LpmTrie => new LpmTrieMap(definition),
            MapType.ArrayOfMaps => new ArrayOfMapsMap(definition),
            MapType.HashOfMaps => new HashOfMapsMap(definition),
            MapType.BloomFilter => new BloomFilterMap(definition),
            MapType.DevMap or MapType.DevMapHash or MapType.CpuMap or MapType.XskMap => new ProgramTypes.RedirectMap(definition),
            _ => throw new BpfMapException(definition.Name, $"map type {definition.Type} ({(uint)definition.Type}) is not supported"),
        };
    }

    /// <summary>The live map with this handle, or null (forged, stale or disposed handle).</summary>
    public static BpfMap? TryFromHandle(ulong handle)
    {
        if ((handle & 0xFFFF_0000_0000_0000UL) != HandleTag) return null;
        var map = TryFromId((uint)handle);
        return map is not null && map._handle == handle ? map : null;
    }

    /// <summary>The live map with this handle.</summary>
    /// <exception cref="BpfMapException">No live map has this handle.</exception>
    public static BpfMap FromHandle(ulong handle) =>
        TryFromHandle(handle) ?? throw new BpfMapException($"0x{handle:x}", "not a handle of a live map", -Errno.EINVAL);

    /// <summary>The live map with this <see cref="Id"/>, or null.</summary>
    public static BpfMap? TryFromId(uint id)
    {
        var table = Volatile.Read(ref s_registry);
        return id < (uint)table.Length ? table[id] : null;
    }

    /// <summary>Adds the map's regions to a run unless they are already there.</summary>
    public void AddRegionsTo(RunContext context)
    {
        var regions = _regions;
        if (regions.Length == 0) return;
        var present = context.Regions;
        // Where this map's first region was last seen in this context: checked before the scan, so the lookups of a
        // program that keeps one context (a packet runner) find their map at once.
        int hint = context.MapRegionHint;
        if (ReferenceEquals(context.MapRegionHintOwner, this) && (uint)hint < (uint)present.Length && IsFirstRegion(present[hint], regions)) return;
        // Newest first: a map's regions are usually among the last added.
        for (int i = present.Length - 1; i >= 0; i--)
        {
            if (IsFirstRegion(present[i], regions))
            {
                context.SetMapRegionHint(this, i);
                return;
            }
        }
        context.SetMapRegionHint(this, present.Length);
        foreach (var region in regions) context.AddRegion(region);
    }

    private static bool IsFirstRegion(in MemoryRegion present, MemoryRegion[] regions) =>
        present.Start == regions[0].Start && present.Name == regions[0].Name;

    /// <summary>Sets the program-visible regions (called once by constructors).</summary>
    private protected void SetRegions(params MemoryRegion[] regions) => _regions = regions;

    // ---- byte-level operations (kernel semantics) ----

    /// <summary>
    /// Copies the value for <paramref name="key"/> into <paramref name="value"/> (<see cref="HostValueSize"/> bytes;
    /// the spin-lock word, if any, reads as zero). Queue, stack and bloom filter: peek. Returns 0 or -ENOENT.
    /// </summary>
    public virtual int Lookup(ReadOnlySpan<byte> key, Span<byte> value, MapUpdateFlags flags = MapUpdateFlags.Any) => -Errno.EOPNOTSUPP;

    /// <summary>Creates or replaces an element (host view: <see cref="HostValueSize"/> bytes of value).</summary>
    public virtual int Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, MapUpdateFlags flags = MapUpdateFlags.Any) => -Errno.EOPNOTSUPP;

    /// <summary>Deletes an element: 0, -ENOENT, or -EINVAL for arrays.</summary>
    public virtual int Delete(ReadOnlySpan<byte> key) => -Errno.EOPNOTSUPP;

    /// <summary>
    /// The key after <paramref name="key"/> (empty span: the first key). A key not in the map restarts from the
    /// first key, as in the kernel. Returns 0, or -ENOENT after the last key.
    /// </summary>
    public virtual int GetNextKey(ReadOnlySpan<byte> key, Span<byte> nextKey) => -Errno.EOPNOTSUPP;

    /// <summary>Queue, stack, bloom filter: adds a value.</summary>
    public virtual int Push(ReadOnlySpan<byte> value, MapUpdateFlags flags = MapUpdateFlags.Any) => -Errno.EOPNOTSUPP;

    /// <summary>Queue, stack: removes and returns the next value (-ENOENT when empty).</summary>
    public virtual int Pop(Span<byte> value) => -Errno.EOPNOTSUPP;

    /// <summary>Queue, stack: returns the next value without removing it; bloom filter: 0 when maybe present, -ENOENT when absent.</summary>
    public virtual int Peek(Span<byte> value) => -Errno.EOPNOTSUPP;

    /// <summary>
    /// The program's <c>bpf_map_lookup_elem</c>: address of the value (this CPU's slot for per-CPU maps; the inner
    /// map's handle for map-in-map types), or 0 when absent.
    /// </summary>
    public virtual ulong ProgramLookup(ReadOnlySpan<byte> key) => 0;

    /// <summary>The program's <c>bpf_map_update_elem</c>: <paramref name="value"/> is one value (this CPU's for per-CPU maps).</summary>
    public virtual int ProgramUpdate(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, MapUpdateFlags flags) => Update(key, value, flags);

    /// <summary>Calls <paramref name="visitor"/> for each element (<c>bpf_for_each_map_elem</c>); returns the number visited or a negative errno.</summary>
    public virtual int ForEachElement(MapElementVisitor visitor) => -Errno.EINVAL;

    // ---- typed host API ----

    /// <summary>The value for <paramref name="key"/>, or null when absent.</summary>
    public TValue? Lookup<TKey, TValue>(TKey key) where TKey : unmanaged where TValue : unmanaged =>
        TryLookup(key, out TValue value) ? value : null;

    /// <summary>Reads the value for <paramref name="key"/>; false when absent.</summary>
    public bool TryLookup<TKey, TValue>(TKey key, out TValue value) where TKey : unmanaged where TValue : unmanaged
    {
        if (IsPerCpu) throw new BpfMapException(Name, "per-CPU map: use LookupPerCpu", -Errno.EINVAL);
        CheckSize<TValue>(ValueSize, "value");
        Span<byte> bytes = ValueSize <= 256 ? stackalloc byte[ValueSize] : new byte[ValueSize];
        int result = Lookup(KeyBytes(in key), bytes);
        value = result == 0 ? MemoryMarshal.Read<TValue>(bytes) : default;
        return result == 0;
    }

    /// <summary>A per-CPU map's values for <paramref name="key"/>, one per CPU, or null when absent.</summary>
    public TValue[]? LookupPerCpu<TKey, TValue>(TKey key) where TKey : unmanaged where TValue : unmanaged
    {
        if (!IsPerCpu) throw new BpfMapException(Name, "not a per-CPU map", -Errno.EINVAL);
        CheckSize<TValue>(ValueSize, "value");
        var bytes = new byte[HostValueSize];
        if (Lookup(KeyBytes(in key), bytes) != 0) return null;
        var values = new TValue[BpfCpu.Count];
        for (int cpu = 0; cpu < values.Length; cpu++) values[cpu] = MemoryMarshal.Read<TValue>(bytes.AsSpan(cpu * RoundUp8(ValueSize)));
        return values;
    }

    /// <summary>Creates or replaces an element; for per-CPU maps every CPU gets <paramref name="value"/>.</summary>
    public int Update<TKey, TValue>(TKey key, TValue value, MapUpdateFlags flags = MapUpdateFlags.Any) where TKey : unmanaged where TValue : unmanaged
    {
        CheckSize<TValue>(ValueSize, "value");
        var valueBytes = MemoryMarshal.AsBytes(new ReadOnlySpan<TValue>(in value));
        if (!IsPerCpu) return Update(KeyBytes(in key), valueBytes, flags);
        var all = new byte[HostValueSize];
        for (int cpu = 0; cpu < BpfCpu.Count; cpu++) valueBytes.CopyTo(all.AsSpan(cpu * RoundUp8(ValueSize)));
        return Update(KeyBytes(in key), all, flags);
    }

    /// <summary>Creates or replaces a per-CPU element with one value per CPU.</summary>
    public int UpdatePerCpu<TKey, TValue>(TKey key, ReadOnlySpan<TValue> values, MapUpdateFlags flags = MapUpdateFlags.Any) where TKey : unmanaged where TValue : unmanaged
    {
        if (!IsPerCpu) throw new BpfMapException(Name, "not a per-CPU map", -Errno.EINVAL);
        CheckSize<TValue>(ValueSize, "value");
        if (values.Length != BpfCpu.Count) throw new ArgumentException($"expected {BpfCpu.Count} values, one per CPU", nameof(values));
        var all = new byte[HostValueSize];
        for (int cpu = 0; cpu < values.Length; cpu++) MemoryMarshal.Write(all.AsSpan(cpu * RoundUp8(ValueSize)), in values[cpu]);
        return Update(KeyBytes(in key), all, flags);
    }

    /// <summary>Deletes the element for <paramref name="key"/>.</summary>
    public int Delete<TKey>(TKey key) where TKey : unmanaged => Delete(KeyBytes(in key));

    /// <summary>Pushes a value (queue, stack, bloom filter).</summary>
    public int Push<TValue>(TValue value, MapUpdateFlags flags = MapUpdateFlags.Any) where TValue : unmanaged
    {
        CheckSize<TValue>(ValueSize, "value");
        return Push(MemoryMarshal.AsBytes(new ReadOnlySpan<TValue>(in value)), flags);
    }

    /// <summary>Pops a value (queue, stack), or null when empty.</summary>
    public TValue? Pop<TValue>() where TValue : unmanaged
    {
        CheckSize<TValue>(ValueSize, "value");
        TValue value = default;
        return Pop(MemoryMarshal.AsBytes(new Span<TValue>(ref value))) == 0 ? value : null;
    }

    /// <summary>Peeks a value (queue, stack), or null when empty.</summary>
    public TValue? Peek<TValue>() where TValue : unmanaged
    {
        CheckSize<TValue>(ValueSize, "value");
        TValue value = default;
        return Peek(MemoryMarshal.AsBytes(new Span<TValue>(ref value))) == 0 ? value : null;
    }

    /// <summary>All keys, in <c>get_next_key</c> order.</summary>
    public IEnumerable<byte[]> Keys
    {
        get
        {
            byte[]? previous = null;
            while (true)
            {
                var next = new byte[KeySize];
                if (GetNextKey(previous ?? [], next) != 0) yield break;
                yield return next;
                previous = next;
            }
        }
    }

    /// <summary>All elements (key, host value), in <c>get_next_key</c> order; elements deleted meanwhile are skipped.</summary>
    public IEnumerable<KeyValuePair<byte[], byte[]>> Entries
    {
        get
        {
            foreach (var key in Keys)
            {
                var value = new byte[HostValueSize];
                if (Lookup(key, value) == 0) yield return new(key, value);
            }
        }
    }

    /// <summary>All keys as <typeparamref name="TKey"/>.</summary>
    public IEnumerable<TKey> KeysOf<TKey>() where TKey : unmanaged
    {
        CheckSize<TKey>(KeySize, "key");
        return Keys.Select(k => MemoryMarshal.Read<TKey>(k));
    }

    /// <summary>All elements as typed pairs (not for per-CPU maps).</summary>
    public IEnumerable<KeyValuePair<TKey, TValue>> EntriesOf<TKey, TValue>() where TKey : unmanaged where TValue : unmanaged
    {
        CheckSize<TKey>(KeySize, "key");
        CheckSize<TValue>(IsPerCpu ? HostValueSize : ValueSize, "value");
        return Entries.Select(e => new KeyValuePair<TKey, TValue>(MemoryMarshal.Read<TKey>(e.Key), MemoryMarshal.Read<TValue>(e.Value)));
    }

    /// <summary>Unregisters the map and frees its native memory. Only call it when no program can still run with it.</summary>
    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        if (Id != 0)
            lock (s_registryLock)
                if (Id < s_registry.Length && s_registry[Id] == this) s_registry[Id] = null;
        _regions = [];
        ReleaseMemory();
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees native memory (subclasses owning some).</summary>
    private protected virtual void ReleaseMemory() { }

    /// <inheritdoc/>
    public override string ToString() => $"{Type} map '{Name}' (key {KeySize}, value {ValueSize}, max {MaxEntries})";

    private protected static int RoundUp8(int size) => (size + 7) & ~7;

    private protected BpfMapException Invalid(string problem) => new(Name, problem, -Errno.EINVAL);

    private protected void CheckKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize) throw new ArgumentException($"map '{Name}': key must be {KeySize} bytes, got {key.Length}", nameof(key));
    }

    private protected void CheckHostValue(int length)
    {
        if (length != HostValueSize) throw new ArgumentException($"map '{Name}': value must be {HostValueSize} bytes, got {length}", "value");
    }

    private void CheckSize<T>(int expected, string what) where T : unmanaged
    {
        if (System.Runtime.CompilerServices.Unsafe.SizeOf<T>() != expected)
            throw new ArgumentException($"map '{Name}': {what} type {typeof(T).Name} is {System.Runtime.CompilerServices.Unsafe.SizeOf<T>()} bytes, the map's {what} size is {expected}");
    }

    private static ReadOnlySpan<byte> KeyBytes<TKey>(in TKey key) where TKey : unmanaged =>
        MemoryMarshal.AsBytes(new ReadOnlySpan<TKey>(in key));

    /// <summary>Checks <c>(flags &amp; ~BPF_F_LOCK) &lt;= BPF_EXIST</c> and BPF_F_LOCK only with a spin lock.</summary>
    private protected static int CheckUpdateFlags(MapUpdateFlags flags, bool lockAllowed)
    {
        if (((ulong)flags & ~(ulong)MapUpdateFlags.Lock) > (ulong)MapUpdateFlags.Exist) return -Errno.EINVAL;
        if (flags.HasFlag(MapUpdateFlags.Lock) && !lockAllowed) return -Errno.EINVAL;
        return 0;
    }
}
