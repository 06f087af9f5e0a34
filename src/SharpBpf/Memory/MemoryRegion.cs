namespace SharpBpf.Memory;

/// <summary>What a program may do with a region.</summary>
[Flags]
public enum MemoryAccess : byte
{
    /// <summary>No access.</summary>
    None = 0,
    /// <summary>Loads are allowed.</summary>
    Read = 1,
    /// <summary>Stores and atomics are allowed.</summary>
    Write = 2,
    /// <summary>Loads, stores and atomics are allowed.</summary>
    ReadWrite = Read | Write,
}

/// <summary>
/// A range of host memory a program may touch: the context, its input memory, its stack frames, map values.
/// Addresses are real host addresses, so the JIT's unchecked mode and the interpreter see the same pointers.
/// </summary>
/// <param name="Start">First byte.</param>
/// <param name="Length">Length in bytes.</param>
/// <param name="Access">Permitted access.</param>
/// <param name="Name">Shown in error messages ("stack", "context", "memory", "map 'counts' values").</param>
public readonly record struct MemoryRegion(ulong Start, ulong Length, MemoryAccess Access, string Name)
{
    /// <summary>True when <c>[address, address + size)</c> lies inside the region.</summary>
    public bool Contains(ulong address, ulong size) => address - Start <= Length && size <= Length - (address - Start);
}
