using SharpBpf.Elf;
using SharpBpf.Isa;
using SharpBpf.Jit;
using SharpBpf.Memory;
using SharpBpf.ProgramTypes;
using SharpBpf.Runtime;

namespace SharpBpf.Loader;

/// <summary>
/// A program of a <see cref="LoadedObject"/> with its map references resolved: <see cref="Code"/> is what engines
/// run (every map <c>lddw</c> is a plain 64-bit constant), <see cref="MapReferences"/> remembers what each one was.
/// </summary>
public sealed class LoadedProgram
{
    private readonly MemoryRegion[] _staticRegions;

    internal LoadedProgram(LoadedObject owner, BpfProgram source, Bytecode code, IReadOnlyDictionary<int, MapReference> references, MemoryRegion[] staticRegions)
    {
        Object = owner;
        Source = source;
        Code = code;
        MapReferences = references;
        _staticRegions = staticRegions;
    }

    /// <summary>The object the program belongs to.</summary>
    public LoadedObject Object { get; }

    /// <summary>The program as the ELF loader produced it (pseudo <c>lddw</c> sources intact, line info).</summary>
    public BpfProgram Source { get; }

    /// <summary>The program's name.</summary>
    public string Name => Source.Name;

    /// <summary>The ELF section holding it.</summary>
    public string SectionName => Source.SectionName;

    /// <summary>Its program type (<see cref="BpfProgramType.Unspecified"/> for <c>.text</c> functions: the raw memory type).</summary>
    public BpfProgramType Type => Source.Type;

    /// <summary>True when the program runs as the raw memory type (r1 = memory, r2 = its length).</summary>
    public bool IsRawMemory => Source.Type == BpfProgramType.Unspecified;

    /// <summary>
    /// The engine-facing instructions: map references replaced by plain <c>lddw</c> of the handle or value address.
    /// Function addresses (<see cref="LoadImm64Source.CodeAddress"/>) stay, for engines that run callbacks.
    /// </summary>
    public Bytecode Code { get; }

    /// <summary>Resolved map references by <c>lddw</c> slot.</summary>
    public IReadOnlyDictionary<int, MapReference> MapReferences { get; }

    /// <summary>The memory of the maps the program references, made accessible to each run.</summary>
    public IReadOnlyList<MemoryRegion> StaticRegions => _staticRegions;

    /// <summary>The source line of instruction slot <paramref name="instructionIndex"/>, or null without line info.</summary>
    public BpfSourceLocation? SourceLineAt(int instructionIndex) =>
        Source.SourceLineAt(instructionIndex) is { } line ? new BpfSourceLocation(line.FileName, line.Line, line.Column, line.SourceText) : null;

    /// <summary>True once the verifier has accepted the program (loading verifies unless told not to).</summary>
    public bool IsVerified { get; private set; }

    // The verifier's stack depth of the main function (what unchecked runs zero), -1 unknown.
    private int _verifiedStackDepth = -1;

    internal void MarkVerified(int stackDepth)
    {
        IsVerified = true;
        _verifiedStackDepth = stackDepth;
    }

    /// <summary>
    /// Builds an executable with the object's helpers, its maps' memory and source-annotated faults.
    /// <see cref="EngineChoice.Auto"/> falls back to the interpreter (reason in <see cref="SelectedRuntime.FallbackReason"/>)
    /// when the JIT refuses the program. A verified program compiles to the JIT's unchecked mode unless
    /// <paramref name="jitOptions"/> say otherwise, as in the kernel: the verifier proved every access for a context
    /// of the type's size (<see cref="ProgramTypeInfo.ContextSize"/>), so the executable requires that much memory
    /// (<see cref="BpfExecutable.RequiredMemoryLength"/>) and runs shorter memory on a bounds-checked build. Types
    /// whose context holds pointers (<see cref="ProgramTypeInfo.ContextHoldsPointers"/>: packet and socket types)
    /// stay checked here, since the caller writes those pointers; asking for unchecked code vouches for them.
    /// </summary>
    /// <exception cref="JitCompileException">With <see cref="EngineChoice.Jit"/>, the JIT cannot compile the program.</exception>
    public SelectedRuntime CreateExecutable(EngineChoice engine = EngineChoice.Auto, JitOptions? jitOptions = null) =>
        Select(Code, engine, jitOptions, contextBuiltBySharpBpf: false);

    /// <summary>
    /// Builds the program as a <see cref="PacketProgram"/> (socket filter, XDP, tc): context accesses rewritten for
    /// SharpBpf's packet context, the object's helpers and maps. As with <see cref="CreateExecutable"/>, a verified
    /// program runs unchecked on the JIT; the packet context is built by SharpBpf at the size the verifier assumed.
    /// </summary>
    /// <exception cref="InvalidOperationException">The program is not of a packet type.</exception>
    /// <exception cref="ContextRewriteException">A context access cannot be translated.</exception>
    /// <exception cref="JitCompileException">With <see cref="EngineChoice.Jit"/>, the JIT cannot compile the program.</exception>
    public PacketProgram CreatePacketProgram(EngineChoice engine = EngineChoice.Auto, JitOptions? jitOptions = null) =>
        CreatePacketProgram(engine, out _, jitOptions);

    /// <summary><see cref="CreatePacketProgram(EngineChoice, JitOptions?)"/>, also giving why the JIT was not used (null when it was).</summary>
    /// <exception cref="InvalidOperationException">The program is not of a packet type.</exception>
    /// <exception cref="ContextRewriteException">A context access cannot be translated.</exception>
    /// <exception cref="JitCompileException">With <see cref="EngineChoice.Jit"/>, the JIT cannot compile the program.</exception>
    public PacketProgram CreatePacketProgram(EngineChoice engine, out string? fallbackReason, JitOptions? jitOptions = null)
    {
        if (!PacketProgram.Supports(Type)) throw new InvalidOperationException($"program '{Name}' is a {Type} program, not a packet program");
        var selected = Select(PacketProgram.Prepare(Type, Code), engine, jitOptions, contextBuiltBySharpBpf: true);
        fallbackReason = selected.FallbackReason;
        return new PacketProgram(Type, selected.Executable, Object.Maps);
    }

    private SelectedRuntime Select(Bytecode code, EngineChoice engine, JitOptions? jitOptions, bool contextBuiltBySharpBpf)
    {
        var execution = (jitOptions?.Execution ?? Object.Options.Execution ?? new ExecutionOptions()) with
        {
            StaticRegions = _staticRegions,
            SourceLines = Source.Lines.Count > 0 ? SourceLineAt : null,
        };
        // The verifier proves accesses, not the pointers a caller-supplied context holds (packet data, sockets): a
        // context with such fields runs unchecked by default only when SharpBpf wrote it.
        bool uncheckedByDefault = IsVerified && (contextBuiltBySharpBpf || !ProgramTypeInfo.For(Type).ContextHoldsPointers);
        var options = (jitOptions ?? new JitOptions { MemoryMode = uncheckedByDefault ? JitMemoryMode.Unchecked : JitMemoryMode.Checked })
            with { Execution = execution };
        if (!IsVerified || options.MemoryMode != JitMemoryMode.Unchecked) return RuntimeSelector.Select(code, Object.Helpers, engine, options);

        // Verification is the justification the JIT otherwise demands through UnsafeSkipBoundsChecks; it holds for
        // a context of the type's size, so shorter memory must run on a bounds-checked build.
        var selected = RuntimeSelector.Select(code, Object.Helpers, engine,
            options with { UnsafeSkipBoundsChecks = true, Verified = true, VerifiedStackDepth = _verifiedStackDepth });
        if (selected.Executable is JitExecutable { JitOptions.MemoryMode: JitMemoryMode.Unchecked } fast)
        {
            var checkedOptions = options with { MemoryMode = JitMemoryMode.Checked };
            fast.RequireMemory(ProgramTypeInfo.For(Type).ContextSize, () => RuntimeSelector.Select(code, Object.Helpers, engine, checkedOptions).Executable);
        }
        return selected;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({SectionName}, {Type}, {Code.Length} insns)";
}
