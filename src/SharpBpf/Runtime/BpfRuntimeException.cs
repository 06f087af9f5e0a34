namespace SharpBpf.Runtime;

/// <summary>Why a running program was stopped.</summary>
public enum RuntimeError
{
    /// <summary>A load or store outside every region the program may touch.</summary>
    OutOfBounds,
    /// <summary>A store to a read-only region.</summary>
    WriteToReadOnly,
    /// <summary>The instruction budget ran out.</summary>
    BudgetExceeded,
    /// <summary>A call to a helper id no helper is registered for.</summary>
    UnknownHelper,
    /// <summary>An instruction this engine cannot execute (for example a call by BTF id).</summary>
    Unsupported,
    /// <summary>More than 8 nested local calls.</summary>
    CallDepthExceeded,
    /// <summary>Execution ran past the last instruction.</summary>
    FellOffEnd,
    /// <summary>A helper reported misuse (bad pointer, bad argument).</summary>
    HelperFault,
    /// <summary>The tail-call chain exceeded its limit.</summary>
    TailCallLimit,
}

/// <summary>
/// A program faulted while running. The message names the program counter, the disassembled instruction and,
/// for memory faults, the address and size.
/// </summary>
public sealed class BpfRuntimeException : BpfException
{
    /// <summary>Creates the exception.</summary>
    public BpfRuntimeException(RuntimeError error, int pc, string? instructionText, string detail, ulong address = 0, int size = 0, Exception? inner = null)
        : base(Format(pc, instructionText, detail), inner)
    {
        Error = error;
        ProgramCounter = pc;
        InstructionText = instructionText;
        Address = address;
        Size = size;
        Detail = detail;
    }

    /// <summary>The kind of fault.</summary>
    public RuntimeError Error { get; }

    /// <summary>Index of the faulting instruction slot, or -1 when not tied to one.</summary>
    public int ProgramCounter { get; }

    /// <summary>The faulting instruction, disassembled.</summary>
    public string? InstructionText { get; }

    /// <summary>The faulting address, for memory faults.</summary>
    public ulong Address { get; }

    /// <summary>The access size in bytes, for memory faults.</summary>
    public int Size { get; }

    /// <summary>The reason, without the location prefix.</summary>
    public string Detail { get; }

    /// <summary>Source location (file:line) when debug info is available; set by loaders that have BTF line info.</summary>
    public string? SourceLocation { get; init; }

    private static string Format(int pc, string? text, string detail) =>
        pc < 0 ? detail : text is null ? $"pc {pc}: {detail}" : $"pc {pc} ({text}): {detail}";
}
