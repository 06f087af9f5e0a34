using SharpBpf.Asm;
using SharpBpf.ProgramTypes;
using SharpBpf.Verifier;

namespace SharpBpf.Tests.Verifier;

public class LogTests : VerifierTestBase
{
    private const string MapProgram = """
        r6 = r1
        *(u32 *)(r10 - 4) = 0
        r2 = r10
        r2 += -4
        ld_pseudo r1, 5, 0
        call 1
        if r0 == 0 goto out
        r1 = *(u64 *)(r0 + 8)
        out:
        r0 = 0
        exit
        """;

    [Fact]
    public void ErrorNamesInstructionDisassemblyAndSource()
    {
        var code = Assembler.Assemble(MapProgram, AsmSyntax.Llvm);
        var input = new VerifierInput(code, BpfProgramType.Unspecified, [ArrayMap("counts", 12)], StandardTable)
        {
            SourceLine = pc => pc == 8 ? "prog.c:12: return v->total;" : null,
        };
        var result = BpfVerifier.Verify(input);
        Assert.False(result.Accepted);
        Assert.Equal(8, result.Error!.InstructionIndex);
        Assert.Equal(Disassembler.Format(code, 8, AsmSyntax.Llvm), result.Error.Instruction);
        Assert.Equal("prog.c:12: return v->total;", result.Error.SourceLocation);
        Assert.Contains("prog.c:12", result.Log);
        Assert.Contains(result.Error.Reason, result.Log);
        var thrown = Assert.Throws<BpfVerifierException>(result.ThrowIfRejected);
        Assert.Same(result.Error, thrown.Error);
    }

    [Fact]
    public void LevelOneShowsThePathToTheError()
    {
        var result = Verify(MapProgram, maps: [ArrayMap("counts", 12)], options: new VerifierOptions { LogLevel = 1 });
        var lines = result.Log.Split('\n');
        Assert.StartsWith("0: r6 = r1", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("7: if r0 == 0x0 goto", StringComparison.Ordinal));
        Assert.Contains("processed", result.Log);
    }

    [Fact]
    public void LevelZeroLogIsJustTheError()
    {
        var result = Verify(MapProgram, maps: [ArrayMap("counts", 12)], options: new VerifierOptions { LogLevel = 0 });
        Assert.DoesNotContain("0: r6 = r1", result.Log);
        Assert.Contains(result.Error!.Reason, result.Log);
    }

    [Fact]
    public void LevelTwoShowsRegisterStates()
    {
        var result = Verify("""
            r6 = r1
            *(u32 *)(r10 - 4) = 0
            r2 = r10
            r2 += -4
            ld_pseudo r1, 5, 0
            call 1
            if r0 == 0 goto out
            r1 = *(u8 *)(r6 + 0)
            r0 = 0
            exit
            out:
            r0 = 0
            exit
            """, maps: [HashMap("counts", 4, 8)], options: new VerifierOptions { LogLevel = 2 });
        Assert.True(result.Accepted, result.Log);
        Assert.Contains("R10=fp0", result.Log);
        Assert.Contains("fp-8=0000????", result.Log);
        Assert.Contains("R0=map_value_or_null(id=", result.Log);
        Assert.Contains("R0=map_value(id=", result.Log);
        Assert.Contains("ks=4,vs=8", result.Log);
        Assert.Contains("R1=scalar(umax=255", result.Log);
    }

    [Fact]
    public void AcceptedProgramReportsStatistics()
    {
        var result = Verify("r0 = 0\nif r1 == 0 goto a\nr0 = 1\na:\nexit", options: new VerifierOptions { LogLevel = 1 });
        Assert.True(result.Accepted);
        Assert.Null(result.Error);
        Assert.True(result.ProcessedInstructions >= 4);
        Assert.True(result.StatesExplored >= 1);
    }
}
