using System.Buffers.Binary;
using SharpBpf.Btf;
using SharpBpf.Elf;
using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Jit;
using SharpBpf.Loader;
using SharpBpf.Maps;
using SharpBpf.Runtime;
using SharpBpf.Tests.Elf;

namespace SharpBpf.Tests.Loader;

/// <summary>
/// Loads and runs every clang-compiled fixture (tests/fixtures) through <see cref="LoadedObject"/>, on the
/// interpreter and with <see cref="EngineChoice.Auto"/>, and checks r0 and the maps afterwards. Socket, XDP and
/// tracing programs run as the raw memory type on a buffer laid out like the fields they read (<c>__sk_buff.len</c>
/// at 0, <c>protocol</c> at 16; <c>xdp_md.data</c>/<c>data_end</c> at 0/4, <c>ingress_ifindex</c> at 12).
/// </summary>
public class FixtureRunTests
{
    public static TheoryData<EngineChoice> Engines => new() { EngineChoice.Interpreter, EngineChoice.Auto };

    /// <summary>Fixtures whose behaviour a test below checks; <see cref="EveryFixtureIsCovered"/> keeps the list complete.</summary>
    private static readonly string[] s_covered =
    [
        "bpf_to_bpf", "callbacks", "external_call", "globals", "hash_counter", "legacy_maps", "loops", "lpm_trie", "map_in_map",
        "multi_prog", "percpu_array", "queue_stack", "ringbuf_events", "same_section_calls", "socket_filter", "spin_lock",
        "tail_calls", "text_only", "xdp_drop",
    ];

    internal static LoadedObject Load(string name, LoadOptions? options = null) => LoadedObject.LoadFile(Fixtures.PathOf(name), options);

    internal static BpfExecutable Executable(LoadedObject obj, string program, EngineChoice engine) =>
        obj.GetProgram(program).CreateExecutable(engine).Executable;

    internal static ulong Run(LoadedObject obj, string program, EngineChoice engine, byte[] memory) => Executable(obj, program, engine).Run(memory);

    internal static byte[] Skb(uint length = 0, uint protocol = 0)
    {
        var skb = new byte[192];
        BinaryPrimitives.WriteUInt32LittleEndian(skb, length);
        BinaryPrimitives.WriteUInt32LittleEndian(skb.AsSpan(16), protocol);
        return skb;
    }

    private static byte[] XdpMd(uint data = 0, uint dataEnd = 0, uint ingressIfindex = 0)
    {
        var md = new byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(md, data);
        BinaryPrimitives.WriteUInt32LittleEndian(md.AsSpan(4), dataEnd);
        BinaryPrimitives.WriteUInt32LittleEndian(md.AsSpan(12), ingressIfindex);
        return md;
    }

    [Fact]
    public void EveryFixtureIsCovered() => Assert.Equal(Fixtures.AllNames().Order(), s_covered.Order());

    public static TheoryData<string> LoadableFixtures()
    {
        var data = new TheoryData<string>();
        foreach (var name in Fixtures.AllNames().Where(n => n != "external_call")) data.Add(name);
        return data;
    }

    [Theory]
    [MemberData(nameof(LoadableFixtures))]
    public void EveryProgramResolvesToPlainLddwAndKeepsItsReferences(string name)
    {
        using var obj = Load(name);
        Assert.NotEmpty(obj.Programs);
        Assert.Equal(obj.Object.Maps.Count, obj.Maps.Count);
        foreach (var program in obj.Programs)
        {
            var source = program.Source.Bytecode;
            Assert.Equal(source.Length, program.Code.Length);
            for (int i = 0; i < source.Length; i++)
            {
                var form = source.FormAt(i);
                if (form?.Operation != Operation.LoadImm64) continue;
                var kind = (LoadImm64Source)form.DiscriminatorValue;
                if (kind is not (LoadImm64Source.MapIndex or LoadImm64Source.MapIndexValue)) continue;
                var reference = program.MapReferences[i];
                Assert.Same(obj.Maps[source.Instructions[i].Immediate], reference.Map);
                Assert.Equal(0, program.Code.Instructions[i].Src);
                Assert.Equal(reference.Value, program.Code.Immediate64At(i));
                Assert.Equal(kind == LoadImm64Source.MapIndex ? reference.Map.Handle : reference.Value, program.Code.Immediate64At(i));
            }
            Assert.Equal(program.MapReferences.Count, Enumerable.Range(0, source.Length).Count(i =>
                source.FormAt(i) is { Operation: Operation.LoadImm64 } f && (LoadImm64Source)f.DiscriminatorValue is LoadImm64Source.MapIndex or LoadImm64Source.MapIndexValue));
        }
    }

    [Fact]
    public void ExternalCallObjectIsRefusedNamingTheFunction()
    {
        var e = Assert.Throws<BpfElfException>(() => Load("external_call"));
        Assert.Contains("checksum_external", e.Message);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void HashCounterCountsPerProtocol(EngineChoice engine)
    {
        using var obj = Load("hash_counter");
        var counters = obj.GetMap("counters");
        for (int i = 0; i < 3; i++) Assert.Equal(0UL, Run(obj, "count_packets", engine, Skb(protocol: 0x0800)));
        Run(obj, "count_packets", engine, Skb(protocol: 0x86dd));
        Assert.Equal(3UL, counters.Lookup<uint, ulong>(0x0800));
        Assert.Equal(1UL, counters.Lookup<uint, ulong>(0x86dd));
        Assert.Equal(2, counters.Keys.Count());
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void PerCpuArrayCountsOnTheRunningCpu(EngineChoice engine)
    {
        using var obj = Load("percpu_array");
        var stats = obj.GetMap("stats");
        var executable = Executable(obj, "xdp_stats", engine);
        Assert.Equal(2UL, executable.Run(XdpMd(0, 200))); // XDP_PASS
        executable.Run(XdpMd(0, 200));
        executable.Run(XdpMd(0, 50));
        Assert.Equal(2UL, stats.LookupPerCpu<uint, ulong>(1)!.Sum(v => (long)v) is var big ? (ulong)big : 0);
        Assert.Equal(1UL, (ulong)stats.LookupPerCpu<uint, ulong>(0)!.Sum(v => (long)v));
        Assert.Equal(BpfCpu.Count, stats.LookupPerCpu<uint, ulong>(0)!.Length);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void RingBufferRecordsReachTheConsumer(EngineChoice engine)
    {
        var environment = new HelperEnvironment { CurrentComm = "fixture", CurrentPidTgid = () => (1234UL << 32) | 99, MonotonicClock = () => 5555 };
        using var obj = Load("ringbuf_events", new LoadOptions { Environment = environment });
        var ring = (RingBufferMap)obj.GetMap("events");
        var executable = Executable(obj, "trace_exec", engine);
        for (int i = 0; i < 3; i++) Assert.Equal(0UL, executable.Run(new byte[8]));
        var records = new List<byte[]>();
        int consumed = new RingBufferConsumer(ring, r => { records.Add(r.ToArray()); return 0; }).Consume();
        Assert.Equal(3, consumed);
        foreach (var record in records)
        {
            Assert.Equal(32, record.Length);
            Assert.Equal(1234u, BinaryPrimitives.ReadUInt32LittleEndian(record));
            Assert.Equal(5555UL, BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(8)));
            Assert.Equal("fixture", System.Text.Encoding.ASCII.GetString(record, 16, 7));
            Assert.Equal(0, record[23]);
        }
        Assert.Equal(0, ring.AvailableData);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void LpmTrieFindsTheHostsRoute(EngineChoice engine)
    {
        using var obj = Load("lpm_trie");
        var routes = obj.GetMap("routes");
        // 10.0.0.0/8 -> XDP_DROP (1), 10.1.0.0/16 -> XDP_TX (3); the key's address is in memory order.
        Assert.Equal(0, routes.Update(LpmKey(8, 0x0000000a), 1u));
        Assert.Equal(0, routes.Update(LpmKey(16, 0x0000010a), 3u));
        Assert.Equal(3UL, Run(obj, "route_lookup", engine, XdpMd(ingressIfindex: 0x0501010a)));
        Assert.Equal(1UL, Run(obj, "route_lookup", engine, XdpMd(ingressIfindex: 0x0502020a)));
        Assert.Equal(2UL, Run(obj, "route_lookup", engine, XdpMd(ingressIfindex: 0x0100000b)));
    }

    private static ulong LpmKey(uint prefixLength, uint address) => ((ulong)address << 32) | prefixLength;

    [Theory]
    [MemberData(nameof(Engines))]
    public void TailCallsRunTheSlotAndFailSoftly(EngineChoice engine)
    {
        using var obj = Load("tail_calls");
        var dispatcher = Executable(obj, "dispatcher", engine);
        // An empty slot: bpf_tail_call fails and the dispatcher goes on to return 1.
        Assert.Equal(1UL, dispatcher.Run(Skb(length: 5)));
        obj.SetTailCall("jump_table", 5, "handler_zero");
        Assert.Equal(42UL, dispatcher.Run(Skb(length: 5)));
        Assert.Equal(1UL, dispatcher.Run(Skb(length: 6)));
        // The dispatcher in its own slot 0 tail-calls itself until the chain limit; the 34th call fails softly.
        obj.SetTailCall("jump_table", 0, dispatcher);
        var context = dispatcher.RentContext();
        var memory = Skb(length: 0);
        unsafe
        {
            fixed (byte* p = memory)
            {
                context.AddRegion(new Memory.MemoryRegion((ulong)p, (ulong)memory.Length, Memory.MemoryAccess.ReadWrite, "skb"));
                Assert.Equal(1UL, dispatcher.Run(context, (ulong)p));
            }
        }
        Assert.Equal(33, context.TailCallCount);
        obj.SetTailCall("jump_table", 0, (BpfExecutable?)null);
        Assert.Throws<BpfLoadException>(() => obj.SetTailCall("jump_table", 8, "handler_zero"));
        Assert.Throws<BpfLoadException>(() => obj.SetTailCall("jump_table", 1, "missing"));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void BpfToBpfCallsComputeTheirResults(EngineChoice engine)
    {
        using var obj = Load("bpf_to_bpf");
        Assert.Equal(7UL * 7 + 9, Run(obj, "calls_subprograms", engine, Skb(length: 7)));
        Assert.Equal((ulong)(6 * 6 & 3), Run(obj, "calls_square", engine, XdpMd(ingressIfindex: 6)));
        Assert.Equal((ulong)(7 * 7 & 3), Run(obj, "calls_square", engine, XdpMd(ingressIfindex: 7)));
        using var same = Load("same_section_calls");
        Assert.Equal(2UL * 10 + 1, Run(same, "calls_in_section", engine, Skb(length: 10)));
        Assert.Equal(3UL * (2 * 10 + 1), Run(same, "calls_other_program", engine, Skb(length: 10)));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void GlobalsAreReadAndWritten(EngineChoice engine)
    {
        using var obj = Load("globals");
        var data = (ArrayMap)obj.GetMap(".data");
        var bss = (ArrayMap)obj.GetMap(".bss");
        var executable = Executable(obj, "use_globals", engine);
        Assert.Equal(0UL, executable.Run(Skb(length: 9)));
        Assert.Equal((ulong)'e', executable.Run(Skb(length: 11))); // above the .rodata threshold: greeting[1]
        Assert.Equal(7UL, BinaryPrimitives.ReadUInt64LittleEndian(data.ValueSpan(0)));
        var bssBytes = bss.ValueSpan(0).ToArray();
        var bssSymbols = obj.Object.Btf!.FindByName(".bss", BtfKind.DataSection)!.Variables;
        Assert.Equal(2, bssSymbols.Count);
        // last_length (u32) and histogram (u64[8]) in .bss: 11 & 7 = 3 and 9 & 7 = 1 got one count each.
        Assert.Equal(11u, BinaryPrimitives.ReadUInt32LittleEndian(bssBytes));
        var histogram = Enumerable.Range(0, 8).Select(i => BinaryPrimitives.ReadUInt64LittleEndian(bssBytes.AsSpan(8 + i * 8))).ToArray();
        Assert.Equal([0UL, 1, 0, 1, 0, 0, 0, 0], histogram);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void RodataIsReadOnlyToPrograms(EngineChoice engine)
    {
        using var obj = Load("text_only");
        var rodata = (ArrayMap)obj.GetMap(".rodata");
        var e = Assert.Throws<BpfRuntimeException>(() => Run(obj, "write_rodata", engine, [9]));
        Assert.Equal(RuntimeError.WriteToReadOnly, e.Error);
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(rodata.ValueSpan(0)));
        Assert.Equal("./text_only.c:37", e.SourceLocation);
        Assert.Contains("scale_factor = memory[0]", e.Message);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void TextOnlyObjectRunsItsGlobalFunctions(EngineChoice engine)
    {
        using var obj = Load("text_only");
        Assert.Equal(["sum_bytes", "scaled_sum", "write_rodata", "forged_map"], obj.Programs.Select(p => p.Name));
        Assert.All(obj.Programs, p => Assert.True(p.IsRawMemory));
        byte[] memory = [1, 2, 3, 4, 250];
        Assert.Equal(260UL, Run(obj, "sum_bytes", engine, memory));
        Assert.Equal(780UL, Run(obj, "scaled_sum", engine, memory));
        Assert.Equal(520UL, obj.GetMap("totals").Lookup<uint, ulong>(0));
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(((ArrayMap)obj.GetMap(".bss")).ValueSpan(0)));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void LoopsRunBoundedAndThroughBpfLoop(EngineChoice engine)
    {
        using var obj = Load("loops");
        Assert.Equal(3UL * (0 + 1 + 2 + 3 + 4), Run(obj, "bounded_loop", engine, Skb(length: 5)));
        Assert.Equal((ulong)(3 * Enumerable.Range(0, 16).Sum()), Run(obj, "bounded_loop", engine, Skb(length: 31)));
        var selected = obj.GetProgram("loop_with_callback").CreateExecutable(engine);
        Assert.Equal(45UL, selected.Executable.Run(Skb()));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void ForEachMapElementCallsBack(EngineChoice engine)
    {
        using var obj = Load("callbacks");
        var values = obj.GetMap("values");
        for (uint i = 0; i < 8; i++) values.Update(i, (ulong)(i * 10));
        Assert.Equal(280UL, Run(obj, "sum_values", engine, Skb()));
        // The callback stops after key 3: four elements visited, each doubled into the hash map.
        Assert.Equal(4UL, Run(obj, "double_some", engine, Skb()));
        var doubled = obj.GetMap("doubled").EntriesOf<uint, ulong>().OrderBy(e => e.Key).ToArray();
        Assert.Equal([0u, 1, 2, 3], doubled.Select(e => e.Key));
        Assert.Equal([0UL, 20, 40, 60], doubled.Select(e => e.Value));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void MapInMapLooksUpThroughTheInitialisedSlots(EngineChoice engine)
    {
        using var obj = Load("map_in_map");
        var outer = (ArrayOfMapsMap)obj.GetMap("outer");
        Assert.Same(obj.GetMap("inner_a"), outer.GetMap(0));
        Assert.Same(obj.GetMap("inner_b"), outer.GetMap(1));
        obj.GetMap("inner_a").Update(3u, 111UL);
        obj.GetMap("inner_b").Update(3u, 222UL);
        Assert.Equal(111UL, Run(obj, "lookup_nested", engine, Skb(length: 4)));
        Assert.Equal(222UL, Run(obj, "lookup_nested", engine, Skb(length: 5)));
        outer.SetMap(1, null);
        Assert.Equal(0UL, Run(obj, "lookup_nested", engine, Skb(length: 5)));
        Assert.NotNull(obj.GetMap("outer_hash").Definition.InnerMap);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void QueueAndStackPushPopAndPeek(EngineChoice engine)
    {
        using var obj = Load("queue_stack");
        var stack = obj.GetMap("undo_stack");
        // The stack push uses BPF_EXIST, which a full stack honours by dropping its oldest element; with room it pushes.
        Assert.Equal(17UL, Run(obj, "queue_and_stack", engine, Skb(length: 17)));
        Assert.Null(obj.GetMap("work_queue").Peek<uint>());
        Assert.Equal(0UL, stack.Peek<ulong>());
        stack.Push(100UL);
        Assert.Equal(17UL, Run(obj, "queue_and_stack", engine, Skb(length: 17)));
        Assert.Equal([0UL, 100, 0], new[] { stack.Pop<ulong>(), stack.Pop<ulong>(), stack.Pop<ulong>() }.Select(v => v!.Value));
        Assert.Null(stack.Pop<ulong>());
        // FIFO: with 5 already queued the program pops 5 and leaves its own 17 behind.
        var queue = obj.GetMap("work_queue");
        queue.Push(5u);
        Assert.Equal(5UL, Run(obj, "queue_and_stack", engine, Skb(length: 17)));
        Assert.Equal(17u, queue.Pop<uint>());
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void SpinLockedIncrementsFromManyThreadsAreExact(EngineChoice engine)
    {
        using var obj = Load("spin_lock");
        var shared = (ArrayMap)obj.GetMap("shared");
        Assert.Equal(0, shared.Definition.SpinLockOffset);
        var executable = Executable(obj, "locked_increment", engine);
        const int threads = 4, runs = 2000;
        Parallel.For(0, threads, _ =>
        {
            var skb = Skb();
            for (int i = 0; i < runs; i++) executable.Run(skb);
        });
        Assert.Equal((ulong)(threads * runs), BinaryPrimitives.ReadUInt64LittleEndian(shared.ValueSpan(0)[8..]));
        Assert.Equal(0, BinaryPrimitives.ReadInt32LittleEndian(shared.ValueSpan(0))); // lock released
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void LegacyMapsCountAndLookUp(EngineChoice engine)
    {
        using var obj = Load("legacy_maps");
        Assert.Equal(MapType.Array, obj.GetMap("legacy_counts").Type);
        obj.GetMap("legacy_hash").Update(60UL, 77u);
        Assert.Equal(77UL, Run(obj, "legacy_prog", engine, Skb(length: 60, protocol: 0x1234)));
        Assert.Equal(0UL, Run(obj, "legacy_prog", engine, Skb(length: 61, protocol: 0x1234)));
        Assert.Equal(2UL, obj.GetMap("legacy_counts").Lookup<uint, ulong>(0x34));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void SeveralProgramsOfOneSectionShareTheirMap(EngineChoice engine)
    {
        using var obj = Load("multi_prog");
        Assert.Equal(3, obj.Programs.Count(p => p.SectionName == "kprobe/do_sys_open"));
        Run(obj, "probe_first", engine, new byte[8]);
        Run(obj, "probe_third", engine, new byte[8]);
        Run(obj, "probe_third", engine, new byte[8]);
        var hits = obj.GetMap("hits");
        Assert.Equal([1UL, 0, 2], Enumerable.Range(0, 3).Select(i => hits.Lookup<uint, ulong>((uint)i)!.Value));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void SocketFilterFaultsAtTheUnsupportedHelperNamingItsLine(EngineChoice engine)
    {
        using var obj = Load("socket_filter");
        // Not IPv4: the program returns before its bpf_skb_load_bytes call.
        Assert.Equal(0UL, Run(obj, "accept_ipv4_tcp", engine, Skb(protocol: 0x1234)));
        // bpf_skb_load_bytes needs the socket-filter runtime (not a standard helper): a clean fault naming the C line.
        var e = Assert.Throws<BpfRuntimeException>(() => Run(obj, "accept_ipv4_tcp", engine, Skb(protocol: 0x0008)));
        Assert.Equal(RuntimeError.UnknownHelper, e.Error);
        Assert.NotNull(e.SourceLocation);
        Assert.Contains("bpf_skb_load_bytes", e.Message);
    }

    [Fact]
    public void XdpProgramLoadsWithItsTypeAndNoMaps()
    {
        // Its packet pointers need the XDP runtime (another component); loading resolves it for any engine.
        using var obj = Load("xdp_drop");
        var program = obj.GetProgram("xdp_drop_non_ip");
        Assert.Equal(SharpBpf.ProgramTypes.BpfProgramType.Xdp, program.Type);
        Assert.Empty(program.MapReferences);
        Assert.NotNull(program.CreateExecutable(EngineChoice.Auto).Executable);
    }
}
