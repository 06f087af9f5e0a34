using SharpBpf.Isa;

namespace SharpBpf.Asm;

/// <summary>Turns instructions into assembly text.</summary>
public static class Disassembler
{
    /// <summary>Formats the instruction at <paramref name="index"/> (a <c>lddw</c> uses both its slots).</summary>
    public static string Format(Bytecode code, int index, AsmSyntax syntax = AsmSyntax.Llvm)
    {
        // Placeholder until the full disassembler lands: mnemonic and raw fields.
        var form = code.FormAt(index);
        var insn = code.Instructions[index];
        return form is null ? "(lddw high half)" : $"{form.Mnemonic} dst=r{insn.Dst} src=r{insn.Src} off={insn.Offset} imm={insn.Immediate}";
    }
}
