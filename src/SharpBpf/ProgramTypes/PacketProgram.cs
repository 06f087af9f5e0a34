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
/// and the resulting packet (<see cref="Run"/>). Each thread keeps its own <see cref="PacketRunner"/> (frame, context
/// struct and run context with the regions registered once), so a run allocates nothing. Runs are thread-safe. (The
/// raw memory type needs no context: use <see cref="BpfExecutable.Run(Span{byte})"/>.)
/// </summary>
public sealed class PacketProgram
{
    private readonly ThreadLocal<PacketRunner> _runners;
    // The runner of the program this thread ran last: one thread-static read instead of a ThreadLocal lookup in the
    // usual case of one program per thread (it keeps that program reachable until the thread runs another).
    [ThreadStatic] private static PacketRunner? t_lastRunner;

    /// <summary>Wraps an executable built from <see cref="Prepare"/>d bytecode.</summary>
    /// <exception cref="ArgumentException"><paramref name="type"/> is not a packet type.</exception>
    public PacketProgram(BpfProgramType type, BpfExecutable executable, IEnumerable<BpfMap>? maps = null)
    {
        ArgumentNullException.ThrowIfNull(executable);
        Layout = PacketLayout.For(type) ?? throw new ArgumentException($"{type} is not a packet program type", nameof(type));
        Executable = executable;
        Maps = maps?.ToArray() ?? [];
        _runners = new ThreadLocal<PacketRunner>(() => new PacketRunner(this));
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
        var runner = ThreadRunner();
        if (!runner.InUse) return runner.Run(input);
        using var nested = new PacketRunner(this);
        return nested.Run(input);
    }

    /// <summary>
    /// Runs the program on <paramref name="packet"/> and returns only its r0 (the verdict): the fast path for
    /// counting and filtering, with no result object and no copy of the packet.
    /// </summary>
    /// <exception cref="BpfRuntimeException">The program faulted.</exception>
    public ulong RunVerdict(ReadOnlySpan<byte> packet, in PacketMetadata metadata)
    {
        var runner = ThreadRunner();
        if (!runner.InUse) return runner.RunVerdict(packet, metadata);
        using var nested = new PacketRunner(this);
        return nested.RunVerdict(packet, metadata);
    }

    /// <summary><see cref="RunVerdict(ReadOnlySpan{byte}, in PacketMetadata)"/> with default metadata (interface 1).</summary>
    /// <exception cref="BpfRuntimeException">The program faulted.</exception>
    public ulong RunVerdict(ReadOnlySpan<byte> packet) => RunVerdict(packet, new PacketMetadata());

    /// <summary>
    /// A runner of its own for one thread or packet source: the fastest way to run many packets, with no
    /// thread-local lookup per packet. <see cref="Run"/> and <see cref="RunVerdict(ReadOnlySpan{byte}, in PacketMetadata)"/>
    /// use one such runner per thread.
    /// </summary>
    public PacketRunner CreateRunner() => new(this);

    // The calling thread's runner. A program run from inside one of its own runs on the same thread (a helper or
    // host callback running packets) finds it in use and gets a runner of its own, so the outer packet stays intact.
    private PacketRunner ThreadRunner()
    {
        var runner = t_lastRunner;
        if (runner is null || !ReferenceEquals(runner.Program, this)) t_lastRunner = runner = _runners.Value!;
        return runner;
    }
}

