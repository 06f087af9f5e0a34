using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using SharpBpf.Elf;
using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Jit;
using SharpBpf.Maps;
using SharpBpf.Memory;
using SharpBpf.Runtime;
using static SharpBpf.Benchmarks.BenchSupport;

namespace SharpBpf.Benchmarks;

/// <summary>
/// The same C benchmarks (bench/native/bench.c) compiled by clang-19 for eBPF (run by SharpBpf's JIT, checked and
/// unchecked, and its interpreter) and by gcc -O2 for the host (called through a function pointer). Each engine
/// runs every benchmark on the same input; the table shows the median of the per-run times (thread CPU time, the
/// steadier figure on a shared machine) after a warm-up, the ratio JIT/native, the interpreter's ns per executed
/// instruction, and the JIT's compile time (IL emission plus RyuJIT's native compilation on the first call).
/// </summary>
public static unsafe partial class NativeComparisonBenchmarks
{
    private const int DefaultSamples = 21;
    private const string LibraryName = "libsharpbpf_native_bench.so";

    private sealed record Case(string Name, string Function, byte[] Input, bool Mutates, string What);

    public static int Run(ReadOnlySpan<string> args)
    {
        // `native overhead [samples]` prints only the run-overhead table.
        bool overheadOnly = args.Length > 0 && args[0] == "overhead";
        if (overheadOnly) args = args[1..];
        int samples = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : DefaultSamples;
        if (overheadOnly)
        {
            RunOverhead.Print(samples);
            return 0;
        }
        string dir = NativeDirectory();
        string library = Path.Combine(dir, "out", LibraryName);
        if (!File.Exists(library))
        {
            Console.WriteLine($"building {library} (bench/native/build.sh native)");
            using var build = Process.Start(new ProcessStartInfo("sh", [Path.Combine(dir, "build.sh"), "native"]))!;
            build.WaitForExit();
            if (build.ExitCode != 0) throw new InvalidOperationException("bench/native/build.sh native failed");
        }
        nint native = NativeLibrary.Load(library);
        var obj = BpfObject.LoadFile(Path.Combine(dir, "bench.bpf.o"));
        var maps = obj.Maps.Select(BpfMap.Create).ToArray();
        var helpers = StandardHelpers.Register(new HelperTable());
        var unlimited = new ExecutionOptions { InstructionBudget = 0 };
        FillHashTables(maps[obj.FindMap("table")], native);

        Console.WriteLine($"native comparison, Release={IsRelease()}, {Environment.ProcessorCount} cores, median of {samples} runs (thread CPU time), gcc -O2 vs clang-19 -O2 -target bpf");
        Console.WriteLine($"{"benchmark",-34} {"native µs",10} {"jit µs",10} {"jit/nat",8} {"unchk µs",10} {"unchk/nat",9} {"interp µs",11} {"ns/insn",8} {"slots",6} {"compile ms",11}  check");
        // Warm the compiler itself up (its own methods reach tier 1) before timing any compilation.
        for (int i = 0; i < 4; i++)
            foreach (var program in obj.Programs) JitCompiler.Compile(ResolveMaps(program.Bytecode, maps), helpers);
        var ratios = new List<double>();
        var uncheckedRatios = new List<double>();
        foreach (var c in Cases())
        {
            var program = obj.FindProgram(c.Function) ?? throw new InvalidOperationException($"{c.Function} not in bench.bpf.o");
            var code = ResolveMaps(program.Bytecode, maps);
            var function = (delegate* unmanaged<byte*, ulong, ulong>)NativeLibrary.GetExport(native, c.Function);

            // The first compilation also warms up the compiler itself (its own code tiering up); then the median
            // of nine, in thread CPU time like the runs.
            var (_, jit) = CompileAndPrepare(code, helpers, new JitOptions { Execution = unlimited }, maps);
            var compileTimes = new double[9];
            for (int i = 0; i < compileTimes.Length; i++) (compileTimes[i], jit) = CompileAndPrepare(code, helpers, new JitOptions { Execution = unlimited }, maps);
            Array.Sort(compileTimes);
            double compileMs = compileTimes[compileTimes.Length / 2];
            var jitUnchecked = JitCompiler.Compile(code, helpers, new JitOptions { Execution = unlimited, MemoryMode = JitMemoryMode.Unchecked, UnsafeSkipBoundsChecks = true });
            var interpreter = new Interpreter.Interpreter(code, helpers, unlimited);

            byte[] buffer = GC.AllocateArray<byte>(c.Input.Length, pinned: true);
            fixed (byte* start = buffer)
            {
                ulong address = (ulong)start, length = (ulong)buffer.Length;
                var (nativeNs, nativeR0) = Measure(samples, c, buffer, () => function((byte*)address, length));
                var (jitNs, jitR0) = Measure(samples, c, buffer, () => RunEngine(jit, address, length, maps));
                var (uncheckedNs, uncheckedR0) = Measure(samples, c, buffer, () => RunEngine(jitUnchecked, address, length, maps));
                var (interpreterNs, interpreterR0) = Measure(Math.Max(5, samples / 4), c, buffer, () => RunEngine(interpreter, address, length, maps));
                Restore(c, buffer);
                var context = PrepareContext(interpreter, address, length, maps);
                interpreter.Run(context, address, length);
                long instructions = context.InstructionsExecuted;

                bool same = nativeR0 == jitR0 && jitR0 == uncheckedR0 && jitR0 == interpreterR0;
                ratios.Add(jitNs / nativeNs);
                uncheckedRatios.Add(uncheckedNs / nativeNs);
                Console.WriteLine($"{c.Name,-34} {nativeNs / 1000,10:N1} {jitNs / 1000,10:N1} {jitNs / nativeNs,8:N2} {uncheckedNs / 1000,10:N1} {uncheckedNs / nativeNs,9:N2} {interpreterNs / 1000,11:N1} {interpreterNs / instructions,8:N2} {code.Length,6} {compileMs,11:N3}  {(same ? "ok" : $"MISMATCH native 0x{nativeR0:x} jit 0x{jitR0:x} unchecked 0x{uncheckedR0:x} interpreter 0x{interpreterR0:x}")}");
            }
        }
        Console.WriteLine($"{"geomean jit/native",-34} {"",10} {"",10} {GeoMean(ratios),8:N2} {"",10} {GeoMean(uncheckedRatios),9:N2}");
        RunOverhead.Print(samples);
        foreach (var map in maps) map.Dispose();
        return 0;
    }

    private static IEnumerable<Case> Cases()
    {
        var random = new Random(12345);
        byte[] Words(int count, Func<uint> next)
        {
            var bytes = new byte[count * 4];
            for (int i = 0; i < count; i++) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), next());
            return bytes;
        }

        yield return new("log2 over 64Ki u32", "bench_log2", Words(65536, () => (uint)random.Next(1, int.MaxValue) >> random.Next(31)), false, "");
        yield return new("primes below 20,000 (trial div.)", "bench_primes", Words(2, () => 20_000), false, "");
        var copy = new byte[2 << 20];
        random.NextBytes(copy.AsSpan(0, 1 << 20));
        yield return new("byte-wise copy of 1 MiB", "bench_memcpy", copy, true, "");
        var strings = new byte[2 << 20];
        for (int i = 0; i < (1 << 20) - 1; i++) strings[i] = strings[(1 << 20) + i] = (byte)random.Next(1, 256);
        strings[(1 << 20) - 2] = 1; // the strings differ in their last character
        strings[(2 << 20) - 2] = 2;
        yield return new("strcmp of two 1 MiB strings", "bench_strcmp", strings, false, "");
        yield return new("64-case switch over 64Ki ints", "bench_switch", Words(65536, () => (uint)random.Next()), false, "");
        var crc = new byte[64 << 10];
        random.NextBytes(crc);
        yield return new("CRC-32 (bitwise) of 64 KiB", "bench_crc32", crc, false, "");
        yield return new("bubble sort of 1,000 u32", "bench_bubble", Words(1000, () => (uint)random.Next()), true, "");
        yield return new("packet parser, 4,000 packets", "bench_packets", Packets(random, 4000), false, "");
        yield return new("hash lookups, 64Ki keys (50% hit)", "bench_hash", Words(65536, () => HashKey(random.Next(8192))), false, "");
    }

    // Keys 0..4095 of this sequence are in the table, 4096..8191 are not.
    private static uint HashKey(int index) => (uint)index * 2_654_435_761u ^ 0x5bd1_e995u;

    private static void FillHashTables(BpfMap map, nint native)
    {
        var clear = (delegate* unmanaged<void>)NativeLibrary.GetExport(native, "hash_clear");
        var insert = (delegate* unmanaged<uint, ulong, void>)NativeLibrary.GetExport(native, "hash_insert");
        clear();
        for (int i = 0; i < 4096; i++)
        {
            uint key = HashKey(i);
            ulong value = (ulong)i * 3 + 1;
            if (map.Update(key, value) != 0) throw new InvalidOperationException("hash map update failed");
            insert(key, value);
        }
    }

    /// <summary>Records of (u16 length, Ethernet frame): IPv4/IPv6, TCP/UDP/other, various ports, some truncated.</summary>
    private static byte[] Packets(Random random, int count)
    {
        var output = new List<byte>();
        for (int n = 0; n < count; n++)
        {
            bool v6 = random.Next(4) == 0;
            int kind = random.Next(10);
            byte next = kind < 5 ? (byte)6 : kind < 9 ? (byte)17 : (byte)1;
            int payload = random.Next(0, 600);
            int l3 = v6 ? 40 : 20 + 4 * random.Next(0, 3);
            int l4 = next == 6 ? 20 : 8;
            var frame = new byte[14 + l3 + l4 + payload];
            random.NextBytes(frame);
            frame[12] = v6 ? (byte)0x86 : (byte)0x08;
            frame[13] = v6 ? (byte)0xdd : (byte)0x00;
            if (random.Next(20) == 0) { frame[12] = 0x08; frame[13] = 0x06; } // ARP
            if (v6) frame[20] = next;
            else
            {
                frame[14] = (byte)(0x40 | (l3 / 4));
                frame[23] = next;
            }
            int ports = 14 + l3;
            ushort[] common = [53, 80, 443, 22, 8080];
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(ports + 2), random.Next(2) == 0 ? common[random.Next(common.Length)] : (ushort)random.Next(65536));
            if (next == 6) frame[ports + 12] = (byte)(5 << 4);
            int size = random.Next(30) == 0 ? random.Next(14, frame.Length) : frame.Length; // some truncated
            output.Add((byte)size);
            output.Add((byte)(size >> 8));
            output.AddRange(frame.AsSpan(0, size).ToArray());
        }
        return [.. output];
    }

    /// <summary>Map references (lddw src=5, index into the object's maps) become the created maps' handles.</summary>
    private static Bytecode ResolveMaps(Bytecode code, BpfMap[] maps)
    {
        var instructions = code.Instructions.ToArray();
        for (int i = 0; i < instructions.Length; i++)
        {
            if (code.FormAt(i) is not { Operation: Operation.LoadImm64 } || instructions[i].Src != (int)LoadImm64Source.MapIndex) continue;
            ulong handle = maps[instructions[i].Immediate].Handle;
            instructions[i] = instructions[i].WithSrc((int)LoadImm64Source.Immediate).WithImmediate((int)(uint)handle);
            instructions[i + 1] = instructions[i + 1].WithImmediate((int)(uint)(handle >> 32));
        }
        return Bytecode.FromInstructions(instructions);
    }

    private static RunContext PrepareContext(BpfExecutable executable, ulong address, ulong length, BpfMap[] maps)
    {
        var context = executable.RentContext();
        context.AddRegion(new MemoryRegion(address, length, MemoryAccess.ReadWrite, "memory"));
        foreach (var map in maps) map.AddRegionsTo(context);
        return context;
    }

    private static ulong RunEngine(BpfExecutable executable, ulong address, ulong length, BpfMap[] maps) =>
        executable.Run(PrepareContext(executable, address, length, maps), address, length);

    /// <summary>Compiles, then runs once on 8 zero bytes so RyuJIT compiles the methods: the total in CPU milliseconds.</summary>
    private static (double Milliseconds, JitExecutable Executable) CompileAndPrepare(Bytecode code, HelperTable helpers, JitOptions options, BpfMap[] maps)
    {
        byte[] tiny = GC.AllocateArray<byte>(8, pinned: true);
        long begin = ThreadCpuNanoseconds();
        var executable = JitCompiler.Compile(code, helpers, options);
        fixed (byte* start = tiny) RunEngine(executable, (ulong)start, 8, maps);
        return ((ThreadCpuNanoseconds() - begin) / 1e6, executable);
    }

    private static void Restore(Case c, byte[] buffer) => c.Input.CopyTo(buffer, 0);

    private static (double Nanoseconds, ulong R0) Measure(int samples, Case c, byte[] buffer, Func<ulong> run)
    {
        Restore(c, buffer);
        ulong r0 = run();
        for (int i = 0; i < 2; i++)
        {
            if (c.Mutates) Restore(c, buffer);
            run();
        }
        var times = new double[samples];
        for (int s = 0; s < samples; s++)
        {
            if (c.Mutates) Restore(c, buffer);
            long begin = ThreadCpuNanoseconds();
            run();
            times[s] = ThreadCpuNanoseconds() - begin;
        }
        Array.Sort(times);
        return (times[samples / 2], r0);
    }

    private static double GeoMean(List<double> values) => Math.Exp(values.Average(Math.Log));

    private static string NativeDirectory()
    {
        return Path.Combine(RepositoryRoot(), "bench", "native");
    }
}
