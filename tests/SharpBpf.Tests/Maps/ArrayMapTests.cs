using SharpBpf.Maps;
using SharpBpf.Memory;
using static SharpBpf.Tests.Maps.MapTestSupport;

namespace SharpBpf.Tests.Maps;

public class ArrayMapTests
{
    [Fact]
    public void ElementsExistZeroedAndFlagsFollowTheKernel()
    {
        using var map = Create(MapType.Array, 4, 8, 4);
        Assert.Equal(0UL, map.Lookup<uint, ulong>(3));
        Assert.Null(map.Lookup<uint, ulong>(4));
        Assert.Equal(0, map.Update(1u, 42UL));
        Assert.Equal(42UL, map.Lookup<uint, ulong>(1));
        Assert.Equal(0, map.Update(1u, 43UL, MapUpdateFlags.Exist));
        Assert.Equal(-Errno.EEXIST, map.Update(1u, 44UL, MapUpdateFlags.NoExist));
        Assert.Equal(-Errno.E2BIG, map.Update(4u, 1UL));
        Assert.Equal(-Errno.EINVAL, map.Update(1u, 1UL, (MapUpdateFlags)3));
        Assert.Equal(-Errno.EINVAL, map.Update(1u, 1UL, MapUpdateFlags.Lock)); // no spin lock in the value
        Assert.Equal(-Errno.EINVAL, map.Delete(1u));
        Assert.Equal(43UL, map.Lookup<uint, ulong>(1));
    }

    [Fact]
    public void GetNextKeyWalksIndexesAndRestartsFromAMissingKey()
    {
        using var map = Create(MapType.Array, 4, 4, 3);
        Assert.Equal(new uint[] { 0, 1, 2 }, map.KeysOf<uint>().ToArray());
        var next = new byte[4];
        Assert.Equal(0, map.GetNextKey(U32(1), next));
        Assert.Equal(2u, BitConverter.ToUInt32(next));
        Assert.Equal(-Errno.ENOENT, map.GetNextKey(U32(2), next));
        Assert.Equal(0, map.GetNextKey(U32(99), next));
        Assert.Equal(0u, BitConverter.ToUInt32(next));
    }

    [Fact]
    public void ProgramPointerIsTheMapItselfAndAtomicAddsAreVisibleToTheHost()
    {
        using var map = Create(MapType.Array, 4, 8, 16, name: "counts");
        ulong address = map.ProgramLookup(U32(5));
        Assert.NotEqual(0UL, address);
        Assert.Equal(0UL, address % 8);
        Assert.Equal(address, map.ProgramLookup(U32(5)));
        var region = Assert.Single(map.Regions);
        Assert.Equal("map 'counts' values", region.Name);
        Assert.True(region.Contains(address, 8));
        Parallel.For(0, 1000, _ => Interlocked.Add(ref Int64At(address), 2));
        Assert.Equal(2000UL, map.Lookup<uint, ulong>(5));
        Assert.Equal(0UL, map.ProgramLookup(U32(16)));
    }

    [Fact]
    public void PerCpuArrayShowsOneValuePerCpuAndProgramsSeeTheirSlot()
    {
        using var map = Create(MapType.PerCpuArray, 4, 4, 2);
        Assert.True(map.IsPerCpu);
        Assert.Equal(BpfCpu.Count * 8, map.HostValueSize);
        int cpu = BpfCpu.Current;
        ulong address = map.ProgramLookup(U32(1));
        Int64At(address) = 7; // low 4 bytes are the value
        Assert.Equal(0, map.ProgramUpdate(U32(0), U32(9), MapUpdateFlags.Any));
        var values = map.LookupPerCpu<uint, uint>(1)!;
        Assert.Equal(BpfCpu.Count, values.Length);
        Assert.Equal(7u, values[cpu]);
        Assert.Equal(1, values.Count(v => v != 0));
        Assert.Equal(9u, map.LookupPerCpu<uint, uint>(0)![cpu]);
        var all = Enumerable.Range(0, BpfCpu.Count).Select(i => (uint)i + 100).ToArray();
        Assert.Equal(0, map.UpdatePerCpu<uint, uint>(1, all));
        Assert.Equal(all, map.LookupPerCpu<uint, uint>(1));
        Assert.Throws<BpfMapException>(() => map.Lookup<uint, uint>(1));
    }

    [Fact]
    public void GlobalDataGetsItsInitialImageAndReadOnlyRegion()
    {
        using var map = BpfMap.Create(new MapDefinition
        {
            Name = ".rodata", Type = MapType.Array, KeySize = 4, ValueSize = 6, MaxEntries = 1,
            InitialValue = "hello\0"u8.ToArray(), ReadOnlyForPrograms = true,
        });
        var value = new byte[6];
        Assert.Equal(0, map.Lookup(U32(0), value));
        Assert.Equal("hello\0"u8.ToArray(), value);
        Assert.Equal(MemoryAccess.Read, map.Regions[0].Access);
    }

    [Fact]
    public void LockedUpdatesSkipTheSpinLockWord()
    {
        using var map = Create(MapType.Array, 4, 16, 1, spinLock: 0);
        ulong address = map.ProgramLookup(U32(0));
        var value = new byte[16];
        value.AsSpan().Fill(0xAB);
        Assert.Equal(0, map.Update(U32(0), value, MapUpdateFlags.Lock));
        Assert.Equal(0, BitConverter.ToInt32(At(address, 4)));
        var read = new byte[16];
        Assert.Equal(0, map.Lookup(U32(0), read, MapUpdateFlags.Lock));
        Assert.Equal(new byte[4], read[..4]);
        Assert.All(read[4..], b => Assert.Equal(0xAB, b));
    }
}
