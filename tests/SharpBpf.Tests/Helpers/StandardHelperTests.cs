using System.Text;
using SharpBpf.Helpers;
using SharpBpf.Maps;
using SharpBpf.Runtime;
using static SharpBpf.Tests.Helpers.HelperTestBed;

namespace SharpBpf.Tests.Helpers;

public class StandardHelperTests
{
    [Fact]
    public void EveryStandardHelperIsRegisteredUnderItsLinuxIdWithAPrototype()
    {
        var table = StandardHelpers.Register(new HelperTable());
        var expected = new Dictionary<int, string>
        {
            [1] = "map_lookup_elem", [2] = "map_update_elem", [3] = "map_delete_elem", [4] = "probe_read", [5] = "ktime_get_ns",
            [6] = "trace_printk", [7] = "get_prandom_u32", [8] = "get_smp_processor_id", [12] = "tail_call", [14] = "get_current_pid_tgid",
            [16] = "get_current_comm", [25] = "perf_event_output", [45] = "probe_read_str", [87] = "map_push_elem", [88] = "map_pop_elem",
            [89] = "map_peek_elem", [93] = "spin_lock", [94] = "spin_unlock", [105] = "strtol", [106] = "strtoul", [112] = "probe_read_user",
            [113] = "probe_read_kernel", [114] = "probe_read_user_str", [115] = "probe_read_kernel_str", [125] = "ktime_get_boot_ns",
            [130] = "ringbuf_output", [131] = "ringbuf_reserve", [132] = "ringbuf_submit", [133] = "ringbuf_discard", [134] = "ringbuf_query",
            [160] = "ktime_get_coarse_ns", [164] = "for_each_map_elem", [165] = "snprintf", [177] = "trace_vprintk", [181] = "loop", [182] = "strncmp",
        };
        Assert.Equal(expected.Count, table.All.Count());
        foreach (var (id, name) in expected)
        {
            var helper = table.Get(id);
            Assert.NotNull(helper);
            Assert.Equal(name, helper.Name);
            Assert.NotNull(helper.Prototype);
        }
        Assert.Equal(HelperReturn.MapValueOrNull, table.Get(1)!.Prototype!.Returns);
        Assert.Equal([HelperArgument.ConstMapPointer, HelperArgument.MapKey, HelperArgument.None, HelperArgument.None, HelperArgument.None], table.Get(1)!.Prototype!.Arguments);
        Assert.Equal(HelperReturn.RingBufMemoryOrNull, table.Get(131)!.Prototype!.Returns);
        Assert.Equal(HelperArgument.CallbackFunction, table.Get(181)!.Prototype!.Arguments[1]);
        Assert.Equal(5, table.Get(25)!.Prototype!.ArgumentCount);
        Assert.Throws<ArgumentException>(() => new HelperPrototype(HelperReturn.Integer, HelperArgument.Anything, HelperArgument.ConstSize));
    }

    [Fact]
    public void HostHelpersRegisterAsDelegatesWithAPrototype()
    {
        var table = new HelperTable();
        var prototype = new HelperPrototype(HelperReturn.Integer, HelperArgument.Anything, HelperArgument.Anything);
        table.Register(1000, "add", prototype, (_, a, b, _, _, _) => a + b);
        Assert.Same(prototype, table.Get(1000)!.Prototype);
        Assert.Equal(5UL, table.Get(1000)!.Function(new RunContext(table), 2, 3, 0, 0, 0));
        Assert.Equal("Integer(Anything, Anything)", prototype.ToString());
    }

    [Fact]
    public void ProbeReadCopiesReadableMemoryAndOtherwiseZeroesAndReturnsEfault()
    {
        using var bed = new HelperTestBed();
        bed.PutString(100, "secret!");
        foreach (int id in new[] { HelperIds.ProbeRead, HelperIds.ProbeReadKernel, HelperIds.ProbeReadUser })
        {
            bed.Bytes(0, 8).Fill(0xEE);
            Assert.Equal(0UL, bed.Call(id, bed.At(0), 8, bed.At(100)));
            Assert.Equal("secret!\0"u8.ToArray(), bed.Bytes(0, 8).ToArray());
            Assert.Equal(-Errno.EFAULT, Signed(bed.Call(id, bed.At(0), 8, 0xdead0000)));
            Assert.Equal(new byte[8], bed.Bytes(0, 8).ToArray());
            Assert.Equal(-Errno.EFAULT, Signed(bed.Call(id, bed.At(0), 8, bed.At(4092)))); // runs off the region
            Assert.Throws<BpfRuntimeException>(() => bed.Call(id, 0x10, 8, bed.At(100)));    // bad destination
        }
    }

    [Fact]
    public void ProbeReadStrCopiesUpToTheNulTruncatesAndFaults()
    {
        using var bed = new HelperTestBed();
        bed.PutString(100, "hello");
        foreach (int id in new[] { HelperIds.ProbeReadStr, HelperIds.ProbeReadKernelStr, HelperIds.ProbeReadUserStr })
        {
            Assert.Equal(6UL, bed.Call(id, bed.At(0), 16, bed.At(100)));
            Assert.Equal("hello", bed.StringAt(0));
            Assert.Equal(4UL, bed.Call(id, bed.At(0), 4, bed.At(100)));
            Assert.Equal("hel", bed.StringAt(0));
            bed.Bytes(4090, 6).Fill((byte)'x'); // no NUL before the end of the region
            Assert.Equal(-Errno.EFAULT, Signed(bed.Call(id, bed.At(0), 16, bed.At(4090))));
            Assert.Equal(new byte[16], bed.Bytes(0, 16).ToArray());
            Assert.Equal(-Errno.EFAULT, Signed(bed.Call(id, bed.At(0), 16, 0x1000)));
        }
    }

    [Fact]
    public void TracePrintkFormatsEveryConversionToTheSink()
    {
        using var bed = new HelperTestBed();
        var lines = new List<string>();
        bed.Environment.TraceCallback = lines.Add;
        ulong name = bed.PutString(200, "bpf");
        void Check(string format, string expected, ulong a = 0, ulong b = 0, ulong c = 0)
        {
            ulong fmt = bed.PutString(0, format);
            ulong written = bed.Call(HelperIds.TracePrintk, fmt, (ulong)format.Length + 1, a, b, c);
            Assert.Equal(expected, lines[^1]);
            Assert.Equal((ulong)expected.Length, written);
        }
        Check("%d %i %u", "-1 -2 4294967295", unchecked((ulong)-1L), unchecked((ulong)-2L), unchecked((ulong)-1L));
        Check("%ld %lld %lu", "-1 -5 18446744073709551615", unchecked((ulong)-1L), unchecked((ulong)-5L), ulong.MaxValue);
        Check("%x %lx %llx", "ffffffff ffffffffff abc", ulong.MaxValue, 0xFFFFFFFFFF, 0xabc);
        Check("%p %c%%", "00000000deadbeef A%", 0xdeadbeef, 'A');
        Check("%s=%5d|%-4u|", "bpf=   42|7   |", name, 42, 7);
        Check("%04x|%+d|%X", "00ff|+5|AB", 0xff, 5, 0xab);
        Check("%llu", "12345678901234", 12345678901234);
        Check("[%s]", "[]", 0x40); // unreadable string prints nothing, as in the kernel
        Assert.Contains("bpf=   42|7   |", bed.Trace.ToString());
        ulong bad = bed.PutString(0, "%q");
        Assert.Equal(-Errno.EINVAL, Signed(bed.Call(HelperIds.TracePrintk, bad, 3, 1)));
        ulong tooMany = bed.PutString(0, "%d %d %d %d");
        Assert.Equal(-Errno.EINVAL, Signed(bed.Call(HelperIds.TracePrintk, tooMany, 12, 1, 2, 3)));
        bed.Bytes(0, 4).Fill((byte)'a'); // not NUL-terminated within fmt_size
        Assert.Equal(-Errno.EINVAL, Signed(bed.Call(HelperIds.TracePrintk, bed.At(0), 4)));
    }

    [Fact]
    public void TraceVprintkAndSnprintfTakeArgumentArrays()
    {
        using var bed = new HelperTestBed();
        ulong fmt = bed.PutReadOnlyString(0, "%d-%s-%pI4");
        bed.PutString(300, "x");
        new byte[] { 10, 0, 0, 1 }.CopyTo(bed.Bytes(400, 4));
        bed.PutU64s(100, 7, bed.At(300), bed.At(400));
        Assert.Equal(13UL, bed.Call(HelperIds.Snprintf, bed.At(0), 64, fmt, bed.At(100), 24));
        Assert.Equal("7-x-10.0.0.1", bed.StringAt(0));
        Assert.Equal(13UL, bed.Call(HelperIds.Snprintf, bed.At(0), 4, fmt, bed.At(100), 24));
        Assert.Equal("7-x", bed.StringAt(0)); // truncated, still NUL-terminated; the result is the full length + 1
        Assert.Equal(-Errno.EINVAL, Signed(bed.Call(HelperIds.Snprintf, bed.At(0), 64, fmt, bed.At(100), 12)));
        Assert.Equal(-Errno.EINVAL, Signed(bed.Call(HelperIds.Snprintf, bed.At(0), 64, fmt, bed.At(100), 8 * 13)));
        ulong vfmt = bed.PutString(500, "v=%u");
        bed.PutU64s(100, 99);
        Assert.Equal(4UL, bed.Call(HelperIds.TraceVprintk, vfmt, 5, bed.At(100), 8));
        Assert.Contains("v=99", bed.Trace.ToString());
    }

    [Fact]
    public void StrncmpComparesLikeTheKernel()
    {
        using var bed = new HelperTestBed();
        ulong s2 = bed.PutReadOnlyString(0, "abc");
        bed.PutString(0, "abd");
        Assert.Equal(1L, Signed(bed.Call(HelperIds.Strncmp, bed.At(0), 3, s2)));
        Assert.Equal(0L, Signed(bed.Call(HelperIds.Strncmp, bed.At(0), 2, s2)));
        bed.PutString(0, "abb");
        Assert.Equal(-1L, Signed(bed.Call(HelperIds.Strncmp, bed.At(0), 4, s2)));
        bed.PutString(0, "abc");
        Assert.Equal(0L, Signed(bed.Call(HelperIds.Strncmp, bed.At(0), 10, s2)));
        Assert.Throws<BpfRuntimeException>(() => bed.Call(HelperIds.Strncmp, bed.At(0), 3, 0x99));
    }

    [Theory]
    [InlineData("123", 10u, true, 3, 123L)]
    [InlineData("  -42xyz", 0u, true, 5, -42L)]
    [InlineData("0x1f", 0u, true, 4, 31L)]
    [InlineData("0x1f", 16u, true, 4, 31L)]
    [InlineData("017", 0u, true, 3, 15L)]
    [InlineData("ff", 16u, false, 2, 255L)]
    [InlineData("-1", 10u, false, -Errno.EINVAL, 0L)]
    [InlineData("xyz", 10u, true, -Errno.EINVAL, 0L)]
    [InlineData("12", 7u, true, -Errno.EINVAL, 0L)]
    [InlineData("9223372036854775808", 10u, true, -Errno.ERANGE, 0L)]
    [InlineData("-9223372036854775808", 10u, true, 20, long.MinValue)]
    [InlineData("99999999999999999999", 10u, false, -Errno.ERANGE, 0L)]
    public void StrtolAndStrtoulParseLikeTheKernel(string text, uint flags, bool signed, int expected, long value)
    {
        using var bed = new HelperTestBed();
        bed.PutString(0, text);
        bed.PutU64s(200, 0x5555);
        long result = Signed(bed.Call(signed ? HelperIds.Strtol : HelperIds.Strtoul, bed.At(0), (ulong)text.Length, flags, bed.At(200)));
        Assert.Equal(expected, result);
        Assert.Equal(expected > 0 ? value : 0x5555, BitConverter.ToInt64(bed.Bytes(200, 8)));
    }

    [Fact]
    public void TaskClockAndRandomHelpersUseTheEnvironment()
    {
        using var bed = new HelperTestBed();
        Assert.Equal((42UL << 32) | 43, bed.Call(HelperIds.GetCurrentPidTgid));
        bed.Bytes(0, 16).Fill(0xFF);
        Assert.Equal(0UL, bed.Call(HelperIds.GetCurrentComm, bed.At(0), 16));
        Assert.Equal("testcomm", bed.StringAt(0));
        Assert.Equal(new byte[7], bed.Bytes(9, 7).ToArray());
        Assert.Equal(0UL, bed.Call(HelperIds.GetCurrentComm, bed.At(0), 5));
        Assert.Equal("test", bed.StringAt(0));
        ulong t1 = bed.Call(HelperIds.KtimeGetNs);
        Thread.Sleep(2);
        ulong t2 = bed.Call(HelperIds.KtimeGetNs);
        Assert.True(t2 > t1);
        Assert.True(bed.Call(HelperIds.KtimeGetBootNs) >= t2);
        Assert.Equal(0UL, bed.Call(HelperIds.KtimeGetCoarseNs) % 1_000_000);
        bed.Environment.MonotonicClock = () => 5_123_456;
        Assert.Equal(5_000_000UL, bed.Call(HelperIds.KtimeGetCoarseNs));
        Assert.Equal(5_123_456UL, bed.Call(HelperIds.KtimeGetBootNs));
        bed.Environment.Random = new Random(1);
        var values = Enumerable.Range(0, 100).Select(_ => bed.Call(HelperIds.GetPrandomU32)).ToList();
        Assert.All(values, v => Assert.True(v <= uint.MaxValue));
        Assert.True(values.Distinct().Count() > 90);
        bed.Environment.Random = new Random(1);
        Assert.Equal(values[0], bed.Call(HelperIds.GetPrandomU32));
    }

    [Fact]
    public void RingbufHelpersReserveSubmitDiscardOutputAndQuery()
    {
        using var bed = new HelperTestBed();
        using var ring = (RingBufferMap)BpfMap.Create(new MapDefinition { Name = "rb", Type = MapType.RingBuf, MaxEntries = 4096 });
        Assert.Equal(0UL, bed.Call(HelperIds.RingbufReserve, ring.Handle, 8, 1)); // flags must be 0
        ulong first = bed.Call(HelperIds.RingbufReserve, ring.Handle, 8);
        ulong second = bed.Call(HelperIds.RingbufReserve, ring.Handle, 8);
        Assert.NotEqual(0UL, first);
        Assert.NotNull(bed.Context.FindRegion(first, 8, SharpBpf.Memory.MemoryAccess.Write));
        MemoryMarshalHelpers.Int64(bed.Context, first) = 1111;
        MemoryMarshalHelpers.Int64(bed.Context, second) = 2222;
        Assert.Equal(0UL, bed.Call(HelperIds.RingbufDiscard, second, 0));
        Assert.Equal(0UL, bed.Call(HelperIds.RingbufSubmit, first, 0));
        Assert.Throws<BpfRuntimeException>(() => bed.Call(HelperIds.RingbufSubmit, first, 0)); // already submitted
        Assert.Throws<BpfRuntimeException>(() => bed.Call(HelperIds.RingbufSubmit, bed.At(64), 0));
        bed.PutU64s(0, 3333);
        Assert.Equal(0UL, bed.Call(HelperIds.RingbufOutput, ring.Handle, bed.At(0), 8, 0));
        Assert.Equal(-Errno.EINVAL, Signed(bed.Call(HelperIds.RingbufOutput, ring.Handle, bed.At(0), 8, 4)));
        Assert.Equal(48UL, bed.Call(HelperIds.RingbufQuery, ring.Handle, 0));
        Assert.Equal(4096UL, bed.Call(HelperIds.RingbufQuery, ring.Handle, 1));
        var seen = new List<long>();
        ring.Poll(r => { seen.Add(BitConverter.ToInt64(r)); return 0; });
        Assert.Equal(new long[] { 1111, 3333 }, seen);
        Assert.Equal(0UL, bed.Call(HelperIds.RingbufReserve, ring.Handle, 5000));
    }

    [Fact]
    public void PerfEventOutputReachesTheHostQueue()
    {
        using var bed = new HelperTestBed();
        using var events = (PerfEventArrayMap)BpfMap.Create(new MapDefinition { Name = "events", Type = MapType.PerfEventArray, KeySize = 4, ValueSize = 4, MaxEntries = 2 });
        bed.PutString(0, "evt");
        Assert.Equal(0UL, bed.Call(HelperIds.PerfEventOutput, 0, events.Handle, 1, bed.At(0), 4));
        Assert.Equal(-Errno.E2BIG, Signed(bed.Call(HelperIds.PerfEventOutput, 0, events.Handle, 2, bed.At(0), 4)));
        Assert.Throws<BpfRuntimeException>(() => bed.Call(HelperIds.PerfEventOutput, 0, events.Handle, 1, 0x10, 4));
        Assert.True(events.TryDequeue(out var record));
        Assert.Equal(1, record.Index);
        Assert.Equal("evt\0"u8.ToArray(), record.Data);
    }

    [Fact]
    public void LoopCallsTheCallbackUntilItReturnsNonZero()
    {
        using var bed = new HelperTestBed();
        var calls = new List<(ulong Callback, ulong Index, ulong Context)>();
        bed.Context.CallbackInvoker = (_, callback, r1, r2, _, _, _) =>
        {
            calls.Add((callback, r1, r2));
            return r1 == 4 ? 1UL : 0UL;
        };
        Assert.Equal(3UL, bed.Call(HelperIds.Loop, 3, 17, 0x99, 0));
        Assert.Equal(new[] { (17UL, 0UL, 0x99UL), (17UL, 1UL, 0x99UL), (17UL, 2UL, 0x99UL) }, calls);
        calls.Clear();
        Assert.Equal(5UL, bed.Call(HelperIds.Loop, 10, 17, 0, 0));
        Assert.Equal(5, calls.Count);
        Assert.Equal(-Errno.EINVAL, Signed(bed.Call(HelperIds.Loop, 1, 17, 0, 1)));
        Assert.Equal(-Errno.E2BIG, Signed(bed.Call(HelperIds.Loop, (1 << 23) + 1, 17, 0, 0)));
        bed.Context.CallbackInvoker = null;
        var e = Assert.Throws<BpfRuntimeException>(() => bed.Call(HelperIds.Loop, 1, 17, 0, 0));
        Assert.Equal(RuntimeError.Unsupported, e.Error);
    }

    [Fact]
    public void ForEachMapElemPassesReadableKeysAndLiveValues()
    {
        using var bed = new HelperTestBed();
        using var map = BpfMap.Create(new MapDefinition { Name = "h", Type = MapType.Hash, KeySize = 4, ValueSize = 8, MaxEntries = 8 });
        for (uint k = 1; k <= 3; k++) map.Update(k, (ulong)k * 10);
        var seen = new List<uint>();
        bed.Context.CallbackInvoker = (context, callback, mapHandle, keyAddress, valueAddress, callbackContext, _) =>
        {
            Assert.Equal(map.Handle, mapHandle);
            Assert.Equal(0x77UL, callbackContext);
            uint key = BitConverter.ToUInt32(context.GetMemory(keyAddress, 4, SharpBpf.Memory.MemoryAccess.Read, "key"));
            Assert.Throws<BpfRuntimeException>(() => context.GetMemory(keyAddress, 4, SharpBpf.Memory.MemoryAccess.Write, "key"));
            seen.Add(key);
            MemoryMarshalHelpers.Int64(context, valueAddress) += 1; // writes reach the map
            return 0;
        };
        Assert.Equal(3UL, bed.Call(HelperIds.ForEachMapElem, map.Handle, 5, 0x77, 0));
        Assert.Equal(new uint[] { 1, 2, 3 }, seen.Order());
        Assert.Equal(new ulong[] { 11, 21, 31 }, new uint[] { 1, 2, 3 }.Select(k => map.Lookup<uint, ulong>(k)!.Value));
        bed.Context.CallbackInvoker = (_, _, _, _, _, _, _) => 1;
        Assert.Equal(1UL, bed.Call(HelperIds.ForEachMapElem, map.Handle, 5, 0, 0));
        Assert.Equal(-Errno.EINVAL, Signed(bed.Call(HelperIds.ForEachMapElem, map.Handle, 5, 0, 1)));
        using var array = BpfMap.Create(new MapDefinition { Name = "a", Type = MapType.Array, KeySize = 4, ValueSize = 4, MaxEntries = 5 });
        int count = 0;
        bed.Context.CallbackInvoker = (_, _, _, _, _, _, _) => { count++; return 0; };
        Assert.Equal(5UL, bed.Call(HelperIds.ForEachMapElem, array.Handle, 5, 0, 0));
        Assert.Equal(5, count);
    }
}
