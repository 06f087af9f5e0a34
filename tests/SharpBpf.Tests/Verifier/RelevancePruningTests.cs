using System.Text;
using SharpBpf.Asm;
using SharpBpf.Helpers;
using SharpBpf.ProgramTypes;
using SharpBpf.Verifier;

namespace SharpBpf.Tests.Verifier;

/// <summary>
/// Pruning that ignores live scalars whose value cannot matter (<see cref="Relevance"/>): it folds paths that differ
/// only in such registers, and never folds a path whose value later reaches a check (through a spill, a subprogram
/// argument, a branch, a caller's saved register, the return value or pointer arithmetic).
/// </summary>
public class RelevancePruningTests : VerifierTestBase
{
    /// <summary>
    /// n diamonds on a fresh random value: the fall-through side (explored first) leaves <paramref name="counter"/>
    /// alone, the taken side runs <paramref name="taken"/>. Paths differ only in the counter at every join.
    /// </summary>
    private static string Diamonds(int n, string counter, string taken)
    {
        var text = new StringBuilder();
        for (int i = 0; i < n; i++)
            text.Append($"call 7\nif r0 > 500 goto t{counter}{i}\ngoto j{counter}{i}\nt{counter}{i}:\n{taken.Replace("$c", counter)}\nj{counter}{i}:\n");
        return text.ToString();
    }

    [Fact]
    public void PathsDifferingOnlyInAnUnusedCounterAreFolded()
    {
        // Without relevance every count 0..n is a different state at each join: about n^2/2 paths' worth of work.
        const int n = 200;
        var result = Verify("r6 = 0\n" + Diamonds(n, "r6", "$c += 1") + "r0 = 0\nexit\n");
        Assert.True(result.Accepted, result.Log);
        Assert.True(result.ProcessedInstructions < 10 * n, $"{result.ProcessedInstructions} instructions processed for {n} diamonds");
    }

    [Fact]
    public void BenchmarkDiamondsProcessAsManyInstructionsAsLinux()
    {
        // The verifier benchmark's program: 1,000 diamonds on one unknown value. The branches are decided on many
        // paths, so r0 matters and the paths stay distinct (Linux 6.18 processes 788,794 instructions); the counter r1
        // never matters.
        var code = new List<SharpBpf.Isa.Instruction> { SharpBpf.Isa.Insn.EmitCall(HelperIds.GetPrandomU32), SharpBpf.Isa.Insn.Mov64Imm(1, 0) };
        for (int i = 0; i < 1000; i++)
        {
            code.Add(SharpBpf.Isa.Insn.JmpImm(SharpBpf.Isa.Bpf.JGT, 0, i * 7 % 1000, 1));
            code.Add(SharpBpf.Isa.Insn.Alu64Imm(SharpBpf.Isa.Bpf.ADD, 1, 1));
        }
        code.Add(SharpBpf.Isa.Insn.Mov64Imm(0, 0));
        code.Add(SharpBpf.Isa.Insn.ExitInsn());
        var result = BpfVerifier.Verify(new VerifierInput(SharpBpf.Isa.Bytecode.FromInstructions(code), BpfProgramType.SocketFilter, [], StandardTable),
            new VerifierOptions { MaxProcessedInstructions = 4_000_000 });
        Assert.True(result.Accepted, result.Error?.ToString());
        Assert.InRange(result.ProcessedInstructions, 700_000, 800_000);
        // States are stored after 2 jumps and 8 instructions, not at every prune point (Linux stores 98,290 here).
        Assert.True(result.StatesExplored < result.ProcessedInstructions / 4, $"{result.StatesExplored} states stored");
    }

    [Fact]
    public void CounterReachingAnAccessThroughAStackSpillIsNotFolded()
    {
        var result = Verify("r6 = 0\n" + Diamonds(10, "r6", "$c += 8") + """
            *(u64 *)(r10 - 8) = r6
            r7 = *(u64 *)(r10 - 8)
            *(u64 *)(r10 - 16) = 0
            r8 = r10
            r8 += -16
            r8 += r7
            r0 = *(u64 *)(r8 + 0)
            exit
            """);
        AssertRejectedAtLast(result, "r0 = *(u64 *)(r8 + 0x0)");
    }

    [Fact]
    public void CounterPassedToASubprogramIsNotFolded()
    {
        var result = Verify("r6 = 0\n" + Diamonds(10, "r6", "$c += 8") + """
            r1 = r6
            call f
            r0 = 0
            exit
            f:
            *(u64 *)(r10 - 16) = 0
            r2 = r10
            r2 += -16
            r2 += r1
            r0 = *(u64 *)(r2 + 0)
            exit
            """);
        AssertRejectedAtLast(result, "r0 = *(u64 *)(r2 + 0x0)");
    }

    [Fact]
    public void CounterDecidingABranchIsNotFolded()
    {
        var result = Verify("r6 = 0\n" + Diamonds(10, "r6", "$c += 1") + """
            if r6 > 8 goto bad
            r0 = 0
            exit
            bad:
            r0 = *(u64 *)(r10 + 8)
            exit
            """);
        AssertRejectedAtLast(result, "r0 = *(u64 *)(r10 + 0x8)");
    }

    [Fact]
    public void CallerRegisterUsedAfterTheCallIsNotFoldedInsideTheCallee()
    {
        // The callee's own diamonds give it prune points; the caller's r6 differs between the entries and is used
        // after the return, so states inside the callee must not stand for each other.
        var result = Verify("r6 = 0\n" + Diamonds(4, "r6", "$c += 8") + """
            call f
            *(u64 *)(r10 - 16) = 0
            r2 = r10
            r2 += -16
            r2 += r6
            r0 = *(u64 *)(r2 + 0)
            exit
            f:
            r7 = 0
            """ + "\n" + Diamonds(4, "r7", "$c += 1") + "r0 = 0\nexit\n");
        AssertRejectedAtLast(result, "r0 = *(u64 *)(r2 + 0x0)");
    }

    [Fact]
    public void CounterReturnedFromTheProgramIsNotFolded()
    {
        // cgroup_skb programs return 0 or 1.
        var result = Verify("r6 = 0\n" + Diamonds(4, "r6", "$c += 1") + "r0 = r6\nexit\n", BpfProgramType.CgroupSkb);
        Assert.False(result.Accepted, result.Log);
        Assert.Equal(VerifierErrorKind.InvalidReturnValue, result.Error!.Kind);
    }

    [Fact]
    public void ScalarAddedToAPointerWhoseResultIsDeadIsNotFolded()
    {
        // Pointer arithmetic is checked even when its result is never used: the unknown offset must be rejected.
        var result = Verify("r9 = r1\nr6 = 0\n" + Diamonds(4, "r6", "$c = *(u64 *)(r9 + 0)") + """
            r2 = r10
            r2 += r6
            r0 = 0
            exit
            """);
        Assert.False(result.Accepted, result.Log);
        Assert.Equal(VerifierErrorKind.PointerArithmetic, result.Error!.Kind);
    }

    [Fact]
    public void PointerInAnIrrelevantRegisterIsStillComparedInFull()
    {
        // r7's value never reaches a check (it is overwritten right after the add), but the add itself is only allowed
        // on some pointer kinds: a map pointer must not be folded into the stack pointer of the first path.
        var result = Verify("r7 = r10\n" + Diamonds(4, "r7", "ld_pseudo $c, 5, 0") + """
            r7 += 8
            r7 = 0
            r0 = 0
            exit
            """, maps: [HashMap()]);
        Assert.False(result.Accepted, result.Log);
        Assert.Equal(VerifierErrorKind.PointerArithmetic, result.Error!.Kind);
    }

    [Fact]
    public void BoundedLoopWithAnUnusedCounterIsStillUnrolled()
    {
        var result = Verify("""
            r6 = 0
            r1 = 0
            loop:
            r6 += 3
            r1 += 1
            if r1 < 50 goto loop
            r0 = 0
            exit
            """);
        Assert.True(result.Accepted, result.Log);
        Assert.True(result.ProcessedInstructions >= 150, $"only {result.ProcessedInstructions} instructions processed");
    }

    [Fact]
    public void LoopChangingOnlyAnUnusedRegisterIsNotAccepted()
    {
        // Runs forever when r0 > 5; r6 is the only register that changes and it never matters. The loop must not be
        // folded into one iteration.
        var error = Rejects("""
            call 7
            r6 = 0
            loop:
            r6 += 1
            if r0 > 5 goto loop
            r0 = 0
            exit
            """, VerifierErrorKind.TooComplex, options: new VerifierOptions { MaxProcessedInstructions = 20_000 });
        Assert.Contains("too complex", error.Reason);
    }

    [Fact]
    public void RelevanceFollowsValuesBackwardsToTheirUses()
    {
        var code = Assembler.Assemble("""
            r1 = 0
            r2 = 1
            r3 = r2
            r1 += 1
            *(u64 *)(r10 - 8) = r3
            r4 = 5
            r5 = r10
            r5 += r4
            r0 = 0
            exit
            """, AsmSyntax.Llvm);
        var cfg = new ControlFlow(code, StandardTable);
        var relevant = Relevance.Compute(code, cfg, StandardTable);
        const int R0 = 1, R1 = 2, R2 = 4, R3 = 8, R4 = 16, R5 = 32, R10 = 1024;
        Assert.Equal(0, relevant[3] & R1);             // the counter r1 never reaches a check
        Assert.Equal(R2, relevant[2] & (R1 | R2 | R3)); // r3 = r2: r3 is stored, so r2 matters before the copy
        Assert.Equal(R3 | R10, relevant[4] & (R3 | R10)); // a store: address and value
        Assert.Equal(R4 | R5, relevant[7] & (R4 | R5)); // register-source add: either side may be a pointer
        Assert.Equal(0, relevant[8] & (R4 | R5));       // nothing reads r4 or r5 after the add
        Assert.Equal(R0, relevant[9]);                  // exit: the return value
    }

    [Fact]
    public void RelevanceMarksBranchAndCallOperands()
    {
        var code = Assembler.Assemble("""
            r6 = r1
            r7 = 1
            r8 = 2
            if r7 > r8 goto skip
            r1 = r6
            r2 = 3
            call f
            skip:
            r0 = 0
            exit
            f:
            r0 = 0
            exit
            """, AsmSyntax.Llvm);
        var cfg = new ControlFlow(code, StandardTable);
        var relevant = Relevance.Compute(code, cfg, StandardTable);
        const int R1 = 2, R2 = 4, R6 = 64, R7 = 128, R8 = 256;
        Assert.Equal(R6 | R7 | R8, relevant[3] & (R6 | R7 | R8)); // both branch operands; r6 feeds the call's r1
        Assert.Equal(R1 | R2, relevant[6] & (R1 | R2));           // local call: every argument
        Assert.Equal(0, relevant[1] & (R1 | R2));                 // r1 and r2 are overwritten before the call
    }

    private static void AssertRejectedAtLast(VerificationResult result, string instruction)
    {
        Assert.False(result.Accepted, $"the unsafe path was folded away\n{result.Log}");
        Assert.Equal(instruction, result.Error!.Instruction);
    }
}
