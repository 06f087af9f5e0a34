using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SharpBpf.Benchmarks;

/// <summary>What every suite needs: the measuring thread's CPU clock, the repository root, the build flavour.</summary>
internal static partial class BenchSupport
{
    private const int ClockThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID on Linux

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out Timespec time);

    /// <summary>CPU time of the calling thread, so other load on the machine does not count; wall-clock time where
    /// the POSIX thread CPU clock is unavailable.</summary>
    public static long ThreadCpuNanoseconds() =>
        OperatingSystem.IsLinux() && ClockGetTime(ClockThreadCpuTime, out var t) == 0
            ? t.Seconds * 1_000_000_000 + t.Nanoseconds
            : (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency));

    /// <summary>The folder holding SharpBpf.slnx, found upwards from the benchmark's binaries.</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "SharpBpf.slnx"))) return directory.FullName;
        throw new DirectoryNotFoundException("run the benchmark from inside the repository (SharpBpf.slnx not found above " + AppContext.BaseDirectory + ")");
    }

    /// <summary>True for an optimised build; Debug figures are not worth reporting.</summary>
    public static bool IsRelease() =>
        typeof(BenchSupport).Assembly.GetCustomAttributes(typeof(DebuggableAttribute), false) is not [DebuggableAttribute { IsJITOptimizerDisabled: true }];

    /// <summary>
    /// Runs <paramref name="body"/> repeatedly for at least <paramref name="milliseconds"/>: long enough for tiered
    /// compilation to promote the hot methods (it waits 100 ms after the last new method before compiling, and its
    /// background compiles lag on a busy machine), so samples do not measure partly unoptimised code.
    /// </summary>
    public static void WarmUp(Action body, int milliseconds = 1500)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        do body();
        while (clock.ElapsedMilliseconds < milliseconds);
    }
}
