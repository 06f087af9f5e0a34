namespace SharpBpf.Attach;

/// <summary>
/// Forward-only buffered reader over a capture stream that counts the bytes consumed, so every error can name its
/// file offset, and knows how many bytes remain when the stream is seekable, so a record claiming more bytes than the
/// file holds is rejected before anything is allocated for it.
/// </summary>
internal sealed class CaptureStream : IDisposable
{
    private const int BufferSize = 64 * 1024;
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly byte[] _buffer = new byte[BufferSize];
    private readonly long? _length;
    private int _start;
    private int _end;
    private long _position;
    private bool _endOfStream;

    public CaptureStream(Stream stream, bool leaveOpen)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        if (stream.CanSeek) _length = stream.Length - stream.Position;
    }

    /// <summary>Bytes consumed so far, from where the stream was when the reader was opened.</summary>
    public long Position => _position;

    /// <summary>Bytes left before the end of a seekable stream; null when the stream cannot tell.</summary>
    public long? Remaining => _length - _position;

    /// <summary>True when no byte is left.</summary>
    public bool AtEnd => _start == _end && !Fill();

    /// <summary>Up to <paramref name="count"/> (at most the buffer size) bytes ahead, without consuming them.</summary>
    public ReadOnlySpan<byte> Peek(int count)
    {
        while (_end - _start < count && !_endOfStream)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            int read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0) _endOfStream = true;
            _end += read;
        }
        return _buffer.AsSpan(_start, Math.Min(count, _end - _start));
    }

    /// <summary>Fills <paramref name="destination"/> as far as the stream allows; returns the number of bytes read.</summary>
    public int Read(Span<byte> destination)
    {
        int total = 0;
        while (total < destination.Length)
        {
            if (_start == _end && !Fill()) break;
            int chunk = Math.Min(_end - _start, destination.Length - total);
            _buffer.AsSpan(_start, chunk).CopyTo(destination[total..]);
            _start += chunk;
            _position += chunk;
            total += chunk;
        }
        return total;
    }

    /// <summary>Consumes up to <paramref name="count"/> bytes without keeping them; returns how many were skipped.</summary>
    public long Skip(long count)
    {
        long skipped = 0;
        while (skipped < count)
        {
            if (_start == _end)
            {
                if (_stream.CanSeek && count - skipped > BufferSize && Remaining is long remaining)
                {
                    long jump = Math.Min(count - skipped, remaining);
                    _stream.Seek(jump, SeekOrigin.Current);
                    _position += jump;
                    skipped += jump;
                    if (jump == remaining) break;
                    continue;
                }
                if (!Fill()) break;
            }
            int chunk = (int)Math.Min(_end - _start, count - skipped);
            _start += chunk;
            _position += chunk;
            skipped += chunk;
        }
        return skipped;
    }

    private bool Fill()
    {
        if (_endOfStream) return false;
        _start = 0;
        _end = _stream.Read(_buffer, 0, _buffer.Length);
        if (_end == 0) _endOfStream = true;
        return _end > 0;
    }

    public void Dispose()
    {
        if (!_leaveOpen) _stream.Dispose();
    }
}
