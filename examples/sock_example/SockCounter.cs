using SharpBpf.Attach;
using SharpBpf.Isa;
using SharpBpf.Jit;
using SharpBpf.Loader;
using SharpBpf.Maps;
using SharpBpf.ProgramTypes;
using SharpBpf.Syscall;

namespace SockExample;

/// <summary>
/// The kernel's <c>samples/bpf/sock_example.c</c>: a socket filter counting packets by IP protocol in an array map
/// of 256 u64 counters, attached to a socket on an interface. Built either from the 12 instructions of the sample
/// (<see cref="FromInstructions"/>, through the <c>bpf()</c> command interface) or from the compiled C version
/// (<see cref="FromElf"/>). Not thread-safe: feed it from one packet source.
/// </summary>
public sealed class SockCounter : IDisposable
{
    /// <summary><c>ETH_HLEN</c>.</summary>
    public const int ETH_HLEN = 14;

    /// <summary><c>offsetof(struct iphdr, protocol)</c>.</summary>
    public const int IphdrProtocolOffset = 9;

    /// <summary><c>BPF_FUNC_map_lookup_elem</c>.</summary>
    public const int BPF_FUNC_map_lookup_elem = 1;

    /// <summary>IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP.</summary>
    public const int IPPROTO_TCP = 6, IPPROTO_UDP = 17, IPPROTO_ICMP = 1;

    private readonly BpfSystem? _system;
    private readonly LoadedObject? _object;
    private readonly PacketHook _socket;

    private SockCounter(BpfSystem? system, LoadedObject? obj, BpfMap map, PacketHook socket, string engine)
    {
        _system = system;
        _object = obj;
        Map = map;
        _socket = socket;
        EngineName = engine;
    }

    /// <summary>The counters map (256 slots, key u32, value u64).</summary>
    public BpfMap Map { get; }

    /// <summary>The engine running the program ("jit", "interpreter").</summary>
    public string EngineName { get; }

    /// <summary>Packets given to the socket so far.</summary>
    public long Packets { get; private set; }

    /// <summary>The sample's program, instruction for instruction as in sock_example.c.</summary>
    public static Instruction[] Program(int mapFd) =>
    [
        Insn.Mov64Reg(Bpf.REG_6, Bpf.REG_1),
        Insn.LdAbs(Bpf.B, ETH_HLEN + IphdrProtocolOffset /* R0 = ip->proto */),
        Insn.StxMem(Bpf.W, Bpf.REG_10, Bpf.REG_0, -4), /* *(u32 *)(fp - 4) = r0 */
        Insn.Mov64Reg(Bpf.REG_2, Bpf.REG_10),
        Insn.Alu64Imm(Bpf.ADD, Bpf.REG_2, -4), /* r2 = fp - 4 */
        .. Insn.LdMapFd(Bpf.REG_1, mapFd),
        Insn.RawInsn(Bpf.JMP | Bpf.CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
        Insn.JmpImm(Bpf.JEQ, Bpf.REG_0, 0, 2),
        Insn.Mov64Imm(Bpf.REG_1, 1), /* r1 = 1 */
        Insn.AtomicOp(Bpf.DW, Bpf.ADD, Bpf.REG_0, Bpf.REG_1, 0),
        Insn.Mov64Imm(Bpf.REG_0, 0), /* r0 = 0 */
        Insn.ExitInsn(),
    ];

    /// <summary>
    /// As the sample does it: <c>BPF_MAP_CREATE</c> an array of 256 counters, <c>BPF_PROG_LOAD</c> the instructions as
    /// a socket filter (the map fd resolved), <c>BPF_PROG_ATTACH</c> to the socket on <paramref name="interfaceName"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">A command failed (the message has the errno and the load log).</exception>
    public static SockCounter FromInstructions(EngineChoice engine = EngineChoice.Auto, string interfaceName = "lo")
    {
        var system = new BpfSystem { Engine = engine };
        try
        {
            int mapFd = system.MapCreate(new MapDefinition { Name = "my_map", Type = MapType.Array, KeySize = 4, ValueSize = 8, MaxEntries = 256 });
            if (mapFd < 0) throw new InvalidOperationException($"failed to create map: errno {-mapFd}");
            var load = system.ProgLoad(new ProgLoadAttributes
            {
                Type = BpfProgramType.SocketFilter,
                Instructions = Program(mapFd),
                License = "GPL",
                Name = "sock_example",
                LogLevel = 1,
                LogSize = 4096,
            });
            if (!load.IsSuccess) throw new InvalidOperationException($"failed to load prog: errno {-load.Code}\n{load.Value?.Log}");
            var socket = new PacketHook($"socket on {interfaceName}", BpfProgramType.SocketFilter);
            int socketFd = system.RegisterAttachPoint(socket);
            int attached = system.ProgAttach(socketFd, load.Code);
            if (attached < 0) throw new InvalidOperationException($"failed to attach the program: errno {-attached}");
            return new SockCounter(system, null, system.GetMap(mapFd)!, socket, load.Value!.Engine);
        }
        catch
        {
            system.Dispose();
            throw;
        }
    }

    /// <summary>The C version: loads <c>sock_example.bpf.o</c> (its <c>socket</c> section) and attaches it to a socket.</summary>
    public static SockCounter FromElf(string path, EngineChoice engine = EngineChoice.Auto, string interfaceName = "lo")
    {
        var obj = LoadedObject.LoadFile(path);
        try
        {
            var program = obj.Programs.FirstOrDefault(p => p.Type == BpfProgramType.SocketFilter)
                ?? throw new InvalidOperationException($"{path} has no socket filter program");
            var packet = program.CreatePacketProgram(engine);
            var socket = new PacketHook($"socket on {interfaceName}", BpfProgramType.SocketFilter);
            socket.Attach(new AttachedProgram(packet.Executable, program.Type, obj.Maps, program.Name) { Packet = packet });
            return new SockCounter(null, obj, obj.GetMap("my_map"), socket, packet.Executable.EngineName);
        }
        catch
        {
            obj.Dispose();
            throw;
        }
    }

    /// <summary>Runs the socket's filter on one packet.</summary>
    public void Process(in PacketRecord record)
    {
        _socket.RunVerdict(record.Span, PacketPump.ToMetadata(record));
        Packets++;
    }

    /// <summary>The counter of IP protocol <paramref name="protocol"/>.</summary>
    public ulong Count(int protocol) => Map.Lookup<uint, ulong>((uint)protocol) ?? 0;

    /// <summary>The sample's line: <c>TCP n UDP n ICMP n</c>.</summary>
    public string Format() => $"TCP {Count(IPPROTO_TCP)} UDP {Count(IPPROTO_UDP)} ICMP {Count(IPPROTO_ICMP)}";

    /// <summary>Closes the fds (instructions) or the object (ELF).</summary>
    public void Dispose()
    {
        _system?.Dispose();
        _object?.Dispose();
    }
}
