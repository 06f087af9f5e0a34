using System.Collections.Immutable;

namespace SharpBpf.Isa;

/// <summary>
/// A well-formed sequence of instruction slots: every opcode is known, reserved fields are zero, registers are
/// valid, every <c>lddw</c> has its second slot, and every jump and local call lands on an instruction boundary
/// inside the program. Produced by <see cref="Decode(ReadOnlySpan{byte})"/> or <see cref="FromInstructions"/>;
/// everything downstream (assembler output, ELF loader, verifier, interpreter, JIT) consumes it.
/// </summary>
public sealed class Bytecode
{
    private readonly InstructionForm?[] _forms;

    private Bytecode(ImmutableArray<Instruction> instructions, InstructionForm?[] forms)
    {
        Instructions = instructions;
        _forms = forms;
    }

    /// <summary>The instruction slots; a <c>lddw</c> takes two.</summary>
    public ImmutableArray<Instruction> Instructions { get; }

    /// <summary>Number of instruction slots.</summary>
    public int Length => Instructions.Length;

    /// <summary>The form of the instruction at <paramref name="index"/>, or null for the second slot of a <c>lddw</c>.</summary>
    public InstructionForm? FormAt(int index) => _forms[index];

    /// <summary>The 64-bit immediate of the <c>lddw</c> at <paramref name="index"/> (both halves combined).</summary>
    public ulong Immediate64At(int index) =>
        (uint)Instructions[index].Immediate | ((ulong)(uint)Instructions[index + 1].Immediate << 32);

    /// <summary>The absolute target of the jump or local call at <paramref name="index"/>.</summary>
    public int TargetOf(int index) => TargetOf(Instructions[index], _forms[index]!, index);

    /// <summary>Decodes little-endian bytes into validated bytecode.</summary>
    /// <exception cref="BpfDecodeException">The bytes are not a well-formed program; the message names the instruction.</exception>
    public static Bytecode Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length % Instruction.Size != 0)
            throw new BpfDecodeException(DecodeError.LengthNotMultipleOfEight, -1,
                $"program length {bytes.Length} is not a multiple of 8 bytes (a trailing {bytes.Length % 8}-byte fragment at byte offset {bytes.Length - bytes.Length % 8})");
        var builder = ImmutableArray.CreateBuilder<Instruction>(bytes.Length / Instruction.Size);
        for (int offset = 0; offset < bytes.Length; offset += Instruction.Size)
            builder.Add(Instruction.ReadFrom(bytes.Slice(offset, Instruction.Size)));
        return FromInstructions(builder.MoveToImmutable());
    }

    /// <summary>Validates instructions (from the builder, the assembler or a loader) into bytecode.</summary>
    /// <exception cref="BpfDecodeException">The sequence is not a well-formed program.</exception>
    public static Bytecode FromInstructions(IEnumerable<Instruction> instructions)
    {
        var slots = instructions.ToImmutableArray();
        if (slots.IsEmpty) throw new BpfDecodeException(DecodeError.EmptyProgram, -1, "the program has no instructions");
        var forms = new InstructionForm?[slots.Length];
        for (int i = 0; i < slots.Length; i++)
        {
            var form = Classify(slots[i], i);
            forms[i] = form;
            CheckFields(slots[i], form, i);
            if (form.IsWide)
            {
                if (i + 1 >= slots.Length)
                    throw new BpfDecodeException(DecodeError.IncompleteLoadImm64, i, "lddw is missing its second instruction slot (the program ends)");
                var next = slots[i + 1];
                if (next.Opcode != 0 || next.Dst != 0 || next.Src != 0 || next.Offset != 0)
                    throw new BpfDecodeException(DecodeError.IncompleteLoadImm64, i + 1,
                        $"second slot of the lddw at {i} must have opcode, registers and offset 0, found {next}");
                i++;
            }
        }

        for (int i = 0; i < slots.Length; i++)
        {
            var form = forms[i];
            if (form is null || form.Displacement == BranchDisplacement.None) continue;
            int target = TargetOf(slots[i], form, i);
            string what = form.Flow == FlowControl.Call ? "call" : "jump";
            if (target < 0 || target >= slots.Length)
                throw new BpfDecodeException(DecodeError.TargetOutOfRange, i,
                    $"{what} target {target} is outside the program (0..{slots.Length - 1})");
            if (forms[target] is null)
                throw new BpfDecodeException(DecodeError.TargetInsideLoadImm64, i,
                    $"{what} target {target} is the second slot of the lddw at {target - 1}");
        }

        return new Bytecode(slots, forms);
    }

    /// <summary>Encodes the instructions as little-endian bytes.</summary>
    public byte[] ToBytes() => Encode(Instructions.AsSpan());

    /// <summary>Encodes instructions as little-endian bytes (no validation).</summary>
    public static byte[] Encode(ReadOnlySpan<Instruction> instructions)
    {
        var bytes = new byte[instructions.Length * Instruction.Size];
        for (int i = 0; i < instructions.Length; i++)
            instructions[i].WriteTo(bytes.AsSpan(i * Instruction.Size));
        return bytes;
    }

    private static int TargetOf(Instruction instruction, InstructionForm form, int index) => form.Displacement switch
    {
        BranchDisplacement.Offset => index + 1 + instruction.Offset,
        BranchDisplacement.Immediate => (int)Math.Clamp((long)index + 1 + instruction.Immediate, int.MinValue, int.MaxValue),
        _ => throw new InvalidOperationException($"instruction {index} ({form.Mnemonic}) has no target"),
    };

    private static InstructionForm Classify(Instruction instruction, int index)
    {
        var candidates = OpcodeTable.FormsWithOpcode(instruction.Opcode);
        if (candidates.IsEmpty)
            throw new BpfDecodeException(DecodeError.UnknownOpcode, index, $"unknown opcode 0x{instruction.Opcode:x2}");
        foreach (var form in candidates)
            if (form.Matches(instruction)) return form;
        var field = candidates[0].Discriminator;
        int value = field switch
        {
            DiscriminatorField.Offset => instruction.Offset,
            DiscriminatorField.Immediate => instruction.Immediate,
            _ => instruction.Src,
        };
        string allowed = string.Join(", ", candidates.ToArray().Select(f => $"{f.DiscriminatorValue} ({f.Mnemonic})"));
        throw new BpfDecodeException(DecodeError.InvalidVariant, index,
            $"opcode 0x{instruction.Opcode:x2} does not define {field.ToString().ToLowerInvariant()} {value}; expected one of {allowed}");
    }

    private static void CheckFields(Instruction instruction, InstructionForm form, int index)
    {
        if (instruction.Dst > 10)
            throw new BpfDecodeException(DecodeError.InvalidRegister, index, $"{form.Mnemonic}: invalid destination register r{instruction.Dst}");
        if (instruction.Src > 10 && form.Discriminator != DiscriminatorField.Src)
            throw new BpfDecodeException(DecodeError.InvalidRegister, index, $"{form.Mnemonic}: invalid source register r{instruction.Src}");
        var reserved = form.Reserved;
        if ((reserved & ReservedFields.Dst) != 0 && instruction.Dst != 0) ReservedNotZero("destination register", instruction.Dst);
        if ((reserved & ReservedFields.Src) != 0 && instruction.Src != 0) ReservedNotZero("source register", instruction.Src);
        if ((reserved & ReservedFields.Offset) != 0 && instruction.Offset != 0) ReservedNotZero("offset", instruction.Offset);
        if ((reserved & ReservedFields.Immediate) != 0 && instruction.Immediate != 0) ReservedNotZero("immediate", instruction.Immediate);
        if ((form.Registers & RegisterUse.WritesDst) != 0 && instruction.Dst == Reg.R10)
            throw new BpfDecodeException(DecodeError.FramePointerWrite, index, $"{form.Mnemonic} writes r10, the read-only frame pointer");
        if ((form.Registers & RegisterUse.WritesSrc) != 0 && instruction.Src == Reg.R10)
            throw new BpfDecodeException(DecodeError.FramePointerWrite, index, $"{form.Mnemonic} writes r10, the read-only frame pointer");

        void ReservedNotZero(string field, int value) =>
            throw new BpfDecodeException(DecodeError.ReservedFieldNotZero, index, $"{form.Mnemonic}: reserved {field} must be 0, found {value}");
    }
}
