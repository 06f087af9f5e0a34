using SharpBpf.Asm;
using SharpBpf.Attach;
using SharpBpf.Isa;
using SharpBpf.Maps;
using SharpBpf.ProgramTypes;
using SharpBpf.Syscall;
using SharpBpf.Tests.ProgramTypes;

namespace SharpBpf.Tests.Syscall;

public class BpfSystemTests
{
    private static readonly MapDefinition s_counter = new() { Name = "counter", Type = MapType.Array, KeySize = 4, ValueSize = 8, MaxEntries = 1 };

    /// <summary>Increments the u64 at key 0 of the map behind <paramref name="mapFd"/>; returns 1.</summary>
    internal static Instruction[] CounterProgram(int mapFd) =>
    [
        .. Insn.LdMapFd(1, mapFd),
        .. Assembler.AssembleInstructions("""
            *(u32 *)(r10 - 4) = 0
            r2 = r10
            r2 += -4
            call 1
            if r0 == 0 goto out
            r1 = 1
            lock *(u64 *)(r0 + 0) += r1
            out:
            r0 = 1
            exit
            """, AsmSyntax.Llvm),
    ];

    private static ulong Counter(BpfSystem system, int fd)
    {
        Span<byte> value = stackalloc byte[8];
        Assert.Equal(0, system.MapLookupElem(fd, BitConverter.GetBytes(0u), value));
        return BitConverter.ToUInt64(value);
    }

    private static ProgLoadAttributes Load(BpfProgramType type, IReadOnlyList<Instruction> code) => new() { Type = type, Instructions = code, License = "GPL", Name = "test" };

    [Fact]
    public void Map_commands_follow_kernel_semantics()
    {
        using var system = new BpfSystem();
        int fd = system.MapCreate(new MapDefinition { Name = "h", Type = MapType.Hash, KeySize = 4, ValueSize = 4, MaxEntries = 2 });
        Assert.Equal(3, fd);
        byte[] k1 = BitConverter.GetBytes(1), k2 = BitConverter.GetBytes(2), k3 = BitConverter.GetBytes(3);
        Assert.Equal(0, system.MapUpdateElem(fd, k1, BitConverter.GetBytes(10)));
        Assert.Equal(-Errno.EEXIST, system.MapUpdateElem(fd, k1, BitConverter.GetBytes(11), MapUpdateFlags.NoExist));
        Assert.Equal(0, system.MapUpdateElem(fd, k2, BitConverter.GetBytes(20)));
        Assert.Equal(-Errno.E2BIG, system.MapUpdateElem(fd, k3, BitConverter.GetBytes(30)));
        var value = new byte[4];
        Assert.Equal(0, system.MapLookupElem(fd, k2, value));
        Assert.Equal(20, BitConverter.ToInt32(value));
        Assert.Equal(-Errno.ENOENT, system.MapLookupElem(fd, k3, value));
        var keys = new List<int>();
        var next = new byte[4];
        for (byte[] key = []; system.MapGetNextKey(fd, key, next) == 0; key = (byte[])next.Clone()) keys.Add(BitConverter.ToInt32(next));
        Assert.Equal([1, 2], keys.Order());
        Assert.Equal(0, system.MapDeleteElem(fd, k1));
        Assert.Equal(-Errno.ENOENT, system.MapDeleteElem(fd, k1));
        Assert.Equal(-Errno.EINVAL, system.MapLookupElem(fd, new byte[3], value));
        Assert.Equal(-Errno.EINVAL, system.MapCreate(new MapDefinition { Name = "bad", Type = MapType.Array, KeySize = 8, ValueSize = 4, MaxEntries = 1 }));
        Assert.Equal(-Errno.EINVAL, system.MapCreate(s_counter with { Name = "a_name_longer_than_15" }));
        Assert.Equal(0, system.Close(fd));
        Assert.Equal(-Errno.EBADF, system.MapLookupElem(fd, k2, value));
        Assert.Equal(-Errno.EBADF, system.Close(fd));
    }

    [Fact]
    public void Prog_load_resolves_map_fds_and_test_run_repeats()
    {
        using var system = new BpfSystem();
        int map = system.MapCreate(s_counter);
        var load = system.ProgLoad(Load(BpfProgramType.Unspecified, CounterProgram(map)) with { LogLevel = 1, LogSize = 4096 });
        Assert.True(load.IsSuccess, load.Value?.Log);
        Assert.Contains("processed", load.Value!.Log);
        var run = system.ProgTestRun(new ProgTestRunAttributes { ProgramFd = load.Code, Repeat = 5, DataIn = new byte[4] });
        Assert.Equal(0, run.Code);
        Assert.Equal(1ul, run.Value!.ReturnValue);
        Assert.Equal(5ul, Counter(system, map));
        var info = system.ObjGetInfoByFd(load.Code).Value!;
        Assert.Equal((BpfObjectKind.Program, BpfProgramType.Unspecified, "test", 5ul), (info.Kind, info.ProgramType, info.Name, info.RunCount));
        Assert.Equal([system.GetMap(map)!.Id], info.MapIds);
        var mapInfo = system.ObjGetInfoByFd(map).Value!;
        Assert.Equal((BpfObjectKind.Map, MapType.Array, 4u, 8u, 1u), (mapInfo.Kind, mapInfo.MapType, mapInfo.KeySize, mapInfo.ValueSize, mapInfo.MaxEntries));
        // The program keeps its map alive after the map fd is closed.
        Assert.Equal(0, system.Close(map));
        Assert.Equal(0, system.ProgTestRun(new ProgTestRunAttributes { ProgramFd = load.Code }).Code);
        Assert.Equal(-Errno.EBADF, system.ObjGetInfoByFd(map).Code);
    }

    [Fact]
    public void Prog_load_reports_errors_errno_style()
    {
        using var system = new BpfSystem();
        int map = system.MapCreate(s_counter);
        var exit = Assembler.AssembleInstructions("r0 = 0\nexit", AsmSyntax.Llvm);
        int prog = system.ProgLoad(Load(BpfProgramType.Unspecified, exit)).Code;
        Assert.Equal(-Errno.EBADF, system.ProgLoad(Load(BpfProgramType.Unspecified, CounterProgram(99))).Code);
        Assert.Equal(-Errno.EINVAL, system.ProgLoad(Load(BpfProgramType.Unspecified, CounterProgram(prog))).Code);
        Assert.Equal(-Errno.EINVAL, system.ProgLoad(Load(BpfProgramType.Unspecified, [])).Code);
        Assert.Equal(-Errno.EINVAL, system.ProgLoad(Load((BpfProgramType)999, exit)).Code);
        Assert.Equal(-Errno.EINVAL, system.ProgLoad(Load(BpfProgramType.Unspecified, exit) with { Name = "bad name!" }).Code);
        var undefined = system.ProgLoad(Load(BpfProgramType.Unspecified, [new Instruction(0xff, 0, 0, 0, 0), .. exit]));
        Assert.Equal(-Errno.EINVAL, undefined.Code);
        Assert.Contains("instruction 0", undefined.Value!.Log);
        Assert.Equal(-Errno.ENOSPC, system.ProgLoad(Load(BpfProgramType.Unspecified, exit) with { LogLevel = 1, LogSize = 8 }).Code);
        // A map fd used where a program fd is expected, and the reverse.
        Assert.Equal(-Errno.EINVAL, system.ProgTestRun(new ProgTestRunAttributes { ProgramFd = map }).Code);
        Assert.Equal(-Errno.EINVAL, system.MapLookupElem(prog, new byte[4], new byte[8]));
    }

    [Fact]
    public void Pseudo_map_value_loads_the_value_address()
    {
        using var system = new BpfSystem();
        int map = system.MapCreate(new MapDefinition { Name = "globals", Type = MapType.Array, KeySize = 4, ValueSize = 16, MaxEntries = 1 });
        Assert.Equal(0, system.MapUpdateElem(map, BitConverter.GetBytes(0), [1, 0, 0, 0, 0, 0, 0, 0, 42, 0, 0, 0, 0, 0, 0, 0]));
        Instruction[] code = [.. Insn.LdMapValue(1, map, 8), .. Assembler.AssembleInstructions("r0 = *(u64 *)(r1 + 0)\n*(u64 *)(r1 + 0) = 7\nexit", AsmSyntax.Llvm)];
        var load = system.ProgLoad(Load(BpfProgramType.Unspecified, code));
        Assert.True(load.IsSuccess, load.Value?.Log);
        int prog = load.Code;
        Assert.Equal(42ul, system.ProgTestRun(new ProgTestRunAttributes { ProgramFd = prog }).Value!.ReturnValue);
        var value = new byte[16];
        system.MapLookupElem(map, BitConverter.GetBytes(0), value);
        Assert.Equal(7, value[8]);
        Instruction[] outside = [.. Insn.LdMapValue(1, map, 16), .. Insn.ExitInsn() is var e ? new[] { e } : []];
        Assert.Equal(-Errno.EINVAL, system.ProgLoad(Load(BpfProgramType.Unspecified, outside)).Code);
    }

    private sealed class RecordingVerifier(bool accept) : IProgramVerifier
    {
        public VerificationRequest? Seen { get; private set; }

        public VerificationOutcome Verify(VerificationRequest request)
        {
            Seen = request;
            return new VerificationOutcome(accept, accept ? "" : "R0 !read_ok\n");
        }
    }

    [Fact]
    public void Verifier_hook_sees_resolved_code_and_can_reject()
    {
        using var system = new BpfSystem();
        int map = system.MapCreate(s_counter);
        var rejecting = new RecordingVerifier(accept: false);
        system.Verifier = rejecting;
        var result = system.ProgLoad(Load(BpfProgramType.SocketFilter, CounterProgram(map)));
        Assert.Equal(-Errno.EACCES, result.Code);
        Assert.Contains("R0 !read_ok", result.Value!.Log);
        Assert.Equal(BpfProgramType.SocketFilter, rejecting.Seen!.Type);
        Assert.Same(system.GetMap(map), Assert.Single(rejecting.Seen.Maps));
        Assert.Equal(0, rejecting.Seen.Code.Instructions[0].Src);
        Assert.Equal(1, rejecting.Seen.OriginalCode.Instructions[0].Src);
        system.Verifier = new RecordingVerifier(accept: true);
        Assert.True(system.ProgLoad(Load(BpfProgramType.SocketFilter, CounterProgram(map))).IsSuccess);
    }

    [Fact]
    public void Security_hook_can_refuse_any_command()
    {
        using var system = new BpfSystem();
        int map = system.MapCreate(s_counter);
        var seen = new List<BpfCommand>();
        system.Security = (command, _) =>
        {
            seen.Add(command);
            return command is BpfCommand.ProgLoad or BpfCommand.MapUpdateElem ? -Errno.EPERM : 0;
        };
        Assert.Equal(-Errno.EPERM, system.ProgLoad(Load(BpfProgramType.Unspecified, CounterProgram(map))).Code);
        Assert.Equal(-Errno.EPERM, system.MapUpdateElem(map, BitConverter.GetBytes(0), new byte[8]));
        Assert.Equal(0, system.MapLookupElem(map, BitConverter.GetBytes(0), new byte[8]));
        Assert.Equal([BpfCommand.ProgLoad, BpfCommand.MapUpdateElem, BpfCommand.MapLookupElem], seen);
    }

    [Fact]
    public void Pinned_objects_outlive_their_fds()
    {
        using var system = new BpfSystem();
        int map = system.MapCreate(s_counter);
        Assert.Equal(0, system.MapUpdateElem(map, BitConverter.GetBytes(0), BitConverter.GetBytes(99UL)));
        var live = system.GetMap(map)!;
        Assert.Equal(0, system.ObjPin(map, "/sys/fs/bpf/counter"));
        Assert.Equal(-Errno.EEXIST, system.ObjPin(map, "/sys/fs/bpf/counter"));
        Assert.Equal(-Errno.EPERM, system.ObjPin(map, "/tmp/counter"));
        Assert.Equal(-Errno.EBADF, system.ObjPin(77, "/sys/fs/bpf/other"));
        Assert.Equal(0, system.Close(map));
        Assert.False(live.IsDisposed);
        int again = system.ObjGet("/sys/fs/bpf/counter");
        Assert.True(again >= 3);
        Assert.Equal(99ul, Counter(system, again));
        Assert.Equal(-Errno.ENOENT, system.ObjGet("/sys/fs/bpf/missing"));
        Assert.Equal(["/sys/fs/bpf/counter"], system.PinnedPaths);
        Assert.Equal(0, system.Unpin("/sys/fs/bpf/counter"));
        Assert.False(live.IsDisposed);
        Assert.Equal(0, system.Close(again));
        Assert.True(live.IsDisposed);
    }

    [Fact]
    public void Test_run_of_packet_programs_returns_the_packet()
    {
        using var system = new BpfSystem { Verifier = null }; // test-run mechanics on hand-written programs the verifier would refuse
        var code = Assembler.AssembleInstructions("""
            r2 = *(u32 *)(r1 + 0)
            r3 = *(u32 *)(r1 + 4)
            r4 = r2
            r4 += 14
            if r4 > r3 goto out
            *(u8 *)(r2 + 0) = 0xee
            out:
            r0 = 3
            exit
            """, AsmSyntax.Llvm);
        int prog = system.ProgLoad(Load(BpfProgramType.Xdp, code)).Code;
        var packet = Packets.Ipv4(Packets.Udp, 1, 2, 3, 4);
        var run = system.ProgTestRun(new ProgTestRunAttributes { ProgramFd = prog, DataIn = packet, Repeat = 3 });
        Assert.Equal(0, run.Code);
        Assert.Equal((ulong)XdpAction.Tx, run.Value!.ReturnValue);
        Assert.Equal([0xee, .. packet[1..]], run.Value.DataOut);
        Assert.Equal(-Errno.EINVAL, system.ProgTestRun(new ProgTestRunAttributes { ProgramFd = prog, DataIn = new byte[10] }).Code);
        var fault = system.ProgLoad(Load(BpfProgramType.Xdp, Assembler.AssembleInstructions("r0 = *(u64 *)(r1 + 4096)\nexit", AsmSyntax.Llvm))).Code;
        Assert.Equal(-Errno.EFAULT, system.ProgTestRun(new ProgTestRunAttributes { ProgramFd = fault, DataIn = packet }).Code);
    }

    [Fact]
    public void Test_run_with_a_context_returns_the_context()
    {
        using var system = new BpfSystem { Verifier = null }; // test-run mechanics on hand-written programs the verifier would refuse
        int prog = system.ProgLoad(Load(BpfProgramType.RawTracepoint, Assembler.AssembleInstructions("r0 = *(u64 *)(r1 + 0)\n*(u64 *)(r1 + 8) = r0\nexit", AsmSyntax.Llvm))).Code;
        var context = new byte[16];
        context[0] = 5;
        var run = system.ProgTestRun(new ProgTestRunAttributes { ProgramFd = prog, ContextIn = context });
        Assert.Equal(5ul, run.Value!.ReturnValue);
        Assert.Equal(5, run.Value.ContextOut[8]);
    }

    [Fact]
    public void Attach_and_detach_check_kinds_and_state()
    {
        using var system = new BpfSystem();
        var hook = new PacketHook("eth0:xdp", BpfProgramType.Xdp);
        int target = system.RegisterAttachPoint(hook);
        Assert.Equal(target, system.FindAttachPoint("eth0:xdp"));
        int xdp = system.ProgLoad(Load(BpfProgramType.Xdp, Assembler.AssembleInstructions("r0 = 1\nexit", AsmSyntax.Llvm))).Code;
        int filter = system.ProgLoad(Load(BpfProgramType.SocketFilter, Assembler.AssembleInstructions("r0 = 0\nexit", AsmSyntax.Llvm))).Code;
        Assert.Equal(-Errno.EINVAL, system.ProgAttach(target, filter));
        Assert.Equal(-Errno.EINVAL, system.ProgAttach(xdp, xdp));
        Assert.Equal(-Errno.EBADF, system.ProgAttach(target, 99));
        Assert.Equal(0, system.ProgAttach(target, xdp));
        Assert.Equal(-Errno.EEXIST, system.ProgAttach(target, xdp));
        Assert.Equal(XdpAction.Drop, hook.Run(new PacketInput(Packets.Arp()))!.XdpAction);
        Assert.Equal(0, system.ProgDetach(target, xdp));
        Assert.Equal(-Errno.ENOENT, system.ProgDetach(target, xdp));
        Assert.Null(hook.Run(new PacketInput(Packets.Arp())));
    }

    [Fact]
    public void Packet_hook_chains_programs_until_a_final_verdict()
    {
        using var system = new BpfSystem();
        var hook = new PacketHook("eth0:tc", BpfProgramType.SchedCls);
        int target = system.RegisterAttachPoint(hook);
        // First program marks and continues (TC_ACT_OK), second drops marked packets.
        int mark = system.ProgLoad(Load(BpfProgramType.SchedCls, Assembler.AssembleInstructions("*(u32 *)(r1 + 8) = 5\nr0 = 0\nexit", AsmSyntax.Llvm))).Code;
        int drop = system.ProgLoad(Load(BpfProgramType.SchedCls, Assembler.AssembleInstructions("r0 = 0\nr2 = *(u32 *)(r1 + 8)\nif r2 != 5 goto out\nr0 = 2\nout:\nexit", AsmSyntax.Llvm))).Code;
        Assert.Equal(0, system.ProgAttach(target, mark));
        Assert.Equal(0, system.ProgAttach(target, drop));
        var result = hook.Run(new PacketInput(Packets.Arp()))!;
        Assert.Equal(TcAction.Shot, result.TcAction);
        Assert.Equal(5u, result.Mark);
    }

    [Fact]
    public void Program_array_updates_take_program_fds()
    {
        using var system = new BpfSystem { Verifier = null }; // test-run mechanics on hand-written programs the verifier would refuse
        int jumps = system.MapCreate(new MapDefinition { Name = "jumps", Type = MapType.ProgArray, KeySize = 4, ValueSize = 4, MaxEntries = 2 });
        int target = system.ProgLoad(Load(BpfProgramType.Unspecified, Assembler.AssembleInstructions("r0 = 77\nexit", AsmSyntax.Llvm))).Code;
        Instruction[] caller = [.. Insn.LdMapFd(2, jumps), .. Assembler.AssembleInstructions("r3 = 1\ncall 12\nr0 = 1\nexit", AsmSyntax.Llvm)];
        int prog = system.ProgLoad(Load(BpfProgramType.Unspecified, caller)).Code;
        Assert.Equal(1ul, system.ProgTestRun(new ProgTestRunAttributes { ProgramFd = prog }).Value!.ReturnValue);
        Assert.Equal(0, system.MapUpdateElem(jumps, BitConverter.GetBytes(1), BitConverter.GetBytes(target)));
        Assert.Equal(77ul, system.ProgTestRun(new ProgTestRunAttributes { ProgramFd = prog }).Value!.ReturnValue);
        Assert.Equal(-Errno.EBADF, system.MapUpdateElem(jumps, BitConverter.GetBytes(0), BitConverter.GetBytes(55)));
        Assert.Equal(-Errno.EINVAL, system.MapUpdateElem(jumps, BitConverter.GetBytes(0), BitConverter.GetBytes(jumps)));
    }

    [Fact]
    public void Fd_table_is_thread_safe()
    {
        using var system = new BpfSystem();
        var fds = new System.Collections.Concurrent.ConcurrentBag<int>();
        Parallel.For(0, 200, i =>
        {
            int fd = system.MapCreate(s_counter);
            Assert.True(fd >= 3);
            fds.Add(fd);
            if (i % 2 == 0) Assert.Equal(0, system.Close(fd));
        });
        Assert.Equal(100, system.OpenFdCount);
    }
}

public class KernelVerifierTests
{
    [Fact]
    public void ProgLoad_verifies_by_default()
    {
        using var system = new BpfSystem();
        Assert.IsType<KernelVerifier>(system.Verifier);
        var result = system.ProgLoad(new ProgLoadAttributes { Type = BpfProgramType.SocketFilter, Instructions = Assembler.AssembleInstructions("r0 = *(u64 *)(r10 + 8)\nexit", AsmSyntax.Llvm), LogLevel = 1 });
        Assert.Equal(-Errno.EACCES, result.Code);
    }

    [Fact]
    public void Rejected_programs_get_eacces_and_the_log()
    {
        using var system = new BpfSystem { Verifier = new KernelVerifier() };
        var result = system.ProgLoad(new ProgLoadAttributes { Type = BpfProgramType.SocketFilter, Instructions = Assembler.AssembleInstructions("r0 = r2\nexit", AsmSyntax.Llvm), LogLevel = 1 });
        Assert.Equal(-Errno.EACCES, result.Code);
        Assert.Contains("r2", result.Value!.Log);
    }

    [Fact]
    public void A_clang_object_loads_through_map_fds_like_libbpf_does()
    {
        using var system = new BpfSystem { Verifier = new KernelVerifier() };
        var obj = SharpBpf.Elf.BpfObject.LoadFile(Packets.FixturePath("xdp_counter"));
        int[] fds = obj.Maps.Select(system.MapCreate).ToArray();
        Assert.All(fds, fd => Assert.True(fd >= 3));
        var program = obj.Programs.Single();
        var instructions = program.Bytecode.Instructions.ToArray();
        for (int i = 0; i < instructions.Length; i++)
            if (program.Bytecode.FormAt(i) is { IsWide: true } && instructions[i].Src == (int)LoadImm64Source.MapIndex)
                instructions[i] = instructions[i].WithSrc((int)LoadImm64Source.MapFd).WithImmediate(fds[instructions[i].Immediate]);
        var load = system.ProgLoad(new ProgLoadAttributes { Type = BpfProgramType.Xdp, Instructions = instructions, License = obj.License ?? "", Name = "xdp_count" });
        Assert.True(load.IsSuccess, load.Value?.Log);
        var run = system.ProgTestRun(new ProgTestRunAttributes { ProgramFd = load.Code, DataIn = Packets.Ipv4(Packets.Udp, 1, 2, 3, 9), Repeat = 2 });
        Assert.Equal((ulong)XdpAction.Drop, run.Value!.ReturnValue);
        var count = new byte[8];
        Assert.Equal(0, system.MapLookupElem(fds[obj.FindMap("proto_counts")], BitConverter.GetBytes((uint)Packets.Udp), count));
        Assert.Equal(2ul, BitConverter.ToUInt64(count));
    }
}
