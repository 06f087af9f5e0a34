namespace SharpBpf.Elf;

/// <summary>
/// The only exception <see cref="BpfObject"/> loading throws: the object file is malformed or uses something the
/// loader does not support. The message names the section (when one is involved) and the file offset.
/// </summary>
public sealed class BpfElfException : BpfException
{
    /// <summary>Creates the exception for a problem in <paramref name="section"/> at file offset <paramref name="offset"/>.</summary>
    public BpfElfException(string? section, long offset, string problem, Exception? inner = null)
        : base(Describe(section, offset, problem), inner)
    {
        Section = section;
        Offset = offset;
        Problem = problem;
    }

    /// <summary>Name of the section involved, or null when the problem is in the ELF header or section header table.</summary>
    public string? Section { get; }

    /// <summary>File offset of the offending bytes.</summary>
    public long Offset { get; }

    /// <summary>The problem alone, without the location prefix.</summary>
    public string Problem { get; }

    private static string Describe(string? section, long offset, string problem) =>
        $"ELF {(section is null ? "header" : $"section '{section}'")} at file offset 0x{offset:x}: {problem}";
}
