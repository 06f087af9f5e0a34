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

    /// <summary>Maximum tail calls per run, as in Linux (<c>MAX_TAIL_CALL_CNT</c>).</summary>
    public int MaxTailCalls { get; init; } = 33;
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
    /// <exception cref="BpfRuntimeException">The program faulted.</exception>
    public unsafe ulong Run(Span<byte> memory)
    {
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
        var current = this;
        while (true)
        {
            ulong r0 = current.Execute(context, r1, r2);
            // A helper that stopped the program decides r0, whatever the engine returned on its way out.
            if (context.PendingTailCall is null) return context.StopRequested ? context.StopValue : r0;
            if (context.TailCallCount >= Options.MaxTailCalls)
                throw new BpfRuntimeException(RuntimeError.TailCallLimit, -1, null, $"more than {Options.MaxTailCalls} tail calls in one run");
            context.TailCallCount++;
            current = context.TakeTailCall()!;
        }
    }

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
