using SharpBpf.Helpers;
using SharpBpf.Jit;
using SharpBpf.Runtime;

namespace SharpBpf.Loader;

/// <summary>How <see cref="LoadedObject.Load(Elf.BpfObject, LoadOptions?)"/> prepares an object.</summary>
public sealed record LoadOptions
{
    /// <summary>
    /// Verify every program before it may run. Defaults to false until the verifier is integrated; until then, true
    /// makes loading fail rather than run unverified programs.
    /// TODO(verifier integration): when true, <see cref="LoadedObject"/> calls
    /// <c>BpfVerifier.Verify(new VerifierInput(program.Source.Bytecode /* pseudo lddw src 5/6 intact */, program.Type,
    /// obj.Maps, helpers))</c> for each program and refuses the object on the first rejection.
    /// </summary>
    public bool Verify { get; init; }

    /// <summary>Clocks, pids, trace output and randomness the standard helpers use; a default one when null.</summary>
    public HelperEnvironment? Environment { get; init; }

    /// <summary>Helpers registered after the standard ones (a custom helper may replace a standard one by id).</summary>
    public IReadOnlyList<HelperDefinition> ExtraHelpers { get; init; } = [];

    /// <summary>Budget and limits of every executable made from the object.</summary>
    public ExecutionOptions? Execution { get; init; }

    /// <summary>Engine for executables the object makes itself (tail-call targets given by name).</summary>
    public EngineChoice Engine { get; init; } = EngineChoice.Auto;

    /// <summary>JIT settings for executables the object makes itself.</summary>
    public JitOptions? JitOptions { get; init; }
}
