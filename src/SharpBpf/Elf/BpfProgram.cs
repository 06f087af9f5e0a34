using SharpBpf.Isa;
using SharpBpf.ProgramTypes;

namespace SharpBpf.Elf;

/// <summary>A C source line attached to an instruction of a loaded program (from <c>.BTF.ext</c> line_info).</summary>
/// <param name="InstructionIndex">Index into <see cref="BpfProgram.Bytecode"/>.</param>
/// <param name="FileName">Source file as the compiler recorded it.</param>
/// <param name="Line">1-based line number.</param>
/// <param name="Column">1-based column (0 when unknown).</param>
/// <param name="SourceText">The text of the source line.</param>
public sealed record BpfSourceLine(int InstructionIndex, string FileName, int Line, int Column, string SourceText)
{
    /// <inheritdoc />
    public override string ToString() => $"{FileName}:{Line}:{Column}: {SourceText.Trim()}";
}

/// <summary>A function linked into a program: the program's own code (first) or a called <c>.text</c> subprogram.</summary>
/// <param name="Name">Function symbol name.</param>
/// <param name="SectionName">ELF section the code came from.</param>
/// <param name="StartIndex">First instruction index in <see cref="BpfProgram.Bytecode"/>.</param>
/// <param name="Length">Number of instruction slots.</param>
public sealed record BpfFunction(string Name, string SectionName, int StartIndex, int Length);

/// <summary>
/// One program of an object file: its instructions with subprograms linked in and map references rewritten to
/// map indices (<see cref="LoadImm64Source.MapIndex"/>, <see cref="LoadImm64Source.MapIndexValue"/>).
/// </summary>
public sealed class BpfProgram
{
    private readonly BpfSourceLine[] _lines;

    internal BpfProgram(string name, string sectionName, ProgramSectionInfo section, Bytecode bytecode,
        IReadOnlyList<BpfFunction> functions, BpfSourceLine[] lines)
    {
        Name = name;
        SectionName = sectionName;
        Type = section.Type;
        ExpectedAttachType = section.AttachType;
        AttachTarget = section.AttachTarget;
        Bytecode = bytecode;
        Functions = functions;
        _lines = lines;
    }

    private BpfProgram(BpfProgram source, BpfProgramType type, BpfAttachType attachType)
        : this(source.Name, source.SectionName, new ProgramSectionInfo(type, attachType, source.AttachTarget), source.Bytecode, source.Functions, source._lines)
    {
    }

    /// <summary>The program's function symbol name.</summary>
    public string Name { get; }

    /// <summary>The ELF section holding the program.</summary>
    public string SectionName { get; }

    /// <summary>The program type implied by the section name (<see cref="BpfProgramType.Unspecified"/> if unknown).</summary>
    public BpfProgramType Type { get; }

    /// <summary>The expected attach type implied by the section name.</summary>
    public BpfAttachType ExpectedAttachType { get; }

    /// <summary>The attach target named after the section prefix (e.g. <c>do_sys_open</c> in <c>kprobe/do_sys_open</c>), or null.</summary>
    public string? AttachTarget { get; }

    /// <summary>The linked, relocated instructions: the program's own code followed by every called subprogram.</summary>
    public Bytecode Bytecode { get; }

    /// <summary>The functions making up <see cref="Bytecode"/>, the program itself first.</summary>
    public IReadOnlyList<BpfFunction> Functions { get; }

    /// <summary>Line info entries, ordered by instruction index (empty without <c>.BTF.ext</c>).</summary>
    public IReadOnlyList<BpfSourceLine> Lines => _lines;

    /// <summary>The source line covering instruction <paramref name="instructionIndex"/>: the nearest entry at or before it within the same function, or null.</summary>
    public BpfSourceLine? SourceLineAt(int instructionIndex)
    {
        var function = Functions.FirstOrDefault(f => instructionIndex >= f.StartIndex && instructionIndex < f.StartIndex + f.Length);
        if (function is null) return null;
        int low = 0, high = _lines.Length - 1, found = -1;
        while (low <= high)
        {
            int middle = (low + high) / 2;
            if (_lines[middle].InstructionIndex <= instructionIndex) { found = middle; low = middle + 1; }
            else high = middle - 1;
        }
        return found >= 0 && _lines[found].InstructionIndex >= function.StartIndex ? _lines[found] : null;
    }

    /// <summary>A copy of this program with a caller-chosen type (for sections whose name gives none).</summary>
    public BpfProgram WithType(BpfProgramType type, BpfAttachType attachType = BpfAttachType.None) => new(this, type, attachType);

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({SectionName}, {Type}, {Bytecode.Length} insns)";
}
