using SharpBpf.Isa;
using SharpBpf.Jit;
using SharpBpf.Memory;
using SharpBpf.Runtime;
using static SharpBpf.Tests.Jit.JitTestSupport;

namespace SharpBpf.Tests.Jit;

/// <summary>
/// Checked mode's three tiers: frame accesses proved in bounds at compile time, the inline first-region and stack
/// compares, and the out-of-line scan of the run's other regions.
/// </summary>
public class JitCheckedAccessTests
{
    [Fact]
    public unsafe void Accesses_to_regions_other_than_the_first_go_through_the_scan()
    {
        // r1 = input (first region), r2 = a second read-write region holding r3 = a read-only one: copy and sum across them.
        var executable = Compile(
        [
            Insn.LdxMem(Bpf.DW, Reg.R3, Reg.R2, 24),
            Insn.LdxMem(Bpf.DW, Reg.R0, Reg.R3, 8),
            Insn.StxMem(Bpf.DW, Reg.R2, Reg.R0, 16),
            Insn.LdxMem(Bpf.DW, Reg.R4, Reg.R2, 16),
            Insn.LdxMem(Bpf.B, Reg.R5, Reg.R1, 0),
            Insn.Alu64Reg(Bpf.ADD, Reg.R0, Reg.R4),
            Insn.Alu64Reg(Bpf.ADD, Reg.R0, Reg.R5),
            Insn.StxMem(Bpf.B, Reg.R3, Reg.R5, 0), // read-only: faults at pc 7
            Insn.ExitInsn(),
        ]);
        byte[] input = [5, 0, 0, 0, 0, 0, 0, 0];
        ulong[] scratch = new ulong[4];
        ulong[] constants = [0, 1000, 0, 0];
        fixed (byte* i = input)
        fixed (ulong* s = scratch)
        fixed (ulong* c = constants)
        {
            scratch[3] = (ulong)c;
            var context = executable.RentContext();
            context.AddRegion(new MemoryRegion((ulong)i, 8, MemoryAccess.ReadWrite, "input"));
            context.AddRegion(new MemoryRegion((ulong)s, 32, MemoryAccess.ReadWrite, "scratch"));
            context.AddRegion(new MemoryRegion((ulong)c, 32, MemoryAccess.Read, "constants"));
            ulong inputAddress = (ulong)i, scratchAddress = (ulong)s;
            var error = Assert.Throws<BpfRuntimeException>(() => executable.Run(context, inputAddress, scratchAddress));
            Assert.True(error.Error == RuntimeError.WriteToReadOnly, error.Message);
            Assert.Equal(7, error.ProgramCounter);
            Assert.Equal(1000UL, scratch[2]);
        }
    }

    [Fact]
    public void Frame_accesses_are_unchecked_only_inside_the_frame()
    {
        var layout = new ProgramLayout(Program(Insn.StMem(Bpf.DW, Reg.R10, -8, 1), Insn.Mov64Imm(Reg.R0, 0), Insn.ExitInsn()), 512);
        Assert.True(layout.FramePointerReadOnly);
        // Just past the frame's bottom, or above its top: still checked, and out of bounds.
        foreach (short offset in new short[] { -520, 0, 8 })
        {
            var error = Assert.Throws<BpfRuntimeException>(() => Run([Insn.StMem(Bpf.DW, Reg.R10, offset, 1), Insn.Mov64Imm(Reg.R0, 0), Insn.ExitInsn()]));
            Assert.Equal(RuntimeError.OutOfBounds, error.Error);
        }
        // The deepest and shallowest slots of the frame work without a check.
        Assert.Equal(3UL, Run([Insn.StMem(Bpf.DW, Reg.R10, -512, 1), Insn.StMem(Bpf.B, Reg.R10, -1, 2),
            Insn.LdxMem(Bpf.DW, Reg.R0, Reg.R10, -512), Insn.LdxMem(Bpf.B, Reg.R1, Reg.R10, -1), Insn.Alu64Reg(Bpf.ADD, Reg.R0, Reg.R1), Insn.ExitInsn()]));
    }
}
