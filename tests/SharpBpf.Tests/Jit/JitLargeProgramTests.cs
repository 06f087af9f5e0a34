using SharpBpf.Isa;
using SharpBpf.Jit;

namespace SharpBpf.Tests.Jit;

public class JitLargeProgramTests
{
    /// <summary>
    /// A straight run of blocks (add, xor, jset over an add) wrapped in a loop of <paramref name="iterations"/>, with
    /// the C# model of what it computes. Each block is two basic blocks.
    /// </summary>
    internal static (Bytecode Code, ulong Expected) Generate(int blocks, int iterations, int seed)
    {
        var random = new Random(seed);
        var body = new List<Instruction>();
        var model = new List<(long Add, long Xor, long Bit, long Skip)>();
        for (int i = 0; i < blocks; i++)
        {
            int add = random.Next(), xor = random.Next(), bit = 1 << random.Next(31), skip = random.Next();
            body.Add(Insn.Alu64Imm(Bpf.ADD, Reg.R0, add));
            body.Add(Insn.Alu64Imm(Bpf.XOR, Reg.R0, xor));
            body.Add(Insn.JmpImm(Bpf.JSET, Reg.R0, bit, 1));
            body.Add(Insn.Alu64Imm(Bpf.ADD, Reg.R0, skip));
            model.Add((add, xor, bit, skip));
        }
        var program = new List<Instruction> { Insn.Mov64Imm(Reg.R0, 0), Insn.Mov64Imm(Reg.R9, iterations) };
        program.AddRange(body);
        program.Add(Insn.Alu64Imm(Bpf.SUB, Reg.R9, 1));
        program.Add(Insn.JmpImm(Bpf.JNE, Reg.R9, 0, (short)-(body.Count + 2)));
        program.Add(Insn.ExitInsn());

        ulong r0 = 0;
        for (int n = 0; n < iterations; n++)
        {
            foreach (var (add, xor, bit, skip) in model)
            {
                r0 += (ulong)add;
                r0 ^= (ulong)xor;
                if ((r0 & (ulong)bit) == 0) r0 += (ulong)skip;
            }
        }
        return (Bytecode.FromInstructions(program), r0);
    }

    [Fact]
    public void A_12000_instruction_program_is_split_into_regions_and_computes_the_same_result()
    {
        var (code, expected) = Generate(blocks: 3000, iterations: 3, seed: 7);
        Assert.True(code.Length >= 12_000);

        var split = JitCompiler.Compile(code);
        Assert.True(split.MethodCount > 10, $"expected the function to be split, got {split.MethodCount} methods");
        Assert.Equal(expected, split.Run([]));

        var whole = JitCompiler.Compile(code, null, new JitOptions { MaxRegionInstructions = 100_000 });
        Assert.Equal(1, whole.MethodCount);
        Assert.Equal(expected, whole.Run([]));
    }

    [Fact]
    public void Split_programs_keep_the_budget_across_regions()
    {
        var (code, _) = Generate(blocks: 600, iterations: 1000, seed: 3);
        var options = new JitOptions { MaxRegionInstructions = 256, Execution = new Runtime.ExecutionOptions { InstructionBudget = 100_000 } };
        var error = Assert.Throws<Runtime.BpfRuntimeException>(() => JitCompiler.Compile(code, null, options).Run([]));
        Assert.Equal(Runtime.RuntimeError.BudgetExceeded, error.Error);
    }

    [Fact]
    public void Split_functions_with_local_calls_and_helpers_work()
    {
        // main calls a long function (split) that returns its computation; r6 survives the call.
        var (inner, expected) = Generate(blocks: 200, iterations: 2, seed: 11);
        var program = new List<Instruction> { Insn.Mov64Imm(Reg.R6, 5), Insn.CallRel(2), Insn.Alu64Reg(Bpf.ADD, Reg.R0, Reg.R6), Insn.ExitInsn() };
        program.AddRange(inner.Instructions);
        var code = Bytecode.FromInstructions(program);
        var executable = JitCompiler.Compile(code, null, new JitOptions { MaxRegionInstructions = 100 });
        Assert.True(executable.MethodCount > 2);
        Assert.Equal(expected + 5, executable.Run([]));
    }
}
