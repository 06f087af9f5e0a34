namespace SharpBpf.Btf;

/// <summary>Malformed <c>.BTF</c> or <c>.BTF.ext</c> data; the message names the section and the byte offset inside it.</summary>
public sealed class BpfBtfException : BpfException
{
    /// <summary>Creates the exception for a problem at <paramref name="offset"/> (relative to the start of <paramref name="section"/>).</summary>
    public BpfBtfException(string section, long offset, string problem)
        : base($"{section} at offset 0x{offset:x}: {problem}")
    {
        Section = section;
        Offset = offset;
        Problem = problem;
    }

    /// <summary>The BTF section: <c>.BTF</c> or <c>.BTF.ext</c>.</summary>
    public string Section { get; }

    /// <summary>Byte offset of the problem, relative to the start of the section.</summary>
    public long Offset { get; }

    /// <summary>The problem alone, without the location prefix.</summary>
    public string Problem { get; }
}
