using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using SharpBpf.Isa;
using SharpBpf.Memory;
using SharpBpf.Runtime;
using static SharpBpf.Benchmarks.BenchSupport;

namespace SharpBpf.Benchmarks;

/// <summary>
/// Nanoseconds per executed instruction of the interpreter: a tight counting loop built with <see cref="Insn"/>,
/// and the conformance suite's prime and subnet programs. Each sample times enough back-to-back runs to last about
/// 20 ms; the table shows the median of the samples after a warm-up, both in wall-clock time and in this thread's
/// CPU time (the machine is shared with builds, so CPU time is the steadier figure).
/// </summary>
public static partial class InterpreterBenchmarks
{
    private const int DefaultSamples = 15;

    public static int Run(ReadOnlySpan<string> args)
    {
        int samples = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : DefaultSamples;
        var assembled = LoadAssembled();
        var cases = new List<(string Name, Bytecode Code, byte[] Memory)>
        {
            ("sum 1..10,000,000 (Insn)", SumLoop(10_000_000), []),
            ("prime.data", Bytecode.Decode(assembled["prime.data"].Program), assembled["prime.data"].Memory),
            ("mov r0, 1; exit (per-run cost)", Bytecode.FromInstructions([Insn.Mov64Imm(Bpf.REG_0, 1), Insn.ExitInsn()]), []),
            ("subnet.data", Bytecode.Decode(assembled["subnet.data"].Program), assembled["subnet.data"].Memory),
        };

        Console.WriteLine($"interpreter, Release={IsRelease()}, {Environment.ProcessorCount} cores, median of {samples} samples");
        Console.WriteLine($"{"program",-32} {"insns/run",12} {"ns/run (cpu)",14} {"ns/insn (cpu)",14} {"(cpu, min)",11} {"ns/insn (wall)",15}  r0");
        foreach (var (name, code, memory) in cases)
        {
            var interpreter = new Interpreter.Interpreter(code, options: new ExecutionOptions { InstructionBudget = 0 });
            var (wall, cpu, cpuMin, instructions, r0) = Measure(interpreter, memory, samples);
            Console.WriteLine($"{name,-32} {instructions,12:N0} {cpu,14:N1} {cpu / instructions,14:N3} {cpuMin / instructions,11:N3} {wall / instructions,15:N3}  {r0}");
        }
        return 0;
    }

    /// <summary>r0 = 1 + 2 + ... + n: three instructions per iteration.</summary>
    public static Bytecode SumLoop(int n) => Bytecode.FromInstructions(
    [
        Insn.Mov64Imm(Bpf.REG_0, 0),
        Insn.Mov64Imm(Bpf.REG_6, 1),
        Insn.Alu64Reg(Bpf.ADD, Bpf.REG_0, Bpf.REG_6),
        Insn.Alu64Imm(Bpf.ADD, Bpf.REG_6, 1),
        Insn.JmpImm(Bpf.JLE, Bpf.REG_6, n, -3),
        Insn.ExitInsn(),
    ]);

    private static unsafe (double WallNsPerRun, double CpuNsPerRun, double CpuMinNsPerRun, long Instructions, ulong R0) Measure(Interpreter.Interpreter interpreter, byte[] memory, int samples)
    {
        byte[] buffer = GC.AllocateArray<byte>(Math.Max(memory.Length, 1), pinned: true);
        var context = new RunContext(interpreter.Helpers);
        fixed (byte* start = buffer)
        {
            ulong address = (ulong)start;
            ulong RunOnce()
            {
                memory.CopyTo(buffer, 0);
                context.Reset();
                if (memory.Length > 0) context.AddRegion(new MemoryRegion(address, (ulong)memory.Length, MemoryAccess.ReadWrite, "memory"));
                context.PacketStart = address;
                context.PacketLength = (ulong)memory.Length;
                return interpreter.Run(context, address, (ulong)memory.Length);
            }

            // Warm up, and find how many runs make a sample of about 20 ms.
            ulong r0 = RunOnce();
            long instructions = context.InstructionsExecuted;
            var clock = Stopwatch.StartNew();
            int warmups = 0;
            while (clock.ElapsedMilliseconds < 300 || warmups < 3) { RunOnce(); warmups++; }
            double msPerRun = clock.Elapsed.TotalMilliseconds / warmups;
            int reps = (int)Math.Clamp(20 / msPerRun, 1, 10_000_000);

            var wall = new double[samples];
            var cpu = new double[samples];
            for (int s = 0; s < samples; s++)
            {
                long cpuBegin = ThreadCpuNanoseconds();
                long begin = Stopwatch.GetTimestamp();
                for (int i = 0; i < reps; i++) RunOnce();
                wall[s] = Stopwatch.GetElapsedTime(begin).TotalNanoseconds / reps;
                cpu[s] = (double)(ThreadCpuNanoseconds() - cpuBegin) / reps;
            }
            Array.Sort(wall);
            Array.Sort(cpu);
            return (wall[samples / 2], cpu[samples / 2], cpu[0], instructions, r0);
        }
    }

    private static Dictionary<string, (byte[] Program, byte[] Memory)> LoadAssembled()
    {
        string path = Path.GetFullPath(Path.Combine(RepositoryRoot(), "..", "shared", "conformance", "assembled.tsv"));
        var result = new Dictionary<string, (byte[], byte[])>();
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var cols = line.Split('\t');
            if (cols.Length >= 3 && cols[1].Length > 0) result[cols[0]] = (ParseHex(cols[1]), ParseHex(cols[2]));
        }
        return result;
    }

    private static byte[] ParseHex(string text) =>
        text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(b => byte.Parse(b, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
}
