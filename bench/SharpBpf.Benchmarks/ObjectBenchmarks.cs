using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using SharpBpf.Jit;
using SharpBpf.Loader;
using SharpBpf.Maps;
using SharpBpf.Runtime;
using static SharpBpf.Benchmarks.BenchSupport;

namespace SharpBpf.Benchmarks;

/// <summary>
/// Clang-compiled programs running through <see cref="LoadedObject"/> on one core (bench/programs/objects_bench.o):
/// array lookups, hash lookups and hash updates per second from inside a running program, ring-buffer records per
/// second from the producing program to a <see cref="RingBufferConsumer"/>, and the load time of the largest test
/// fixture. Each figure is the median of several samples after a warm-up, on the interpreter and with
/// <see cref="EngineChoice.Auto"/> (the JIT when it takes the program). Rates are from this thread's CPU time (the
/// machine is shared with builds); the wall-clock rate is shown beside it.
/// </summary>
public static partial class ObjectBenchmarks
{
    private const int OperationsPerRun = 10_000;
    private const int DefaultSamples = 9;

    public static int Run(ReadOnlySpan<string> args)
    {
        int samples = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : DefaultSamples;
        string root = RepositoryRoot();
        string objectPath = Path.Combine(root, "bench", "programs", "objects_bench.o");
        Console.WriteLine($"objects, Release={IsRelease()}, {Environment.ProcessorCount} cores, median of {samples} samples, {OperationsPerRun:N0} operations per run");
        Console.WriteLine($"{"workload",-24} {"engine",-12} {"M ops/s (cpu)",14} {"ns/op (cpu)",12} {"M ops/s (wall)",15}");
        foreach (var engine in new[] { EngineChoice.Interpreter, EngineChoice.Auto })
        {
            // Trusted code: each program loops 10,000 times around a helper call, which exceeds the verifier's
            // 1,000,000-instruction exploration limit; this suite measures the runtime, not verification.
            using var obj = LoadedObject.LoadFile(objectPath, new LoadOptions { Execution = new ExecutionOptions { InstructionBudget = 0 }, Verify = false });
            for (uint i = 0; i < 1024; i++)
            {
                obj.GetMap("bench_array").Update(i, (ulong)i);
                obj.GetMap("bench_hash").Update(i, (ulong)i);
            }
            var ring = (RingBufferMap)obj.GetMap("bench_ring");
            long consumed = 0;
            var consumer = new RingBufferConsumer(ring, record => { consumed += record.Length; return 0; });
            foreach (var name in new[] { "array_lookups", "hash_lookups", "hash_updates", "ringbuf_records" })
            {
                var selected = obj.GetProgram(name).CreateExecutable(engine, new JitOptions { Execution = new ExecutionOptions { InstructionBudget = 0 } });
                var executable = selected.Executable;
                Action afterRun = name == "ringbuf_records" ? () => consumer.Consume() : () => { };
                var (cpuNsPerRun, wallNsPerRun) = Median(executable, afterRun, samples);
                double nsPerOperation = cpuNsPerRun / OperationsPerRun;
                Console.WriteLine($"{name,-24} {executable.EngineName,-12} {1000 / nsPerOperation,14:N2} {nsPerOperation,12:N1} {1000 / (wallNsPerRun / OperationsPerRun),15:N2}");
            }
            if (consumed == 0) throw new InvalidOperationException("the ring-buffer benchmark consumed no records");
        }

        string largest = Directory.GetFiles(Path.Combine(root, "tests", "fixtures"), "*.o")
            .Where(p => !p.EndsWith("external_call.o", StringComparison.Ordinal)).OrderByDescending(p => new FileInfo(p).Length).First();
        var bytes = File.ReadAllBytes(largest);
        var loadTimes = new double[Math.Max(samples, 25)];
        for (int i = -5; i < loadTimes.Length; i++)
        {
            long start = ThreadCpuNanoseconds();
            using (LoadedObject.Load(bytes)) { }
            if (i >= 0) loadTimes[i] = (ThreadCpuNanoseconds() - start) / 1000.0;
        }
        Array.Sort(loadTimes);
        Console.WriteLine($"load {Path.GetFileName(largest)} ({bytes.Length:N0} bytes): median {loadTimes[loadTimes.Length / 2]:N1} us, min {loadTimes[0]:N1} us CPU (parse, create maps, resolve, verify)");
        return 0;
    }

    private static (double Cpu, double Wall) Median(BpfExecutable executable, Action afterRun, int samples)
    {
        var memory = new byte[8];
        MemoryMarshal.Write(memory, OperationsPerRun);
        WarmUp(() =>
        {
            executable.Run(memory);
            afterRun();
        }, milliseconds: 1000);
        var cpu = new double[samples];
        var wall = new double[samples];
        for (int s = 0; s < samples; s++)
        {
            const int runs = 20;
            long cpuStart = ThreadCpuNanoseconds();
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < runs; i++)
            {
                executable.Run(memory);
                afterRun();
            }
            wall[s] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / runs;
            cpu[s] = (double)(ThreadCpuNanoseconds() - cpuStart) / runs;
        }
        Array.Sort(cpu);
        Array.Sort(wall);
        return (cpu[samples / 2], wall[samples / 2]);
    }
}
