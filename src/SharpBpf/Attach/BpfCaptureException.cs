namespace SharpBpf.Attach;

/// <summary>
/// The only exception the capture readers, the writer and <see cref="LiveCapture"/> throw for bad input or an
/// unusable capture source. For files, the message names the record number (1-based; 0 for a file or section
/// header) and the byte offset where the offending structure starts; the records before it were already delivered.
/// </summary>
public sealed class BpfCaptureException : BpfException
{
    /// <summary>Creates the exception for a problem in a capture file at <paramref name="offset"/>.</summary>
    /// <param name="recordNumber">1-based number of the record being read, 0 for a header.</param>
    /// <param name="offset">Byte offset, from the start of the file, of the record or header involved.</param>
    /// <param name="problem">What is wrong, without the location.</param>
    /// <param name="inner">The underlying I/O error, if any.</param>
    public BpfCaptureException(long recordNumber, long offset, string problem, Exception? inner = null)
        : base(Describe(recordNumber, offset, problem), inner)
    {
        RecordNumber = recordNumber;
        Offset = offset;
        Problem = problem;
    }

    /// <summary>Creates the exception for a problem that has no file position (a live capture, a writer argument).</summary>
    public BpfCaptureException(string problem, Exception? inner = null) : base(problem, inner)
    {
        Problem = problem;
    }

    /// <summary>1-based number of the record involved (0 for a file or section header), or null when no file is involved.</summary>
    public long? RecordNumber { get; }

    /// <summary>Byte offset from the start of the file of the record or header involved, or null when no file is involved.</summary>
    public long? Offset { get; }

    /// <summary>The problem alone, without the location prefix.</summary>
    public string Problem { get; }

    private static string Describe(long recordNumber, long offset, string problem) =>
        (recordNumber == 0 ? "capture header" : $"capture record {recordNumber}") + $" at byte offset {offset} (0x{offset:x}): {problem}";
}
