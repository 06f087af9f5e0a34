using System.Collections.Frozen;
using SharpBpf.Isa;

namespace SharpBpf.Asm;

/// <summary>
/// Lookups over <see cref="OpcodeTable.Forms"/> for the LLVM front end, which names instructions by what they
/// do (an operator, a width, an access size) rather than by mnemonic. Built once from the table; never a second table.
/// </summary>
internal static class FormIndex
{
    private readonly record struct Key(Operation Operation, OperandSource Source, int Width, int AccessSize, int Discriminator);

    private static readonly FrozenDictionary<Key, InstructionForm> s_bySemantics =
        OpcodeTable.Forms.ToFrozenDictionary(f => KeyOf(f));

    private static readonly FrozenDictionary<(string Operator, int Width, OperandSource Source), InstructionForm> s_aluByOperator =
        OpcodeTable.Forms
            .Where(f => f.LlvmOperator is not null && f.Flow == FlowControl.Next && f.Operation != Operation.MovSx)
            .ToFrozenDictionary(f => (f.LlvmOperator!, f.Width, f.Source));

    private static readonly FrozenDictionary<(string Operator, int Width, OperandSource Source), InstructionForm> s_jumpByOperator =
        OpcodeTable.Forms
            .Where(f => f.LlvmOperator is not null && f.Flow == FlowControl.ConditionalBranch)
            .ToFrozenDictionary(f => (f.LlvmOperator!, f.Width, f.Source));

    private static Key KeyOf(InstructionForm form) =>
        new(form.Operation, form.Source, form.Width, form.AccessSize, form.Discriminator == DiscriminatorField.None ? 0 : form.DiscriminatorValue);

    /// <summary>The form with exactly these properties, or null.</summary>
    public static InstructionForm? Find(Operation operation, OperandSource source = OperandSource.None, int width = 0, int accessSize = 0, int discriminator = 0) =>
        s_bySemantics.GetValueOrDefault(new Key(operation, source, width, accessSize, discriminator));

    /// <summary>The ALU form written <c>dst OP src</c> in LLVM syntax.</summary>
    public static InstructionForm? Alu(string llvmOperator, int width, OperandSource source) =>
        s_aluByOperator.GetValueOrDefault((llvmOperator, width, source));

    /// <summary>The conditional jump written <c>if dst OP src goto</c> in LLVM syntax.</summary>
    public static InstructionForm? Jump(string llvmOperator, int width, OperandSource source) =>
        s_jumpByOperator.GetValueOrDefault((llvmOperator, width, source));
}
