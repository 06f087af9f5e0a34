using SharpBpf.Elf;
using SharpBpf.Isa;
using SharpBpf.Maps;
using SharpBpf.ProgramTypes;

namespace SharpBpf.Tests.Elf;

/// <summary>Loads every clang-compiled fixture in tests/fixtures and checks programs, maps, relocations and line info.</summary>
public class FixtureObjectTests
{
    private static BpfObject Load(string name) => BpfObject.LoadFile(Fixtures.PathOf(name));

    /// <summary>Map references are lddw src=MapIndex with an index that names the expected map.</summary>
    private static void AssertMapReferences(BpfObject obj, BpfProgram program, params string[] expectedMaps)
    {
        var referenced = new List<string>();
        var bytecode = program.Bytecode;
        for (int i = 0; i < bytecode.Length; i++)
        {
            var form = bytecode.FormAt(i);
            if (form?.Operation != Operation.LoadImm64) continue;
            var source = (LoadImm64Source)form.DiscriminatorValue;
            Assert.NotEqual(LoadImm64Source.MapFd, source);
            if (source == LoadImm64Source.MapIndex)
            {
                int index = bytecode.Instructions[i].Immediate;
                Assert.InRange(index, 0, obj.Maps.Count - 1);
                Assert.Equal(0, bytecode.Instructions[i + 1].Immediate);
                referenced.Add(obj.Maps[index].Name);
            }
        }
        Assert.Equal(expectedMaps.Order(), referenced.Distinct().Order());
    }

    private static void AssertCommon(BpfObject obj, string license = "GPL")
    {
        Assert.Equal(license, obj.License);
        Assert.NotNull(obj.Btf);
        Assert.NotNull(obj.BtfExt);
        foreach (var program in obj.Programs)
        {
            Assert.True(program.Bytecode.Length > 0);
            // Bytecode is validated by construction; re-validating the same slots must succeed too.
            Assert.Equal(program.Bytecode.Length, Bytecode.FromInstructions(program.Bytecode.Instructions).Length);
            Assert.NotEmpty(program.Lines);
            Assert.All(program.Lines, line => Assert.InRange(line.InstructionIndex, 0, program.Bytecode.Length - 1));
            Assert.All(program.Lines, line => Assert.True(line.Line > 0 && line.FileName.EndsWith(".c", StringComparison.Ordinal)));
            var first = program.SourceLineAt(0);
            Assert.NotNull(first);
        }
    }

    [Fact]
    public void HashCounter()
    {
        var obj = Load("hash_counter");
        AssertCommon(obj);
        var map = Assert.Single(obj.Maps);
        Assert.Equal(("counters", MapType.Hash, 4u, 8u, 1024u, 1u), (map.Name, map.Type, map.KeySize, map.ValueSize, map.MaxEntries, map.Flags));
        Assert.NotEqual(0u, map.BtfKeyTypeId);
        Assert.Equal("__u32", obj.Btf!.GetType(map.BtfKeyTypeId).Name);
        var program = Assert.Single(obj.Programs);
        Assert.Equal(("count_packets", "socket", BpfProgramType.SocketFilter), (program.Name, program.SectionName, program.Type));
        AssertMapReferences(obj, program, "counters");
        Assert.Equal(2, obj.Relocations.Count(r => r.Kind == BpfRelocationKind.Map && r.MapIndex == 0 && r.SymbolName == "counters"));
        Assert.Contains(program.Lines, l => l.SourceText.Contains("bpf_map_lookup_elem(&counters, &key)", StringComparison.Ordinal));
    }

    [Fact]
    public void PerCpuArray()
    {
        var obj = Load("percpu_array");
        AssertCommon(obj, "Dual BSD/GPL");
        var map = Assert.Single(obj.Maps);
        Assert.Equal(("stats", MapType.PerCpuArray, 4u, 8u, 4u), (map.Name, map.Type, map.KeySize, map.ValueSize, map.MaxEntries));
        var program = Assert.Single(obj.Programs);
        Assert.Equal((BpfProgramType.Xdp, BpfAttachType.Xdp), (program.Type, program.ExpectedAttachType));
        AssertMapReferences(obj, program, "stats");
    }

    [Fact]
    public void RingBuffer()
    {
        var obj = Load("ringbuf_events");
        AssertCommon(obj);
        var map = Assert.Single(obj.Maps);
        Assert.Equal(("events", MapType.RingBuf, 0u, 0u, 256u * 1024), (map.Name, map.Type, map.KeySize, map.ValueSize, map.MaxEntries));
        var program = Assert.Single(obj.Programs);
        Assert.Equal((BpfProgramType.Tracepoint, "syscalls/sys_enter_execve"), (program.Type, program.AttachTarget));
        AssertMapReferences(obj, program, "events");
    }

    [Fact]
    public void LpmTrie()
    {
        var obj = Load("lpm_trie");
        AssertCommon(obj);
        var map = Assert.Single(obj.Maps);
        Assert.Equal(("routes", MapType.LpmTrie, 8u, 4u, 255u, 1u), (map.Name, map.Type, map.KeySize, map.ValueSize, map.MaxEntries, map.Flags));
        Assert.Equal("ipv4_lpm_key", obj.Btf!.ResolveModifiers(map.BtfKeyTypeId).Name);
        Assert.NotNull(obj.Btf.FindMember(map.BtfKeyTypeId, "prefixlen"));
        AssertMapReferences(obj, Assert.Single(obj.Programs), "routes");
    }

    [Fact]
    public void TailCalls()
    {
        var obj = Load("tail_calls");
        AssertCommon(obj);
        var map = Assert.Single(obj.Maps);
        Assert.Equal(("jump_table", MapType.ProgArray, 4u, 4u, 8u), (map.Name, map.Type, map.KeySize, map.ValueSize, map.MaxEntries));
        Assert.Equal(["dispatcher", "handler_zero"], obj.Programs.Select(p => p.Name));
        Assert.All(obj.Programs, p => Assert.Equal("socket", p.SectionName));
        AssertMapReferences(obj, obj.FindProgram("dispatcher")!, "jump_table");
        Assert.Contains(obj.FindProgram("dispatcher")!.Bytecode.Instructions, i => OpcodeTable.Lookup(i)?.Operation == Operation.CallHelper && i.Immediate == 12);
    }

    [Fact]
    public void BpfToBpfCallsLinkTextSubprograms()
    {
        var obj = Load("bpf_to_bpf");
        AssertCommon(obj);
        Assert.Equal(["calls_subprograms", "calls_square"], obj.Programs.Select(p => p.Name));
        Assert.DoesNotContain(obj.Programs, p => p.Name is "helper_user" or "square");

        var program = obj.FindProgram("calls_subprograms")!;
        Assert.Equal(["calls_subprograms", "sum_of_squares", "square"], program.Functions.Select(f => f.Name));
        Assert.Equal(3, program.Functions[0].Length);
        Assert.Equal(".text", program.Functions[1].SectionName);
        var starts = program.Functions.Select(f => f.StartIndex).ToHashSet();
        int calls = 0;
        for (int i = 0; i < program.Bytecode.Length; i++)
        {
            if (program.Bytecode.FormAt(i)?.Operation != Operation.CallLocal) continue;
            calls++;
            Assert.Contains(program.Bytecode.TargetOf(i), starts);
            Assert.NotEqual(0, program.Bytecode.TargetOf(i));
        }
        Assert.Equal(3, calls);
        Assert.Equal(program.Functions.Sum(f => f.Length), program.Bytecode.Length);
        var square = program.Functions.Single(f => f.Name == "square");
        Assert.Equal(2, Enumerable.Range(0, program.Bytecode.Length).Count(i =>
            program.Bytecode.FormAt(i)?.Operation == Operation.CallLocal && program.Bytecode.TargetOf(i) == square.StartIndex));
        Assert.Contains(program.Lines, l => l.InstructionIndex >= square.StartIndex && l.SourceText.Contains("x * x", StringComparison.Ordinal));
        Assert.Contains("x * x", program.SourceLineAt(square.StartIndex + 1)!.SourceText, StringComparison.Ordinal);

        var other = obj.FindProgram("calls_square")!;
        Assert.Equal(["calls_square", "square"], other.Functions.Select(f => f.Name));
        Assert.Equal(other.Functions[1].StartIndex, other.Bytecode.TargetOf(1));
        Assert.Contains(obj.Relocations, r => r.ProgramName == "calls_square" && r.Kind == BpfRelocationKind.SubprogramCall && r.Target == 4);
    }

    [Fact]
    public void CallsWithinOneSectionLinkTheCalleeAfterTheProgram()
    {
        var obj = Load("same_section_calls");
        AssertCommon(obj);
        // twice is a static (local) function, so it is a subprogram, not a program, even though it lives in "socket".
        Assert.Equal(["calls_in_section", "calls_other_program"], obj.Programs.Select(p => p.Name));
        foreach (var program in obj.Programs)
        {
            Assert.Equal([program.Name, "twice"], program.Functions.Select(f => f.Name));
            var twice = program.Functions[1];
            Assert.Equal(("socket", 3), (twice.SectionName, twice.Length));
            int call = Enumerable.Range(0, program.Bytecode.Length).Single(i => program.Bytecode.FormAt(i)?.Operation == Operation.CallLocal);
            Assert.Equal(twice.StartIndex, program.Bytecode.TargetOf(call));
            Assert.Equal(program.Functions[0].Length, twice.StartIndex);
        }
        Assert.All(obj.Relocations, r => Assert.Equal((BpfRelocationKind.SubprogramCall, -1L), (r.Kind, r.FileOffset)));
    }

    [Fact]
    public void GlobalDataBecomesArrayMaps()
    {
        var obj = Load("globals");
        AssertCommon(obj);
        Assert.Equal([".rodata", ".data", ".bss"], obj.Maps.Select(m => m.Name));
        var rodata = obj.Maps[0];
        Assert.True(rodata.ReadOnlyForPrograms);
        Assert.Equal((MapType.Array, 4u, 10u, 1u), (rodata.Type, rodata.KeySize, rodata.ValueSize, rodata.MaxEntries));
        Assert.Equal(new byte[] { 10, 0, 0, 0, (byte)'h', (byte)'e', (byte)'l', (byte)'l', (byte)'o', 0 }, rodata.InitialValue.ToArray());
        Assert.Equal(5ul, BitConverter.ToUInt64(obj.Maps[1].InitialValue.Span));
        Assert.False(obj.Maps[1].ReadOnlyForPrograms);
        Assert.Equal(72, obj.Maps[2].InitialValue.Length);
        Assert.All(obj.Maps[2].InitialValue.ToArray(), b => Assert.Equal(0, b));

        var program = Assert.Single(obj.Programs);
        var references = new List<(string Map, int Offset)>();
        for (int i = 0; i < program.Bytecode.Length; i++)
        {
            var form = program.Bytecode.FormAt(i);
            if (form?.Operation == Operation.LoadImm64 && (LoadImm64Source)form.DiscriminatorValue == LoadImm64Source.MapIndexValue)
                references.Add((obj.Maps[program.Bytecode.Instructions[i].Immediate].Name, program.Bytecode.Instructions[i + 1].Immediate));
        }
        // histogram follows the 4-byte last_length (aligned to 8) in .bss; packets_seen is .data's only variable.
        Assert.Equal([(".bss", 0), (".bss", 8), (".data", 0), (".rodata", 0)], references.Order());
        Assert.Contains(obj.Relocations, r => r.Kind == BpfRelocationKind.GlobalData && r.SymbolName == "histogram" && r.Target == 8 && r.MapIndex == 2);
    }

    [Fact]
    public void BoundedLoopAndBpfLoopCallback()
    {
        var obj = Load("loops");
        AssertCommon(obj);
        Assert.Equal(["bounded_loop", "loop_with_callback"], obj.Programs.Select(p => p.Name));
        var bounded = obj.FindProgram("bounded_loop")!;
        Assert.Contains(Enumerable.Range(0, bounded.Bytecode.Length), i =>
            bounded.Bytecode.FormAt(i) is { Flow: FlowControl.ConditionalBranch } && bounded.Bytecode.TargetOf(i) <= i);

        var program = obj.FindProgram("loop_with_callback")!;
        Assert.Equal(["loop_with_callback", "add_index"], program.Functions.Select(f => f.Name));
        int lddw = Enumerable.Range(0, program.Bytecode.Length).Single(i =>
            program.Bytecode.FormAt(i) is { Operation: Operation.LoadImm64 } form && (LoadImm64Source)form.DiscriminatorValue == LoadImm64Source.CodeAddress);
        // BPF_PSEUDO_FUNC: imm is PC-relative like a call, so lddw index + 1 + imm is the callback's first instruction.
        Assert.Equal(program.Functions[1].StartIndex, lddw + 1 + program.Bytecode.Instructions[lddw].Immediate);
        Assert.Contains(program.Bytecode.Instructions, i => OpcodeTable.Lookup(i)?.Operation == Operation.CallHelper && i.Immediate == 181);
        Assert.Contains(obj.Relocations, r => r.Kind == BpfRelocationKind.FunctionAddress && r.InstructionIndex == lddw);
    }

    [Fact]
    public void MapInMap()
    {
        var obj = Load("map_in_map");
        AssertCommon(obj);
        Assert.Equal(["inner_a", "inner_b", "outer", "outer_hash"], obj.Maps.Select(m => m.Name));
        var outer = obj.Maps[obj.FindMap("outer")];
        Assert.Equal((MapType.ArrayOfMaps, 4u, 4u, 2u), (outer.Type, outer.KeySize, outer.ValueSize, outer.MaxEntries));
        Assert.Equal((MapType.Array, 4u, 8u, 16u), (outer.InnerMap!.Type, outer.InnerMap.KeySize, outer.InnerMap.ValueSize, outer.InnerMap.MaxEntries));
        var outerHash = obj.Maps[obj.FindMap("outer_hash")];
        Assert.Equal((MapType.HashOfMaps, 4u, MapPinning.ByName), (outerHash.Type, outerHash.MaxEntries, outerHash.Pinning));
        Assert.Equal((MapType.Hash, 8u, 4u, 32u), (outerHash.InnerMap!.Type, outerHash.InnerMap.KeySize, outerHash.InnerMap.ValueSize, outerHash.InnerMap.MaxEntries));
        AssertMapReferences(obj, Assert.Single(obj.Programs), "outer");
    }

    [Fact]
    public void QueueAndStack()
    {
        var obj = Load("queue_stack");
        AssertCommon(obj);
        Assert.Equal([("work_queue", MapType.Queue, 0u, 4u, 64u), ("undo_stack", MapType.Stack, 0u, 8u, 32u)],
            obj.Maps.Select(m => (m.Name, m.Type, m.KeySize, m.ValueSize, m.MaxEntries)));
        AssertMapReferences(obj, Assert.Single(obj.Programs), "work_queue", "undo_stack");
    }

    [Fact]
    public void SpinLockValue()
    {
        var obj = Load("spin_lock");
        AssertCommon(obj);
        var map = Assert.Single(obj.Maps);
        Assert.Equal(("shared", MapType.Array, 16u, 1u), (map.Name, map.Type, map.ValueSize, map.MaxEntries));
        Assert.NotNull(obj.Btf!.FindMember(map.BtfValueTypeId, "lock"));
        Assert.Equal("bpf_spin_lock", obj.Btf.ResolveModifiers(obj.Btf.FindMember(map.BtfValueTypeId, "lock")!.TypeId).Name);
        var program = Assert.Single(obj.Programs);
        Assert.Equal(BpfProgramType.SchedCls, program.Type);
        AssertMapReferences(obj, program, "shared");
    }

    [Fact]
    public void LegacyMapsSection()
    {
        var obj = Load("legacy_maps");
        Assert.Equal("GPL", obj.License);
        Assert.Equal(0x050a00u, obj.KernelVersion);
        Assert.Equal([("legacy_counts", MapType.Array, 4u, 8u, 256u, 0u), ("legacy_hash", MapType.Hash, 8u, 4u, 128u, 1u)],
            obj.Maps.Select(m => (m.Name, m.Type, m.KeySize, m.ValueSize, m.MaxEntries, m.Flags)));
        var program = Assert.Single(obj.Programs);
        // "socket1" is the pre-libbpf-1.0 spelling; the legacy prefix rule still classifies it.
        Assert.Equal(("legacy_prog", "socket1", BpfProgramType.SocketFilter), (program.Name, program.SectionName, program.Type));
        AssertMapReferences(obj, program, "legacy_counts", "legacy_hash");
        Assert.NotEmpty(program.Lines);
    }

    [Fact]
    public void SocketFilterAndXdp()
    {
        var socket = Load("socket_filter");
        AssertCommon(socket);
        Assert.Empty(socket.Maps);
        Assert.Equal((BpfProgramType.SocketFilter, "accept_ipv4_tcp"), (socket.Programs.Single().Type, socket.Programs.Single().Name));
        var xdp = Load("xdp_drop");
        AssertCommon(xdp);
        Assert.Equal((BpfProgramType.Xdp, "xdp_drop_non_ip", BpfAttachType.Xdp),
            (xdp.Programs.Single().Type, xdp.Programs.Single().Name, xdp.Programs.Single().ExpectedAttachType));
    }

    [Fact]
    public void SeveralProgramsInOneSection()
    {
        var obj = Load("multi_prog");
        AssertCommon(obj);
        Assert.Equal(["probe_first", "probe_second", "probe_third"], obj.Programs.Select(p => p.Name));
        Assert.All(obj.Programs, p => Assert.Equal(("kprobe/do_sys_open", BpfProgramType.Kprobe, "do_sys_open"), (p.SectionName, p.Type, p.AttachTarget)));
        Assert.All(obj.Programs, p => AssertMapReferences(obj, p, "hits"));
        // Each program holds only its own symbol's instructions, not the whole section.
        var section = Fixtures.Bytes("multi_prog");
        Assert.All(obj.Programs, p => Assert.Single(p.Functions));
        Assert.True(obj.Programs.Sum(p => p.Bytecode.Length) * 8 < section.Length);
        // Each program starts by loading its own key (bump(0), bump(1), bump(2)).
        Assert.Equal([0, 1, 2], obj.Programs.Select(p => p.Bytecode.Instructions[0].Immediate));
    }

    [Fact]
    public void UndefinedExternalCallIsRejectedNamingFunctionAndProgram()
    {
        var error = Assert.Throws<BpfElfException>(() => Load("external_call"));
        Assert.Contains("checksum_external", error.Message, StringComparison.Ordinal);
        Assert.Contains("calls_external", error.Message, StringComparison.Ordinal);
        Assert.Equal(".relsocket", error.Section);
        Assert.True(error.Offset > 0);
    }

    [Fact]
    public void ProgramTypeCanBeChosenByTheCaller()
    {
        var program = Load("xdp_drop").Programs.Single().WithType(BpfProgramType.SchedCls);
        Assert.Equal((BpfProgramType.SchedCls, BpfAttachType.None), (program.Type, program.ExpectedAttachType));
    }

    [Fact]
    public void MissingFileIsAnElfError()
    {
        var error = Assert.Throws<BpfElfException>(() => BpfObject.LoadFile(Path.Combine(Fixtures.Directory, "does_not_exist.o")));
        Assert.Contains("does_not_exist.o", error.Message, StringComparison.Ordinal);
    }
}
