using SharpBpf.Runtime;

namespace SharpBpf.Jit;

/// <summary>How compiled code accesses program memory.</summary>
public enum JitMemoryMode
{
    /// <summary>
    /// Every load, store and atomic is checked against the stack and the run's <see cref="RunContext.Regions"/>;
    /// a bad access throws the same <see cref="BpfRuntimeException"/> the interpreter gives. Unverified programs
    /// also get an instruction budget.
    /// </summary>
    Checked,

    /// <summary>
    /// Raw pointer access with no bounds checks and no instruction budget. Only sound for programs a verifier
    /// accepted; requires <see cref="JitOptions.UnsafeSkipBoundsChecks"/>.
    /// </summary>
    Unchecked,
}

/// <summary>Settings of the JIT compiler.</summary>
public sealed record JitOptions
{
    /// <summary>Checked (the default) or unchecked memory access.</summary>
    public JitMemoryMode MemoryMode { get; init; } = JitMemoryMode.Checked;

    /// <summary>
    /// Must be set to allow <see cref="JitMemoryMode.Unchecked"/>. <b>Warning:</b> unchecked code reads and writes
    /// whatever address a program computes, so a buggy or hostile program can corrupt or leak any memory of the
    /// host process and crash it. Until programs pass through the verifier, setting this is the caller's promise
    /// that the program is trusted.
    /// </summary>
    public bool UnsafeSkipBoundsChecks { get; init; }

    /// <summary>
    /// Constant blinding (the kernel's <c>bpf_jit_harden</c>): every 32- and 64-bit immediate of the program is
    /// emitted as <c>(imm ^ key) ^ key</c> with a random per-compilation key that the code loads from memory, so
    /// no program immediate appears verbatim in the generated IL or native code. All immediates are blinded,
    /// including trivial ones such as 0 and 1; instruction offsets (16-bit), jump targets and helper ids (never
    /// emitted as such) are not immediates in this sense.
    /// </summary>
    public bool BlindConstants { get; init; }

    /// <summary>Budget and limits; null means <see cref="ExecutionOptions"/> defaults.</summary>
    public ExecutionOptions? Execution { get; init; }

    /// <summary>
    /// Functions longer than this many instruction slots are split into regions compiled as separate methods, so
    /// that RyuJIT keeps optimising them (it falls back to minimal optimisation for very large methods).
    /// </summary>
    public int MaxRegionInstructions { get; init; } = 512;

    /// <summary>
    /// Set by SharpBpf's loaders (never by callers) when the verifier accepted the program: then the verifier also
    /// proved the pointer arguments of its helper calls, and unchecked code may call helpers without their own
    /// memory checks (<c>map_lookup_elem</c> reads its key in place).
    /// </summary>
    internal bool Verified { get; init; }

    /// <summary>
    /// With <see cref="Verified"/>: the bytes below the frame pointer the verifier found the main function touching
    /// (its stack depth), so a run zeroes only those; -1 when unknown.
    /// </summary>
    internal int VerifiedStackDepth { get; init; } = -1;

    /// <summary>Test hook: when set, every emitted IL instruction is appended here.</summary>
    internal List<RecordedIl>? IlLog { get; init; }
}

/// <summary>One emitted IL instruction, as recorded for <see cref="JitOptions.IlLog"/>.</summary>
/// <param name="Method">Name of the generated method.</param>
/// <param name="OpCode">The opcode.</param>
/// <param name="Operand">The operand (boxed constant, label number, local index, member), or null.</param>
internal readonly record struct RecordedIl(string Method, System.Reflection.Emit.OpCode OpCode, object? Operand);
