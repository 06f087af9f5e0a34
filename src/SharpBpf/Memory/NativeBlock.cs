using System.Runtime.InteropServices;

namespace SharpBpf.Memory;

/// <summary>
/// A zeroed, 64-byte aligned block of native memory whose address never changes, for data programs reach by
/// pointer (map values, ring buffers). The block is freed by <see cref="Dispose"/> or, failing that, by the
/// finalizer; owners must not free it while a program may still hold a pointer into it.
/// </summary>
public sealed unsafe class NativeBlock : IDisposable
{
    private byte* _start;

    /// <summary>Allocates <paramref name="length"/> zeroed bytes (at least one byte is reserved).</summary>
    /// <exception cref="OutOfMemoryException">The allocation failed.</exception>
    public NativeBlock(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length > int.MaxValue) throw new OutOfMemoryException($"native block of {length} bytes exceeds the 2 GiB limit");
        Length = (int)length;
        _start = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(length, 1), 64);
        NativeMemory.Clear(_start, (nuint)Math.Max(length, 1));
        if (length > 0) GC.AddMemoryPressure(length);
    }

    /// <summary>Address of the first byte.</summary>
    public ulong Address => (ulong)_start;

    /// <summary>Length in bytes.</summary>
    public int Length { get; }

    /// <summary>True once freed.</summary>
    public bool IsDisposed => _start == null;

    /// <summary>The whole block.</summary>
    public Span<byte> Span => Slice(0, Length);

    /// <summary>Bytes <c>[offset, offset + length)</c> of the block; throws when outside it.</summary>
    public Span<byte> Slice(int offset, int length)
    {
        ObjectDisposedException.ThrowIf(_start == null, this);
        if ((uint)offset > (uint)Length || (uint)length > (uint)(Length - offset))
            throw new ArgumentOutOfRangeException(nameof(offset), $"{length} bytes at offset {offset} are outside a block of {Length} bytes");
        return new Span<byte>(_start + offset, length);
    }

    /// <summary>A reference to the 32-bit integer at <paramref name="offset"/> (4-byte aligned), for atomics.</summary>
    public ref int Int32At(int offset)
    {
        if ((offset & 3) != 0) throw new ArgumentException($"offset {offset} is not 4-byte aligned", nameof(offset));
        return ref MemoryMarshal.Cast<byte, int>(Slice(offset, 4))[0];
    }

    /// <summary>A reference to the 64-bit integer at <paramref name="offset"/> (8-byte aligned), for atomics.</summary>
    public ref long Int64At(int offset)
    {
        if ((offset & 7) != 0) throw new ArgumentException($"offset {offset} is not 8-byte aligned", nameof(offset));
        return ref MemoryMarshal.Cast<byte, long>(Slice(offset, 8))[0];
    }

    /// <summary>The offset of <paramref name="address"/> inside the block, or -1 when it is not inside.</summary>
    public long OffsetOf(ulong address) => address - (ulong)_start < (ulong)Length ? (long)(address - (ulong)_start) : -1;

    /// <summary>Frees the block.</summary>
    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the block if the owner forgot to.</summary>
    ~NativeBlock() => Free();

    private void Free()
    {
        var start = _start;
        if (start == null) return;
        _start = null;
        NativeMemory.AlignedFree(start);
        if (Length > 0) GC.RemoveMemoryPressure(Length);
    }
}

/// <summary>Views of native memory by address, for memory whose owner keeps it alive and in place (pinned).</summary>
internal static unsafe class NativeView
{
    /// <summary><paramref name="length"/> bytes at <paramref name="address"/>.</summary>
    public static Span<byte> At(ulong address, int length) => new((void*)address, length);
}
