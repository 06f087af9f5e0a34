using SharpBpf.Maps;
using static SharpBpf.Tests.Maps.MapTestSupport;

namespace SharpBpf.Tests.Maps;

public class HashMapTests
{
    [Fact]
    public void FlagsAndErrnoResultsFollowTheKernel()
    {
        using var map = Create(MapType.Hash, 4, 8, 2);
        Assert.Null(map.Lookup<uint, ulong>(1));
        Assert.Equal(-Errno.ENOENT, map.Update(1u, 10UL, MapUpdateFlags.Exist));
        Assert.Equal(0, map.Update(1u, 10UL, MapUpdateFlags.NoExist));
        Assert.Equal(-Errno.EEXIST, map.Update(1u, 11UL, MapUpdateFlags.NoExist));
        Assert.Equal(0, map.Update(1u, 12UL, MapUpdateFlags.Exist));
        Assert.Equal(0, map.Update(2u, 20UL));
        Assert.Equal(-Errno.E2BIG, map.Update(3u, 30UL));
        Assert.Equal(0, map.Update(2u, 21UL)); // replacing works when full
        Assert.Equal(-Errno.EINVAL, map.Update(2u, 21UL, (MapUpdateFlags)8));
        Assert.Equal(12UL, map.Lookup<uint, ulong>(1));
        Assert.Equal(0, map.Delete(1u));
        Assert.Equal(-Errno.ENOENT, map.Delete(1u));
        Assert.Equal(0, map.Update(3u, 30UL));
        Assert.Equal(new[] { 2u, 3u }, map.KeysOf<uint>().Order().ToArray());
    }

    [Fact]
    public void GetNextKeyVisitsEveryKeyOnceAndRestartsFromAMissingKey()
    {
        using var map = Create(MapType.Hash, 8, 4, 100);
        for (ulong k = 0; k < 50; k++) Assert.Equal(0, map.Update(k * 7919, (uint)k));
        var keys = map.KeysOf<ulong>().ToList();
        Assert.Equal(50, keys.Count);
        Assert.Equal(50, keys.Distinct().Count());
        var first = new byte[8];
        Assert.Equal(0, map.GetNextKey([], first));
        var afterMissing = new byte[8];
        Assert.Equal(0, map.GetNextKey(U64(123456789), afterMissing));
        Assert.Equal(first, afterMissing);
        var next = new byte[8];
        Assert.Equal(-Errno.ENOENT, map.GetNextKey(U64(keys[^1]), next));
        Assert.Equal(50, map.EntriesOf<ulong, uint>().Count(e => e.Value == e.Key / 7919));
    }

    [Fact]
    public void ValuesStayAtStableAddressesAndDeletedValuesRemainValidMemory()
    {
        using var map = Create(MapType.Hash, 4, 8, 64, name: "counts");
        Assert.Equal(0, map.Update(7u, 0UL));
        ulong address = map.ProgramLookup(U32(7));
        for (uint k = 100; k < 160; k++) map.Update(k, 1UL);
        Assert.Equal(address, map.ProgramLookup(U32(7)));
        Interlocked.Add(ref Int64At(address), 5);
        Assert.Equal(5UL, map.Lookup<uint, ulong>(7));
        Assert.Equal(0, map.Delete(7u));
        // The stale pointer still points into the map's value block.
        Assert.True(map.Regions[0].Contains(address, 8));
        Interlocked.Add(ref Int64At(address), 1);
        Assert.Null(map.Lookup<uint, ulong>(7));
    }

    [Fact]
    public void DeletedSlotsAreRecycledLast()
    {
        using var map = Create(MapType.Hash, 4, 8, 4);
        map.Update(1u, 1UL);
        ulong first = map.ProgramLookup(U32(1));
        map.Delete(1u);
        map.Update(2u, 2UL);
        Assert.NotEqual(first, map.ProgramLookup(U32(2)));
    }

    [Fact]
    public void PerCpuHashKeepsOneValuePerCpu()
    {
        using var map = Create(MapType.PerCpuHash, 4, 8, 8);
        int cpu = BpfCpu.Current;
        Assert.Equal(0, map.ProgramUpdate(U32(1), U64(5), MapUpdateFlags.Any));
        var values = map.LookupPerCpu<uint, ulong>(1)!;
        Assert.Equal(5UL, values[cpu]);
        Assert.Equal(5UL, values.Aggregate(0UL, (a, b) => a + b));
        ulong address = map.ProgramLookup(U32(1));
        Interlocked.Increment(ref Int64At(address));
        Assert.Equal(6UL, map.LookupPerCpu<uint, ulong>(1)![cpu]);
        Assert.Equal(0, map.Update(2u, 3UL)); // host update with one value sets every CPU
        Assert.All(map.LookupPerCpu<uint, ulong>(2)!, v => Assert.Equal(3UL, v));
    }

    [Fact]
    public void LruHashEvictsTheLeastRecentlyUsedElement()
    {
        using var map = Create(MapType.LruHash, 4, 8, 4);
        for (uint k = 1; k <= 4; k++) Assert.Equal(0, map.Update(k, (ulong)k));
        Assert.NotEqual(0UL, map.ProgramLookup(U32(1))); // 1 becomes most recently used
        Assert.Equal(0, map.Update(5u, 5UL));             // evicts 2
        Assert.Null(map.Lookup<uint, ulong>(2));
        Assert.Equal(new[] { 1u, 3u, 4u, 5u }, map.KeysOf<uint>().Order().ToArray());
        Assert.Equal(0, map.Update(6u, 6UL));             // evicts 3
        Assert.Null(map.Lookup<uint, ulong>(3));
        Assert.Equal(-Errno.EEXIST, map.Update(6u, 6UL, MapUpdateFlags.NoExist));
    }

    [Fact]
    public void LruPerCpuHashEvictsToo()
    {
        using var map = Create(MapType.LruPerCpuHash, 4, 4, 2);
        map.Update(1u, 1u);
        map.Update(2u, 2u);
        map.Update(3u, 3u);
        Assert.Null(map.LookupPerCpu<uint, uint>(1));
        Assert.All(map.LookupPerCpu<uint, uint>(3)!, v => Assert.Equal(3u, v));
    }

    [Fact]
    public void ConcurrentUpdatesDeletesAndPointerWritesKeepTheMapConsistent()
    {
        const int Threads = 4, KeysPerThread = 200, Rounds = 30;
        using var map = Create(MapType.Hash, 8, 8, Threads * KeysPerThread / 2 + 50, name: "stress");
        ulong shared = 0xFFFF_FFFF;
        Assert.Equal(0, map.Update(shared, 0UL));
        ulong sharedAddress = map.ProgramLookup(U64(shared));
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            for (int round = 0; round < Rounds; round++)
            {
                for (ulong i = 0; i < KeysPerThread; i++)
                {
                    ulong key = (ulong)t << 32 | i;
                    int r = map.Update(key, key);
                    if (r != 0 && r != -Errno.E2BIG) failures.Add($"update {r}");
                    ulong address = map.ProgramLookup(U64(key));
                    if (r == 0 && address == 0) failures.Add("own key missing");
                    if (address != 0 && !map.Regions[0].Contains(address, 8)) failures.Add("pointer outside values");
                    if (address != 0 && (ulong)Int64At(address) != key) failures.Add("value of another key");
                    Interlocked.Increment(ref Int64At(sharedAddress));
                }
                for (ulong i = 0; i < KeysPerThread; i++)
                {
                    ulong key = (ulong)t << 32 | i;
                    int r = map.Delete(U64(key));
                    if (r != 0 && r != -Errno.ENOENT) failures.Add($"delete {r}");
                }
            }
        });
        Assert.Empty(failures);
        Assert.Equal((ulong)(Threads * KeysPerThread * Rounds), map.Lookup<ulong, ulong>(shared));
        Assert.Equal(1, ((HashMap)map).Count);
        Assert.Equal(new[] { shared }, map.KeysOf<ulong>().ToArray());
    }
}
