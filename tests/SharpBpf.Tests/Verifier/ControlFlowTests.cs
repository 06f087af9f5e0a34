using SharpBpf.Verifier;

namespace SharpBpf.Tests.Verifier;

public class ControlFlowTests : VerifierTestBase
{
    [Fact]
    public void MinimalProgramIsAccepted() => Accepts("r0 = 0\nexit");

    [Fact]
    public void UnreachableInstructionIsRejected()
    {
        var error = Rejects("r0 = 0\nexit\nr0 = 1\nexit", VerifierErrorKind.UnreachableInstruction);
        Assert.Equal(2, error.InstructionIndex);
        Assert.Equal("r0 = 0x1", error.Instruction);
    }

    [Fact]
    public void FallingOffTheEndIsRejected() => Rejects("r0 = 0", VerifierErrorKind.FallOffEnd);

    [Fact]
    public void ConditionalBranchAsLastInstructionFallsOff() =>
        Rejects("r0 = 0\nl: if r0 == 0 goto l", VerifierErrorKind.FallOffEnd);

    [Fact]
    public void JumpIntoAnotherFunctionIsRejected() =>
        Rejects("""
            r0 = 0
            call f
            goto g
            exit
            f:
            r0 = 1
            g:
            exit
            """, VerifierErrorKind.JumpOutOfRange);

    [Fact]
    public void LocalCallReturnsScalar() =>
        Accepts("""
            r1 = 5
            call f
            exit
            f:
            r0 = r1
            r0 += 1
            exit
            """);

    [Fact]
    public void RecursionIsRejected() =>
        Rejects("""
            call f
            r0 = 0
            exit
            f:
            call f
            r0 = 0
            exit
            """, VerifierErrorKind.Recursion);

    [Fact]
    public void NineFramesAreTooDeep()
    {
        var text = new System.Text.StringBuilder("call f1\nr0 = 0\nexit\n");
        for (int i = 1; i <= 8; i++)
            text.Append($"f{i}:\n").Append(i < 8 ? $"call f{i + 1}\n" : "").Append("r0 = 0\nexit\n");
        Rejects(text.ToString(), VerifierErrorKind.CallDepth);
    }

    [Fact]
    public void EightFramesAreAllowed()
    {
        var text = new System.Text.StringBuilder("call f1\nr0 = 0\nexit\n");
        for (int i = 1; i <= 7; i++)
            text.Append($"f{i}:\n").Append(i < 7 ? $"call f{i + 1}\n" : "").Append("r0 = 0\nexit\n");
        Accepts(text.ToString());
    }

    [Fact]
    public void CombinedStackOver512IsRejected() =>
        Rejects("""
            *(u64 *)(r10 - 512) = 0
            call f
            r0 = 0
            exit
            f:
            *(u64 *)(r10 - 8) = 0
            r0 = 0
            exit
            """, VerifierErrorKind.StackTooLarge);

    [Fact]
    public void StackAccessBelowTheFrameIsRejected() =>
        Rejects("*(u64 *)(r10 - 520) = 0\nr0 = 0\nexit", VerifierErrorKind.OutOfBoundsAccess);

    [Fact]
    public void UninitializedRegisterIsRejected()
    {
        // r1 and r2 are defined at entry of the raw memory type (buffer and length); r3 is not.
        var error = Rejects("r0 = r3\nexit", VerifierErrorKind.UninitializedRegister);
        Assert.Contains("r3", error.Reason);
    }

    [Fact]
    public void ExitWithoutR0IsRejected() => Rejects("exit", VerifierErrorKind.UninitializedRegister, reasonContains: "r0");

    [Fact]
    public void CallClobbersArgumentRegisters() =>
        Rejects("r1 = 1\ncall 5\nr0 = r1\nexit", VerifierErrorKind.UninitializedRegister);

    [Fact]
    public void SubprogramMustReturnScalar() =>
        Rejects("""
            call f
            exit
            f:
            r0 = r10
            exit
            """, VerifierErrorKind.InvalidReturnValue);

    [Fact]
    public void KfuncCallsAreRejected() => Rejects("call btf 5\nr0 = 0\nexit", VerifierErrorKind.InvalidHelperCall);

    [Fact]
    public void SubprogramExitWithoutR0LeavesTheCallerR0Uninitialized()
    {
        // Linux checks r0 only where it is read: at the main program's exit here, not at the callee's.
        Assert.Equal(1, Rejects("call f\nexit\nf:\nexit", VerifierErrorKind.UninitializedRegister).InstructionIndex);
        Accepts("call f\nr0 = 0\nexit\nf:\nexit");
        Assert.Equal(1, Rejects("call f\nr1 = r0\nr0 = 0\nexit\nf:\nexit", VerifierErrorKind.UninitializedRegister).InstructionIndex);
    }
}
