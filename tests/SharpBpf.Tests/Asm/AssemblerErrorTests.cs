using SharpBpf.Asm;
using SharpBpf.Isa;

namespace SharpBpf.Tests.Asm;

public class AssemblerErrorTests
{
    [Theory]
    [InlineData(AsmSyntax.Conformance, "mov %r0, 1\nfoo %r1\nexit", 2, 1, "unknown mnemonic 'foo'")]
    [InlineData(AsmSyntax.Conformance, "mov %r0, 1\nmov %r11, 1", 2, 6, "bad register")]
    [InlineData(AsmSyntax.Conformance, "mov %r0, 0x100000000", 1, 10, "out of the 32-bit range")]
    [InlineData(AsmSyntax.Conformance, "mov %r0, -0x80000001", 1, 10, "out of the 32-bit range")]
    [InlineData(AsmSyntax.Conformance, "ja nowhere\nexit", 1, 4, "undefined label 'nowhere'")]
    [InlineData(AsmSyntax.Conformance, "a:\nexit\na:\nexit", 3, 1, "duplicate label 'a'")]
    [InlineData(AsmSyntax.Conformance, "exit\nldxw %r0, [%r1+40000]", 2, 15, "out of the 16-bit range")]
    [InlineData(AsmSyntax.Conformance, "ja +40000\nexit", 1, 4, "out of the 16-bit offset range")]
    [InlineData(AsmSyntax.Conformance, "mov %r0, 1 @", 1, 12, "unexpected character '@'")]
    [InlineData(AsmSyntax.Conformance, "add %r0\nexit", 1, 8, "expected ','")]
    [InlineData(AsmSyntax.Conformance, "exit %r0", 1, 6, "unexpected '%'")]
    [InlineData(AsmSyntax.Conformance, "exit\nja +5", 2, 1, "jump target 7 is outside the program")]
    [InlineData(AsmSyntax.Llvm, "r0 = 1\nr11 = 2", 2, 1, "bad register 'r11'")]
    [InlineData(AsmSyntax.Llvm, "w0 += r1", 1, 7, "does not match the width")]
    [InlineData(AsmSyntax.Llvm, "r0 = *(u128 *)(r1 + 0)", 1, 8, "bad type")]
    [InlineData(AsmSyntax.Llvm, "exit\nr10 = 1", 2, 1, "writes r10")]
    [InlineData(AsmSyntax.Llvm, "if r1 ~ r2 goto +1\nexit", 1, 7, "unexpected character '~'")]
    [InlineData(AsmSyntax.Llvm, "if r1 >>= r2 goto +1\nexit", 1, 7, "unknown comparison '>>='")]
    [InlineData(AsmSyntax.Llvm, "goto done\nexit", 1, 6, "undefined label 'done'")]
    [InlineData(AsmSyntax.Llvm, "r0 = 0x10000000000000000 ll", 1, 6, "does not fit in 64 bits")]
    [InlineData(AsmSyntax.Llvm, "frob r0", 1, 1, "unknown mnemonic 'frob'")]
    public void Errors_name_the_line_column_and_problem(AsmSyntax syntax, string text, int line, int column, string problem)
    {
        var error = Assert.Throws<BpfAssemblyException>(() => Assembler.Assemble(text, syntax));
        Assert.Contains(problem, error.Message);
        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.StartsWith($"line {line}, column {column}: ", error.Message);
    }

    [Fact]
    public void Operand_forms_from_the_brief_assemble()
    {
        var conformance = Assembler.Assemble("""
            mov %r0, 1            # comment
            ldindh %r1, 4         ; comment
            ldabsb 0x17           // comment
            lddw %r2, -2
            lock fetch add32 [%r10-8], %r1
            call local func1
            call %r2
            exit
            func1:
            mov32 %r0, 0xffffffff
            exit
            """, AsmSyntax.Conformance);
        Assert.Equal(0xffffffffffffffe, (long)conformance.Immediate64At(3) + 0x1000000000000000);
        Assert.Equal(Operation.CallLocal, conformance.FormAt(6)!.Operation);
        Assert.Equal(9, conformance.TargetOf(6));
        Assert.Equal(Operation.CallRegister, conformance.FormAt(7)!.Operation);
        Assert.Equal(2, conformance.Instructions[7].Dst);
        Assert.Equal(-1, conformance.Instructions[9].Immediate);

        var llvm = Assembler.Assemble("r0 = *(u16 *)skb[r1 + 0x4]\nr0 = -0x8000000000000000 ll\nloop: if w1 s< 0x5 goto loop\nexit", AsmSyntax.Llvm);
        Assert.Equal(4, llvm.Instructions[0].Immediate);
        Assert.Equal(long.MinValue, (long)llvm.Immediate64At(1));
        Assert.Equal(3, llvm.TargetOf(3));
    }

    [Fact]
    public void Untrusted_slots_format_raw_and_reassemble()
    {
        var undefined = new Instruction(0xff, 1, 2, 3, 4);
        var badRegister = new Instruction(0xb7, 12, 0, 0, 1);
        var reservedSet = new Instruction(0x95, 0, 0, 0, 7);
        foreach (var slot in new[] { undefined, badRegister, reservedSet })
        {
            string text = Disassembler.Format(slot, null, AsmSyntax.Llvm);
            Assert.StartsWith(".8byte 0x", text);
            Assert.Equal(slot, Assert.Single(Assembler.AssembleInstructions(text, AsmSyntax.Conformance)));
        }
        var lddwWithoutSecondSlot = OpcodeTable.ByMnemonic("lddw").Encode(1, 0, 0, 5);
        Assert.StartsWith(".8byte", Disassembler.Format(lddwWithoutSecondSlot, null, AsmSyntax.Conformance));
        Assert.Equal("r1 = 0x5 ll", Disassembler.Format(lddwWithoutSecondSlot, new Instruction(0, 0, 0, 0, 0), AsmSyntax.Llvm));
        Assert.Equal("r1 = 0x5", Disassembler.Format(new Instruction(0xb7, 1, 0, 0, 5), null, AsmSyntax.Llvm));
    }

    [Theory]
    [InlineData("mov %r0, 1\nexit", AsmSyntax.Conformance)]
    [InlineData("lock add [%r10-8], %r1", AsmSyntax.Conformance)]
    [InlineData("r0 = 1\nexit", AsmSyntax.Llvm)]
    [InlineData("lock *(u64 *)(r1 + 0x0) += r2", AsmSyntax.Llvm)]
    [InlineData("L1:\n  if w1 == 0x0 goto L1", AsmSyntax.Llvm)]
    public void DetectSyntax_tells_the_dialects_apart(string text, AsmSyntax expected) =>
        Assert.Equal(expected, Assembler.DetectSyntax(text));
}
