using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using SharpBpf.Helpers;
using SharpBpf.Maps;
using SharpBpf.Memory;
using SharpBpf.Runtime;

namespace SharpBpf.Benchmarks;

/// <summary>
/// Map operations as programs reach them: through the standard helper delegates with a run context whose regions
/// hold the keys and values. Each benchmark performs <see cref="Operations"/> operations per invocation, so the
/// reported time is per operation. Entry point: <see cref="Run"/>.
/// </summary>
[MemoryDiagnoser]
public class MapBenchmarks
{
    /// <summary>Operations per benchmark invocation.</summary>
    public const int Operations = 1024;

    private NativeBlock _memory = null!;
    private RunContext _context = null!;
    private HelperFunction _lookup = null!, _update = null!, _output = null!;
    private BpfMap _array = null!, _hash = null!;
    private RingBufferMap _ring = null!;
    private RingBufferRecordHandler _consume = null!;
    private long _consumed;

    /// <summary>Runs the map benchmarks with BenchmarkDotNet (short-run job unless arguments say otherwise).</summary>
    public static void Run(string[] args)
    {
        var config = DefaultConfig.Instance.AddJob(Job.ShortRun);
        BenchmarkRunner.Run<MapBenchmarks>(config, args);
    }

    /// <summary>Creates the maps (1024 entries) and the run context.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var table = StandardHelpers.Register(new HelperTable());
        _lookup = table.Get(HelperIds.MapLookupElem)!.Function;
        _update = table.Get(HelperIds.MapUpdateElem)!.Function;
        _output = table.Get(HelperIds.RingbufOutput)!.Function;
        _memory = new NativeBlock(Operations * 8 + 64);
        for (int i = 0; i < Operations; i++) BitConverter.TryWriteBytes(_memory.Slice(i * 8, 8), (ulong)i * 2654435761 % Operations);
        _context = new RunContext(table);
        _context.AddRegion(new MemoryRegion(_memory.Address, (ulong)_memory.Length, MemoryAccess.ReadWrite, "memory"));
        _array = BpfMap.Create(new MapDefinition { Name = "array", Type = MapType.Array, KeySize = 4, ValueSize = 8, MaxEntries = Operations });
        _hash = BpfMap.Create(new MapDefinition { Name = "hash", Type = MapType.Hash, KeySize = 8, ValueSize = 8, MaxEntries = Operations });
        for (ulong k = 0; k < Operations; k++) _hash.Update(k, k);
        _ring = (RingBufferMap)BpfMap.Create(new MapDefinition { Name = "ring", Type = MapType.RingBuf, MaxEntries = 1 << 20 });
        _consume = record => { _consumed += record.Length; return 0; };
        _array.AddRegionsTo(_context);
        _hash.AddRegionsTo(_context);
    }

    /// <summary>Frees the maps.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _array.Dispose();
        _hash.Dispose();
        _ring.Dispose();
        _memory.Dispose();
    }

    /// <summary>bpf_map_lookup_elem on an array (u32 keys).</summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    public ulong ArrayLookup()
    {
        ulong sum = 0, handle = _array.Handle, keys = _memory.Address;
        for (int i = 0; i < Operations; i++) sum += _lookup(_context, handle, keys + (ulong)i * 8, 0, 0, 0);
        return sum;
    }

    /// <summary>bpf_map_lookup_elem on a hash map (u64 keys, all present).</summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    public ulong HashLookup()
    {
        ulong sum = 0, handle = _hash.Handle, keys = _memory.Address;
        for (int i = 0; i < Operations; i++) sum += _lookup(_context, handle, keys + (ulong)i * 8, 0, 0, 0);
        return sum;
    }

    /// <summary>bpf_map_update_elem (BPF_ANY) replacing hash map values.</summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    public ulong HashUpdate()
    {
        ulong sum = 0, handle = _hash.Handle, keys = _memory.Address;
        for (int i = 0; i < Operations; i++) sum += _update(_context, handle, keys + (ulong)i * 8, keys + (ulong)i * 8, 0, 0);
        return sum;
    }

    /// <summary>bpf_ringbuf_output of 16-byte records, then one consumer poll: records per second producer to consumer.</summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    public long RingBufferRecords()
    {
        ulong handle = _ring.Handle, data = _memory.Address;
        for (int i = 0; i < Operations; i++) _output(_context, handle, data + (ulong)(i & 7) * 8, 16, 0, 0);
        _ring.Poll(_consume);
        return _consumed;
    }
}
