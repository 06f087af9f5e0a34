namespace SharpBpf.Asm;

/// <summary>Assembly text could not be assembled. The message names the line, the column and the problem.</summary>
public sealed class BpfAssemblyException : BpfException
{
    /// <summary>Creates the exception for a problem at a 1-based line and column.</summary>
    public BpfAssemblyException(string problem, int line, int column)
        : base($"line {line}, column {column}: {problem}")
    {
        Problem = problem;
        Line = line;
        Column = column;
    }

    /// <summary>The problem, without the position.</summary>
    public string Problem { get; }

    /// <summary>The 1-based line of the problem.</summary>
    public int Line { get; }

    /// <summary>The 1-based column of the problem.</summary>
    public int Column { get; }
}
