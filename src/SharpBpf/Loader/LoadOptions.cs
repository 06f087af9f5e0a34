using SharpBpf.Helpers;
using SharpBpf.Jit;
using SharpBpf.Runtime;
using SharpBpf.Verifier;

namespace SharpBpf.Loader;

/// <summary>How <see cref="LoadedObject.Load(Elf.BpfObject, LoadOptions?)"/> prepares an object.</summary>
public sealed record LoadOptions
{
    /// <summary>
    /// Verify every program before it may run (the default, as in the kernel's load path). Turning it off is an
    /// explicit statement that the object is trusted code: its programs then run with only the engines' runtime checks.
    /// </summary>
    public bool Verify { get; init; } = true;

    /// <summary>Privilege, log level and complexity limit for verification.</summary>
    public VerifierOptions? Verifier { get; init; }

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
