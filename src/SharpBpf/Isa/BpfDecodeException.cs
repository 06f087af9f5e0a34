namespace SharpBpf.Isa;

/// <summary>What is wrong with an encoded program.</summary>
public enum DecodeError
{
    /// <summary>The byte length is not a multiple of 8.</summary>
    LengthNotMultipleOfEight,
    /// <summary>The program has no instructions.</summary>
    EmptyProgram,
    /// <summary>No instruction form uses the opcode byte.</summary>
    UnknownOpcode,
    /// <summary>The opcode is known but the field that selects the variant (offset, immediate or src) holds an undefined value.</summary>
    InvalidVariant,
    /// <summary>A field the form reserves is not zero.</summary>
    ReservedFieldNotZero,
    /// <summary>A 64-bit immediate load is missing its second slot, or that slot is malformed.</summary>
    IncompleteLoadImm64,
    /// <summary>A register number above 10.</summary>
    InvalidRegister,
    /// <summary>An instruction writes R10, the read-only frame pointer.</summary>
    FramePointerWrite,
    /// <summary>A jump or call target lies outside the program.</summary>
    TargetOutOfRange,
    /// <summary>A jump or call target is the second slot of a 64-bit immediate load.</summary>
    TargetInsideLoadImm64,
}

/// <summary>An encoded program is malformed. <see cref="InstructionIndex"/> names the slot.</summary>
public sealed class BpfDecodeException : BpfException
{
    /// <summary>Creates the exception.</summary>
    public BpfDecodeException(DecodeError error, int instructionIndex, string detail)
        : base(instructionIndex >= 0 ? $"instruction {instructionIndex}: {detail}" : detail)
    {
        Error = error;
        InstructionIndex = instructionIndex;
    }

    /// <summary>The kind of defect.</summary>
    public DecodeError Error { get; }

    /// <summary>The index of the faulty instruction slot, or -1 when the defect is the program as a whole.</summary>
    public int InstructionIndex { get; }
}
