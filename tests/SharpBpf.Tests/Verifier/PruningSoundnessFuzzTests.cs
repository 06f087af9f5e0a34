using System.Diagnostics;
using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.ProgramTypes;
using SharpBpf.Runtime;
using SharpBpf.Verifier;
using Xunit.Abstractions;
using I = SharpBpf.Isa.Insn;

namespace SharpBpf.Tests.Verifier;

/// <summary>
/// Soundness of state pruning: random programs full of joins (diamonds on fresh random values and on counters, spills
/// and fills, subprogram calls with a join inside), where r7-r9 are bumped, copied and masked and only sometimes reach a memory access
/// (the raw memory context near its end, or the stack at a variable offset). Every accepted program is run 8 times on
/// the interpreter with different random values, so different paths are taken; none may fault. A pruning that let a
/// path stand for another one whose registers it should not (try treating every scalar as irrelevant) makes this fail
/// within a few hundred programs. <c>SHARPBPF_PRUNING_FUZZ=N</c> runs N programs (default 10,000); a failure prints
/// the seed (<c>SHARPBPF_PRUNING_FUZZ_SEED=S SHARPBPF_PRUNING_FUZZ=1</c> replays it).
/// </summary>
public class PruningSoundnessFuzzTests(ITestOutputHelper output)
{
    private const int MemorySize = ProgramTypeInfo.DefaultRawMemorySize;
    private const int RunsPerProgram = 8;

    [Fact]
    public void AcceptedProgramsWithManyJoinsNeverFault()
    {
        int count = int.TryParse(Environment.GetEnvironmentVariable("SHARPBPF_PRUNING_FUZZ"), out int n) ? n : 10_000;
        int firstSeed = int.TryParse(Environment.GetEnvironmentVariable("SHARPBPF_PRUNING_FUZZ_SEED"), out int s) ? s : 1;
        var environment = new HelperEnvironment();
        var helpers = StandardHelpers.Register(new HelperTable(), environment);
        var memory = new byte[MemorySize];
        var stopwatch = Stopwatch.StartNew();
        int accepted = 0;
        for (int seed = firstSeed; seed < firstSeed + count; seed++)
        {
            var program = Bytecode.FromInstructions(Generate(new Random(seed)));
            var result = BpfVerifier.Verify(new VerifierInput(program, BpfProgramType.Unspecified, [], helpers),
                new VerifierOptions { Privileged = true, MaxProcessedInstructions = 300_000 });
            if (!result.Accepted) continue;
            accepted++;
            var interpreter = new SharpBpf.Interpreter.Interpreter(program, helpers);
            for (int run = 0; run < RunsPerProgram; run++)
            {
                environment.Random = new Random(seed * RunsPerProgram + run);
                try
                {
                    var context = interpreter.RentContext();
                    unsafe
                    {
                        fixed (byte* start = memory)
                        {
                            context.AddRegion(new SharpBpf.Memory.MemoryRegion((ulong)start, MemorySize, SharpBpf.Memory.MemoryAccess.ReadWrite, "memory"));
                            interpreter.Run(context, (ulong)start, MemorySize);
                        }
                    }
                }
                catch (BpfRuntimeException fault) when (fault.Error is RuntimeError.OutOfBounds or RuntimeError.WriteToReadOnly)
                {
                    Assert.Fail($"seed {seed}, run {run}: the verifier accepted a program that faults: {fault.Message}\n" +
                                $"replay: SHARPBPF_PRUNING_FUZZ_SEED={seed} SHARPBPF_PRUNING_FUZZ=1\n{SharpBpf.Asm.Disassembler.Disassemble(program, SharpBpf.Asm.AsmSyntax.Llvm)}");
                }
            }
        }
        output.WriteLine($"{count} programs in {stopwatch.Elapsed.TotalSeconds:F1} s: {accepted} accepted, each run {RunsPerProgram} times");
        Assert.True(accepted >= count / 5, $"only {accepted} of {count} programs were accepted");
        Assert.True(accepted < count, "every program was accepted: the generator never goes out of bounds");
    }

    private static Instruction[] Generate(Random random)
    {
        int[] regs = [7, 8, 9];
        int Reg() => regs[random.Next(regs.Length)];
        var code = new List<Instruction> { I.Mov64Reg(6, 1) };
        for (int slot = 1; slot <= 4; slot++) code.Add(I.StMem(Bpf.DW, 10, (short)(-8 * slot), 0));
        foreach (int r in regs) code.Add(I.Mov64Imm(r, random.Next(0, 16)));
        bool hasSubprogram = random.Next(3) == 0;
        var callSites = new List<int>();

        void Simple()
        {
            int dst = Reg(), src = Reg();
            code.Add(random.Next(9) switch
            {
                0 => I.Alu64Imm(Bpf.ADD, dst, random.Next(0, 9)),
                1 => I.Mov64Reg(dst, src),
                2 => I.Alu64Reg(Bpf.ADD, dst, src),
                3 => I.Alu64Imm(Bpf.AND, dst, (1 << random.Next(1, 6)) - 1),
                4 => I.Alu64Imm(Bpf.LSH, dst, 1),
                5 => I.Mov64Imm(dst, random.Next(0, 40)),
                6 => I.StxMem(Bpf.DW, 10, dst, (short)(-8 * random.Next(1, 5))), // spill
                7 => I.LdxMem(Bpf.DW, dst, 10, (short)(-8 * random.Next(1, 5))), // fill
                _ => I.Alu64Reg(Bpf.SUB, dst, src),
            });
        }

        int blocks = random.Next(4, 20);
        for (int b = 0; b < blocks; b++)
        {
            switch (random.Next(8))
            {
                case 0: case 1: case 2: // diamond on a fresh random value
                {
                    code.Add(I.EmitCall(HelperIds.GetPrandomU32));
                    code.Add(I.Alu64Imm(Bpf.AND, 0, 1023));
                    int skip = random.Next(1, 4);
                    code.Add(I.JmpImm(random.Next(2) == 0 ? Bpf.JGT : Bpf.JLE, 0, random.Next(0, 1024), (short)skip));
                    for (int i = 0; i < skip; i++) Simple();
                    break;
                }
                case 3: // diamond on a counter
                {
                    byte[] jumps = [Bpf.JGT, Bpf.JLT, Bpf.JEQ, Bpf.JNE, Bpf.JSGT, Bpf.JGE];
                    int skip = random.Next(1, 4);
                    code.Add(I.JmpImm(jumps[random.Next(jumps.Length)], Reg(), random.Next(0, 40), (short)skip));
                    for (int i = 0; i < skip; i++) Simple();
                    break;
                }
                case 4: // stack read at a variable offset: safe for 0..31
                    code.Add(I.Mov64Reg(2, 10));
                    code.Add(I.Alu64Reg(Bpf.ADD, 2, Reg()));
                    code.Add(I.LdxMem(Bpf.B, 0, 2, -32));
                    break;
                case 5: // memory access near the end of the context
                    code.Add(I.Mov64Reg(2, 6));
                    code.Add(I.Alu64Reg(Bpf.ADD, 2, Reg()));
                    code.Add(random.Next(2) == 0
                        ? I.LdxMem(Bpf.W, 0, 2, (short)random.Next(MemorySize - 96, MemorySize + 4))
                        : I.StxMem(Bpf.B, 2, Reg(), (short)random.Next(MemorySize - 46, MemorySize + 4)));
                    break;
                case 6 when hasSubprogram: // the subprogram indexes its stack with its argument
                    code.Add(I.Mov64Reg(1, Reg()));
                    callSites.Add(code.Count);
                    code.Add(I.CallRel(0));
                    break;
                default:
                    Simple();
                    break;
            }
        }
        if (hasSubprogram && callSites.Count == 0)
        {
            code.Add(I.Mov64Reg(1, Reg()));
            callSites.Add(code.Count);
            code.Add(I.CallRel(0));
        }
        code.Add(random.Next(2) == 0 ? I.Mov64Imm(0, 0) : I.Mov64Reg(0, Reg()));
        code.Add(I.ExitInsn());
        if (hasSubprogram)
        {
            int start = code.Count;
            foreach (int site in callSites) code[site] = I.CallRel(start - site - 1);
            code.Add(I.StMem(Bpf.DW, 10, -16, 0));
            code.Add(I.StMem(Bpf.DW, 10, -8, 0));
            code.Add(I.Mov64Reg(3, 10));
            code.Add(I.Alu64Imm(Bpf.ADD, 3, -16));
            code.Add(I.Alu64Reg(Bpf.ADD, 3, 1));
            code.Add(I.LdxMem(Bpf.B, 0, 3, 0));
            // A join inside the subprogram where only the caller's registers differ between callers.
            code.Add(I.EmitCall(HelperIds.GetPrandomU32));
            code.Add(I.Alu64Imm(Bpf.AND, 0, 1023));
            code.Add(I.JmpImm(Bpf.JGT, 0, 511, 1));
            code.Add(I.Mov64Imm(0, 1));
            code.Add(I.Mov64Imm(0, 0));
            code.Add(I.ExitInsn());
        }
        return [.. code];
    }
}
