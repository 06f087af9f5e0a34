using SharpBpf.Isa;
using static SharpBpf.Tests.Jit.JitTestSupport;

namespace SharpBpf.Tests.Jit;

/// <summary>Legacy LD_IND offsets as the kernel computes them (found by the differential test).</summary>
public class JitPacketLoadTests
{
    private static readonly InstructionForm s_ldindb = OpcodeTable.Forms.Single(f => f.Operation == Operation.LoadPacketInd && f.AccessSize == 1);

    [Fact]
    public void Indirect_offset_is_truncated_to_32_bits()
    {
        // The kernel's load helper takes src + imm as an int: 0x8000000000000001 + 2 is offset 3.
        Instruction[] program = [.. Insn.LdImm64(Reg.R5, 0x8000_0000_0000_0001), s_ldindb.Encode(src: Reg.R5, immediate: 2), Insn.ExitInsn()];
        Assert.Equal(0x44UL, Run(program, [0x11, 0x22, 0x33, 0x44, 0x55]));
        Assert.Equal(0x44UL, Run(program, [0x11, 0x22, 0x33, 0x44, 0x55], options: Unchecked));
    }

    [Fact]
    public void Indirect_offset_negative_as_int_ends_the_program_with_zero()
    {
        // 0xffffffff + 0 is -1 as an int: out of bounds, so the program ends with r0 = 0 (not offset 4 GiB - 1).
        Instruction[] program =
        [
            .. Insn.LdImm64(Reg.R5, 0xffff_ffff), s_ldindb.Encode(src: Reg.R5, immediate: 0),
            Insn.Mov64Imm(Reg.R0, 7), Insn.ExitInsn(),
        ];
        Assert.Equal(0UL, Run(program, new byte[16]));
    }
}
