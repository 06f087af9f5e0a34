using SharpBpf.Helpers;
using SharpBpf.Maps;
using SharpBpf.Memory;
using SharpBpf.Runtime;
using static SharpBpf.Tests.Helpers.HelperTestBed;

namespace SharpBpf.Tests.Helpers;

public class MapHelperTests
{
    private static BpfMap Map(MapType type, uint key, uint value, uint max, string name = "m", uint flags = 0, MapDefinition? inner = null) =>
        BpfMap.Create(new MapDefinition { Name = name, Type = type, KeySize = key, ValueSize = value, MaxEntries = max, Flags = flags, InnerMap = inner });

    [Fact]
    public void LookupUpdateDeleteThroughTheHelpersShareTheHostsMap()
    {
        using var bed = new HelperTestBed();
        using var map = Map(MapType.Hash, 4, 8, 4, "counts");
        BitConverter.TryWriteBytes(bed.Bytes(0, 4), 7u);
        bed.PutU64s(8, 100);
        Assert.Equal(0UL, bed.Call(HelperIds.MapLookupElem, map.Handle, bed.At(0)));
        Assert.Equal(0UL, bed.Call(HelperIds.MapUpdateElem, map.Handle, bed.At(0), bed.At(8), (ulong)MapUpdateFlags.NoExist));
        Assert.Equal(-Errno.EEXIST, Signed(bed.Call(HelperIds.MapUpdateElem, map.Handle, bed.At(0), bed.At(8), (ulong)MapUpdateFlags.NoExist)));
        ulong value = bed.Call(HelperIds.MapLookupElem, map.Handle, bed.At(0));
        Assert.NotEqual(0UL, value);
        // The lookup made the map's values accessible to the run; an atomic add through the pointer reaches the host.
        Assert.NotNull(bed.Context.FindRegion(value, 8, MemoryAccess.ReadWrite));
        Assert.Contains(bed.Context.Regions.ToArray(), r => r.Name == "map 'counts' values");
        Interlocked.Add(ref MemoryMarshalHelpers.Int64(bed.Context, value), 5);
        Assert.Equal(105UL, map.Lookup<uint, ulong>(7));
        Assert.Equal(0UL, bed.Call(HelperIds.MapDeleteElem, map.Handle, bed.At(0)));
        Assert.Equal(-Errno.ENOENT, Signed(bed.Call(HelperIds.MapDeleteElem, map.Handle, bed.At(0))));
        int before = bed.Context.Regions.Length;
        map.Update(1u, 1UL);
        BitConverter.TryWriteBytes(bed.Bytes(0, 4), 1u);
        bed.Call(HelperIds.MapLookupElem, map.Handle, bed.At(0));
        Assert.Equal(before, bed.Context.Regions.Length); // regions are added once per run
    }

    [Fact]
    public void BadHandlesAndPointersOutsideRegionsFault()
    {
        using var bed = new HelperTestBed();
        using var map = Map(MapType.Array, 4, 8, 4);
        var e = Assert.Throws<BpfRuntimeException>(() => bed.Call(HelperIds.MapLookupElem, 0x1234, bed.At(0)));
        Assert.Equal(RuntimeError.HelperFault, e.Error);
        Assert.Contains("not a map", e.Message);
        e = Assert.Throws<BpfRuntimeException>(() => bed.Call(HelperIds.MapLookupElem, map.Handle, 0x10));
        Assert.Equal(RuntimeError.HelperFault, e.Error);
        e = Assert.Throws<BpfRuntimeException>(() => bed.Call(HelperIds.MapUpdateElem, map.Handle, bed.At(0), bed.At(4094)));
        Assert.Contains("value", e.Message);
        using var ring = Map(MapType.RingBuf, 0, 0, 4096);
        e = Assert.Throws<BpfRuntimeException>(() => bed.Call(HelperIds.RingbufOutput, map.Handle, bed.At(0), 4));
        Assert.Contains("not usable here", e.Message);
    }

    [Fact]
    public void PerCpuLookupPointsAtThisCpusSlot()
    {
        using var bed = new HelperTestBed();
        using var map = Map(MapType.PerCpuArray, 4, 8, 1);
        BitConverter.TryWriteBytes(bed.Bytes(0, 4), 0u);
        ulong value = bed.Call(HelperIds.MapLookupElem, map.Handle, bed.At(0));
        MemoryMarshalHelpers.Int64(bed.Context, value) = 77;
        Assert.Equal(77UL, map.LookupPerCpu<uint, ulong>(0)![BpfCpu.Current]);
        Assert.Equal((ulong)BpfCpu.Current, bed.Call(HelperIds.GetSmpProcessorId));
    }

    [Fact]
    public void PushPopPeekWorkOnQueuesStacksAndBloomFilters()
    {
        using var bed = new HelperTestBed();
        using var queue = Map(MapType.Queue, 0, 4, 2);
        using var bloom = Map(MapType.BloomFilter, 0, 4, 16);
        BitConverter.TryWriteBytes(bed.Bytes(0, 4), 11u);
        Assert.Equal(0UL, bed.Call(HelperIds.MapPushElem, queue.Handle, bed.At(0), 0));
        BitConverter.TryWriteBytes(bed.Bytes(0, 4), 12u);
        Assert.Equal(0UL, bed.Call(HelperIds.MapPushElem, queue.Handle, bed.At(0), 0));
        Assert.Equal(-Errno.E2BIG, Signed(bed.Call(HelperIds.MapPushElem, queue.Handle, bed.At(0), 0)));
        Assert.Equal(0UL, bed.Call(HelperIds.MapPeekElem, queue.Handle, bed.At(8)));
        Assert.Equal(11u, BitConverter.ToUInt32(bed.Bytes(8, 4)));
        Assert.Equal(0UL, bed.Call(HelperIds.MapPopElem, queue.Handle, bed.At(8)));
        Assert.Equal(0UL, bed.Call(HelperIds.MapPopElem, queue.Handle, bed.At(8)));
        Assert.Equal(12u, BitConverter.ToUInt32(bed.Bytes(8, 4)));
        Assert.Equal(-Errno.ENOENT, Signed(bed.Call(HelperIds.MapPopElem, queue.Handle, bed.At(8))));
        Assert.Equal(-Errno.ENOENT, Signed(bed.Call(HelperIds.MapPeekElem, bloom.Handle, bed.At(0))));
        Assert.Equal(0UL, bed.Call(HelperIds.MapPushElem, bloom.Handle, bed.At(0), 0));
        Assert.Equal(0UL, bed.Call(HelperIds.MapPeekElem, bloom.Handle, bed.At(0)));
    }

    [Fact]
    public void MapInMapLookupReturnsAnInnerHandleUsableWithTheHelpers()
    {
        using var bed = new HelperTestBed();
        var template = new MapDefinition { Name = "inner", Type = MapType.Array, KeySize = 4, ValueSize = 8, MaxEntries = 2 };
        using var outer = (ArrayOfMapsMap)Map(MapType.ArrayOfMaps, 4, 4, 1, inner: template);
        using var inner = BpfMap.Create(template);
        outer.SetMap(0, inner);
        BitConverter.TryWriteBytes(bed.Bytes(0, 4), 0u);
        ulong innerHandle = bed.Call(HelperIds.MapLookupElem, outer.Handle, bed.At(0));
        Assert.Equal(inner.Handle, innerHandle);
        BitConverter.TryWriteBytes(bed.Bytes(0, 4), 1u);
        ulong value = bed.Call(HelperIds.MapLookupElem, innerHandle, bed.At(0));
        MemoryMarshalHelpers.Int64(bed.Context, value) = 9;
        Assert.Equal(9UL, inner.Lookup<uint, ulong>(1));
    }

    [Fact]
    public void TailCallRequestsTheProgramInTheSlotOrFailsSoftly()
    {
        using var bed = new HelperTestBed();
        using var programs = (ProgramArrayMap)Map(MapType.ProgArray, 4, 4, 2);
        var target = new FakeExecutable(bed.Table);
        programs.Set(1, target);
        Assert.Equal(-Errno.ENOENT, Signed(bed.Call(HelperIds.TailCall, 0, programs.Handle, 0)));
        Assert.Null(bed.Context.PendingTailCall);
        Assert.Equal(-Errno.ENOENT, Signed(bed.Call(HelperIds.TailCall, 0, programs.Handle, 5)));
        Assert.Equal(0UL, bed.Call(HelperIds.TailCall, 0, programs.Handle, 1));
        Assert.Same(target, bed.Context.PendingTailCall);
        Assert.True(bed.Context.StopRequested);
    }

    [Fact]
    public void SpinLocksExcludeEachOtherAndMisuseFaults()
    {
        using var bed = new HelperTestBed();
        using var map = BpfMap.Create(new MapDefinition { Name = "locked", Type = MapType.Array, KeySize = 4, ValueSize = 16, MaxEntries = 1, SpinLockOffset = 0 });
        ulong value = map.ProgramLookup(new byte[4]);
        map.AddRegionsTo(bed.Context);
        const int Threads = 4, Iterations = 20000;
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, _ =>
        {
            var context = new RunContext(bed.Table);
            map.AddRegionsTo(context);
            var spinLock = bed.Table.Get(HelperIds.SpinLock)!.Function;
            var spinUnlock = bed.Table.Get(HelperIds.SpinUnlock)!.Function;
            for (int i = 0; i < Iterations; i++)
            {
                spinLock(context, value, 0, 0, 0, 0);
                ref long counter = ref MemoryMarshalHelpers.Int64(context, value + 8);
                counter = counter + 1; // not atomic: only the lock makes it correct
                spinUnlock(context, value, 0, 0, 0, 0);
            }
        });
        var bytes = new byte[16];
        map.Lookup(new byte[4], bytes);
        Assert.Equal((long)Threads * Iterations, BitConverter.ToInt64(bytes, 8));
        Assert.Throws<BpfRuntimeException>(() => bed.Call(HelperIds.SpinUnlock, value));
        bed.Call(HelperIds.SpinLock, value);
        Assert.Throws<BpfRuntimeException>(() => bed.Call(HelperIds.SpinLock, value));
        bed.PutU64s(0, 0);
        var locked = Assert.Throws<BpfRuntimeException>(() => bed.Call(HelperIds.MapUpdateElem, map.Handle, bed.At(0), bed.At(0), (ulong)MapUpdateFlags.Lock));
        Assert.Contains("holding a bpf_spin_lock", locked.Message);
        bed.Call(HelperIds.SpinUnlock, value);
        Assert.Throws<BpfRuntimeException>(() => bed.Call(HelperIds.SpinLock, value + 2));
    }
}

/// <summary>Program-memory access for tests, through the run's bounds checks.</summary>
internal static class MemoryMarshalHelpers
{
    public static ref long Int64(RunContext context, ulong address) =>
        ref System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(context.GetMemory(address, 8, MemoryAccess.ReadWrite, "test"))[0];
}

/// <summary>An executable that runs nothing, to stand in for a tail-call target.</summary>
internal sealed class FakeExecutable(HelperTable helpers) : BpfExecutable(SharpBpf.Isa.Bytecode.FromInstructions(new SharpBpf.Isa.Instruction[] { SharpBpf.Isa.Insn.ExitInsn() }), helpers, null)
{
    public override string EngineName => "fake";
    protected internal override ulong Execute(RunContext context, ulong r1, ulong r2) => 0;
}
