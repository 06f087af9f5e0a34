using System.Diagnostics;
using System.Globalization;
using SharpBpf.Elf;
using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.ProgramTypes;
using SharpBpf.Verifier;

namespace SharpBpf.Benchmarks;

/// <summary>
/// Verification time: every program of the committed fixtures (tests/fixtures/*.o), straight-line programs of
/// 10,000, 100,000 and 1,000,000 instructions, and branchy programs (a chain of diamonds on an unknown value, and a
/// chain of diamonds on fresh values that only bump an unused counter, which exercise state pruning). Each row is the median of the samples after a warm-up run: wall-clock time, and the
/// verifying thread's CPU time (steadier on a loaded machine; it leaves out background GC work).
/// Run: <c>dotnet run -c Release --project bench/SharpBpf.Benchmarks -- verifier [samples] [name filter]</c>.
/// </summary>
public static class VerifierBenchmarks
{
    public static int Run(ReadOnlySpan<string> args)
    {
        int samples = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 7;
        string? only = args.Length > 1 ? args[1] : null;
        var helpers = StandardHelpers.Register(new HelperTable(), new HelperEnvironment());
        var cases = new List<(string Name, VerifierInput Input)>();
        foreach (var path in Directory.EnumerateFiles(FixtureDirectory(), "*.o").Order(StringComparer.Ordinal))
        {
            BpfObject obj;
            try { obj = BpfObject.LoadFile(path); }
            catch (BpfElfException) { continue; } // fixtures that are meant not to load
            foreach (var p in obj.Programs)
                cases.Add(($"{Path.GetFileNameWithoutExtension(path)}/{p.Name}", new VerifierInput(p.Bytecode, p.Type, obj.Maps, helpers)));
        }
        foreach (int n in new[] { 10_000, 100_000, 1_000_000 })
            cases.Add(($"straight line {n:N0}", new VerifierInput(StraightLine(n), BpfProgramType.SocketFilter, [], helpers)));
        foreach (int n in new[] { 10, 100, 1_000 })
            cases.Add(($"{n:N0} diamonds", new VerifierInput(Diamonds(n), BpfProgramType.SocketFilter, [], helpers)));
        foreach (int n in new[] { 100, 1_000 })
            cases.Add(($"{n:N0} diamonds, fresh values", new VerifierInput(FreshDiamonds(n), BpfProgramType.SocketFilter, [], helpers)));

        var options = new VerifierOptions { MaxProcessedInstructions = 4_000_000 };
        Console.WriteLine($"verifier, {Environment.ProcessorCount} cores, median of {samples} samples");
        Console.WriteLine($"{"program",-40} {"insns",10} {"processed",10} {"states",8} {"verdict",8} {"time",12} {"thread cpu",12} {"ns/processed",13}");
        foreach (var (name, input) in cases)
        {
            if (only is not null && !name.Contains(only, StringComparison.OrdinalIgnoreCase)) continue;
            var result = BpfVerifier.Verify(input, options); // warm-up
            var times = new double[samples];
            var cpuTimes = new double[samples];
            for (int i = 0; i < samples; i++)
            {
                long cpuStart = BenchSupport.ThreadCpuNanoseconds();
                long start = Stopwatch.GetTimestamp();
                result = BpfVerifier.Verify(input, options);
                times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                cpuTimes[i] = (BenchSupport.ThreadCpuNanoseconds() - cpuStart) / 1e6;
            }
            Array.Sort(times);
            Array.Sort(cpuTimes);
            double median = times[samples / 2], cpuMedian = cpuTimes[samples / 2];
            Console.WriteLine($"{name,-40} {input.Code.Length,10:N0} {result.ProcessedInstructions,10:N0} {result.StatesExplored,8:N0} {(result.Accepted ? "accept" : "reject"),8} {Format(median),12} {Format(cpuMedian),12} {median * 1e6 / Math.Max(1, result.ProcessedInstructions),13:N1}");
        }
        return 0;
    }

    private static string Format(double ms) => ms < 1 ? $"{ms * 1000:N1} us" : $"{ms:N2} ms";

    /// <summary>n instructions of scalar arithmetic then exit.</summary>
    public static Bytecode StraightLine(int n)
    {
        var code = new Instruction[n];
        code[0] = Insn.Mov64Imm(Bpf.REG_0, 0);
        for (int i = 1; i < n - 1; i++)
            code[i] = (i % 3) switch
            {
                0 => Insn.Alu64Imm(Bpf.ADD, Bpf.REG_0, 3),
                1 => Insn.Mov64Reg(Bpf.REG_2, Bpf.REG_0),
                _ => Insn.Alu64Imm(Bpf.AND, Bpf.REG_2, 0xff),
            };
        code[n - 1] = Insn.ExitInsn();
        return Bytecode.FromInstructions(code);
    }

    /// <summary>r0 = unknown; then n times "if r0 &gt; k goto +1; r1 += 1": 2^n paths that pruning must fold.</summary>
    public static Bytecode Diamonds(int n)
    {
        var code = new List<Instruction> { Insn.EmitCall(HelperIds.GetPrandomU32), Insn.Mov64Imm(Bpf.REG_1, 0) };
        for (int i = 0; i < n; i++)
        {
            code.Add(Insn.JmpImm(Bpf.JGT, Bpf.REG_0, i * 7 % 1000, 1));
            code.Add(Insn.Alu64Imm(Bpf.ADD, Bpf.REG_1, 1));
        }
        code.Add(Insn.Mov64Imm(Bpf.REG_0, 0));
        code.Add(Insn.ExitInsn());
        return Bytecode.FromInstructions(code);
    }

    /// <summary>n times "r0 = get_prandom_u32(); if r0 &gt; 500 goto +1; r6 += 1": the paths differ only in the
    /// counter r6, which no check ever reads, so every join folds them (without that, n^2/2 states).</summary>
    public static Bytecode FreshDiamonds(int n)
    {
        var code = new List<Instruction> { Insn.Mov64Imm(Bpf.REG_6, 0) };
        for (int i = 0; i < n; i++)
        {
            code.Add(Insn.EmitCall(HelperIds.GetPrandomU32));
            code.Add(Insn.JmpImm(Bpf.JGT, Bpf.REG_0, 500, 1));
            code.Add(Insn.Alu64Imm(Bpf.ADD, Bpf.REG_6, 1));
        }
        code.Add(Insn.Mov64Imm(Bpf.REG_0, 0));
        code.Add(Insn.ExitInsn());
        return Bytecode.FromInstructions(code);
    }

    private static string FixtureDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "fixtures");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("tests/fixtures not found above " + AppContext.BaseDirectory);
    }
}
