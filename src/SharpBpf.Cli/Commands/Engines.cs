using System.CommandLine;
using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Jit;
using SharpBpf.Runtime;

namespace SharpBpf.Cli.Commands;

/// <summary>The <c>--engine</c> option and how each choice becomes an executable.</summary>
internal static class Engines
{
    public static Option<string> CreateOption()
    {
        var option = new Option<string>("--engine")
        {
            Description = "Execution engine: auto (JIT, falling back to the interpreter), jit, or interpreter",
            DefaultValueFactory = _ => "auto",
        };
        option.AcceptOnlyFromAmong("auto", "jit", "interpreter");
        return option;
    }

    /// <summary>Builds the executable; under auto, a JIT refusal falls back to the interpreter and is reported on stderr.</summary>
    public static BpfExecutable Create(string engine, Bytecode code, HelperTable helpers, ExecutionOptions options, TextWriter? notes = null)
    {
        var choice = engine switch
        {
            "auto" => EngineChoice.Auto,
            "jit" => EngineChoice.Jit,
            "interpreter" => EngineChoice.Interpreter,
            _ => throw new CliUsageException($"unknown engine '{engine}'"),
        };
        var selected = RuntimeSelector.Select(code, helpers, choice, new JitOptions { Execution = options });
        if (selected.FallbackReason is not null) notes?.WriteLine($"sharpbpf: using the interpreter: {selected.FallbackReason}");
        return selected.Executable;
    }

    /// <summary>Helpers every CLI run provides: the conformance suite's helper 5 ("unwind").</summary>
    public static HelperTable DefaultHelpers() => new HelperTable().Register(5, "unwind", static (context, r1, _, _, _, _) =>
    {
        if (r1 == 0) context.Stop(0);
        return r1;
    });
}
