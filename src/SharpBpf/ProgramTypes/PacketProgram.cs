using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Jit;
using SharpBpf.Maps;
using SharpBpf.Runtime;

namespace SharpBpf.ProgramTypes;

/// <summary>
/// A program of a packet type (socket filter, tc classifier/action, XDP) ready to run on packets: its context
/// loads are rewritten for 64-bit packet pointers (<see cref="ContextRewriter"/>) and each run builds the context
/// struct and packet frame in native memory, runs, and returns the verdict and the resulting packet. Runs are
/// thread-safe. (The raw memory type needs no context: use <see cref="BpfExecutable.Run(Span{byte})"/>.)
/// </summary>
public sealed class PacketProgram
{
    /// <summary>Wraps an executable built from <see cref="Prepare"/>d bytecode.</summary>
    /// <exception cref="ArgumentException"><paramref name="type"/> is not a packet type.</exception>
    public PacketProgram(BpfProgramType type, BpfExecutable executable, IEnumerable<BpfMap>? maps = null)
    {
        ArgumentNullException.ThrowIfNull(executable);
        Layout = PacketLayout.For(type) ?? throw new ArgumentException($"{type} is not a packet program type", nameof(type));
        Executable = executable;
        Maps = maps?.ToArray() ?? [];
    }

    /// <summary>The program type.</summary>
    public BpfProgramType Type => Layout.Type;

    /// <summary>The context layout.</summary>
    public PacketLayout Layout { get; }

    /// <summary>The engine running the (rewritten) program.</summary>
    public BpfExecutable Executable { get; }

    /// <summary>Maps whose values the program may address (added to every run).</summary>
    public IReadOnlyList<BpfMap> Maps { get; }

    /// <summary>Headroom in front of the packet.</summary>
    public int Headroom { get; init; } = PacketContext.DefaultHeadroom;

    /// <summary>Frame size (headroom + packet + tailroom + reserved shared info); grown for large packets.</summary>
    public int FrameSize { get; init; } = PacketContext.DefaultFrameSize;

    /// <summary>True for the types <see cref="PacketProgram"/> runs.</summary>
    public static bool Supports(BpfProgramType type) => PacketLayout.For(type) is not null;

    /// <summary>The bytecode as it must run for <paramref name="type"/>: pointer-field context loads widened.</summary>
    /// <exception cref="ContextRewriteException">A context access cannot be translated.</exception>
    public static Bytecode Prepare(BpfProgramType type, Bytecode code)
    {
        var layout = PacketLayout.For(type) ?? throw new ArgumentException($"{type} is not a packet program type", nameof(type));
        return ContextRewriter.Rewrite(code, layout.PointerFields);
    }

    /// <summary>The standard helpers plus the packet helpers.</summary>
    public static HelperTable DefaultHelpers(HelperEnvironment? environment = null) =>
        PacketHelpers.Register(StandardHelpers.Register(new HelperTable(), environment));

    /// <summary>Prepares <paramref name="code"/> (lddw map references already resolved) and selects an engine.</summary>
    public static PacketProgram Create(BpfProgramType type, Bytecode code, HelperTable? helpers = null,
        EngineChoice engine = EngineChoice.Auto, IEnumerable<BpfMap>? maps = null, JitOptions? jitOptions = null)
    {
        var prepared = Prepare(type, code);
        var selected = RuntimeSelector.Select(prepared, helpers ?? DefaultHelpers(), engine, jitOptions);
        return new PacketProgram(type, selected.Executable, maps);
    }

    /// <summary>Runs the program on <paramref name="input"/>.</summary>
    /// <exception cref="BpfRuntimeException">The program faulted.</exception>
    public PacketRunResult Run(PacketInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var packet = new PacketContext(Layout, input, Headroom, FrameSize);
        var run = Executable.RentContext();
        packet.AddRegionsTo(run);
        foreach (var map in Maps) map.AddRegionsTo(run);
        ulong r0 = Executable.Run(run, packet.ContextAddress);
        long executed = run.InstructionsExecuted;
        run.State = null;
        return Collect(packet, r0, executed);
    }

    private PacketRunResult Collect(PacketContext packet, ulong r0, long executed)
    {
        byte[] bytes = packet.Packet.ToArray();
        // A socket filter's r0 is the number of bytes to keep.
        if (Type == BpfProgramType.SocketFilter && (uint)r0 < (uint)bytes.Length) bytes = bytes[..(int)(uint)r0];
        if (!Layout.IsSkb)
            return new PacketRunResult { ReturnValue = r0, Packet = bytes, Metadata = packet.Metadata.ToArray(), Redirect = packet.Redirect, InstructionsExecuted = executed };
        var cb = new uint[5];
        for (int i = 0; i < 5; i++) cb[i] = packet.ReadField(PacketLayout.SkBuff.Cb + 4 * i);
        return new PacketRunResult
        {
            ReturnValue = r0,
            Packet = bytes,
            Metadata = packet.Metadata.ToArray(),
            Redirect = packet.Redirect,
            Mark = packet.ReadField(PacketLayout.SkBuff.Mark),
            Priority = packet.ReadField(PacketLayout.SkBuff.Priority),
            TcClassId = packet.ReadField(PacketLayout.SkBuff.TcClassId),
            ControlBlock = cb,
            InstructionsExecuted = executed,
        };
    }
}
