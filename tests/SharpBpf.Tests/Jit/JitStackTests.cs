using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Jit;
using SharpBpf.Memory;
using SharpBpf.Runtime;
using static SharpBpf.Tests.Jit.JitTestSupport;

namespace SharpBpf.Tests.Jit;

/// <summary>What a run zeroes and registers of the stack, from the layout's analysis of r10.</summary>
public class JitStackTests
{
    [Fact]
    public void A_stack_reached_only_through_r10_constants_is_private_and_zeroed_to_its_deepest_access()
    {
        var layout = new ProgramLayout(Program(Insn.StMem(Bpf.DW, Reg.R10, -24, 1), Insn.LdxMem(Bpf.W, Reg.R0, Reg.R10, -4), Insn.ExitInsn()), 512);
        Assert.True(layout.StackIsPrivate);
        Assert.Equal(24, layout.FrameBytesTouched);
        Assert.Equal(0, new ProgramLayout(Program(Insn.Mov64Imm(Reg.R0, 0), Insn.ExitInsn()), 512).FrameBytesTouched);
    }

    [Theory]
    [InlineData("copy")]
    [InlineData("compare")]
    [InlineData("store")]
    public void A_stack_address_leaving_r10_makes_the_whole_stack_shared(string use)
    {
        var escape = use switch
        {
            "copy" => Insn.Mov64Reg(Reg.R1, Reg.R10),
            "compare" => Insn.JmpReg(Bpf.JEQ, Reg.R10, Reg.R1, 0),
            _ => Insn.StxMem(Bpf.DW, Reg.R1, Reg.R10, 0),
        };
        var layout = new ProgramLayout(Program(escape, Insn.Mov64Imm(Reg.R0, 0), Insn.ExitInsn()), 512);
        Assert.False(layout.StackIsPrivate);
        Assert.Equal(-1, layout.FrameBytesTouched);
    }

    [Fact]
    public void Every_run_sees_zeroes_where_the_previous_run_left_data()
    {
        // r0 = old [r10 - 16]; then write a marker there: a second run on the same thread must read 0 again.
        var executable = Compile([Insn.LdxMem(Bpf.DW, Reg.R0, Reg.R10, -16), Insn.StMem(Bpf.DW, Reg.R10, -16, 0x77), Insn.ExitInsn()]);
        for (int i = 0; i < 3; i++) Assert.Equal(0UL, executable.Run([]));
    }

    [Fact]
    public void A_helper_given_a_stack_pointer_can_use_it()
    {
        // r1 = r10 - 8 escapes to a helper that writes through it; the program reads the value back.
        var helpers = new HelperTable().Register(100, "poke", static (RunContext context, ulong r1, ulong _, ulong _, ulong _, ulong _) =>
        {
            context.GetMemory(r1, 8, MemoryAccess.Write, "poke")[0] = 42;
            return 0;
        });
        var executable = Compile(
        [
            Insn.StMem(Bpf.DW, Reg.R10, -8, 0),
            Insn.Mov64Reg(Reg.R1, Reg.R10), Insn.Alu64Imm(Bpf.ADD, Reg.R1, -8),
            Insn.EmitCall(100),
            Insn.LdxMem(Bpf.DW, Reg.R0, Reg.R10, -8),
            Insn.ExitInsn(),
        ], helpers);
        Assert.Equal(42UL, executable.Run([]));
    }
}
