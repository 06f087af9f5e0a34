using System.Buffers.Binary;
using SharpBpf.Attach;
using SharpBpf.Asm;
using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Jit;
using SharpBpf.Loader;
using SharpBpf.Maps;
using SharpBpf.ProgramTypes;
using SharpBpf.Runtime;
using SharpBpf.Syscall;
using SharpBpf.Verifier;

namespace SharpBpf.Tests.ProgramTypes;

/// <summary>
/// Packet runners (one per thread behind <see cref="PacketProgram.Run"/> and <see cref="PacketProgram.RunVerdict(ReadOnlySpan{byte}, in PacketMetadata)"/>,
/// and made by <see cref="PacketProgram.CreateRunner"/>): one frame and context struct reused for every packet must behave like a fresh one each time.
/// </summary>
public class PacketRunnerTests
{
    private static readonly string s_capture = Path.Combine(Directory.GetParent(Elf.Fixtures.Directory)!.Parent!.FullName,
        "examples", "sock_example", "capture", "loopback.pcap");
    private static readonly byte[] s_udp = Packets.Ipv4(Packets.Udp, 0x0a000001, 0x0a000002, 1234, 53);

    private static PacketRecord[] CaptureRecords()
    {
        using var reader = CaptureFile.Open(s_capture);
        return reader.ToArray();
    }

    [Theory]
    [MemberData(nameof(Packets.Engines), MemberType = typeof(Packets))]
    public void RunVerdict_gives_the_verdicts_and_map_updates_of_Run(EngineChoice engine)
    {
        var records = CaptureRecords();
        using var viaRun = LoadedObject.LoadFile(Packets.FixturePath("xdp_counter"));
        using var viaVerdict = LoadedObject.LoadFile(Packets.FixturePath("xdp_counter"));
        var full = viaRun.Programs.Single(p => p.Type == BpfProgramType.Xdp).CreatePacketProgram(engine);
        var fast = viaVerdict.Programs.Single(p => p.Type == BpfProgramType.Xdp).CreatePacketProgram(engine);
        for (int pass = 0; pass < 3; pass++)
            foreach (var record in records)
                Assert.Equal(full.Run(PacketPump.ToInput(record)).ReturnValue, fast.RunVerdict(record.Span, PacketPump.ToMetadata(record)));
        Assert.NotEmpty(viaRun.Maps.SelectMany(DumpMap));
        foreach (var (a, b) in viaRun.Maps.Zip(viaVerdict.Maps))
            Assert.Equal(DumpMap(a), DumpMap(b));
    }

    private static List<string> DumpMap(BpfMap map)
    {
        var entries = new List<string>();
        if (map.Definition.Type is not (MapType.Hash or MapType.Array)) return entries;
        var value = new byte[map.HostValueSize];
        foreach (var key in map.Keys)
            if (map.Lookup(key, value) == 0) entries.Add(Convert.ToHexString(key) + "=" + Convert.ToHexString(value));
        entries.Sort(StringComparer.Ordinal);
        return entries;
    }

    [Theory]
    [MemberData(nameof(Packets.Engines), MemberType = typeof(Packets))]
    public void Context_writes_and_metadata_do_not_carry_over_to_the_next_packet(EngineChoice engine)
    {
        // Returns mark (8) + cb[0] (48) + tc_classid (72) as the program found them, then writes all three.
        var program = Packets.Assemble(BpfProgramType.SchedCls, """
            r0 = *(u32 *)(r1 + 8)
            r2 = *(u32 *)(r1 + 48)
            r0 += r2
            r2 = *(u32 *)(r1 + 72)
            r0 += r2
            r2 = 1000
            *(u32 *)(r1 + 8) = r2
            *(u32 *)(r1 + 48) = r2
            *(u32 *)(r1 + 72) = r2
            exit
            """, engine);
        Assert.Equal(0ul, program.RunVerdict(s_udp));
        Assert.Equal(0ul, program.RunVerdict(s_udp));
        Assert.Equal(7ul, program.RunVerdict(s_udp, new PacketMetadata { Mark = 7 }));
        var result = program.Run(new PacketInput(s_udp) { Mark = 3, ControlBlock = new uint[] { 4 } });
        Assert.Equal(7ul, result.ReturnValue);
        Assert.Equal(1000u, result.Mark);
        Assert.Equal(0ul, program.RunVerdict(s_udp));
    }

    [Theory]
    [MemberData(nameof(Packets.Engines), MemberType = typeof(Packets))]
    public void A_longer_earlier_packet_leaves_no_bytes_behind_a_shorter_one(EngineChoice engine)
    {
        // Grows the tail by 64 bytes without the helper's clearing mattering for the check: it sums the 8 bytes just past
        // the original end, which the earlier, longer packet had filled.
        var program = Packets.Assemble(BpfProgramType.Xdp, """
            r6 = r1
            r7 = *(u32 *)(r6 + 4)
            r2 = 64
            call 65
            r2 = *(u32 *)(r6 + 0)
            r3 = *(u32 *)(r6 + 4)
            r4 = r7
            r4 += 8
            if r4 > r3 goto out
            r0 = *(u64 *)(r7 + 0)
            exit
            out:
            r0 = 99
            exit
            """, engine);
        var longer = Enumerable.Repeat((byte)0xee, 600).ToArray();
        program.RunVerdict(longer);
        Assert.Equal(0ul, program.RunVerdict(s_udp));
    }

    [Fact]
    public void A_packet_larger_than_the_frame_grows_it_and_later_packets_still_run()
    {
        var program = Packets.Assemble(BpfProgramType.Xdp, """
            r2 = *(u32 *)(r1 + 0)
            r3 = *(u32 *)(r1 + 4)
            r0 = r3
            r0 -= r2
            exit
            """, EngineChoice.Jit);
        var jumbo = new byte[9000];
        jumbo[8999] = 1;
        Assert.Equal((ulong)s_udp.Length, program.RunVerdict(s_udp));
        Assert.Equal(9000ul, program.RunVerdict(jumbo));
        Assert.Equal(jumbo, program.Run(new PacketInput(jumbo)).Packet);
        Assert.Equal((ulong)s_udp.Length, program.RunVerdict(s_udp));
    }

    [Theory]
    [MemberData(nameof(Packets.Engines), MemberType = typeof(Packets))]
    public void A_fault_leaves_the_session_usable(EngineChoice engine)
    {
        // Reads one byte past data_end when the first packet byte is 0xff (the JIT's checked mode catches it).
        var program = Packets.Assemble(BpfProgramType.Xdp, """
            r2 = *(u32 *)(r1 + 0)
            r3 = *(u32 *)(r1 + 4)
            r0 = *(u8 *)(r2 + 0)
            if r0 != 255 goto out
            r0 = *(u8 *)(r3 + 0)
            out:
            r0 = 2
            exit
            """, engine);
        var bad = (byte[])s_udp.Clone();
        bad[0] = 0xff;
        Assert.Throws<BpfRuntimeException>(() => program.RunVerdict(bad));
        Assert.Equal(2ul, program.RunVerdict(s_udp));
        Assert.Equal(2ul, program.Run(new PacketInput(s_udp)).ReturnValue);
    }

    [Theory]
    [MemberData(nameof(Packets.Engines), MemberType = typeof(Packets))]
    public void A_run_nested_in_a_run_of_the_same_program_gets_its_own_packet(EngineChoice engine)
    {
        const int NestedRunHelper = 0x7000;
        PacketProgram? program = null;
        ulong nestedResult = 0;
        var helpers = PacketProgram.DefaultHelpers().Register(NestedRunHelper, "run_nested", (context, r1, r2, r3, r4, r5) =>
        {
            if (r1 == 1) nestedResult = program!.RunVerdict(new byte[100]);
            return 0;
        });
        // r0 = data_end - data, with a nested run of a 100-byte packet in between when the packet is not 100 bytes.
        program = PacketProgram.Create(BpfProgramType.Xdp, Bytecode.FromInstructions(Assembler.Assemble($"""
            r6 = r1
            r2 = *(u32 *)(r6 + 0)
            r3 = *(u32 *)(r6 + 4)
            r3 -= r2
            r1 = 0
            if r3 == 100 goto skip
            r1 = 1
            skip:
            call {NestedRunHelper}
            r2 = *(u32 *)(r6 + 0)
            r3 = *(u32 *)(r6 + 4)
            r0 = r3
            r0 -= r2
            exit
            """, AsmSyntax.Llvm).Instructions.ToArray()), helpers, engine);
        Assert.Equal((ulong)s_udp.Length, program.RunVerdict(s_udp));
        Assert.Equal(100ul, nestedResult);
        Assert.Equal((ulong)s_udp.Length, program.Run(new PacketInput(s_udp)).ReturnValue);
    }

    [Fact]
    public void Threads_running_one_program_each_see_their_own_packets()
    {
        var program = Packets.Assemble(BpfProgramType.Xdp, """
            r2 = *(u32 *)(r1 + 0)
            r3 = *(u32 *)(r1 + 4)
            r0 = r3
            r0 -= r2
            exit
            """, EngineChoice.Jit);
        var failures = 0;
        Parallel.For(0, 4, thread =>
        {
            var packet = new byte[60 + thread * 40];
            for (int i = 0; i < 20_000; i++)
                if (program.RunVerdict(packet) != (ulong)packet.Length) Interlocked.Increment(ref failures);
        });
        Assert.Equal(0, failures);
    }

    [Fact]
    public void Verified_programs_run_unchecked_on_the_JIT_with_a_checked_build_for_short_memory_and_unverified_ones_checked()
    {
        using (var verified = LoadedObject.LoadFile(Packets.FixturePath("xdp_counter")))
        {
            var program = verified.Programs.Single(p => p.Type == BpfProgramType.Xdp);
            Assert.True(program.IsVerified);
            Assert.Equal(JitMemoryMode.Unchecked, Assert.IsType<JitExecutable>(program.CreatePacketProgram(EngineChoice.Jit).Executable).JitOptions.MemoryMode);
            Assert.Equal(JitMemoryMode.Checked, Assert.IsType<JitExecutable>(program.CreatePacketProgram(EngineChoice.Jit, new JitOptions()).Executable).JitOptions.MemoryMode);
            // Run(Span) lets the caller write the context, and an XDP context holds packet pointers the verifier cannot
            // vouch for: plain executables of such types keep their checks unless asked.
            Assert.Equal(JitMemoryMode.Checked, Assert.IsType<JitExecutable>(program.CreateExecutable(EngineChoice.Jit).Executable).JitOptions.MemoryMode);
            Assert.True(ProgramTypeInfo.For(BpfProgramType.Xdp).ContextHoldsPointers);
            // Asked for, unchecked code requires the verified context size and runs shorter memory on a bounds-checked
            // build, which faults instead of reading past it.
            var fast = Assert.IsType<JitExecutable>(program.CreateExecutable(EngineChoice.Jit, new JitOptions { MemoryMode = JitMemoryMode.Unchecked }).Executable);
            Assert.Equal(ProgramTypeInfo.For(BpfProgramType.Xdp).ContextSize, fast.RequiredMemoryLength);
            var bounded = Assert.IsType<JitExecutable>(fast.ForMemoryLength(4));
            Assert.Equal(JitMemoryMode.Checked, bounded.JitOptions.MemoryMode);
            Assert.Same(fast, fast.ForMemoryLength(fast.RequiredMemoryLength));
            Assert.Throws<BpfRuntimeException>(() => fast.Run(new byte[4]));
        }
        using (var trusted = LoadedObject.LoadFile(Packets.FixturePath("xdp_counter"), new LoadOptions { Verify = false }))
        {
            var program = trusted.Programs.Single(p => p.Type == BpfProgramType.Xdp);
            Assert.Equal(JitMemoryMode.Checked, Assert.IsType<JitExecutable>(program.CreatePacketProgram(EngineChoice.Jit).Executable).JitOptions.MemoryMode);
        }
    }

    [Theory]
    [InlineData(true, JitMemoryMode.Unchecked)]
    [InlineData(false, JitMemoryMode.Checked)]
    public void BpfSystem_runs_verified_packet_programs_unchecked(bool verify, JitMemoryMode expected)
    {
        using var system = new BpfSystem { Engine = EngineChoice.Jit };
        if (!verify) system.Verifier = null;
        Instruction[] code = [Insn.Mov64Imm(Bpf.REG_0, 1), Insn.ExitInsn()];
        var load = system.ProgLoad(new ProgLoadAttributes { Type = BpfProgramType.SocketFilter, Instructions = code, License = "GPL" });
        Assert.True(load.IsSuccess, load.Value?.Log);
        var packet = system.GetProgram(load.Code)!.Packet!;
        Assert.Equal(expected, Assert.IsType<JitExecutable>(packet.Executable).JitOptions.MemoryMode);
        Assert.Equal(1ul, packet.RunVerdict(s_udp));
    }

    [Fact]
    public void The_pump_counts_the_same_verdicts_on_both_paths()
    {
        var records = CaptureRecords();
        using var obj = LoadedObject.LoadFile(Packets.FixturePath("xdp_counter"));
        var program = obj.Programs.Single(p => p.Type == BpfProgramType.Xdp).CreatePacketProgram();
        using var fast = new PacketPump(program);
        using var full = new PacketPump(program);
        foreach (var record in records)
        {
            Assert.Equal(full.Run(record).ReturnValue, fast.RunVerdict(record));
        }
        Assert.Equal(records.Length, fast.Packets);
        Assert.Equal(full.Verdicts.ToArray(), fast.Verdicts.ToArray());
        Assert.Equal(records.Length, fast.Verdicts.Values.Sum());
    }

    [Fact]
    public void Verdict_names_cover_every_type_and_unknown_values()
    {
        Assert.Equal("dropped", PacketPump.VerdictName(BpfProgramType.SocketFilter, 0, 60));
        Assert.Equal("truncated", PacketPump.VerdictName(BpfProgramType.SocketFilter, 20, 60));
        Assert.Equal("kept", PacketPump.VerdictName(BpfProgramType.SocketFilter, uint.MaxValue, 60));
        Assert.Equal("XDP_REDIRECT", PacketPump.VerdictName(BpfProgramType.Xdp, 4, 60));
        Assert.Equal("XDP_9", PacketPump.VerdictName(BpfProgramType.Xdp, 9, 60));
        Assert.Equal("TC_ACT_UNSPEC", PacketPump.VerdictName(BpfProgramType.SchedCls, uint.MaxValue, 60));
        Assert.Equal("TC_ACT_TRAP", PacketPump.VerdictName(BpfProgramType.SchedCls, 8, 60));
        Assert.Equal("TC_ACT_42", PacketPump.VerdictName(BpfProgramType.SchedCls, 42, 60));
    }

    [Fact]
    public void A_hook_with_one_program_gives_its_verdict_and_with_none_null()
    {
        var hook = new PacketHook("socket", BpfProgramType.SocketFilter);
        Assert.Null(hook.RunVerdict(s_udp, new PacketMetadata()));
        var program = Packets.Assemble(BpfProgramType.SocketFilter, "r0 = 5\nexit", EngineChoice.Jit);
        hook.Attach(new AttachedProgram(program.Executable, BpfProgramType.SocketFilter, [], "five") { Packet = program });
        Assert.Equal(5ul, hook.RunVerdict(s_udp, new PacketMetadata()));
        var second = Packets.Assemble(BpfProgramType.SocketFilter, "r0 = 3\nexit", EngineChoice.Jit);
        hook.Attach(new AttachedProgram(second.Executable, BpfProgramType.SocketFilter, [], "three") { Packet = second });
        Assert.Equal(3ul, hook.RunVerdict(s_udp, new PacketMetadata()));
    }

    [Fact]
    public void A_runner_refuses_a_nested_run_and_runs_after_a_fault_or_not_at_all_after_disposal()
    {
        const int NestedRunHelper = 0x7001;
        PacketRunner? runner = null;
        Exception? nested = null;
        var helpers = PacketProgram.DefaultHelpers().Register(NestedRunHelper, "run_nested", (_, _, _, _, _, _) =>
        {
            nested = Record.Exception(() => runner!.RunVerdict(s_udp, new PacketMetadata()));
            return 0;
        });
        var program = PacketProgram.Create(BpfProgramType.Xdp,
            Assembler.Assemble($"call {NestedRunHelper}\nr0 = 2\nexit", AsmSyntax.Llvm), helpers, EngineChoice.Jit);
        runner = program.CreateRunner();
        Assert.Equal(2ul, runner.RunVerdict(s_udp, new PacketMetadata()));
        Assert.IsType<InvalidOperationException>(nested);
        Assert.Equal(2ul, runner.Run(new PacketInput(s_udp)).ReturnValue);
        runner.Dispose();
        Assert.Throws<ObjectDisposedException>(() => runner.RunVerdict(s_udp, new PacketMetadata()));
    }

    [Theory]
    [MemberData(nameof(Packets.Engines), MemberType = typeof(Packets))]
    public void Socket_filters_read_their_packet_in_place_through_ld_abs_and_skb_load_bytes(EngineChoice engine)
    {
        // r0 = (IP protocol byte via LD_ABS) * 256 + (the same byte via skb_load_bytes).
        var program = Packets.Assemble(BpfProgramType.SocketFilter, """
            r6 = r1
            r0 = *(u8 *)skb[23]
            r7 = r0
            r1 = r6
            r2 = 23
            r3 = r10
            r3 += -8
            r4 = 1
            call 26
            r0 = *(u8 *)(r10 - 8)
            r7 <<= 8
            r0 += r7
            exit
            """, engine);
        var udp = Packets.Ipv4(Packets.Udp, 0x0a000001, 0x0a000002, 1, 2);
        var tcp = Packets.Ipv4(Packets.Tcp, 0x0a000001, 0x0a000002, 1, 2);
        using var runner = program.CreateRunner();
        Assert.Equal((ulong)(17 * 256 + 17), runner.RunVerdict(udp, new PacketMetadata()));
        Assert.Equal((ulong)(6 * 256 + 6), runner.RunVerdict(tcp, new PacketMetadata()));
        // Run copies the packet while it is pinned; r0 = 1542 keeps all of a 54-byte TCP packet.
        var result = runner.Run(new PacketInput(tcp));
        Assert.Equal(tcp, result.Packet);
    }

    [Fact]
    public void A_verified_program_zeroes_the_stack_it_can_reach_so_no_earlier_run_shows_through()
    {
        // Privileged verification lets a program read stack it never wrote (allow_uninit_stack): it must read zero,
        // not what the writer left on the thread's stack, though only the verifier's stack depth is zeroed.
        using var system = new BpfSystem { Engine = EngineChoice.Jit };
        Instruction[] writer = [Insn.StMem(Bpf.DW, Bpf.REG_10, -8, 0x1234), Insn.StMem(Bpf.DW, Bpf.REG_10, -256, 0x5678), Insn.Mov64Imm(Bpf.REG_0, 1), Insn.ExitInsn()];
        // The reader reaches its stack through a copy of r10, so the JIT cannot see how deep: the verifier's depth decides.
        Instruction[] reader = [Insn.Mov64Reg(Bpf.REG_1, Bpf.REG_10), Insn.LdxMem(Bpf.DW, Bpf.REG_0, Bpf.REG_1, -8), Insn.ExitInsn()];
        var loadWriter = system.ProgLoad(new ProgLoadAttributes { Type = BpfProgramType.SocketFilter, Instructions = writer, License = "GPL" });
        var loadReader = system.ProgLoad(new ProgLoadAttributes { Type = BpfProgramType.SocketFilter, Instructions = reader, License = "GPL" });
        Assert.True(loadWriter.IsSuccess && loadReader.IsSuccess, loadReader.Value?.Log);
        var writes = system.GetProgram(loadWriter.Code)!.Packet!;
        var reads = system.GetProgram(loadReader.Code)!.Packet!;
        Assert.Equal(8, BpfVerifier.Verify(Bytecode.FromInstructions(reader), BpfProgramType.SocketFilter, PacketProgram.DefaultHelpers()).StackDepth);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(1ul, writes.RunVerdict(s_udp));
            Assert.Equal(0ul, reads.RunVerdict(s_udp));
        }
    }
}
