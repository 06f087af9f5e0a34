using SharpBpf.Verifier;

namespace SharpBpf.Tests.Verifier;

public class ScalarAndStackTests : VerifierTestBase
{
    [Fact]
    public void RegisterBoundsSyncThroughAndAndShift()
    {
        // r1 & 0xff gives [0, 255]; << 2 gives [0, 1020]: a bounded index into a 1024-byte map value.
        Accepts("""
            r6 = r1
            *(u32 *)(r10 - 4) = 0
            r2 = r10
            r2 += -4
            ld_pseudo r1, 5, 0
            call 1
            if r0 == 0 goto out
            r1 = *(u32 *)(r6 + 0)
            r1 &= 0xff
            r1 <<= 2
            r0 += r1
            r2 = *(u32 *)(r0 + 0)
            out:
            r0 = 0
            exit
            """, maps: [HashMap(value: 1024)]);
    }

    [Fact]
    public void DivisionByConstantZeroIsRejected() => Rejects("r0 = 5\nr0 /= 0\nexit", VerifierErrorKind.DivisionByZero);

    [Fact]
    public void DivisionByRegisterZeroIsDefined() => Accepts("r0 = 5\nr1 = 0\nr0 /= r1\nexit");

    [Fact]
    public void ShiftByTooMuchIsRejected() => Rejects("r0 = 5\nr0 <<= 64\nexit", VerifierErrorKind.UnsupportedInstruction);

    [Fact]
    public void WritingR10IsRejectedByBytecodeOrVerifier()
    {
        // Bytecode refuses r10 as a destination; the verifier's check is a second line of defence.
        Assert.ThrowsAny<SharpBpf.BpfException>(() => Verify("r10 = 0\nr0 = 0\nexit"));
    }

    [Fact]
    public void ConstantFoldingDecidesBranches()
    {
        // The branch is never taken, so the uninitialized read behind it is never reached.
        Accepts("""
            r1 = 3
            r1 *= 7
            if r1 != 21 goto bad
            r0 = 0
            exit
            bad:
            r0 = r5
            exit
            """);
    }

    [Fact]
    public void ThirtyTwoBitOperationsZeroExtend()
    {
        Accepts("""
            r1 = -1
            w1 += 0
            if r1 > 0xffffffff goto bad
            r0 = 0
            exit
            bad:
            r0 = r5
            exit
            """);
    }

    [Fact]
    public void JumpThirtyTwoRefinesSubregister()
    {
        Accepts("""
            r6 = r1
            *(u32 *)(r10 - 4) = 0
            r2 = r10
            r2 += -4
            ld_pseudo r1, 5, 0
            call 1
            if r0 == 0 goto out
            w1 = *(u32 *)(r6 + 0)
            if w1 > 7 goto out
            r0 += r1
            r2 = *(u8 *)(r0 + 0)
            out:
            r0 = 0
            exit
            """, maps: [HashMap(value: 8)]);
    }

    [Fact]
    public void ReadOfUninitializedStackIsRejectedUnprivileged()
    {
        var error = Rejects("r0 = *(u64 *)(r10 - 8)\nexit", VerifierErrorKind.InvalidMemoryAccess, options: Unprivileged);
        Assert.Contains("uninitialized", error.Reason);
    }

    [Fact]
    public void PrivilegedReadOfUninitializedStackIsAnUnknownScalar()
    {
        // Linux's allow_uninit_stack (CAP_PERFMON): the value is unknown, so it cannot be used as a bounded index.
        var result = Verify("r0 = *(u64 *)(r10 - 8)\nexit", options: new VerifierOptions { LogLevel = 2 });
        Assert.True(result.Accepted, result.Error?.ToString());
        Assert.Contains("R0=scalar()", result.Log);
        Rejects("""
            r2 = *(u32 *)(r10 - 8)
            r3 = r10
            r3 += -16
            r3 += r2
            r0 = *(u8 *)(r3 + 0)
            exit
            """, VerifierErrorKind.OutOfBoundsAccess);
    }

    [Fact]
    public void PartialInitializationIsTrackedPerByte()
    {
        Accepts("*(u32 *)(r10 - 8) = 1\nr0 = *(u32 *)(r10 - 8)\nexit", options: Unprivileged);
        Rejects("*(u32 *)(r10 - 8) = 1\nr0 = *(u64 *)(r10 - 8)\nexit", VerifierErrorKind.InvalidMemoryAccess, options: Unprivileged);
        Accepts("*(u32 *)(r10 - 8) = 1\nr0 = *(u64 *)(r10 - 8)\nexit");
    }

    [Fact]
    public void SpilledPointerKeepsItsType()
    {
        // Spill the context pointer, fill it back and dereference it.
        Accepts("""
            *(u64 *)(r10 - 16) = r1
            r1 = 0
            r2 = *(u64 *)(r10 - 16)
            r0 = *(u32 *)(r2 + 0)
            exit
            """);
    }

    [Fact]
    public void SpilledScalarKeepsItsBounds()
    {
        Accepts("""
            r6 = r1
            r7 = 0
            *(u64 *)(r10 - 16) = r7
            *(u32 *)(r10 - 4) = 0
            r2 = r10
            r2 += -4
            ld_pseudo r1, 5, 0
            call 1
            if r0 == 0 goto out
            r1 = *(u64 *)(r10 - 16)
            r0 += r1
            r0 = *(u64 *)(r0 + 0)
            out:
            r0 = 0
            exit
            """, maps: [HashMap()]);
    }

    [Fact]
    public void ScalarIsNotAPointer()
    {
        var error = Rejects("r3 = 100\nr0 = *(u64 *)(r3 + 0)\nexit", VerifierErrorKind.InvalidMemoryAccess);
        Assert.Equal("r3 is a scalar, not a pointer: cannot load from it", error.Reason);
    }

    [Fact]
    public void VariableStackOffsetWithinInitializedBytes()
    {
        Accepts("""
            *(u64 *)(r10 - 8) = 0
            *(u64 *)(r10 - 16) = 0
            r2 = *(u32 *)(r1 + 0)
            r2 &= 7
            r3 = r10
            r3 += -16
            r3 += r2
            r0 = *(u8 *)(r3 + 0)
            exit
            """);
        // Bytes fp-16..fp-9 were never written: privileged programs read them as unknown (allow_uninit_stack).
        Accepts("""
            *(u64 *)(r10 - 8) = 0
            r2 = *(u32 *)(r1 + 0)
            r2 &= 15
            r3 = r10
            r3 += -16
            r3 += r2
            r0 = *(u8 *)(r3 + 0)
            exit
            """);
    }

    [Fact]
    public void UnboundedVariableOffsetIsRejected() =>
        Rejects("""
            r2 = *(u64 *)(r1 + 0)
            r3 = r10
            r3 += r2
            r0 = 0
            exit
            """, VerifierErrorKind.PointerArithmetic);

    [Fact]
    public void PointerPlusPointerIsRejected() =>
        Rejects("r2 = r10\nr2 += r1\nr0 = 0\nexit", VerifierErrorKind.PointerArithmetic);

    [Fact]
    public void ThirtyTwoBitPointerArithmeticIsRejected() =>
        Rejects("r2 = r10\nw2 += 4\nr0 = 0\nexit", VerifierErrorKind.PointerArithmetic);

    [Fact]
    public void MultiplyingAPointerIsRejected() =>
        Rejects("r2 = r10\nr2 *= 2\nr0 = 0\nexit", VerifierErrorKind.PointerArithmetic);

    [Fact]
    public void MisalignedStackAccessIsRejected() =>
        Rejects("*(u32 *)(r10 - 6) = 0\nr0 = 0\nexit", VerifierErrorKind.InvalidMemoryAccess, reasonContains: "misaligned");

    [Fact]
    public void NarrowFillOfASpilledPointerIsRejected() =>
        Rejects("*(u64 *)(r10 - 8) = r1\nr0 = *(u32 *)(r10 - 8)\nexit", VerifierErrorKind.InvalidMemoryAccess, reasonContains: "register fill");

    [Fact]
    public void PointerDifferenceIsAScalarWhenPrivileged()
    {
        Accepts("r2 = r10\nr2 -= r1\nr0 = 0\nexit");
        Rejects("r2 = r10\nr2 -= r1\nr0 = 0\nexit", VerifierErrorKind.PointerArithmetic, options: new VerifierOptions { Privileged = false });
    }

    [Fact]
    public void AtomicAddOnStack() =>
        Accepts("*(u64 *)(r10 - 8) = 0\nr1 = 1\nlock *(u64 *)(r10 - 8) += r1\nr0 = *(u64 *)(r10 - 8)\nexit");

    [Fact]
    public void SignExtendingLoadAndMovsx() =>
        Accepts("""
            *(u64 *)(r10 - 8) = -1
            r0 = *(s8 *)(r10 - 8)
            r0 = (s16)r0
            if r0 s< 0 goto neg
            r0 = r5
            neg:
            r0 = 0
            exit
            """);
}

public class LinkedScalarTests : VerifierTestBase
{
    [Fact]
    public void BoundsCheckOnACopyNarrowsTheOriginal() =>
        Accepts("""
            r6 = r1
            *(u32 *)(r10 - 4) = 0
            r2 = r10
            r2 += -4
            ld_pseudo r1, 5, 0
            call 1
            if r0 == 0 goto out
            r1 = *(u32 *)(r6 + 0)
            r2 = r1
            if r2 > 7 goto out
            r0 += r1
            r1 = *(u8 *)(r0 + 0)
            out:
            r0 = 0
            exit
            """, maps: [HashMap()]);

    [Fact]
    public void ArithmeticBreaksTheLink() =>
        Rejects("""
            r6 = r1
            *(u32 *)(r10 - 4) = 0
            r2 = r10
            r2 += -4
            ld_pseudo r1, 5, 0
            call 1
            if r0 == 0 goto out
            r1 = *(u32 *)(r6 + 0)
            r2 = r1
            r1 += 100
            if r2 > 7 goto out
            r0 += r1
            r1 = *(u8 *)(r0 + 0)
            out:
            r0 = 0
            exit
            """, VerifierErrorKind.OutOfBoundsAccess, maps: [HashMap()]);
}
