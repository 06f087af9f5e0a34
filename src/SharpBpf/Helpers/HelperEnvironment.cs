using System.Diagnostics;

namespace SharpBpf.Helpers;

/// <summary>
/// What the standard helpers need from the host: where trace output goes, clocks, randomness and the identity of
/// the "current task". One environment may serve many threads; its members must then be thread-safe.
/// </summary>
public sealed class HelperEnvironment
{
    private static readonly long s_start = Stopwatch.GetTimestamp();

    /// <summary>Receives each <c>bpf_trace_printk</c>/<c>bpf_trace_vprintk</c> line (writes are serialised).</summary>
    public TextWriter? TraceOutput { get; set; }

    /// <summary>Called with each trace line, after <see cref="TraceOutput"/>.</summary>
    public Action<string>? TraceCallback { get; set; }

    /// <summary>Monotonic clock in nanoseconds (<c>bpf_ktime_get_ns</c>); defaults to a stopwatch since startup.</summary>
    public Func<ulong> MonotonicClock { get; set; } = DefaultClock;

    /// <summary>Clock including suspend time (<c>bpf_ktime_get_boot_ns</c>); defaults to <see cref="MonotonicClock"/>.</summary>
    public Func<ulong>? BootClock { get; set; }

    /// <summary>Coarse clock (<c>bpf_ktime_get_coarse_ns</c>); defaults to <see cref="MonotonicClock"/> truncated to milliseconds.</summary>
    public Func<ulong>? CoarseClock { get; set; }

    /// <summary>Source of <c>bpf_get_prandom_u32</c>; a non-shared instance is used under a lock.</summary>
    public Random Random { get; set; } = Random.Shared;

    /// <summary><c>bpf_get_current_pid_tgid</c>: tgid in the upper 32 bits, pid (thread) in the lower; defaults to the process id and managed thread id.</summary>
    public Func<ulong> CurrentPidTgid { get; set; } = () => ((ulong)(uint)Environment.ProcessId << 32) | (uint)Environment.CurrentManagedThreadId;

    /// <summary><c>bpf_get_current_comm</c>: the task name (the kernel keeps 15 bytes plus NUL).</summary>
    public string CurrentComm { get; set; } = DefaultComm();

    private static ulong DefaultClock() => (ulong)(Stopwatch.GetElapsedTime(s_start).Ticks * 100);

    private static string DefaultComm()
    {
        try
        {
            using var process = Process.GetCurrentProcess();
            return process.ProcessName;
        }
        catch (InvalidOperationException)
        {
            return "sharpbpf";
        }
    }

    internal void WriteTrace(string line)
    {
        var writer = TraceOutput;
        if (writer is not null)
            lock (writer) writer.WriteLine(line);
        TraceCallback?.Invoke(line);
    }

    internal uint NextRandom()
    {
        var random = Random;
        if (ReferenceEquals(random, Random.Shared)) return (uint)random.NextInt64(0, 1L << 32);
        lock (random) return (uint)random.NextInt64(0, 1L << 32);
    }
}
