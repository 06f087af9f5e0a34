using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Memory;

namespace SharpBpf.Runtime;

/// <summary>Settings every engine honours.</summary>
public sealed record ExecutionOptions
{
    /// <summary>The default budget: one million executed instructions.</summary>
    public const long DefaultInstructionBudget = 1_000_000;

    /// <summary>Maximum executed instructions per run (including tail-called programs); 0 means unlimited.</summary>
    public long InstructionBudget { get; init; } = DefaultInstructionBudget;

    /// <summary>
    /// Maximum tail calls per run, as in Linux (<c>MAX_TAIL_CALL_CNT</c>): past it, <c>bpf_tail_call</c> fails and the
    /// program continues after the call.
    /// </summary>
    public int MaxTailCalls { get; init; } = 33;

    /// <summary>
    /// Memory every run of the program may access besides its input (for example the value regions of the maps a
    /// loaded object created). <see cref="BpfExecutable.Run(RunContext, ulong, ulong)"/> adds them once per run, so
    /// map lookups need not.
    /// </summary>
    public IReadOnlyList<MemoryRegion> StaticRegions { get; init; } = [];

    /// <summary>
    /// The source line of an instruction slot, when the program has debug info (set by loaders); runtime faults
    /// then carry <see cref="BpfRuntimeException.SourceLocation"/> and name the line in their message.
    /// </summary>
    public Func<int, BpfSourceLocation?>? SourceLines { get; init; }
}

/// <summary>
/// A program ready to run on one engine (interpreter or JIT). Runs are thread-safe: each thread gets its own
/// <see cref="RunContext"/> and stack.
/// </summary>
public abstract class BpfExecutable
{
    [ThreadStatic] private static RunContext? t_context;

    /// <summary>Creates an executable for <paramref name="code"/>.</summary>
    protected BpfExecutable(Bytecode code, HelperTable helpers, ExecutionOptions? options)
    {
        Code = code;
        Helpers = helpers;
        Options = options ?? new ExecutionOptions();
    }

    /// <summary>The program.</summary>
    public Bytecode Code { get; }

    /// <summary>Helpers available to it.</summary>
    public HelperTable Helpers { get; }

    /// <summary>Budget and limits.</summary>
    public ExecutionOptions Options { get; }

    /// <summary>The engine's name ("interpreter", "jit").</summary>
    public abstract string EngineName { get; }

    /// <summary>
    /// Runs the program as the raw memory program type: r1 points to <paramref name="memory"/> (readable and
    /// writable), r2 holds its length, and legacy packet loads read it. Returns r0.
    /// </summary>
    /// <remarks>
    /// Memory shorter than <see cref="RequiredMemoryLength"/> runs on <see cref="ForMemoryLength"/>'s bounds-checked build.
    /// </remarks>
    /// <exception cref="BpfRuntimeException">The program faulted.</exception>
    public unsafe ulong Run(Span<byte> memory)
    {
        if (memory.Length < RequiredMemoryLength) return ForMemoryLength(memory.Length).Run(memory);
        var context = RentContext();
        fixed (byte* start = memory)
        {
            ulong address = (ulong)start;
            if (memory.Length > 0) context.AddRegion(new MemoryRegion(address, (ulong)memory.Length, MemoryAccess.ReadWrite, "memory"));
            context.PacketStart = address;
            context.PacketLength = (ulong)memory.Length;
            return Run(context, address, (ulong)memory.Length);
        }
    }

    /// <summary>Runs with a prepared context (regions and packet already set): r1 and r2 as given. Returns r0.</summary>
    /// <exception cref="BpfRuntimeException">The program faulted.</exception>
    public ulong Run(RunContext context, ulong r1, ulong r2 = 0)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Run(context, r1, r2, staticRegionsPresent: false);
    }

    /// <summary>
    /// <see cref="Run(RunContext, ulong, ulong)"/> for callers that keep a context between runs and registered this
    /// program's <see cref="ExecutionOptions.StaticRegions"/> in it once (<paramref name="staticRegionsPresent"/>),
    /// so the per-run search for them is skipped (tail-called programs still get theirs).
    /// </summary>
    internal ulong Run(RunContext context, ulong r1, ulong r2, bool staticRegionsPresent)
    {
        var current = this;
        context.MaxTailCalls = Options.MaxTailCalls;
        try
        {
            while (true)
            {
                if (!staticRegionsPresent) current.AddStaticRegions(context);
                staticRegionsPresent = false;
                ulong r0 = current.Execute(context, r1, r2);
                // A helper that stopped the program decides r0, whatever the engine returned on its way out.
                if (context.PendingTailCall is null) return context.StopRequested ? context.StopValue : r0;
                // The tail-call helper refuses calls past the limit (the program continues), so this only guards
                // helpers that request tail calls without checking it.
                if (context.TailCallCount >= context.MaxTailCalls)
                    throw new BpfRuntimeException(RuntimeError.TailCallLimit, -1, null, $"more than {context.MaxTailCalls} tail calls in one run");
                context.TailCallCount++;
                current = context.TakeTailCall()!;
            }
        }
        catch (BpfRuntimeException e) when (e.SourceLocation is null && e.ProgramCounter >= 0 && current.Options.SourceLines is not null)
        {
            if (current.Options.SourceLines(e.ProgramCounter) is not { } location) throw;
            throw e.WithSourceLocation(location);
        }
    }

    internal void AddStaticRegions(RunContext context)
    {
        var regions = Options.StaticRegions;
        if (regions.Count == 0) return;
        var present = context.Regions;
        for (int i = 0; i < regions.Count; i++)
        {
            var region = regions[i];
            bool found = false;
            for (int j = 0; j < present.Length && !found; j++) found = present[j] == region;
            if (!found)
            {
                context.AddRegion(region);
                present = context.Regions;
            }
        }
    }

    /// <summary>
    /// The least memory (context or input) this executable may run on: the context size the verifier proved a
    /// program safe for, when the program runs without bounds checks (a verified program on the JIT's unchecked
    /// mode); 0 when any length is safe.
    /// </summary>
    public int RequiredMemoryLength { get; private set; }

    private Lazy<BpfExecutable>? _boundsCheckedBuild;

    /// <summary>
    /// Declares that this executable is safe only on at least <paramref name="length"/> bytes of memory and gives the
    /// bounds-checked build of the same program that runs on shorter memory (set once, by loaders).
    /// </summary>
    internal void RequireMemory(int length, Func<BpfExecutable> boundsCheckedBuild)
    {
        RequiredMemoryLength = length;
        _boundsCheckedBuild = new Lazy<BpfExecutable>(boundsCheckedBuild);
    }

    /// <summary>
    /// The executable to run on <paramref name="length"/> bytes of memory: this one, or, when that is shorter than
    /// <see cref="RequiredMemoryLength"/>, the program's bounds-checked build (compiled on first use), so short
    /// memory gives runtime faults rather than reads past its end. Callers that set up their own regions and call
    /// <see cref="Run(RunContext, ulong, ulong)"/> use it.
    /// </summary>
    public BpfExecutable ForMemoryLength(int length) =>
        length >= RequiredMemoryLength ? this
            : _boundsCheckedBuild?.Value ?? throw new InvalidOperationException($"the program needs {RequiredMemoryLength} bytes of memory");

    /// <summary>A reset per-thread context with this program's helpers, for callers that add their own regions.</summary>
    public RunContext RentContext()
    {
        var context = t_context ??= new RunContext(Helpers);
        context.Reset();
        // Skips the reference store (and its GC write barrier) in the usual case of one program per thread.
        if (!ReferenceEquals(context.Helpers, Helpers)) context.Helpers = Helpers;
        return context;
    }

    /// <summary>
    /// Engine entry: run from instruction 0 with r1, r2 set and the stack set up by the engine. Returns r0, or
    /// returns early (any value) when <see cref="RunContext.StopRequested"/> was set by a helper; the caller reads
    /// <see cref="RunContext.StopValue"/> or the pending tail call.
    /// </summary>
    protected internal abstract ulong Execute(RunContext context, ulong r1, ulong r2);
}
