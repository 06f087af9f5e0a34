using System.Globalization;
using System.Text;
using SharpBpf.Isa;

namespace SharpBpf.Asm;

/// <summary>
/// Turns instructions into assembly text. LLVM syntax matches <c>llvm-objdump-19 -d --mcpu=v4</c> instruction
/// text (without its <c>&lt;symbol+offset&gt;</c> annotations), except for encodings objdump prints ambiguously:
/// kfunc calls (<c>call btf 0x7</c>, or <c>call btf 0x7, 0x2</c> with a BTF module index), indirect packet loads with an offset (<c>skb[r1 + 0x4]</c>) and pseudo
/// <c>lddw</c> whose upper half is non-zero (<c>ld_pseudo r1, 0x2, 0x800000005</c>). Conformance syntax re-assembles to
/// the same bytes.
/// </summary>
public static class Disassembler
{
    /// <summary>
    /// Formats the instruction at <paramref name="index"/> (a <c>lddw</c> uses both its slots; its second slot is
    /// shown as a raw <c>.8byte</c>). Targets are shown as displacements. Cheap enough for error messages.
    /// </summary>
    public static string Format(Bytecode code, int index, AsmSyntax syntax = AsmSyntax.Llvm)
    {
        ArgumentNullException.ThrowIfNull(code);
        var form = code.FormAt(index);
        var instruction = code.Instructions[index];
        if (form is null) return FormatRaw(instruction);
        Instruction next = form.IsWide ? code.Instructions[index + 1] : default;
        return FormatForm(form, instruction, next, syntax, label: null);
    }

    /// <summary>
    /// Formats any instruction, including ones a <see cref="Bytecode"/> would reject (for disassembling untrusted
    /// bytes): an undefined opcode or variant, a register above r10, a non-zero reserved field, or a <c>lddw</c>
    /// without its second slot (<paramref name="next"/> null) is printed raw, as <see cref="FormatRaw"/> does.
    /// </summary>
    public static string Format(Instruction instruction, Instruction? next, AsmSyntax syntax = AsmSyntax.Llvm)
    {
        var form = OpcodeTable.Lookup(instruction);
        if (form is null || !FieldsAreValid(form, instruction) || (form.IsWide && !IsValidSecondSlot(next)))
            return FormatRaw(instruction);
        return FormatForm(form, instruction, next ?? default, syntax, label: null);
    }

    /// <summary>Formats one slot as a raw directive, <c>.8byte 0x...</c> (the 8 bytes read little-endian), which both assembler syntaxes accept.</summary>
    public static string FormatRaw(Instruction instruction) => $".8byte 0x{instruction.RawValue:x16}";

    /// <summary>
    /// Disassembles a whole program, one instruction per line (a <c>lddw</c> is one line). With
    /// <see cref="DisassemblyOptions.ShowOffsets"/> each line starts with the slot index; with
    /// <see cref="DisassemblyOptions.Labels"/> targets get <c>L&lt;index&gt;:</c> lines and are referred to by name.
    /// The listing (offsets and labels included) re-assembles to the same bytes in conformance syntax, and in LLVM
    /// syntax too when labels are on (LLVM syntax has no other way to write a local call).
    /// </summary>
    public static string Disassemble(Bytecode code, AsmSyntax syntax = AsmSyntax.Llvm, DisassemblyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(code);
        options ??= DisassemblyOptions.Default;
        var targets = new HashSet<int>();
        if (options.Labels)
        {
            for (int i = 0; i < code.Length; i++)
                if (code.FormAt(i) is { Displacement: not BranchDisplacement.None }) targets.Add(code.TargetOf(i));
        }

        var text = new StringBuilder(code.Length * 24);
        for (int i = 0; i < code.Length; i++)
        {
            var form = code.FormAt(i);
            if (form is null) continue;
            if (targets.Contains(i)) text.Append(LabelName(i)).Append(":\n");
            if (options.ShowOffsets) text.Append(i.ToString(CultureInfo.InvariantCulture).PadLeft(6)).Append(":  ");
            string? label = options.Labels && form.Displacement != BranchDisplacement.None ? LabelName(code.TargetOf(i)) : null;
            Instruction next = form.IsWide ? code.Instructions[i + 1] : default;
            text.Append(FormatForm(form, code.Instructions[i], next, syntax, label)).Append('\n');
        }
        return text.ToString();
    }

    private static string LabelName(int index) => "L" + index.ToString(CultureInfo.InvariantCulture);

    private static bool IsValidSecondSlot(Instruction? next) =>
        next is { } slot && slot.Opcode == 0 && slot.Dst == 0 && slot.Src == 0 && slot.Offset == 0;

    private static bool FieldsAreValid(InstructionForm form, Instruction instruction)
    {
        if (instruction.Dst > 10 || (instruction.Src > 10 && form.Discriminator != DiscriminatorField.Src)) return false;
        var reserved = form.Reserved;
        return !(((reserved & ReservedFields.Dst) != 0 && instruction.Dst != 0)
            || ((reserved & ReservedFields.Src) != 0 && instruction.Src != 0)
            || ((reserved & ReservedFields.Offset) != 0 && instruction.Offset != 0)
            || ((reserved & ReservedFields.Immediate) != 0 && instruction.Immediate != 0));
    }

    private static string FormatForm(InstructionForm form, Instruction instruction, Instruction next, AsmSyntax syntax, string? label) =>
        syntax == AsmSyntax.Llvm ? Llvm(form, instruction, next, label) : Conformance(form, instruction, next, label);

    private static long Immediate64(Instruction low, Instruction high) =>
        (long)((uint)low.Immediate | ((ulong)(uint)high.Immediate << 32));

    private static long Displacement(InstructionForm form, Instruction instruction) =>
        form.Displacement == BranchDisplacement.Offset ? instruction.Offset : instruction.Immediate;

    // ---- LLVM syntax -------------------------------------------------------------------------------------

    private static string Llvm(InstructionForm form, Instruction insn, Instruction next, string? label)
    {
        bool narrow = form.Width == 32;
        string dst = Register(insn.Dst, narrow), src = Register(insn.Src, narrow);
        string Target() => label ?? SignedHex(Displacement(form, insn), alwaysSign: true);

        switch (form.Operation)
        {
            case Operation.Neg:
                return $"{dst} = -{dst}";
            case Operation.MovSx:
                return $"{dst} = (s{form.DiscriminatorValue}){src}";
            case Operation.ToLe or Operation.ToBe or Operation.Bswap:
                string reg = Register(insn.Dst, false);
                return $"{reg} = {SwapName(form)} {reg}";
            case Operation.Ja:
                return (narrow ? "gotol " : "goto ") + Target();
            case Operation.CallHelper:
                return "call " + SignedHex(insn.Immediate);
            case Operation.CallLocal:
                return "call " + (label ?? SignedHex(insn.Immediate));
            case Operation.CallBtf:
                return "call btf " + SignedHex(insn.Immediate) + (insn.Offset == 0 ? "" : ", " + SignedHex(insn.Offset));
            case Operation.CallRegister:
                return "callx " + Register(insn.Dst, false);
            case Operation.Exit:
                return "exit";
            case Operation.LoadImm64:
                long value = Immediate64(insn, next);
                return form.DiscriminatorValue == 0
                    ? $"r{insn.Dst} = {SignedHex(value)} ll"
                    : $"ld_pseudo r{insn.Dst}, {SignedHex(form.DiscriminatorValue)}, {SignedHex(value)}";
            case Operation.LoadPacketAbs:
                return $"r0 = *(u{form.AccessSize * 8} *)skb[{SignedHex(insn.Immediate)}]";
            case Operation.LoadPacketInd:
                return insn.Immediate == 0
                    ? $"r0 = *(u{form.AccessSize * 8} *)skb[r{insn.Src}]"
                    : $"r0 = *(u{form.AccessSize * 8} *)skb[{LlvmAddress(insn.Src, insn.Immediate)}]";
            case Operation.Load:
                return $"{Register(insn.Dst, form.AccessSize < 8)} = *(u{form.AccessSize * 8} *)({LlvmAddress(insn.Src, insn.Offset)})";
            case Operation.LoadSx:
                return $"r{insn.Dst} = *(s{form.AccessSize * 8} *)({LlvmAddress(insn.Src, insn.Offset)})";
            case Operation.StoreImm:
                return $"*(u{form.AccessSize * 8} *)({LlvmAddress(insn.Dst, insn.Offset)}) = {SignedHex(insn.Immediate)}";
            case Operation.StoreReg:
                return $"*(u{form.AccessSize * 8} *)({LlvmAddress(insn.Dst, insn.Offset)}) = {Register(insn.Src, form.AccessSize < 8)}";
            case Operation.AtomicXchg:
                return $"{src} = xchg{(narrow ? "32" : "")}_{form.Width}({LlvmAddress(insn.Dst, insn.Offset)}, {src})";
            case Operation.AtomicCmpXchg:
                string r0 = Register(0, narrow);
                return $"{r0} = cmpxchg{(narrow ? "32" : "")}_{form.Width}({LlvmAddress(insn.Dst, insn.Offset)}, {r0}, {src})";
            case Operation.AtomicAdd or Operation.AtomicOr or Operation.AtomicAnd or Operation.AtomicXor:
                string name = AtomicName(form);
                return form.Fetch
                    ? $"{src} = atomic_fetch_{name}((u{form.Width} *)({LlvmAddress(insn.Dst, insn.Offset)}), {src})"
                    : $"lock *(u{form.Width} *)({LlvmAddress(insn.Dst, insn.Offset)}) {AtomicOperator(form)} {src}";
        }

        string operand = form.Source == OperandSource.Register ? src : SignedHex(insn.Immediate);
        return form.Flow == FlowControl.ConditionalBranch
            ? $"if {dst} {form.LlvmOperator} {operand} goto {Target()}"
            : $"{dst} {form.LlvmOperator} {operand}";
    }

    private static string Register(int number, bool narrow) => (narrow ? "w" : "r") + number.ToString(CultureInfo.InvariantCulture);

    private static string LlvmAddress(int register, long displacement) =>
        $"r{register} {(displacement < 0 ? '-' : '+')} 0x{Math.Abs(displacement).ToString("x", CultureInfo.InvariantCulture)}";

    private static string SwapName(InstructionForm form) => form.Operation switch
    {
        Operation.ToLe => "le",
        Operation.ToBe => "be",
        _ => "bswap",
    } + form.Width.ToString(CultureInfo.InvariantCulture);

    private static string AtomicName(InstructionForm form) => form.Operation switch
    {
        Operation.AtomicAdd => "add",
        Operation.AtomicOr => "or",
        Operation.AtomicAnd => "and",
        _ => "xor",
    };

    private static string AtomicOperator(InstructionForm form) => form.Operation switch
    {
        Operation.AtomicAdd => "+=",
        Operation.AtomicOr => "|=",
        Operation.AtomicAnd => "&=",
        _ => "^=",
    };

    /// <summary>objdump's immediate style: <c>0x1f</c>, <c>-0x1</c>; jump displacements always carry a sign.</summary>
    private static string SignedHex(long value, bool alwaysSign = false)
    {
        ulong magnitude = value < 0 ? unchecked(0 - (ulong)value) : (ulong)value;
        string sign = value < 0 ? "-" : alwaysSign ? "+" : "";
        return sign + "0x" + magnitude.ToString("x", CultureInfo.InvariantCulture);
    }

    // ---- Conformance syntax ------------------------------------------------------------------------------

    private static string Conformance(InstructionForm form, Instruction insn, Instruction next, string? label)
    {
        string dst = "%r" + insn.Dst.ToString(CultureInfo.InvariantCulture);
        string src = "%r" + insn.Src.ToString(CultureInfo.InvariantCulture);
        string Target() => label ?? Number(Displacement(form, insn), alwaysSign: true);

        switch (form.Operation)
        {
            case Operation.Neg or Operation.ToLe or Operation.ToBe or Operation.Bswap:
                return $"{form.Mnemonic} {dst}";
            case Operation.MovSx:
                return $"{form.Mnemonic} {dst}, {src}";
            case Operation.Ja or Operation.CallLocal:
                return $"{form.Mnemonic} {Target()}";
            case Operation.CallHelper:
                return $"{form.Mnemonic} {Number(insn.Immediate)}";
            case Operation.CallBtf:
                return $"{form.Mnemonic} {Number(insn.Immediate)}" + (insn.Offset == 0 ? "" : ", " + Number(insn.Offset));
            case Operation.CallRegister:
                return $"call {dst}";
            case Operation.Exit:
                return "exit";
            case Operation.LoadImm64:
                return $"{form.Mnemonic} {dst}, 0x{(ulong)Immediate64(insn, next):x}";
            case Operation.LoadPacketAbs:
                return $"{form.Mnemonic} {Number(insn.Immediate)}";
            case Operation.LoadPacketInd:
                return $"{form.Mnemonic} {src}, {Number(insn.Immediate)}";
            case Operation.Load or Operation.LoadSx:
                return $"{form.Mnemonic} {dst}, {ConformanceAddress(insn.Src, insn.Offset)}";
            case Operation.StoreImm:
                return $"{form.Mnemonic} {ConformanceAddress(insn.Dst, insn.Offset)}, {Number(insn.Immediate)}";
            case Operation.StoreReg or Operation.AtomicAdd or Operation.AtomicOr or Operation.AtomicAnd or Operation.AtomicXor
                or Operation.AtomicXchg or Operation.AtomicCmpXchg:
                return $"{form.Mnemonic} {ConformanceAddress(insn.Dst, insn.Offset)}, {src}";
        }

        string operand = form.Source == OperandSource.Register ? src : Number(insn.Immediate);
        return form.Flow == FlowControl.ConditionalBranch
            ? $"{form.Mnemonic} {dst}, {operand}, {Target()}"
            : $"{form.Mnemonic} {dst}, {operand}";
    }

    private static string ConformanceAddress(int register, int displacement) => displacement switch
    {
        0 => $"[%r{register}]",
        < 0 => $"[%r{register}{displacement.ToString(CultureInfo.InvariantCulture)}]",
        _ => $"[%r{register}+{displacement.ToString(CultureInfo.InvariantCulture)}]",
    };

    /// <summary>Small values in decimal, large ones in hex (a bit pattern reads better that way).</summary>
    private static string Number(long value, bool alwaysSign = false)
    {
        if (value is > -65536 and < 65536)
            return (alwaysSign && value >= 0 ? "+" : "") + value.ToString(CultureInfo.InvariantCulture);
        return SignedHex(value, alwaysSign);
    }
}
