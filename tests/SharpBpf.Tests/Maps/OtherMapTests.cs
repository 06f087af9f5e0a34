using System.Buffers.Binary;
using SharpBpf.Maps;
using static SharpBpf.Tests.Maps.MapTestSupport;

namespace SharpBpf.Tests.Maps;

public class LpmTrieMapTests
{
    private static byte[] Key(uint prefix, params byte[] data)
    {
        var key = new byte[4 + data.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(key, prefix);
        data.CopyTo(key, 4);
        return key;
    }

    private static BpfMap Trie(uint max = 16) => Create(MapType.LpmTrie, 8, 4, max, MapCreationFlags.NoPrealloc, "routes");

    private static uint? Find(BpfMap map, byte[] key)
    {
        var value = new byte[4];
        return map.Lookup(key, value) == 0 ? BitConverter.ToUInt32(value) : null;
    }

    [Fact]
    public void LookupReturnsTheLongestMatchingPrefix()
    {
        using var map = Trie();
        Assert.Equal(0, map.Update(Key(8, 10, 0, 0, 0), U32(8)));
        Assert.Equal(0, map.Update(Key(16, 10, 1, 0, 0), U32(16)));
        Assert.Equal(0, map.Update(Key(24, 10, 1, 2, 0), U32(24)));
        Assert.Equal(0, map.Update(Key(0, 0, 0, 0, 0), U32(0)));
        Assert.Equal(24u, Find(map, Key(32, 10, 1, 2, 3)));
        Assert.Equal(16u, Find(map, Key(32, 10, 1, 3, 3)));
        Assert.Equal(8u, Find(map, Key(32, 10, 2, 2, 3)));
        Assert.Equal(0u, Find(map, Key(32, 11, 1, 2, 3)));
        Assert.Equal(16u, Find(map, Key(20, 10, 1, 2, 3))); // the query's prefix length bounds the match
        ulong address = map.ProgramLookup(Key(32, 10, 1, 2, 9));
        Assert.Equal(24u, BitConverter.ToUInt32(At(address, 4)));
        Assert.Equal(0, map.Delete(Key(24, 10, 1, 2, 77))); // bits past the prefix do not matter
        Assert.Equal(16u, Find(map, Key(32, 10, 1, 2, 3)));
        Assert.Equal(-Errno.ENOENT, map.Delete(Key(24, 10, 1, 2, 0)));
    }

    [Fact]
    public void FlagsLimitsAndPrefixLengthsFollowTheKernel()
    {
        using var map = Trie(2);
        Assert.Equal(-Errno.EINVAL, map.Update(Key(33, 1, 2, 3, 4), U32(1)));
        Assert.Equal(-Errno.ENOENT, map.Update(Key(8, 1, 0, 0, 0), U32(1), MapUpdateFlags.Exist));
        Assert.Equal(0, map.Update(Key(8, 1, 0, 0, 0), U32(1), MapUpdateFlags.NoExist));
        Assert.Equal(-Errno.EEXIST, map.Update(Key(8, 1, 0, 0, 0), U32(1), MapUpdateFlags.NoExist));
        Assert.Equal(0, map.Update(Key(16, 1, 1, 0, 0), U32(2)));
        Assert.Equal(-Errno.ENOSPC, map.Update(Key(16, 1, 2, 0, 0), U32(3)));
        var e = Assert.Throws<BpfMapException>(() => Create(MapType.LpmTrie, 8, 4, 4, 0, "noprealloc"));
        Assert.Contains("noprealloc", e.Message);
        Assert.Contains("BPF_F_NO_PREALLOC", e.Message);
    }

    [Fact]
    public void GetNextKeyWalksInPostOrderAndRestartsFromAMissingKey()
    {
        using var map = Trie();
        map.Update(Key(8, 10, 0, 0, 0), U32(1));
        map.Update(Key(16, 10, 1, 0, 0), U32(2));
        map.Update(Key(16, 10, 128, 0, 0), U32(3));
        map.Update(Key(8, 192, 0, 0, 0), U32(4));
        var order = map.Keys.Select(k => (BinaryPrimitives.ReadUInt32LittleEndian(k), k[4], k[5])).ToArray();
        Assert.Equal(new[] { (16u, (byte)10, (byte)1), (16u, (byte)10, (byte)128), (8u, (byte)10, (byte)0), (8u, (byte)192, (byte)0) }, order);
        var next = new byte[8];
        Assert.Equal(0, map.GetNextKey(Key(24, 1, 1, 1, 0), next));
        Assert.Equal(Key(16, 10, 1, 0, 0), next);
    }
}

public class QueueStackMapTests
{
    [Fact]
    public void QueueIsFifoStackIsLifoAndFullMapsFollowBpfExist()
    {
        using var queue = Create(MapType.Queue, 0, 4, 3);
        using var stack = Create(MapType.Stack, 0, 4, 3);
        foreach (var map in new[] { queue, stack })
        {
            Assert.Null(map.Pop<uint>());
            Assert.Equal(-Errno.ENOENT, map.Peek(new byte[4]));
            for (uint v = 1; v <= 3; v++) Assert.Equal(0, map.Push(v));
            Assert.Equal(-Errno.E2BIG, map.Push(4u));
            Assert.Equal(-Errno.EINVAL, map.Push(4u, MapUpdateFlags.NoExist));
            Assert.Equal(0, map.Push(4u, MapUpdateFlags.Exist)); // drops the oldest (1)
        }
        Assert.Equal(2u, queue.Peek<uint>());
        Assert.Equal(new uint?[] { 2, 3, 4, null }, [queue.Pop<uint>(), queue.Pop<uint>(), queue.Pop<uint>(), queue.Pop<uint>()]);
        Assert.Equal(4u, stack.Peek<uint>());
        Assert.Equal(new uint?[] { 4, 3, 2, null }, [stack.Pop<uint>(), stack.Pop<uint>(), stack.Pop<uint>(), stack.Pop<uint>()]);
        Assert.Throws<BpfMapException>(() => Create(MapType.Queue, 4, 4, 3));
    }
}

public class BloomFilterMapTests
{
    [Fact]
    public void HasNoFalseNegativesAndFewFalsePositives()
    {
        using var map = (BloomFilterMap)Create(MapType.BloomFilter, 0, 8, 1000, extra: 3);
        Assert.Equal(3, map.HashCount);
        for (ulong v = 0; v < 1000; v++) Assert.Equal(0, map.Push(v * 2654435761));
        for (ulong v = 0; v < 1000; v++) Assert.Equal(0, map.Peek(U64(v * 2654435761)));
        int falsePositives = 0;
        for (ulong v = 1; v <= 10000; v++) if (map.Peek(U64(v * 2654435761 + 1)) == 0) falsePositives++;
        Assert.True(falsePositives < 1000, $"{falsePositives} false positives in 10000");
        Assert.Equal(-Errno.EINVAL, map.Push(1UL, MapUpdateFlags.Exist));
        Assert.Equal(-Errno.EOPNOTSUPP, map.Pop(new byte[8]));
        Assert.Equal(5, ((BloomFilterMap)Create(MapType.BloomFilter, 0, 4, 10)).HashCount);
        Assert.Throws<BpfMapException>(() => Create(MapType.BloomFilter, 0, 4, 10, extra: 16));
    }
}

public class RingBufferMapTests
{
    private static RingBufferMap Ring(uint size = 4096) => (RingBufferMap)Create(MapType.RingBuf, 0, 0, size, name: "events");

    private static List<string> Drain(RingBufferMap ring)
    {
        var records = new List<string>();
        ring.Poll(r => { records.Add(System.Text.Encoding.ASCII.GetString(r)); return 0; });
        return records;
    }

    [Fact]
    public void RecordsAreConsumedInReservationOrderRespectingBusyAndDiscard()
    {
        using var ring = Ring();
        ulong a = ring.Reserve(3), b = ring.Reserve(5), c = ring.Reserve(1);
        Assert.True(a != 0 && b != 0 && c != 0);
        Assert.Equal(0UL, a % 8);
        "aaa"u8.CopyTo(At(a, 3));
        "bbbbb"u8.CopyTo(At(b, 5));
        "c"u8.CopyTo(At(c, 1));
        Assert.True(ring.Commit(b, discard: false));
        Assert.True(ring.Commit(c, discard: true));
        Assert.Empty(Drain(ring)); // a is still busy
        Assert.True(ring.Commit(a, discard: false));
        Assert.False(ring.Commit(a, discard: false)); // already committed
        Assert.False(ring.Commit(a + 1, discard: false));
        Assert.Equal(new[] { "aaa", "bbbbb" }, Drain(ring));
        Assert.Equal(0L, ring.AvailableData);
        Assert.Equal(0, ring.Output("hello"u8));
        Assert.Equal(16UL, ring.Query(0));
        Assert.Equal(4096UL, ring.Query(1));
        Assert.Equal(ring.Query(3) - 16, ring.Query(2));
        Assert.Equal(new[] { "hello" }, Drain(ring));
    }

    [Fact]
    public void FullBufferRefusesAndWrapAroundKeepsRecordsWhole()
    {
        using var ring = Ring();
        Assert.Equal(0UL, ring.Reserve(4096));
        Assert.Equal(0UL, ring.Reserve(0));
        ulong big = ring.Reserve(3000);
        Assert.NotEqual(0UL, big);
        Assert.Equal(0UL, ring.Reserve(2000));
        Assert.Equal(-Errno.EAGAIN, ring.Output(new byte[2000]));
        ring.Commit(big, discard: false);
        Assert.Equal(1, ring.Poll(_ => 0));
        // 3008 bytes consumed; a 2000-byte record does not fit before the end, so it starts at offset 0.
        ulong wrapped = ring.Reserve(2000);
        Assert.Equal(ring.Regions[0].Start + 8, wrapped);
        At(wrapped, 2000).Fill((byte)'w');
        ring.Commit(wrapped, discard: false);
        var lengths = new List<int>();
        ring.Poll(r => { lengths.Add(r.Length); Assert.All(r.ToArray(), b => Assert.Equal((byte)'w', b)); return 0; });
        Assert.Equal(new[] { 2000 }, lengths);
        for (int i = 0; i < 100; i++) Assert.Equal(0, ring.Output(BitConverter.GetBytes(i)));
        var seen = new List<int>();
        int handled = ring.Poll(r => { seen.Add(BitConverter.ToInt32(r)); return seen.Count == 10 ? -1 : 0; });
        Assert.Equal(10, handled);
        new RingBufferConsumer(ring, r => { seen.Add(BitConverter.ToInt32(r)); return 0; }).Consume();
        Assert.Equal(Enumerable.Range(0, 100), seen);
    }

    [Fact]
    public void ProducersOnSeveralThreadsAndOneConsumerLoseNothing()
    {
        using var ring = Ring(1 << 16);
        const int PerThread = 20000;
        long sum = 0, count = 0;
        var producers = Enumerable.Range(0, 2).Select(t => Task.Run(() =>
        {
            for (int i = 0; i < PerThread; i++)
                while (ring.Output(BitConverter.GetBytes((long)i)) != 0) Thread.Yield();
        })).ToArray();
        var consumer = new RingBufferConsumer(ring, r => { sum += BitConverter.ToInt64(r); count++; return 0; });
        while (!Task.WhenAll(producers).IsCompleted || ring.AvailableData > 0) consumer.Poll(TimeSpan.FromMilliseconds(10));
        Assert.Equal(2L * PerThread, count);
        Assert.Equal(2L * PerThread * (PerThread - 1) / 2, sum);
    }

    [Fact]
    public void AHeaderOverwrittenByAProgramIsReportedNotFollowed()
    {
        using var ring = Ring();
        ulong record = ring.Reserve(8);
        ring.Commit(record, discard: false);
        BitConverter.TryWriteBytes(At(record - 8, 4), 0x3FFF_0000); // huge length, not busy
        var e = Assert.Throws<BpfMapException>(() => ring.Poll(_ => 0));
        Assert.Contains("corrupted record header", e.Message);
    }

    [Fact]
    public void SizeMustBeAPowerOfTwoPageMultiple()
    {
        var e = Assert.Throws<BpfMapException>(() => Create(MapType.RingBuf, 0, 0, 5000, name: "rb"));
        Assert.Contains("map 'rb'", e.Message);
        Assert.Throws<BpfMapException>(() => Create(MapType.RingBuf, 0, 0, 2048));
    }
}

public class PerfEventArrayMapTests
{
    [Fact]
    public void OutputGoesToTheQueueOrHandlerWithKernelErrors()
    {
        using var map = (PerfEventArrayMap)Create(MapType.PerfEventArray, 0, 0, 0);
        Assert.Equal(BpfCpu.Count, map.MaxEntries);
        Assert.Equal(0, map.Output(PerfEventArrayMap.CurrentCpu, "one"u8));
        Assert.Equal(0, map.Output(0, "two"u8));
        Assert.Equal(-Errno.E2BIG, map.Output((ulong)map.MaxEntries, "x"u8));
        Assert.Equal(-Errno.EINVAL, map.Output(1UL << 32, "x"u8));
        var records = map.Drain();
        Assert.Equal(2, records.Count);
        Assert.Equal(BpfCpu.Current, records[0].Index);
        Assert.Equal("one"u8.ToArray(), records[0].Data);
        map.Capacity = 1;
        Assert.Equal(0, map.Output(0, "a"u8));
        Assert.Equal(-Errno.ENOSPC, map.Output(0, "b"u8));
        Assert.Equal(1, map.LostCount);
        var handled = new List<string>();
        map.Handler = (index, data) => handled.Add($"{index}:{System.Text.Encoding.ASCII.GetString(data)}");
        Assert.Equal(0, map.Output(0, "h"u8));
        Assert.Equal(new[] { "0:h" }, handled);
    }
}

public class MapInMapAndProgramArrayTests
{
    private static readonly MapDefinition InnerTemplate = new() { Name = "inner", Type = MapType.Array, KeySize = 4, ValueSize = 8, MaxEntries = 4 };

    [Fact]
    public void ArrayOfMapsHoldsCompatibleInnerMapsAndProgramsGetTheirHandles()
    {
        using var outer = (ArrayOfMapsMap)Create(MapType.ArrayOfMaps, 4, 4, 2, inner: InnerTemplate, name: "outer");
        using var inner = BpfMap.Create(InnerTemplate);
        using var wrong = Create(MapType.Array, 4, 8, 5);
        Assert.Equal(0UL, outer.ProgramLookup(U32(0)));
        Assert.Equal(0, outer.Update(U32(0), U32(inner.Id)));
        Assert.Equal(-Errno.EINVAL, outer.Update(U32(1), U32(wrong.Id)));
        Assert.Equal(-Errno.EINVAL, outer.Update(U32(1), U32(0xFFFFFFF)));
        Assert.Equal(-Errno.E2BIG, outer.Update(U32(2), U32(inner.Id)));
        Assert.Throws<BpfMapException>(() => outer.SetMap(1, wrong));
        Assert.Same(inner, BpfMap.FromHandle(outer.ProgramLookup(U32(0))));
        var id = new byte[4];
        Assert.Equal(0, outer.Lookup(U32(0), id));
        Assert.Equal(inner.Id, BitConverter.ToUInt32(id));
        Assert.Equal(0, outer.Delete(U32(0)));
        Assert.Equal(-Errno.ENOENT, outer.Delete(U32(0)));
    }

    [Fact]
    public void HashOfMapsHasHashSemantics()
    {
        using var outer = (HashOfMapsMap)Create(MapType.HashOfMaps, 8, 4, 1, inner: InnerTemplate);
        using var inner = BpfMap.Create(InnerTemplate);
        Assert.Equal(0, outer.SetMap(U64(7), inner));
        Assert.Equal(-Errno.EEXIST, outer.SetMap(U64(7), inner, MapUpdateFlags.NoExist));
        Assert.Equal(-Errno.E2BIG, outer.SetMap(U64(8), inner));
        Assert.Equal(inner.Handle, outer.ProgramLookup(U64(7)));
        Assert.Same(inner, outer.GetMap(U64(7)));
        Assert.Equal(new[] { 7UL }, outer.KeysOf<ulong>());
        Assert.Throws<BpfMapException>(() => Create(MapType.HashOfMaps, 8, 4, 1));
    }

    [Fact]
    public void ProgramArraySlotsHoldExecutables()
    {
        using var programs = (ProgramArrayMap)Create(MapType.ProgArray, 4, 4, 4);
        Assert.Null(programs.Get(0));
        Assert.Equal(-Errno.ENOENT, programs.Delete(U32(1)));
        Assert.Throws<BpfMapException>(() => programs.Set(4, null));
        Assert.Equal(new uint[] { 0, 1, 2, 3 }, programs.KeysOf<uint>());
    }
}

public class MapFactoryAndHandleTests
{
    [Theory]
    [InlineData(MapType.Hash, 0u, 4u, 4u, "key size")]
    [InlineData(MapType.Hash, 4u, 0u, 4u, "value size")]
    [InlineData(MapType.Array, 8u, 4u, 4u, "key size must be 4")]
    [InlineData(MapType.Array, 4u, 4u, 0u, "max_entries")]
    [InlineData(MapType.StackTrace, 4u, 4u, 4u, "not supported")]
    [InlineData(MapType.LpmTrie, 3u, 4u, 4u, "key size")]
    public void InvalidDefinitionsNameTheMapAndTheProblem(MapType type, uint key, uint value, uint max, string problem)
    {
        var e = Assert.Throws<BpfMapException>(() => Create(type, key, value, max, MapCreationFlags.NoPrealloc, "bad_map"));
        Assert.Contains("map 'bad_map'", e.Message);
        Assert.Contains(problem, e.Message);
        Assert.Equal(-Errno.EINVAL, e.Errno);
    }

    [Fact]
    public void HandlesResolveOnlyLiveMaps()
    {
        var map = Create(MapType.Array, 4, 4, 1);
        Assert.Same(map, BpfMap.FromHandle(map.Handle));
        Assert.Null(BpfMap.TryFromHandle(map.Handle ^ (1UL << 40)));
        Assert.Null(BpfMap.TryFromHandle(map.Id));
        Assert.Null(BpfMap.TryFromHandle(map.Regions[0].Start));
        map.Dispose();
        Assert.Null(BpfMap.TryFromHandle(map.Handle));
        Assert.Throws<BpfMapException>(() => BpfMap.FromHandle(map.Handle));
    }

    [Fact]
    public void HostBuffersOfTheWrongSizeAreRejected()
    {
        using var map = Create(MapType.Hash, 4, 8, 4);
        Assert.Throws<ArgumentException>(() => map.Update(new byte[3], new byte[8]));
        Assert.Throws<ArgumentException>(() => map.Lookup<uint, uint>(1));
    }
}
