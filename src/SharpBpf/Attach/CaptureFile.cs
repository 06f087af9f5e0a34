using System.Buffers.Binary;

namespace SharpBpf.Attach;

/// <summary>Opens a capture file as pcap or pcapng, whichever its first four bytes say it is.</summary>
public static class CaptureFile
{
    /// <summary>Opens <paramref name="path"/> as a <see cref="PcapReader"/> or <see cref="PcapNgReader"/>.</summary>
    /// <exception cref="BpfCaptureException">The file is neither format, or its header is bad.</exception>
    public static CaptureReader Open(string path, CaptureReadOptions? options = null) =>
        Open(OpenFileStream(path), leaveOpen: false, options);

    /// <summary>Reads <paramref name="stream"/> (from its current position) as pcap or pcapng.</summary>
    /// <exception cref="BpfCaptureException">The stream is neither format, or its header is bad.</exception>
    public static CaptureReader Open(Stream stream, bool leaveOpen = false, CaptureReadOptions? options = null)
    {
        var input = new CaptureStream(stream, leaveOpen);
        try
        {
            ReadOnlySpan<byte> start = input.Peek(4);
            if (start.Length < 4)
                throw new BpfCaptureException(0, 0, $"not a capture file: only {start.Length} bytes");
            uint magic = BinaryPrimitives.ReadUInt32LittleEndian(start);
            if (magic == PcapNgReader.SectionHeaderType) return PcapNgReader.Open(input, options);
            uint swapped = BinaryPrimitives.ReverseEndianness(magic);
            if (magic is PcapReader.MagicMicroseconds or PcapReader.MagicNanoseconds || swapped is PcapReader.MagicMicroseconds or PcapReader.MagicNanoseconds)
                return PcapReader.Open(input, options);
            throw new BpfCaptureException(0, 0, $"not a pcap or pcapng file: magic 0x{magic:x8}");
        }
        catch
        {
            input.Dispose();
            throw;
        }
    }

    /// <summary>A sequential-read file stream; our own buffer does the buffering.</summary>
    internal static FileStream OpenFileStream(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BpfCaptureException(0, 0, $"cannot open '{path}': {e.Message}", e);
        }
    }
}
