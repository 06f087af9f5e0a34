using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Memory;
using SharpBpf.Runtime;

namespace SharpBpf.Jit;

/// <summary>A program compiled to native code by <see cref="JitCompiler"/>.</summary>
public sealed class JitExecutable : BpfExecutable
{
    private readonly JitFunction _entry;
    private readonly JitRuntime _runtime;
    private readonly int _stackSize;

    internal JitExecutable(Bytecode code, HelperTable helpers, ExecutionOptions options, JitFunction entry, JitRuntime runtime,
        int stackSize, int methodCount, JitOptions jitOptions)
        : base(code, helpers, options)
    {
        _entry = entry;
        _runtime = runtime;
        _stackSize = stackSize;
        MethodCount = methodCount;
        JitOptions = jitOptions;
    }

    /// <inheritdoc />
    public override string EngineName => "jit";

    /// <summary>How many methods the program was compiled into (functions plus regions of split functions).</summary>
    public int MethodCount { get; }

    /// <summary>The options it was compiled with.</summary>
    public JitOptions JitOptions { get; }

    /// <inheritdoc />
    [System.Runtime.CompilerServices.SkipLocalsInit]
    protected internal override unsafe ulong Execute(RunContext context, ulong r1, ulong r2)
    {
        // Zeroed explicitly (once: locals init is skipped), so a program never reads stale host data from its stack.
        byte* stack = stackalloc byte[_stackSize];
        new Span<byte>(stack, _stackSize).Clear();
        ulong stackBase = (ulong)stack;
        ulong top = stackBase + (ulong)_stackSize;
        context.AddRegion(new MemoryRegion(stackBase, (ulong)_stackSize, MemoryAccess.ReadWrite, "stack"));
        try
        {
            ulong r0 = _entry(_runtime, context, r1, r2, 0, 0, 0, top, stackBase, 1);
            return context.StopRequested ? context.StopValue : r0;
        }
        finally
        {
            context.RemoveLastRegion();
        }
    }
}
