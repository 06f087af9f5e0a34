using SharpBpf.Asm;
using SharpBpf.Helpers;
using SharpBpf.Maps;
using SharpBpf.ProgramTypes;
using SharpBpf.Verifier;

namespace SharpBpf.Tests.Verifier;

/// <summary>Assembles LLVM-syntax programs and runs the verifier on them.</summary>
public abstract class VerifierTestBase
{
    protected static readonly HelperTable StandardTable = StandardHelpers.Register(new HelperTable());

    /// <summary>Unprivileged mode: among others, reads of uninitialised stack are rejected (privileged mode allows them).</summary>
    protected static readonly VerifierOptions Unprivileged = new() { Privileged = false, LogLevel = 1 };

    protected static VerificationResult Verify(string asm, BpfProgramType type = BpfProgramType.Unspecified,
        IReadOnlyList<MapDefinition>? maps = null, VerifierOptions? options = null, HelperTable? helpers = null)
    {
        var code = Assembler.Assemble(asm, AsmSyntax.Llvm);
        return BpfVerifier.Verify(new VerifierInput(code, type, maps ?? [], helpers ?? StandardTable), options ?? new VerifierOptions { LogLevel = 1 });
    }

    protected static void Accepts(string asm, BpfProgramType type = BpfProgramType.Unspecified, IReadOnlyList<MapDefinition>? maps = null,
        VerifierOptions? options = null, HelperTable? helpers = null)
    {
        var result = Verify(asm, type, maps, options, helpers);
        Assert.True(result.Accepted, $"expected acceptance but got: {result.Error}\n{result.Log}");
    }

    protected static VerifierError Rejects(string asm, VerifierErrorKind kind, BpfProgramType type = BpfProgramType.Unspecified,
        IReadOnlyList<MapDefinition>? maps = null, VerifierOptions? options = null, HelperTable? helpers = null, string? reasonContains = null)
    {
        var result = Verify(asm, type, maps, options, helpers);
        Assert.False(result.Accepted, $"expected rejection ({kind}) but the program was accepted\n{result.Log}");
        Assert.True(result.Error!.Kind == kind, $"expected {kind} but got {result.Error}\n{result.Log}");
        if (reasonContains is not null) Assert.Contains(reasonContains, result.Error.Reason);
        return result.Error;
    }

    protected static MapDefinition HashMap(string name = "counts", uint key = 4, uint value = 8) =>
        new() { Name = name, Type = MapType.Hash, KeySize = key, ValueSize = value, MaxEntries = 16 };

    protected static MapDefinition ArrayMap(string name = "arr", uint value = 12) =>
        new() { Name = name, Type = MapType.Array, KeySize = 4, ValueSize = value, MaxEntries = 4 };

    protected static MapDefinition RingBuf(string name = "events") =>
        new() { Name = name, Type = MapType.RingBuf, MaxEntries = 4096 };
}
