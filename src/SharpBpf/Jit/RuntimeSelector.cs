using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Runtime;

namespace SharpBpf.Jit;

/// <summary>Which engine runs a program.</summary>
public enum EngineChoice
{
    /// <summary>The JIT, falling back to the interpreter when the JIT cannot compile the program.</summary>
    Auto,
    /// <summary>The JIT only: an error instead of a fallback.</summary>
    Jit,
    /// <summary>The interpreter only.</summary>
    Interpreter,
}

/// <summary>The engine chosen for a program.</summary>
/// <param name="Executable">The executable to run.</param>
/// <param name="FallbackReason">Why the JIT was not used under <see cref="EngineChoice.Auto"/>; null when it was, or when not asked for.</param>
public sealed record SelectedRuntime(BpfExecutable Executable, string? FallbackReason);

/// <summary>
/// Picks the engine for a program, as the kernel's <c>bpf_prog_select_runtime</c>: the JIT when it can compile the
/// program, the interpreter otherwise.
/// </summary>
public static class RuntimeSelector
{
    /// <summary>
    /// Selects and builds the executable. <paramref name="interpreterFactory"/> creates the interpreter (for example
    /// <c>(code, helpers, options) =&gt; new SharpBpf.Interpreter.Interpreter(code, helpers, options)</c>); it is only
    /// called for <see cref="EngineChoice.Interpreter"/> or an <see cref="EngineChoice.Auto"/> fallback.
    /// </summary>
    /// <exception cref="JitCompileException"><see cref="EngineChoice.Jit"/> and the JIT cannot compile the program.</exception>
    /// <exception cref="InvalidOperationException">The interpreter is needed and no factory was given.</exception>
    public static SelectedRuntime Select(Bytecode code, HelperTable? helpers, EngineChoice choice,
        Func<Bytecode, HelperTable?, ExecutionOptions?, BpfExecutable>? interpreterFactory, JitOptions? jitOptions = null)
    {
        ArgumentNullException.ThrowIfNull(code);
        switch (choice)
        {
            case EngineChoice.Jit:
                return new SelectedRuntime(JitCompiler.Compile(code, helpers, jitOptions), null);
            case EngineChoice.Interpreter:
                return new SelectedRuntime(Interpret(null), null);
            default:
                return JitCompiler.TryCompile(code, helpers, jitOptions, out var jitted, out string? reason)
                    ? new SelectedRuntime(jitted!, null)
                    : new SelectedRuntime(Interpret(reason), reason);
        }

        BpfExecutable Interpret(string? why) => interpreterFactory is null
            ? throw new InvalidOperationException(why is null ? "no interpreter factory was given" : $"the JIT cannot compile the program ({why}) and no interpreter factory was given")
            : interpreterFactory(code, helpers, jitOptions?.Execution);
    }
}
