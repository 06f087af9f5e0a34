namespace SharpBpf.Maps;

/// <summary>
/// Linux errno numbers. Map operations and helpers return them negated (<c>-ENOENT</c>), as the kernel does, so a
/// helper can hand the result to a program unchanged.
/// </summary>
public static class Errno
{
    /// <summary>Operation not permitted.</summary>
    public const int EPERM = 1;
    /// <summary>No such element.</summary>
    public const int ENOENT = 2;
    /// <summary>Argument too big (index out of range, map full).</summary>
    public const int E2BIG = 7;
    /// <summary>Bad file descriptor.</summary>
    public const int EBADF = 9;
    /// <summary>Try again (ring buffer full).</summary>
    public const int EAGAIN = 11;
    /// <summary>Out of memory.</summary>
    public const int ENOMEM = 12;
    /// <summary>Bad address (a helper could not read or write program memory).</summary>
    public const int EFAULT = 14;
    /// <summary>Permission denied.</summary>
    public const int EACCES = 13;
    /// <summary>Resource busy.</summary>
    public const int EBUSY = 16;
    /// <summary>Element exists.</summary>
    public const int EEXIST = 17;
    /// <summary>Invalid argument.</summary>
    public const int EINVAL = 22;
    /// <summary>No space left (ring buffer, perf buffer, LPM trie full).</summary>
    public const int ENOSPC = 28;
    /// <summary>Result out of range.</summary>
    public const int ERANGE = 34;
    /// <summary>Operation not supported by this map type.</summary>
    public const int EOPNOTSUPP = 95;

    /// <summary>A negative errno result as the 64-bit register value a helper returns.</summary>
    public static ulong ToRegister(int result) => (ulong)(long)result;
}

/// <summary>Flags of map updates (<c>BPF_ANY</c>, <c>BPF_NOEXIST</c>, <c>BPF_EXIST</c>, <c>BPF_F_LOCK</c>).</summary>
[Flags]
public enum MapUpdateFlags : ulong
{
    /// <summary>BPF_ANY: create or replace.</summary>
    Any = 0,
    /// <summary>BPF_NOEXIST: create only; an existing element gives -EEXIST.</summary>
    NoExist = 1,
    /// <summary>BPF_EXIST: replace only; a missing element gives -ENOENT (queue/stack: overwrite the oldest when full).</summary>
    Exist = 2,
    /// <summary>BPF_F_LOCK: copy the value while holding the <c>bpf_spin_lock</c> inside it.</summary>
    Lock = 4,
}

/// <summary>Map creation flags (<c>BPF_F_*</c> in <c>linux/bpf.h</c>) that maps interpret.</summary>
public static class MapCreationFlags
{
    /// <summary>BPF_F_NO_PREALLOC (required for LPM tries; hash maps preallocate regardless).</summary>
    public const uint NoPrealloc = 1u << 0;
    /// <summary>BPF_F_NO_COMMON_LRU.</summary>
    public const uint NoCommonLru = 1u << 1;
    /// <summary>BPF_F_ZERO_SEED: hash with a fixed seed.</summary>
    public const uint ZeroSeed = 1u << 6;
    /// <summary>BPF_F_RDONLY_PROG: programs may only read values.</summary>
    public const uint ReadOnlyProgram = 1u << 7;
    /// <summary>BPF_F_WRONLY_PROG: programs may only write values.</summary>
    public const uint WriteOnlyProgram = 1u << 8;
    /// <summary>BPF_F_MMAPABLE.</summary>
    public const uint Mmapable = 1u << 10;
    /// <summary>BPF_F_INNER_MAP: inner maps of this template may differ in max_entries.</summary>
    public const uint InnerMap = 1u << 12;
}

/// <summary>A map definition the runtime cannot create, or a map misused by the host.</summary>
public sealed class BpfMapException : BpfException
{
    /// <summary>Creates the exception for the map named <paramref name="mapName"/>.</summary>
    public BpfMapException(string mapName, string problem, int errno = -SharpBpf.Maps.Errno.EINVAL)
        : base($"map '{mapName}': {problem}")
    {
        MapName = mapName;
        Problem = problem;
        Errno = errno;
    }

    /// <summary>The map's name.</summary>
    public string MapName { get; }

    /// <summary>What is wrong, without the map name.</summary>
    public string Problem { get; }

    /// <summary>The negative errno a <c>bpf()</c> syscall layer would return for it.</summary>
    public int Errno { get; }
}

/// <summary>
/// The "CPU" a thread runs programs on, for per-CPU maps and <c>bpf_get_smp_processor_id</c>. There are
/// <see cref="Count"/> CPUs (<see cref="Environment.ProcessorCount"/>); each thread is given one round-robin on
/// first use, and a host may pin a thread to a slot by setting <see cref="Current"/>. Unlike the kernel, two
/// threads can share a slot when there are more threads than CPUs; per-CPU values are then shared by them.
/// </summary>
public static class BpfCpu
{
    [ThreadStatic] private static int t_cpuPlusOne;
    private static int s_next = -1;

    /// <summary>Number of possible CPUs: the number of slots in per-CPU values.</summary>
    public static int Count { get; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>The calling thread's CPU, in <c>[0, Count)</c>.</summary>
    public static int Current
    {
        get
        {
            int cpu = t_cpuPlusOne;
            if (cpu == 0) t_cpuPlusOne = cpu = (int)((uint)Interlocked.Increment(ref s_next) % (uint)Count) + 1;
            return cpu - 1;
        }
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(value, Count);
            t_cpuPlusOne = value + 1;
        }
    }
}

/// <summary>
/// <c>struct bpf_spin_lock</c> (one 32-bit word inside a map value): 0 free, 1 held. Programs take it with
/// <c>bpf_spin_lock</c>, the host with <see cref="MapUpdateFlags.Lock"/>.
/// </summary>
public static class BpfSpinLock
{
    /// <summary>Spins until the lock word is taken.</summary>
    public static void Acquire(ref int word)
    {
        if (Interlocked.CompareExchange(ref word, 1, 0) == 0) return;
        var spin = new SpinWait();
        while (Volatile.Read(ref word) != 0 || Interlocked.CompareExchange(ref word, 1, 0) != 0) spin.SpinOnce();
    }

    /// <summary>Releases the lock word.</summary>
    public static void Release(ref int word) => Volatile.Write(ref word, 0);
}
