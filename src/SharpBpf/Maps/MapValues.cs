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

    /// <summary>
    /// Copies one element to a host buffer: under the element's spin lock when <paramref name="locked"/>, else without
    /// the lock word, and for per-CPU maps every CPU's copy (<paramref name="stride"/> bytes apart in both).
    /// </summary>
    public static void CopyElementToHost(Memory.NativeBlock values, int offset, int valueSize, int stride, int lockOffset,
        bool perCpu, bool locked, Span<byte> destination)
    {
        if (locked)
            CopyLocked(destination, values.Slice(offset, valueSize), ref values.Int32At(offset + lockOffset), lockOffset, toHost: true);
        else if (!perCpu)
            CopyOut(destination, values.Slice(offset, valueSize), lockOffset);
        else
            for (int cpu = 0; cpu < BpfCpu.Count; cpu++)
                values.Slice(offset + cpu * stride, valueSize).CopyTo(destination.Slice(cpu * stride, valueSize));
    }
}
