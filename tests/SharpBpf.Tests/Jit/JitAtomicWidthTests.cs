using System.Buffers.Binary;
using SharpBpf.Isa;
using SharpBpf.Jit;
using static SharpBpf.Tests.Jit.JitTestSupport;

namespace SharpBpf.Tests.Jit;

/// <summary>
/// 32-bit atomics return the old 32-bit value zero-extended, whatever the upper half of the registers involved.
/// Regression: x64 <c>lock cmpxchg r/m32</c> leaves the upper half of RAX untouched when the exchange succeeds,
/// and RyuJIT (optimised code only, so Release builds) dropped the zero-extension of the inlined
/// <c>Interlocked.CompareExchange(ref uint, ...)</c> result: r0 kept its old upper 32 bits.
/// </summary>
public class JitAtomicWidthTests
{
    public static TheoryData<string> Configurations => new() { "checked", "unchecked", "blinded", "split" };

    private static JitOptions Options(string configuration) => configuration switch
    {
        "unchecked" => Unchecked,
        "blinded" => new JitOptions { BlindConstants = true },
        "split" => new JitOptions { MaxRegionInstructions = 16 },
        _ => new JitOptions(),
    };

    // r0 is loaded from the input (so the JIT cannot know its upper half), stored to the stack, and compared
    // against itself: the exchange succeeds and r0 must become the low 32 bits, zero-extended.
    private static Instruction[] CompareExchangeProgram(byte size, int operation, int padding)
    {
        var body = new List<Instruction>();
        for (int i = 0; i < padding; i++) body.Add(Insn.Mov64Imm(Reg.R5, i));
        body.Add(Insn.LdxMem(Bpf.DW, Reg.R0, Reg.R1, 0));
        body.Add(Insn.LdxMem(Bpf.DW, Reg.R2, Reg.R1, 8));
        body.Add(Insn.StxMem(Bpf.DW, Reg.R10, Reg.R0, -8));
        body.Add(Insn.AtomicOp(size, operation, Reg.R10, Reg.R2, -8));
        body.Add(Insn.ExitInsn());
        return [.. body];
    }

    private static byte[] Input(ulong r0, ulong r2)
    {
        var memory = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(memory, r0);
        BinaryPrimitives.WriteUInt64LittleEndian(memory.AsSpan(8), r2);
        return memory;
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Successful_cmpxchg32_zero_extends_r0(string configuration)
    {
        // Padding puts the cmpxchg at the start of the second region when split.
        foreach (int padding in new[] { 0, 13 })
        {
            var executable = JitCompiler.Compile(Program(CompareExchangeProgram(Bpf.W, Bpf.CMPXCHG, padding)), null, Options(configuration));
            for (int i = 0; i < 3; i++)
                Assert.Equal(0x9abcdef0UL, executable.Run(Input(0x1234_5678_9abc_def0, 0x1122_3344)));
        }
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Fetching_32_bit_atomics_zero_extend_the_fetched_value(string configuration)
    {
        foreach (int operation in new[] { Bpf.ADD | Bpf.FETCH, Bpf.OR | Bpf.FETCH, Bpf.AND | Bpf.FETCH, Bpf.XOR | Bpf.FETCH, Bpf.XCHG })
        {
            // r2 = old value of the word (fetched), returned through r0.
            var program = CompareExchangeProgram(Bpf.W, operation, 13);
            program[^1] = Insn.Mov64Reg(Reg.R0, Reg.R2);
            program = [.. program, Insn.ExitInsn()];
            var executable = JitCompiler.Compile(Program(program), null, Options(configuration));
            Assert.Equal(0x9abcdef0UL, executable.Run(Input(0x1234_5678_9abc_def0, 0xffff_ffff_0000_0001)));
        }
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void A_load_after_an_atomic_add_sees_the_added_value(string configuration)
    {
        // Regression (differential seed 51360): optimised code hoisted the 2-byte load above the inlined xadd on
        // the overlapping 8 bytes, so r6 held the bytes from before the add.
        var program = new[]
        {
            Insn.Mov64Reg(Reg.R9, Reg.R1),
            Insn.Mov64Imm(Reg.R8, 0x1234567),
            Insn.AtomicOp(Bpf.DW, Bpf.ADD | Bpf.FETCH, Reg.R9, Reg.R8, 0),
            Insn.LdxMemSx(Bpf.H, Reg.R6, Reg.R9, 2),
            Insn.Mov64Reg(Reg.R0, Reg.R6), Insn.Alu64Imm(Bpf.MUL, Reg.R0, 31), Insn.Alu64Reg(Bpf.ADD, Reg.R0, Reg.R8),
            Insn.ExitInsn(),
        };
        var input = Input(0x2b8f_a649_419b_d1e7, 0);
        ulong added = 0x2b8f_a649_419b_d1e7 + 0x1234567;
        ulong expected = unchecked((ulong)(long)(short)(added >> 16) * 31 + 0x2b8f_a649_419b_d1e7);
        var executable = JitCompiler.Compile(Program(program), null, Options(configuration));
        Assert.Equal(expected, executable.Run(input));
    }
}
