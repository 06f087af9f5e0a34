using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Runtime;

namespace SharpBpf.Jit;

/// <summary>The JIT cannot compile a program (an instruction it does not support, or a shape it cannot lower).</summary>
public sealed class JitCompileException : BpfException
{
    /// <summary>Creates the exception for the instruction at <paramref name="pc"/>.</summary>
    public JitCompileException(int pc, string reason) : base(pc < 0 ? reason : $"instruction {pc}: {reason}")
    {
        ProgramCounter = pc;
        Reason = reason;
    }

    /// <summary>The instruction the JIT refused, or -1.</summary>
    public int ProgramCounter { get; }

    /// <summary>Why, without the location.</summary>
    public string Reason { get; }
}

/// <summary>
/// Compiles eBPF bytecode to IL with <see cref="System.Reflection.Emit.DynamicMethod"/>; RyuJIT turns that into native
/// code on first run. Each program-local function becomes a method (long functions several), eBPF registers
/// become IL locals, jumps become IL branches.
/// </summary>
public static class JitCompiler
{
    /// <summary>
    /// Compiles <paramref name="code"/>. Helpers registered in <paramref name="helpers"/> at this point are bound into
    /// the code (no lookup per call); other helper ids are looked up in the run's <see cref="RunContext.Helpers"/> when
    /// called, failing with <see cref="RuntimeError.UnknownHelper"/>. The JIT refuses (with the instruction and reason)
    /// calls by BTF id, <c>lddw</c> pseudo sources not yet resolved by a loader (except <c>lddw rX, func</c>, which
    /// loads a callback value for <see cref="RunContext.CallbackInvoker"/>), jumps between functions and functions
    /// that fall through into the next one; <see cref="RuntimeSelector"/> then falls back to the interpreter.
    /// </summary>
    /// <exception cref="JitCompileException">The JIT cannot compile the program.</exception>
    /// <exception cref="ArgumentException"><see cref="JitMemoryMode.Unchecked"/> without <see cref="JitOptions.UnsafeSkipBoundsChecks"/>.</exception>
    public static JitExecutable Compile(Bytecode code, HelperTable? helpers = null, JitOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(code);
        options ??= new JitOptions();
        if (options.MemoryMode == JitMemoryMode.Unchecked && !options.UnsafeSkipBoundsChecks)
            throw new ArgumentException("unchecked memory access is only for verified programs; set JitOptions.UnsafeSkipBoundsChecks to take responsibility", nameof(options));
        if (options.MaxRegionInstructions < 16)
            throw new ArgumentException("MaxRegionInstructions must be at least 16", nameof(options));
        helpers ??= new HelperTable();
        var execution = options.Execution ?? new ExecutionOptions();

        var layout = new ProgramLayout(code, options.MaxRegionInstructions);
        var cx = new CompilationContext(code, helpers, options, layout, execution.InstructionBudget);
        foreach (var function in layout.Functions) MethodEmitter.EmitFunction(cx, function);
        foreach (var region in layout.Regions) MethodEmitter.EmitRegion(cx, region);

        var runtime = new JitRuntime(code, cx.Budget > 0 ? cx.Budget : long.MaxValue, helpers)
        {
            BlindKey = cx.BlindKey,
            Helpers = cx.HelperFunctions,
            KnownMaps = cx.KnownMaps,
            RegionOfPc = layout.RegionOfPc,
            RecordsCallSites = cx.RecordsCallSites,
        };
        var entry = (JitFunction)cx.FunctionMethods[0].CreateDelegate(typeof(JitFunction), runtime);
        var callbacks = new JitFunction?[code.Length];
        foreach (int start in layout.CallbackEntries)
            callbacks[start] = (JitFunction)cx.FunctionMethods[layout.FunctionOfPc[start]].CreateDelegate(typeof(JitFunction), runtime);
        // Unchecked code reaches its stack without regions, so only helpers given stack pointers need the stack
        // registered; with no helper called through a delegate (lookups compiled inline or direct) none is.
        bool stackIsPrivate = layout.StackIsPrivate || (!cx.Checked && !cx.CallsHelperDelegates && layout.CallbackEntries.Count == 0);
        // What a run zeroes of the stack so no stale host bytes can be read: the bytes the layout sees the program
        // reach, else the verifier's stack depth when one function uses the frame, else all of it.
        int zeroedBytes = layout.FrameBytesTouched >= 0 ? layout.FrameBytesTouched
            : options.Verified && options.VerifiedStackDepth >= 0 && !layout.HasLocalCalls && layout.CallbackEntries.Count == 0
                ? Math.Min(cx.StackSize, (options.VerifiedStackDepth + 7) & ~7)
                : cx.StackSize;
        return new JitExecutable(code, helpers, execution, entry, runtime, cx.StackSize,
            cx.FunctionMethods.Length + cx.RegionMethods.Length, options, callbacks, stackIsPrivate, zeroedBytes);
    }

    /// <summary>Compiles <paramref name="code"/>, or says why it cannot.</summary>
    public static bool TryCompile(Bytecode code, HelperTable? helpers, JitOptions? options, out JitExecutable? executable, out string? reason)
    {
        try
        {
            executable = Compile(code, helpers, options);
            reason = null;
            return true;
        }
        catch (JitCompileException e)
        {
            executable = null;
            reason = e.Message;
            return false;
        }
    }
}
