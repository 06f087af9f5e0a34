using SharpBpf.Maps;
using SharpBpf.ProgramTypes;
using SharpBpf.Verifier;

namespace SharpBpf.Tests.Verifier;

public class ReferenceAndLoopTests : VerifierTestBase
{
    private const string Reserve = """
        ld_pseudo r1, 5, 0
        r2 = 16
        r3 = 0
        call 131
        """;

    [Fact]
    public void ReserveThenSubmitIsAccepted() =>
        Accepts(Reserve + """

            if r0 == 0 goto out
            *(u64 *)(r0 + 8) = 1
            r1 = r0
            r2 = 0
            call 132
            out:
            r0 = 0
            exit
            """, maps: [RingBuf()]);

    [Fact]
    public void ReservationLeakedOnOnePathIsRejected()
    {
        var error = Rejects(Reserve + """

            if r0 == 0 goto out
            r6 = r0
            call 7
            if r0 > 100 goto out
            r1 = r6
            r2 = 0
            call 133
            out:
            r0 = 0
            exit
            """, VerifierErrorKind.ReferenceLeak, maps: [RingBuf()]);
        Assert.Contains("reserved at instruction 4", error.Reason);
    }

    [Fact]
    public void UseAfterSubmitIsRejected() =>
        Rejects(Reserve + """

            if r0 == 0 goto out
            r6 = r0
            r1 = r0
            r2 = 0
            call 132
            *(u64 *)(r6 + 0) = 1
            out:
            r0 = 0
            exit
            """, VerifierErrorKind.InvalidMemoryAccess, maps: [RingBuf()]);

    [Fact]
    public void ReservedMemoryIsBoundedByTheRequestedSize() =>
        Rejects(Reserve + """

            if r0 == 0 goto out
            *(u64 *)(r0 + 16) = 1
            r1 = r0
            r2 = 0
            call 132
            out:
            r0 = 0
            exit
            """, VerifierErrorKind.OutOfBoundsAccess, maps: [RingBuf()]);

    [Fact]
    public void DoubleSubmitIsRejected() =>
        Rejects(Reserve + """

            if r0 == 0 goto out
            r6 = r0
            r1 = r0
            r2 = 0
            call 132
            r1 = r6
            r2 = 0
            call 132
            out:
            r0 = 0
            exit
            """, VerifierErrorKind.HelperArgument, maps: [RingBuf()]);

    [Fact]
    public void SubmittingAMovedPointerIsRejected() =>
        Rejects(Reserve + """

            if r0 == 0 goto out
            r1 = r0
            r1 += 8
            r2 = 0
            call 132
            out:
            r0 = 0
            exit
            """, VerifierErrorKind.HelperArgument, maps: [RingBuf()]);

    private static MapDefinition LockedArray() =>
        new() { Name = "locked", Type = MapType.Array, KeySize = 4, ValueSize = 16, MaxEntries = 1, SpinLockOffset = 0 };

    private const string LockLookup = """
        *(u32 *)(r10 - 4) = 0
        r2 = r10
        r2 += -4
        ld_pseudo r1, 5, 0
        call 1
        if r0 == 0 goto out
        r6 = r0
        r1 = r0
        call 93
        """;

    [Fact]
    public void BalancedSpinLockIsAccepted() =>
        Accepts(LockLookup + """

            r1 = *(u64 *)(r6 + 8)
            r1 += 1
            *(u64 *)(r6 + 8) = r1
            r1 = r6
            call 94
            out:
            r0 = 0
            exit
            """, BpfProgramType.SchedCls, maps: [LockedArray()]);

    [Fact]
    public void ExitWhileHoldingTheLockIsRejected() =>
        Rejects(LockLookup + """

            out:
            r0 = 0
            exit
            """, VerifierErrorKind.SpinLock, BpfProgramType.SchedCls, maps: [LockedArray()]);

    [Fact]
    public void HelperCallWhileHoldingTheLockIsRejected() =>
        Rejects(LockLookup + """

            call 5
            r1 = r6
            call 94
            out:
            r0 = 0
            exit
            """, VerifierErrorKind.SpinLock, BpfProgramType.SchedCls, maps: [LockedArray()]);

    [Fact]
    public void DirectAccessToTheLockWordIsRejected() =>
        Rejects(LockLookup + """

            r1 = *(u32 *)(r6 + 0)
            r1 = r6
            call 94
            out:
            r0 = 0
            exit
            """, VerifierErrorKind.SpinLock, BpfProgramType.SchedCls, maps: [LockedArray()]);

    [Fact]
    public void BoundedLoopIsExplored()
    {
        var result = Verify("""
            r0 = 0
            r1 = 0
            loop:
            r0 += r1
            r1 += 1
            if r1 < 100 goto loop
            r0 = 0
            exit
            """);
        Assert.True(result.Accepted, result.Log);
        Assert.True(result.ProcessedInstructions >= 300, $"only {result.ProcessedInstructions} instructions processed");
    }

    [Fact]
    public void BoundedLoopIndexesTheStack() =>
        Accepts("""
            *(u64 *)(r10 - 8) = 0
            *(u64 *)(r10 - 16) = 0
            r1 = 0
            r0 = 0
            loop:
            r2 = r10
            r2 += -16
            r2 += r1
            r3 = *(u8 *)(r2 + 0)
            r0 += r3
            r1 += 1
            if r1 < 16 goto loop
            exit
            """);

    [Fact]
    public void IdenticalStateLoopIsInfinite() =>
        Rejects("r0 = 0\nloop:\nr1 = 0\ngoto loop", VerifierErrorKind.InfiniteLoop);

    [Fact]
    public void LoopWithoutBoundIsTooComplex()
    {
        var error = Rejects("""
            r0 = 0
            r1 = 0
            loop:
            r1 += 1
            if r1 != 0 goto loop
            exit
            """, VerifierErrorKind.TooComplex, options: new VerifierOptions { MaxProcessedInstructions = 20_000 });
        Assert.Contains("too complex", error.Reason);
    }

    [Fact]
    public void UnprivilegedLoopsAreRejected() =>
        Rejects("""
            r1 = 0
            loop:
            r1 += 1
            if r1 < 10 goto loop
            r0 = 0
            exit
            """, VerifierErrorKind.InfiniteLoop, options: new VerifierOptions { Privileged = false });

    [Fact]
    public void BpfLoopCallbackIsVerified()
    {
        Accepts("""
            *(u64 *)(r10 - 8) = 0
            r1 = 10
            ld_pseudo r2, 4, 7
            r3 = r10
            r3 += -8
            r4 = 0
            call 181
            r0 = 0
            exit
            cb:
            r3 = *(u64 *)(r2 + 0)
            r3 += r1
            *(u64 *)(r2 + 0) = r3
            r0 = 0
            exit
            """);
    }

    [Fact]
    public void BpfLoopCallbackMustReturnZeroOrOne() =>
        Rejects("""
            r1 = 10
            ld_pseudo r2, 4, 6
            r3 = 0
            r4 = 0
            call 181
            r0 = 0
            exit
            cb:
            r0 = 2
            exit
            """, VerifierErrorKind.InvalidReturnValue);

    [Fact]
    public void BpfLoopCallbackCannotReadPastTheContext() =>
        Rejects("""
            *(u64 *)(r10 - 8) = 0
            r1 = 10
            ld_pseudo r2, 4, 7
            r3 = r10
            r3 += -8
            r4 = 0
            call 181
            r0 = 0
            exit
            cb:
            r3 = *(u64 *)(r2 + 8)
            r0 = 0
            exit
            """, VerifierErrorKind.OutOfBoundsAccess);

    [Fact]
    public void CallbackSeesStackChangesOfEarlierIterations()
    {
        // The first call reads offset 0 from the context and stores the loop index there; a later call uses that index
        // as an offset into the caller's stack, which is only safe in the first invocation: repeated invocations must be explored.
        Rejects("""
            *(u64 *)(r10 - 8) = 0
            *(u64 *)(r10 - 16) = 0
            r1 = 10
            ld_pseudo r2, 4, 7
            r3 = r10
            r3 += -16
            r4 = 0
            call 181
            r0 = 0
            exit
            cb:
            r3 = *(u64 *)(r2 + 0)
            r3 += 8
            r4 = r2
            r4 += r3
            r4 = *(u64 *)(r4 + 0)
            *(u64 *)(r2 + 0) = r1
            r0 = 0
            exit
            """, VerifierErrorKind.PointerArithmetic);
    }

    [Fact]
    public void ForEachMapElemCallbackGetsTypedArguments() =>
        Accepts("""
            ld_pseudo r1, 5, 0
            ld_pseudo r2, 4, 6
            r3 = 0
            r4 = 0
            call 164
            r0 = 0
            exit
            cb:
            r0 = *(u32 *)(r2 + 0)
            r0 = *(u64 *)(r3 + 0)
            r0 = 0
            exit
            """, maps: [HashMap()]);
}

public class PruningTests : VerifierTestBase
{
    [Fact]
    public void SequentialDiamondsArePruned()
    {
        // 40 independent branches: 2^40 paths without pruning. r2 is dead after each join, so states merge.
        var text = new System.Text.StringBuilder("r6 = *(u64 *)(r1 + 0)\nr0 = 0\n");
        for (int i = 0; i < 40; i++)
            text.Append($"r2 = r6\nr2 &= {1 << (i % 20)}\nif r2 == 0 goto j{i}\nr2 = 7\nj{i}:\n");
        text.Append("exit\n");
        var result = Verify(text.ToString());
        Assert.True(result.Accepted, result.Log);
        Assert.True(result.ProcessedInstructions < 2000, $"{result.ProcessedInstructions} instructions processed");
    }

    [Fact]
    public void WiderStoredRangeSubsumesNarrowerOne()
    {
        // Both branches reach the join with r2 in [0, 15] (the first) and [0, 3] (the second): the second is pruned.
        var result = Verify("""
            r2 = *(u64 *)(r1 + 0)
            r3 = *(u64 *)(r1 + 8)
            if r3 == 0 goto narrow
            r2 &= 15
            goto join
            narrow:
            r2 &= 3
            join:
            *(u64 *)(r10 - 16) = 0
            *(u64 *)(r10 - 8) = 0
            r4 = r10
            r4 += -16
            r4 += r2
            r0 = *(u8 *)(r4 + 0)
            exit
            """);
        Assert.True(result.Accepted, result.Log);
        Assert.True(result.ProcessedInstructions < 20, $"{result.ProcessedInstructions} instructions processed");
    }

    [Fact]
    public void UnprivilegedProgramTypeIsChecked() =>
        Rejects("r0 = 0\nexit", VerifierErrorKind.ProgramTypeNotAllowed, SharpBpf.ProgramTypes.BpfProgramType.Kprobe,
            options: new VerifierOptions { Privileged = false });
}
