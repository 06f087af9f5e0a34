namespace SharpBpf.Maps;

/// <summary>Value copying shared by the maps: the spin-lock word is never copied over (kernel <c>copy_map_value</c>).</summary>
internal static class MapValues
{
    public static void Copy(Span<byte> destination, ReadOnlySpan<byte> source, int lockOffset)
    {
        if (lockOffset < 0 || lockOffset + 4 > source.Length)
        {
            source.CopyTo(destination);
            return;
        }
        source[..lockOffset].CopyTo(destination);
        source[(lockOffset + 4)..].CopyTo(destination[(lockOffset + 4)..]);
    }

    /// <summary>Copies to a host buffer, the lock word reading as zero.</summary>
    public static void CopyOut(Span<byte> destination, ReadOnlySpan<byte> source, int lockOffset)
    {
        source.CopyTo(destination);
        if (lockOffset >= 0 && lockOffset + 4 <= destination.Length) destination.Slice(lockOffset, 4).Clear();
    }

    /// <summary>Copies in or out while holding the value's spin lock (BPF_F_LOCK).</summary>
    public static void CopyLocked(Span<byte> destination, ReadOnlySpan<byte> source, ref int lockWord, int lockOffset, bool toHost)
    {
        BpfSpinLock.Acquire(ref lockWord);
        try
        {
            if (toHost) CopyOut(destination, source, lockOffset);
            else Copy(destination, source, lockOffset);
        }
        finally { BpfSpinLock.Release(ref lockWord); }
    }
}
