using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Jit;
using SharpBpf.Maps;
using SharpBpf.Runtime;

namespace SharpBpf.ProgramTypes;

/// <summary>
/// A program of a packet type (socket filter, tc classifier/action, XDP) ready to run on packets: its context
/// loads are rewritten for 64-bit packet pointers (<see cref="ContextRewriter"/>) and each run loads the packet
/// into a native frame and context struct, runs, and returns the verdict (<see cref="RunVerdict(ReadOnlySpan{byte}, in PacketMetadata)"/>) or the verdict
/// and the resulting packet (<see cref="Run"/>). Each thread keeps its own frame, context struct and run context
/// with the regions registered once, so a run allocates nothing. Runs are thread-safe. (The raw memory type needs
/// no context: use <see cref="BpfExecutable.Run(Span{byte})"/>.)
/// </summary>
public sealed class PacketProgram
{
    private readonly ThreadLocal<PacketSession> _sessions;
    // The session of the program this thread ran last: one thread-static read instead of a ThreadLocal lookup
    // in the usual case of one program per thread (it keeps that program reachable until the thread runs another).
    [ThreadStatic] private static PacketSession? t_lastSession;

    /// <summary>Wraps an executable built from <see cref="Prepare"/>d bytecode.</summary>
    /// <exception cref="ArgumentException"><paramref name="type"/> is not a packet type.</exception>
    public PacketProgram(BpfProgramType type, BpfExecutable executable, IEnumerable<BpfMap>? maps = null)
    {
        ArgumentNullException.ThrowIfNull(executable);
        Layout = PacketLayout.For(type) ?? throw new ArgumentException($"{type} is not a packet program type", nameof(type));
        Executable = executable;
        Maps = maps?.ToArray() ?? [];
        _sessions = new ThreadLocal<PacketSession>(() => new PacketSession(this));
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

    /// <summary>Runs the program on <paramref name="input"/>; returns the verdict, the resulting packet and context fields.</summary>
    /// <exception cref="BpfRuntimeException">The program faulted.</exception>
    public PacketRunResult Run(PacketInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var session = Enter(out bool nested);
        try
        {
            ulong r0 = session.Run(input.Data.Span, input.Metadata);
            return Collect(session.Packet, r0, session.Context.InstructionsExecuted);
        }
        finally
        {
            Leave(session, nested);
        }
    }

    /// <summary>
    /// Runs the program on <paramref name="packet"/> and returns only its r0 (the verdict): the fast path for
    /// counting and filtering, with no result object and no copy of the packet.
    /// </summary>
    /// <exception cref="BpfRuntimeException">The program faulted.</exception>
    public ulong RunVerdict(ReadOnlySpan<byte> packet, in PacketMetadata metadata)
    {
        var session = Enter(out bool nested);
        try
        {
            return session.Run(packet, metadata);
        }
        finally
        {
            Leave(session, nested);
        }
    }

    /// <summary><see cref="RunVerdict(ReadOnlySpan{byte}, in PacketMetadata)"/> with default metadata (interface 1).</summary>
    /// <exception cref="BpfRuntimeException">The program faulted.</exception>
    public ulong RunVerdict(ReadOnlySpan<byte> packet) => RunVerdict(packet, new PacketMetadata());

    // A program run from inside one of its own runs on the same thread (a helper or host callback running packets)
    // gets a session of its own, so the outer run's packet stays intact.
    private PacketSession Enter(out bool nested)
    {
        var session = t_lastSession;
        if (session is null || !ReferenceEquals(session.Program, this)) t_lastSession = session = _sessions.Value!;
        nested = session.InUse;
        if (nested) session = new PacketSession(this);
        session.InUse = true;
        return session;
    }

    private static void Leave(PacketSession session, bool nested)
    {
        session.InUse = false;
        if (nested) session.Dispose();
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

/// <summary>
/// One thread's reusable state for running a <see cref="PacketProgram"/>: the packet frame and context struct, and
/// a run context with the context, packet, map and static regions registered once.
/// </summary>
internal sealed class PacketSession : IDisposable
{
    private readonly BpfExecutable _executable;
    private readonly int _regionCount;

    public PacketSession(PacketProgram program)
    {
        Program = program;
        _executable = program.Executable;
        Packet = new PacketContext(program.Layout, program.Headroom, program.FrameSize)
        {
            FrameWideRegion = _executable is JitExecutable { JitOptions.MemoryMode: JitMemoryMode.Unchecked },
        };
        Context = new RunContext(_executable.Helpers);
        Packet.AddRegionsTo(Context);
        foreach (var map in program.Maps) map.AddRegionsTo(Context);
        _executable.AddStaticRegions(Context);
        _regionCount = Context.RegionCount;
    }

    public PacketProgram Program { get; }

    public PacketContext Packet { get; }

    public RunContext Context { get; }

    public bool InUse { get; set; }

    public ulong Run(ReadOnlySpan<byte> data, in PacketMetadata metadata)
    {
        // Regions a tail-called program added in the last run go first, so the packet region index stays valid.
        Context.BeginRun(_regionCount);
        Packet.Load(data, metadata);
        return _executable.Run(Context, Packet.ContextAddress, 0, staticRegionsPresent: true);
    }

    public void Dispose() => Packet.Dispose();
}
