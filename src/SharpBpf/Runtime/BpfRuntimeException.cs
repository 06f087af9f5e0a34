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

    /// <summary>The C source line of the faulting instruction, when debug info is available.</summary>
    public BpfSourceLocation? SourceLine { get; private init; }

    /// <summary>This fault again, naming <paramref name="location"/> in its message and <see cref="SourceLocation"/>.</summary>
    public BpfRuntimeException WithSourceLocation(BpfSourceLocation location)
    {
        ArgumentNullException.ThrowIfNull(location);
        return new BpfRuntimeException(Error, ProgramCounter, InstructionText, Detail, Address, Size, this, location)
        {
            SourceLocation = $"{location.FileName}:{location.Line}",
            SourceLine = location,
        };
    }

    /// <summary>
    /// This fault, raised where no instruction was known (inside a helper: <see cref="ProgramCounter"/> is -1), tied
    /// to the instruction at <paramref name="pc"/> that made the call. <paramref name="caller"/> (such as
    /// <c>helper 1 (map_lookup_elem)</c>) prefixes <see cref="Detail"/>; the kind, address and size are kept and this
    /// fault becomes the inner exception. Engines use it so that every engine names a helper's fault the same way.
    /// </summary>
    public BpfRuntimeException WithProgramCounter(int pc, string? instructionText, string? caller = null) =>
        new(Error, pc, instructionText, caller is null ? Detail : $"{caller}: {Detail}", Address, Size, this);

    /// <summary>
    /// What engines raise for a fault out of helper <paramref name="helperId"/> called at <paramref name="pc"/>: a
    /// helper's unlocated fault located at the call, any other exception as a <see cref="RuntimeError.HelperFault"/>.
    /// One wording for every engine.
    /// </summary>
    internal static BpfRuntimeException AtHelperCall(Exception fault, int pc, string? instructionText, long helperId, string helperName)
    {
        string caller = $"helper {helperId} ({helperName})";
        return fault is BpfRuntimeException runtime
            ? runtime.WithProgramCounter(pc, instructionText, caller)
            : new BpfRuntimeException(RuntimeError.HelperFault, pc, instructionText, $"{caller} failed: {fault.GetType().Name}: {fault.Message}", inner: fault);
    }

    private BpfRuntimeException(RuntimeError error, int pc, string? instructionText, string detail, ulong address, int size, Exception inner, BpfSourceLocation location)
        : base($"{Format(pc, instructionText, detail)} at {location}", inner)
    {
        Error = error;
        ProgramCounter = pc;
        InstructionText = instructionText;
        Address = address;
        Size = size;
        Detail = detail;
    }

    private static string Format(int pc, string? text, string detail) =>
        pc < 0 ? detail : text is null ? $"pc {pc}: {detail}" : $"pc {pc} ({text}): {detail}";
}

/// <summary>A C source line, as debug info (BTF line info) records it for an instruction.</summary>
/// <param name="FileName">Source file as the compiler recorded it.</param>
/// <param name="Line">1-based line number.</param>
/// <param name="Column">1-based column (0 when unknown).</param>
/// <param name="SourceText">The text of the line.</param>
public sealed record BpfSourceLocation(string FileName, int Line, int Column, string SourceText)
{
    /// <summary><c>file:line: text</c>.</summary>
    public override string ToString() => $"{FileName}:{Line}: {SourceText.Trim()}";
}
