namespace SharpBpf.Maps;

/// <summary>Map types, numbered as in the kernel's <c>enum bpf_map_type</c> (<c>linux/bpf.h</c>).</summary>
public enum MapType : uint
{
    /// <summary>BPF_MAP_TYPE_UNSPEC.</summary>
    Unspecified = 0,
    /// <summary>BPF_MAP_TYPE_HASH.</summary>
    Hash = 1,
    /// <summary>BPF_MAP_TYPE_ARRAY.</summary>
    Array = 2,
    /// <summary>BPF_MAP_TYPE_PROG_ARRAY.</summary>
    ProgArray = 3,
    /// <summary>BPF_MAP_TYPE_PERF_EVENT_ARRAY.</summary>
    PerfEventArray = 4,
    /// <summary>BPF_MAP_TYPE_PERCPU_HASH.</summary>
    PerCpuHash = 5,
    /// <summary>BPF_MAP_TYPE_PERCPU_ARRAY.</summary>
    PerCpuArray = 6,
    /// <summary>BPF_MAP_TYPE_STACK_TRACE.</summary>
    StackTrace = 7,
    /// <summary>BPF_MAP_TYPE_CGROUP_ARRAY.</summary>
    CgroupArray = 8,
    /// <summary>BPF_MAP_TYPE_LRU_HASH.</summary>
    LruHash = 9,
    /// <summary>BPF_MAP_TYPE_LRU_PERCPU_HASH.</summary>
    LruPerCpuHash = 10,
    /// <summary>BPF_MAP_TYPE_LPM_TRIE.</summary>
    LpmTrie = 11,
    /// <summary>BPF_MAP_TYPE_ARRAY_OF_MAPS.</summary>
    ArrayOfMaps = 12,
    /// <summary>BPF_MAP_TYPE_HASH_OF_MAPS.</summary>
    HashOfMaps = 13,
    /// <summary>BPF_MAP_TYPE_DEVMAP.</summary>
    DevMap = 14,
    /// <summary>BPF_MAP_TYPE_SOCKMAP.</summary>
    SockMap = 15,
    /// <summary>BPF_MAP_TYPE_CPUMAP.</summary>
    CpuMap = 16,
    /// <summary>BPF_MAP_TYPE_XSKMAP.</summary>
    XskMap = 17,
    /// <summary>BPF_MAP_TYPE_SOCKHASH.</summary>
    SockHash = 18,
    /// <summary>BPF_MAP_TYPE_QUEUE.</summary>
    Queue = 22,
    /// <summary>BPF_MAP_TYPE_STACK.</summary>
    Stack = 23,
    /// <summary>BPF_MAP_TYPE_DEVMAP_HASH.</summary>
    DevMapHash = 25,
    /// <summary>BPF_MAP_TYPE_RINGBUF.</summary>
    RingBuf = 27,
    /// <summary>BPF_MAP_TYPE_BLOOM_FILTER.</summary>
    BloomFilter = 30,
}

/// <summary>How a map is pinned (libbpf's <c>LIBBPF_PIN_*</c>).</summary>
public enum MapPinning : uint
{
    /// <summary>Not pinned.</summary>
    None = 0,
    /// <summary>Pinned by name.</summary>
    ByName = 1,
}

/// <summary>
/// Everything needed to create a map, as an object file or <c>BPF_MAP_CREATE</c> describes it. Produced by the
/// ELF loader (legacy <c>maps</c>, BTF <c>.maps</c>, global data sections) and by user code.
/// </summary>
public sealed record MapDefinition
{
    /// <summary>The map's name (symbol name in an object file).</summary>
    public required string Name { get; init; }

    /// <summary>The map type.</summary>
    public required MapType Type { get; init; }

    /// <summary>Key size in bytes (0 for queue, stack, ringbuf and bloom filter).</summary>
    public uint KeySize { get; init; }

    /// <summary>Value size in bytes (0 for ringbuf).</summary>
    public uint ValueSize { get; init; }

    /// <summary>Maximum entries (for ringbuf: the buffer size in bytes, a power of two).</summary>
    public uint MaxEntries { get; init; }

    /// <summary>BPF_F_* creation flags.</summary>
    public uint Flags { get; init; }

    /// <summary>Pinning mode.</summary>
    public MapPinning Pinning { get; init; }

    /// <summary>For map-in-map types: the definition of the inner maps.</summary>
    public MapDefinition? InnerMap { get; init; }

    /// <summary>For global data maps (<c>.rodata</c>, <c>.data</c>, <c>.bss</c>): the initial value image.</summary>
    public ReadOnlyMemory<byte> InitialValue { get; init; }

    /// <summary>True for <c>.rodata</c>: programs may read but not write the value.</summary>
    public bool ReadOnlyForPrograms { get; init; }

    /// <summary>Extra numeric setting: the bloom filter's hash count (<c>map_extra</c>).</summary>
    public ulong MapExtra { get; init; }

    /// <summary>BTF type id of the key, when known (0 otherwise).</summary>
    public uint BtfKeyTypeId { get; init; }

    /// <summary>BTF type id of the value, when known (0 otherwise).</summary>
    public uint BtfValueTypeId { get; init; }

    /// <summary>
    /// Offset of the <c>struct bpf_spin_lock</c> inside the value (from BTF), or -1 when the value has none. Maps
    /// never copy over the lock word, and <c>BPF_F_LOCK</c> updates need it.
    /// </summary>
    public int SpinLockOffset { get; init; } = -1;
}
