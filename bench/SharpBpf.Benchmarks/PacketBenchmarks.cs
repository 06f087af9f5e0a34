using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using SharpBpf.Attach;
using SharpBpf.Isa;
using SharpBpf.Jit;
using SharpBpf.Loader;
using SharpBpf.Maps;
using SharpBpf.Memory;
using SharpBpf.ProgramTypes;
using SharpBpf.Runtime;
using SharpBpf.Syscall;
using static SharpBpf.Benchmarks.BenchSupport;

namespace SharpBpf.Benchmarks;

/// <summary>
/// Packets per second on one core: the kernel's sock_example (12 instructions, built with <see cref="Insn"/> and
/// loaded through <see cref="BpfSystem"/>) and an XDP parser counting by protocol and port
/// (tests/fixtures/programtypes/xdp_counter.o, through <see cref="LoadedProgram.CreatePacketProgram(EngineChoice, JitOptions?)"/>),
/// over the packets of examples/sock_example/capture/loopback.pcap held in memory and cycled. Both are verified, so
/// the JIT runs them unchecked. Each program is measured at several layers, so the per-packet cost can be split:
/// <list type="bullet">
/// <item><c>engine reused</c>: <see cref="BpfExecutable.Run(RunContext, ulong, ulong)"/> on frames prepared in advance with
/// one run context set up once: the program plus the engine's entry and exit.</item>
/// <item><c>runner verdict</c>: <see cref="PacketRunner.RunVerdict"/> on a runner made once: the packet loaded into the
/// runner's context (socket filters: in place), the program run, r0 returned.</item>
/// <item><c>RunVerdict</c>: <see cref="PacketProgram.RunVerdict(ReadOnlySpan{byte}, in PacketMetadata)"/>, the same through
/// the calling thread's runner (a thread-local lookup per packet).</item>
/// <item><c>hook verdict</c>: <see cref="PacketHook.RunVerdict"/>, as sock_example counts packets (lease + RunVerdict).</item>
/// <item><c>pump verdict</c>: <see cref="PacketPump.RunVerdict"/> from a <see cref="PacketRecord"/> (metadata + verdict counting),
/// what <c>sharpbpf attach</c> and <c>sharpbpf run --pcap</c> do.</item>
/// <item><c>Run (result)</c>: <see cref="PacketProgram.Run"/>, which also returns a <see cref="PacketRunResult"/> with a copy of
/// the packet (what <c>--out</c> needs).</item>
/// </list>
/// Optional live figure on <c>lo</c> with <c>live</c> as argument (needs CAP_NET_RAW); <c>profile</c> runs only
/// sock_example's RunVerdict for 10 s, for a sampling profiler; <c>parts</c> times the pieces of its per-packet cost.
/// </summary>
public static partial class PacketBenchmarks
{
    private const int PacketsPerSample = 200_000;

    public static int Run(ReadOnlySpan<string> args)
    {
        int samples = 7;
        bool live = false, profile = false, parts = false;
        foreach (var arg in args)
        {
            if (arg == "live") live = true;
            else if (arg == "profile") profile = true;
            else if (arg == "parts") parts = true;
            else samples = int.Parse(arg, CultureInfo.InvariantCulture);
        }
        string root = RepositoryRoot();
        using var reader = CaptureFile.Open(Path.Combine(root, "examples", "sock_example", "capture", "loopback.pcap"));
        var records = reader.ToArray();
        Console.WriteLine($"packets, Release={IsRelease()}, {Environment.ProcessorCount} cores, median of {samples} samples of {PacketsPerSample:N0} packets ({records.Length} distinct frames cycled)");
        Console.WriteLine($"{"program",-14} {"layer",-14} {"engine",-12} {"M pkt/s (cpu)",14} {"ns/pkt (cpu)",13} {"M pkt/s (wall)",15}");

        foreach (var engine in new[] { EngineChoice.Jit, EngineChoice.Interpreter })
        {
            using var system = new BpfSystem { Engine = engine };
            int mapFd = system.MapCreate(new MapDefinition { Name = "my_map", Type = MapType.Array, KeySize = 4, ValueSize = 8, MaxEntries = 256 });
            var load = system.ProgLoad(new ProgLoadAttributes { Type = BpfProgramType.SocketFilter, Instructions = SockExample(mapFd), License = "GPL", Name = "sock_example" });
            if (!load.IsSuccess) throw new InvalidOperationException($"sock_example load failed: {load.Code} {load.Value?.Log}");
            var hook = new PacketHook("socket", BpfProgramType.SocketFilter);
            system.ProgAttach(system.RegisterAttachPoint(hook), load.Code);
            var packet = system.GetProgram(load.Code)!.Packet!;
            if (profile || parts)
            {
                if (parts) Parts(packet, records);
                else Profile(packet, records);
                return 0;
            }
            Measure("sock_example", packet, records, samples, hook);
        }

        using (var obj = LoadedObject.LoadFile(Path.Combine(root, "tests", "fixtures", "programtypes", "xdp_counter.o")))
        {
            var program = obj.Programs.Single(p => p.Type == BpfProgramType.Xdp);
            foreach (var engine in new[] { EngineChoice.Jit, EngineChoice.Interpreter })
            {
                var packet = program.CreatePacketProgram(engine);
                Measure("xdp_counter", packet, records, samples, hook: null);
            }
        }

        if (live) Live(samples);
        return 0;
    }

    private static Instruction[] SockExample(int mapFd) =>
    [
        Insn.Mov64Reg(Bpf.REG_6, Bpf.REG_1),
        Insn.LdAbs(Bpf.B, 14 + 9),
        Insn.StxMem(Bpf.W, Bpf.REG_10, Bpf.REG_0, -4),
        Insn.Mov64Reg(Bpf.REG_2, Bpf.REG_10),
        Insn.Alu64Imm(Bpf.ADD, Bpf.REG_2, -4),
        .. Insn.LdMapFd(Bpf.REG_1, mapFd),
        Insn.RawInsn(Bpf.JMP | Bpf.CALL, 0, 0, 0, 1),
        Insn.JmpImm(Bpf.JEQ, Bpf.REG_0, 0, 2),
        Insn.Mov64Imm(Bpf.REG_1, 1),
        Insn.AtomicOp(Bpf.DW, Bpf.ADD, Bpf.REG_0, Bpf.REG_1, 0),
        Insn.Mov64Imm(Bpf.REG_0, 0),
        Insn.ExitInsn(),
    ];

    private static void Measure(string name, PacketProgram program, PacketRecord[] records, int samples, PacketHook? hook)
    {
        string engine = program.Executable.EngineName;
        var inputs = records.Select(r => PacketPump.ToInput(r)).ToArray();
        var metadata = records.Select(r => PacketPump.ToMetadata(r)).ToArray();

        // The program alone: one prepared frame + context struct per distinct packet and one run context set up once.
        var frames = inputs.Select(input => new PreparedPacket(program.Layout, input)).ToArray();
        var executable = program.Executable;
        var reused = executable.RentContext();
        frames[0].AddRegionsTo(reused);
        foreach (var map in program.Maps) map.AddRegionsTo(reused);
        Report(name, "engine reused", engine, samples, count =>
        {
            for (int i = 0, k = 0; i < count; i++, k = k + 1 == frames.Length ? 0 : k + 1)
            {
                var frame = frames[k];
                frame.ReplaceRegionsIn(reused);
                reused.InstructionsExecuted = 0;
                executable.Run(reused, frame.ContextAddress);
            }
        });
        // Packets are cycled with a wrapping index: a division per packet would be a measurable part of the figure.
        using (var runner = program.CreateRunner())
            Report(name, "runner verdict", engine, samples, count =>
            {
                for (int i = 0, k = 0; i < count; i++, k = k + 1 == records.Length ? 0 : k + 1)
                    runner.RunVerdict(records[k].Span, metadata[k]);
            });
        Report(name, "RunVerdict", engine, samples, count =>
        {
            for (int i = 0, k = 0; i < count; i++, k = k + 1 == records.Length ? 0 : k + 1)
                program.RunVerdict(records[k].Span, metadata[k]);
        });
        if (hook is not null)
            Report(name, "hook verdict", engine, samples, count =>
            {
                for (int i = 0, k = 0; i < count; i++, k = k + 1 == records.Length ? 0 : k + 1)
                    hook.RunVerdict(records[k].Span, metadata[k]);
            });
        using var pump = new PacketPump(program);
        Report(name, "pump verdict", engine, samples, count =>
        {
            for (int i = 0, k = 0; i < count; i++, k = k + 1 == records.Length ? 0 : k + 1)
                pump.RunVerdict(records[k]);
        });
        Report(name, "Run (result)", engine, samples, count =>
        {
            for (int i = 0, k = 0; i < count; i++, k = k + 1 == records.Length ? 0 : k + 1)
                program.Run(inputs[k]);
        });
        foreach (var frame in frames) frame.Dispose();
    }

    /// <summary>
    /// <c>packets profile</c>: sock_example's <see cref="PacketProgram.RunVerdict(ReadOnlySpan{byte}, in PacketMetadata)"/> on the JIT
    /// for 10 seconds and nothing else, to run under a sampling profiler
    /// (<c>DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 perf record ...</c>).
    /// </summary>
    private static void Profile(PacketProgram program, PacketRecord[] records)
    {
        var metadata = records.Select(r => PacketPump.ToMetadata(r)).ToArray();
        var clock = Stopwatch.StartNew();
        long packets = 0;
        while (clock.Elapsed.TotalSeconds < 10)
        {
            for (int i = 0, k = 0; i < 100_000; i++, k = k + 1 == records.Length ? 0 : k + 1)
                program.RunVerdict(records[k].Span, metadata[k]);
            packets += 100_000;
        }
        Console.WriteLine($"profile: {packets / clock.Elapsed.TotalSeconds / 1e6:F2} M packets/s (wall)");
    }

    /// <summary>
    /// <c>packets parts</c>: what sock_example's per-packet cost is made of on the JIT, each piece timed alone over
    /// 10 M packets (wall clock): the context load, the engine with the program, the engine with a trivial program,
    /// a runner, and the per-thread runner behind <see cref="PacketProgram.RunVerdict(ReadOnlySpan{byte}, in PacketMetadata)"/>.
    /// </summary>
    private static void Parts(PacketProgram program, PacketRecord[] records)
    {
        var metadata = records.Select(r => PacketPump.ToMetadata(r)).ToArray();
        using var packet = new PacketContext(program.Layout, program.Headroom, program.FrameSize);
        using var runner = program.CreateRunner();
        var bytes = records.Select(r => r.Data.ToArray()).ToArray();
        void Time(string what, Action<int> body)
        {
            body(1_000_000);
            var sw = Stopwatch.StartNew();
            body(10_000_000);
            Console.WriteLine($"{what}: {sw.Elapsed.TotalNanoseconds / 10_000_000:F1} ns");
        }
        Time("loop + Span", n => { long x = 0; for (int i = 0, k = 0; i < n; i++, k = k + 1 == records.Length ? 0 : k + 1) x += records[k].Span.Length; GC.KeepAlive(x); });
        var m0 = metadata[0];
        Time("metadata Equals", n => { int x = 0; for (int i = 0, k = 0; i < n; i++, k = k + 1 == records.Length ? 0 : k + 1) x += m0.Equals(metadata[k]) ? 1 : 0; GC.KeepAlive(x); });
        var ctxBytes = new byte[packet.Context.Length];
        Time("context span + copy", n => { for (int i = 0; i < n; i++) ctxBytes.AsSpan().CopyTo(packet.Context); });
        packet.Load(new byte[2000], m0);
        Time("frame copy", n => { for (int i = 0, k = 0; i < n; i++, k = k + 1 == records.Length ? 0 : k + 1) bytes[k].AsSpan().CopyTo(packet.Packet); });
        var engineContext = new RunContext(program.Executable.Helpers);
        packet.AddRegionsTo(engineContext);
        foreach (var map in program.Maps) map.AddRegionsTo(engineContext);
        packet.Load(bytes[0], m0);
        Time("engine only", n => { for (int i = 0; i < n; i++) { engineContext.BeginRun(engineContext.RegionCount); program.Executable.Run(engineContext, packet.ContextAddress); } });
        var trivial = JitCompiler.Compile(Bytecode.FromInstructions([Insn.Mov64Imm(Bpf.REG_0, 0), Insn.ExitInsn()]), program.Executable.Helpers,
            new JitOptions { MemoryMode = JitMemoryMode.Unchecked, UnsafeSkipBoundsChecks = true });
        Time("engine, trivial program", n => { for (int i = 0; i < n; i++) { engineContext.BeginRun(engineContext.RegionCount); trivial.Run(engineContext, packet.ContextAddress); } });
        Time("PacketContext.Load", n => { for (int i = 0, k = 0; i < n; i++, k = k + 1 == records.Length ? 0 : k + 1) packet.Load(bytes[k], metadata[k]); });
        Time("runner.RunVerdict", n => { for (int i = 0, k = 0; i < n; i++, k = k + 1 == records.Length ? 0 : k + 1) runner.RunVerdict(bytes[k], metadata[k]); });
        Time("program.RunVerdict", n => { for (int i = 0, k = 0; i < n; i++, k = k + 1 == records.Length ? 0 : k + 1) program.RunVerdict(bytes[k], metadata[k]); });
    }

    private static void Live(int samples)
    {
        LiveCapture capture;
        try
        {
            capture = LiveCapture.Open("lo");
        }
        catch (BpfCaptureException e)
        {
            Console.WriteLine($"live lo: skipped ({e.Message})");
            return;
        }
        using var _ = capture;
        using var system = new BpfSystem { Engine = EngineChoice.Jit };
        int mapFd = system.MapCreate(new MapDefinition { Name = "my_map", Type = MapType.Array, KeySize = 4, ValueSize = 8, MaxEntries = 256 });
        var load = system.ProgLoad(new ProgLoadAttributes { Type = BpfProgramType.SocketFilter, Instructions = SockExample(mapFd), Name = "sock_example" });
        using var pump = new PacketPump(system.GetProgram(load.Code)!.Packet!);
        // Flood lo with UDP from another thread; the figure is what one reading core processes (receive + program).
        using var stop = new CancellationTokenSource();
        var flood = Task.Run(() =>
        {
            using var sender = new System.Net.Sockets.UdpClient();
            var target = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 9);
            byte[] payload = new byte[64];
            while (!stop.IsCancellationRequested) sender.Send(payload, target);
        });
        var clock = Stopwatch.StartNew();
        long cpuStart = ThreadCpuNanoseconds();
        while (clock.Elapsed < TimeSpan.FromSeconds(3) && capture.TryReadNext(out var record)) pump.RunVerdict(record);
        long cpu = ThreadCpuNanoseconds() - cpuStart;
        stop.Cancel();
        flood.Wait();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{"sock_example",-14} {"live lo",-14} {"jit",-12} {pump.Packets / (cpu / 1e3),14:F3} {cpu / (double)Math.Max(1, pump.Packets),13:F1} {pump.Packets / clock.Elapsed.TotalSeconds / 1e6,15:F3}"));
    }

    private static void Report(string name, string layer, string engine, int samples, Action<int> body)
    {
        WarmUp(() => body(PacketsPerSample / 4));
        var cpu = new double[samples];
        var wall = new double[samples];
        for (int s = 0; s < samples; s++)
        {
            long cpuStart = ThreadCpuNanoseconds();
            long wallStart = Stopwatch.GetTimestamp();
            body(PacketsPerSample);
            wall[s] = Stopwatch.GetElapsedTime(wallStart).TotalNanoseconds / PacketsPerSample;
            cpu[s] = (ThreadCpuNanoseconds() - cpuStart) / (double)PacketsPerSample;
        }
        Array.Sort(cpu);
        Array.Sort(wall);
        double cpuNs = cpu[samples / 2], wallNs = wall[samples / 2];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-14} {layer,-14} {engine,-12} {1e3 / cpuNs,14:F3} {cpuNs,13:F1} {1e3 / wallNs,15:F3}"));
    }

    /// <summary>A packet frame and context struct built once, registered per run like <see cref="PacketContext"/> does.</summary>
    private sealed class PreparedPacket : IDisposable
    {
        private readonly NativeBlock _frame;
        private readonly NativeBlock _context;
        private readonly PacketLayout _layout;
        private readonly ulong _data;
        private readonly int _length;

        public PreparedPacket(PacketLayout layout, PacketInput input)
        {
            _layout = layout;
            _length = input.Data.Length;
            _frame = new NativeBlock(PacketContext.DefaultHeadroom + _length + 64);
            _context = new NativeBlock(layout.NativeSize);
            input.Data.Span.CopyTo(_frame.Slice(PacketContext.DefaultHeadroom, _length));
            _data = _frame.Address + PacketContext.DefaultHeadroom;
            var span = _context.Span;
            BitConverter.TryWriteBytes(span[layout.PrivateOffset..], _data);
            BitConverter.TryWriteBytes(span[(layout.PrivateOffset + 8)..], _data + (ulong)_length);
            BitConverter.TryWriteBytes(span[(layout.PrivateOffset + 16)..], _data);
        }

        public ulong ContextAddress => _context.Address;

        public void AddRegionsTo(RunContext run)
        {
            run.AddRegion(new MemoryRegion(_context.Address, (ulong)_layout.NativeSize, MemoryAccess.Read, "context"));
            run.AddRegion(new MemoryRegion(_data, (ulong)_length, MemoryAccess.ReadWrite, "packet"));
            SetPacket(run);
        }

        /// <summary>Puts this packet in the first two regions of a context prepared by <see cref="AddRegionsTo"/>.</summary>
        public void ReplaceRegionsIn(RunContext run)
        {
            run.ReplaceRegion(0, new MemoryRegion(_context.Address, (ulong)_layout.NativeSize, MemoryAccess.Read, "context"));
            run.ReplaceRegion(1, new MemoryRegion(_data, (ulong)_length, MemoryAccess.ReadWrite, "packet"));
            SetPacket(run);
        }

        private void SetPacket(RunContext run)
        {
            run.PacketStart = _data;
            run.PacketLength = (ulong)_length;
        }

        public void Dispose()
        {
            _frame.Dispose();
            _context.Dispose();
        }
    }
}
