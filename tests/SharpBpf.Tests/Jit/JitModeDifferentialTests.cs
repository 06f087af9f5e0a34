using SharpBpf.Isa;
using SharpBpf.Jit;

namespace SharpBpf.Tests.Jit;

/// <summary>
/// Random straight-line and forward-branching ALU programs must give the same r0 in every JIT configuration:
/// checked, unchecked, blinded, and split into tiny regions. (Differential testing against the interpreter comes
/// with the merge; this catches mode-specific lowering bugs.)
/// </summary>
public class JitModeDifferentialTests
{
    private static readonly InstructionForm[] s_forms = OpcodeTable.Forms
        .Where(f => f.Operation <= Operation.Bswap || f.Flow == FlowControl.ConditionalBranch)
        .ToArray();

    private static readonly int[] s_special = [0, 1, -1, int.MinValue, int.MaxValue, 31, 32, 63, 64, 0x12345678, -0x7654321];

    private static Instruction[] RandomProgram(Random random, int length)
    {
        var program = new List<Instruction>();
        for (int r = 0; r <= 9; r++)
            program.AddRange(Insn.LdImm64(r, random.Next(4) == 0 ? 0x8000_0000_0000_0000UL >> random.Next(64) : (ulong)random.NextInt64()));
        for (int i = 0; i < length; i++)
        {
            var form = s_forms[random.Next(s_forms.Length)];
            int dst = random.Next(10), src = random.Next(10);
            int imm = random.Next(3) == 0 ? s_special[random.Next(s_special.Length)] : random.Next(int.MinValue, int.MaxValue);
            short offset = form.Flow == FlowControl.ConditionalBranch ? (short)random.Next(0, length - i) : (short)0;
            if (form.Source != OperandSource.Register) src = 0;
            if (form.Source != OperandSource.Immediate) imm = 0;
            program.Add(form.Encode(dst, src, offset, imm));
        }
        // Fold every register into r0 so a wrong value anywhere shows.
        for (int r = 1; r <= 9; r++)
        {
            program.Add(Insn.Alu64Imm(Bpf.MUL, Reg.R0, 31));
            program.Add(Insn.Alu64Reg(Bpf.ADD, Reg.R0, r));
        }
        program.Add(Insn.ExitInsn());
        return program.ToArray();
    }

    [Fact]
    public void All_configurations_agree_on_random_programs()
    {
        JitOptions[] configurations =
        [
            new(),
            JitTestSupport.Unchecked,
            new() { BlindConstants = true },
            new() { MaxRegionInstructions = 16 },
            new() { BlindConstants = true, MaxRegionInstructions = 16, MemoryMode = JitMemoryMode.Unchecked, UnsafeSkipBoundsChecks = true },
        ];
        var random = new Random(20261121);
        for (int n = 0; n < 150; n++)
        {
            var code = Bytecode.FromInstructions(RandomProgram(random, 60));
            var results = configurations.Select(options => JitCompiler.Compile(code, null, options).Run([])).ToArray();
            Assert.True(results.All(r => r == results[0]), $"program {n}: results differ: {string.Join(", ", results.Select(r => $"0x{r:x}"))}");
        }
    }
}
