using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Maps;
using SharpBpf.ProgramTypes;

namespace SharpBpf.Verifier;

/// <summary>
/// What the verifier checks: the program, its type (which fixes the context layout, allowed helpers and return range),
/// the maps its <c>lddw</c> map references index (src 5/6, and src 1/2 treated alike with imm = index) and the helpers.
/// </summary>
/// <param name="Code">The program.</param>
/// <param name="ProgramType">The program type.</param>
/// <param name="Maps">Maps referenced by index from <c>lddw</c>.</param>
/// <param name="Helpers">The helpers, with prototypes.</param>
public sealed record VerifierInput(Bytecode Code, BpfProgramType ProgramType, IReadOnlyList<MapDefinition> Maps, HelperTable Helpers)
{
    /// <summary>Maps an instruction index to <c>"file.c:12: source text"</c> (from BTF line info), or null.</summary>
    public Func<int, string?>? SourceLine { get; init; }
}

/// <summary>Verifier settings.</summary>
public sealed record VerifierOptions
{
    /// <summary>Privileged (CAP_BPF + CAP_PERFMON) mode: bounded loops, pointer comparisons and pointer leaks allowed, reads of
    /// uninitialised stack give an unknown value, and a pointer plus an offset with an unbounded maximum is rejected only
    /// where it is dereferenced (as in Linux). Default true.</summary>
    public bool Privileged { get; init; } = true;

    /// <summary>0: the error only; 1: the path leading to the error and statistics; 2: register states at every instruction.</summary>
    public int LogLevel { get; init; }

    /// <summary>Budget of processed instructions over all paths before the program is rejected as too complex.</summary>
    public int MaxProcessedInstructions { get; init; } = 1_000_000;
}

/// <summary>Why the verifier rejected a program.</summary>
public enum VerifierErrorKind
{
    /// <summary>An instruction no path reaches.</summary>
    UnreachableInstruction,
    /// <summary>A jump leaves its function or the program, or lands inside a <c>lddw</c>.</summary>
    JumpOutOfRange,
    /// <summary>Execution can run past the last instruction of a function.</summary>
    FallOffEnd,
    /// <summary>A local call does not target a function start.</summary>
    InvalidCall,
    /// <summary>A function calls itself, directly or indirectly.</summary>
    Recursion,
    /// <summary>More than 8 nested call frames.</summary>
    CallDepth,
    /// <summary>The stack of one frame, or of a call chain, exceeds 512 bytes.</summary>
    StackTooLarge,
    /// <summary>A register is read before it is written.</summary>
    UninitializedRegister,
    /// <summary>A load or store through something that is not a valid pointer, a store to a read-only object (e.g. a socket),
    /// a socket field access of the wrong offset or size, or (unprivileged) a read of uninitialised stack.</summary>
    InvalidMemoryAccess,
    /// <summary>An access outside the bounds of the memory a pointer refers to.</summary>
    OutOfBoundsAccess,
    /// <summary>A context access at an offset, size or permission the program type does not allow.</summary>
    InvalidContextAccess,
    /// <summary>A packet access not proven in range by a comparison with the packet end.</summary>
    PacketAccessUnchecked,
    /// <summary>A pointer that may be NULL is used before a null check.</summary>
    NullCheckRequired,
    /// <summary>Forbidden pointer arithmetic.</summary>
    PointerArithmetic,
    /// <summary>A forbidden comparison involving pointers.</summary>
    PointerComparison,
    /// <summary>A pointer value escapes (to a map, the return value or a helper) in unprivileged mode.</summary>
    PointerLeak,
    /// <summary>A kfunc call, callx, or a call the verifier cannot model.</summary>
    InvalidHelperCall,
    /// <summary>A helper argument of the wrong kind, size or bounds.</summary>
    HelperArgument,
    /// <summary>A helper id that is not registered (or has no prototype).</summary>
    UnknownHelper,
    /// <summary>A helper the program type may not call.</summary>
    HelperNotAllowed,
    /// <summary>An acquired reference (ring-buffer reservation) is not released on some path, or is used after release.</summary>
    ReferenceLeak,
    /// <summary>Spin lock misuse: unbalanced, nested, or calls while held.</summary>
    SpinLock,
    /// <summary>A loop that returns to an identical state.</summary>
    InfiniteLoop,
    /// <summary>The processed-instruction budget is exhausted.</summary>
    TooComplex,
    /// <summary>R0 at exit is outside the program type's return range, or not a scalar.</summary>
    InvalidReturnValue,
    /// <summary>A write to r10.</summary>
    FramePointerWrite,
    /// <summary>Division or modulo by a constant zero.</summary>
    DivisionByZero,
    /// <summary>An invalid map reference or pseudo <c>lddw</c>.</summary>
    InvalidMapReference,
    /// <summary>An instruction (or program type) the verifier does not support.</summary>
    UnsupportedInstruction,
    /// <summary>The program type needs privileged mode.</summary>
    ProgramTypeNotAllowed,
}

/// <summary>One rejection: where, which instruction, why, and the source line when known.</summary>
/// <param name="InstructionIndex">Index of the offending instruction slot (-1 when not tied to an instruction).</param>
/// <param name="Instruction">The instruction, disassembled in LLVM syntax.</param>
/// <param name="Kind">The error category.</param>
/// <param name="Reason">The reason in plain words.</param>
/// <param name="SourceLocation">The source line (from BTF line info), or null.</param>
public sealed record VerifierError(int InstructionIndex, string Instruction, VerifierErrorKind Kind, string Reason, string? SourceLocation)
{
    /// <inheritdoc/>
    public override string ToString() =>
        (InstructionIndex >= 0 ? $"instruction {InstructionIndex} ({Instruction}): " : "") + Reason +
        (SourceLocation is null ? "" : $" [{SourceLocation}]");
}

/// <summary>The verdict of <see cref="BpfVerifier.Verify(VerifierInput, VerifierOptions?)"/>.</summary>
public sealed class VerificationResult
{
    /// <summary>True when the program was proven safe.</summary>
    public bool Accepted { get; init; }

    /// <summary>The rejection, or null when accepted.</summary>
    public VerifierError? Error { get; init; }

    /// <summary>The kernel-style log at the requested level.</summary>
    public string Log { get; init; } = "";

    /// <summary>Instructions processed over all paths.</summary>
    public int ProcessedInstructions { get; init; }

    /// <summary>States stored at prune points.</summary>
    public int StatesExplored { get; init; }

    /// <summary>
    /// Bytes below the frame pointer the main function can touch on any path, its own accesses and helpers' (the
    /// kernel's <c>stack_depth</c>); 0 when rejected. Engines need to zero no more of its stack.
    /// </summary>
    public int StackDepth { get; init; }

    /// <summary>Throws <see cref="BpfVerifierException"/> when the program was rejected.</summary>
    public void ThrowIfRejected()
    {
        if (!Accepted) throw new BpfVerifierException(Error!, Log);
    }
}

/// <summary>Thrown by load paths when the verifier rejects a program.</summary>
public sealed class BpfVerifierException : BpfException
{
    /// <summary>Creates the exception from the verifier's error and log.</summary>
    public BpfVerifierException(VerifierError error, string log) : base("verifier rejected the program: " + error)
    {
        Error = error;
        Log = log;
    }

    /// <summary>The rejection.</summary>
    public VerifierError Error { get; }

    /// <summary>The verifier log.</summary>
    public string Log { get; }
}

/// <summary>Proves programs safe before they run, as Linux's verifier does: every path is explored abstractly.</summary>
public static class BpfVerifier
{
    /// <summary>Verifies a program.</summary>
    public static VerificationResult Verify(VerifierInput input, VerifierOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new VerifierEngine(input, options ?? new VerifierOptions()).Run();
    }

    /// <summary>Verifies a program that uses no maps, with the given helpers.</summary>
    public static VerificationResult Verify(Bytecode code, BpfProgramType programType, HelperTable helpers, VerifierOptions? options = null) =>
        Verify(new VerifierInput(code, programType, [], helpers), options);
}
