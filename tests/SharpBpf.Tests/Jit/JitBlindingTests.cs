using SharpBpf.Isa;
using SharpBpf.Jit;
using static SharpBpf.Tests.Jit.JitTestSupport;

namespace SharpBpf.Tests.Jit;

public class JitBlindingTests
{
    private static readonly Instruction[] s_program =
    [
        Insn.Mov64Imm(Reg.R0, 0x12345678),
        Insn.Alu64Imm(Bpf.ADD, Reg.R0, 0x2468ace1),
        .. Insn.LdImm64(Reg.R1, 0x0123456789abcdef),
        Insn.Alu64Reg(Bpf.XOR, Reg.R0, Reg.R1),
        Insn.Alu32Imm(Bpf.XOR, Reg.R0, 0x5a5a1234),
        Insn.JmpImm(Bpf.JEQ, Reg.R0, 0x35791357, 1),
        Insn.Alu64Imm(Bpf.MOD, Reg.R0, 0x7123457),
        Insn.StMem(Bpf.DW, Reg.R10, -8, 0x7654321f),
        Insn.LdxMem(Bpf.DW, Reg.R2, Reg.R10, -8),
        Insn.Alu64Reg(Bpf.ADD, Reg.R0, Reg.R2),
        Insn.Alu64Imm(Bpf.LSH, Reg.R0, 0x13),
        Insn.ExitInsn(),
    ];

    /// <summary>Every program immediate with enough entropy to be recognisable: 32-bit values, their sign extensions, lddw halves and whole.</summary>
    private static (HashSet<int> Ints, HashSet<long> Longs) Immediates(Bytecode code)
    {
        var ints = new HashSet<int>();
        var longs = new HashSet<long>();
        for (int pc = 0; pc < code.Length; pc++)
        {
            var form = code.FormAt(pc);
            if (form is null) continue;
            if (form.IsWide)
            {
                ulong value = code.Immediate64At(pc);
                longs.Add((long)value);
                ints.Add((int)value);
                ints.Add((int)(value >> 32));
                longs.Add((int)value);
                longs.Add((int)(value >> 32));
                continue;
            }
            int imm = code.Instructions[pc].Immediate;
            if (Math.Abs((long)imm) < 0x10000) continue; // trivial constants collide with compiler constants (pc, sizes, masks)
            ints.Add(imm);
            longs.Add(imm);
            longs.Add((uint)imm);
        }
        return (ints, longs);
    }

    private static List<RecordedIl> CompileAndRecord(Bytecode code, bool blind, out ulong result)
    {
        var log = new List<RecordedIl>();
        var executable = JitCompiler.Compile(code, null, new JitOptions { BlindConstants = blind, IlLog = log });
        result = executable.Run([]);
        return log;
    }

    private static bool Contains(List<RecordedIl> log, (HashSet<int> Ints, HashSet<long> Longs) immediates) =>
        log.Any(i => i.Operand switch
        {
            int value => immediates.Ints.Contains(value),
            long value => immediates.Longs.Contains(value),
            _ => false,
        });

    [Fact]
    public void No_program_immediate_appears_in_blinded_il()
    {
        var code = Bytecode.FromInstructions(s_program);
        var immediates = Immediates(code);
        Assert.True(immediates.Ints.Count >= 8);

        var plain = CompileAndRecord(code, blind: false, out ulong plainResult);
        Assert.True(Contains(plain, immediates), "the unblinded IL should contain the immediates (else this test proves nothing)");

        var blinded = CompileAndRecord(code, blind: true, out ulong blindedResult);
        Assert.False(Contains(blinded, immediates), "a program immediate appears verbatim in blinded IL");
        Assert.Equal(plainResult, blindedResult);
        // The key is loaded from the runtime object, never as a constant next to the blinded value.
        Assert.Contains(blinded, i => i.OpCode == System.Reflection.Emit.OpCodes.Ldfld && i.Operand is System.Reflection.FieldInfo { Name: "BlindKey" });
    }

    [Fact]
    public void Each_compilation_uses_a_fresh_key()
    {
        var code = Bytecode.FromInstructions(s_program);
        static long FirstBlinded(List<RecordedIl> log) => log.First(i => i.OpCode == System.Reflection.Emit.OpCodes.Ldc_I8).Operand is long v ? v : 0;
        var first = CompileAndRecord(code, blind: true, out _);
        var second = CompileAndRecord(code, blind: true, out _);
        Assert.NotEqual(FirstBlinded(first), FirstBlinded(second));
    }
}
