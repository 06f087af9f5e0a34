using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Runtime;

namespace SharpBpf.Jit;

/// <summary>Which engine runs a program.</summary>
public enum EngineChoice
{
    /// <summary>The JIT, falling back to the interpreter (with the reason recorded) when it cannot compile the program.</summary>
    Auto,
    /// <summary>The JIT only: a program it cannot compile is an error.</summary>
    Jit,
    /// <summary>The interpreter only.</summary>
    Interpreter,
}

/// <summary>The executable chosen for a program.</summary>
/// <param name="Executable">The executable to run.</param>
/// <param name="FallbackReason">Why the JIT was not used under <see cref="EngineChoice.Auto"/>; null when it was, or when not asked for.</param>
public sealed record SelectedRuntime(BpfExecutable Executable, string? FallbackReason);

/// <summary>
/// Picks the engine for a program the way the kernel's <c>bpf_prog_select_runtime</c> does: JIT first, the
/// interpreter when the JIT cannot compile the program.
/// </summary>
public static class RuntimeSelector
{
    /// <summary>Selects and builds the executable.</summary>
    /// <exception cref="JitCompileException">With <see cref="EngineChoice.Jit"/>, the JIT cannot compile the program.</exception>
    public static SelectedRuntime Select(Bytecode code, HelperTable? helpers = null, EngineChoice choice = EngineChoice.Auto, JitOptions? jitOptions = null)
    {
        ArgumentNullException.ThrowIfNull(code);
        switch (choice)
        {
            case EngineChoice.Jit:
                return new SelectedRuntime(JitCompiler.Compile(code, helpers, jitOptions), null);
            case EngineChoice.Interpreter:
                return new SelectedRuntime(Interpret(), null);
            default:
                return JitCompiler.TryCompile(code, helpers, jitOptions, out var jitted, out string? reason)
                    ? new SelectedRuntime(jitted!, null)
                    : new SelectedRuntime(Interpret(), reason);
        }

        BpfExecutable Interpret() => new Interpreter.Interpreter(code, helpers, jitOptions?.Execution);
    }
}
