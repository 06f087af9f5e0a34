using System.Diagnostics;
using SharpBpf.Isa;
using SharpBpf.Jit;
using SharpBpf.Runtime;

namespace SharpBpf.Benchmarks;

/// <summary>
/// Fixed cost of one run through <see cref="BpfExecutable.Run(Span{byte})"/>: a two-instruction program and a
/// 13-instruction socket filter (IPv4, TCP, destination port 80) on a 64-byte packet, back to back on one thread.
/// </summary>
internal static class RunOverhead
{
    public static Bytecode Trivial { get; } = Bytecode.FromInstructions([Insn.Mov64Imm(Reg.R0, 1), Insn.ExitInsn()]);

    public static Bytecode SocketFilter { get; } = Bytecode.FromInstructions(
    [
        Insn.LdxMem(Bpf.H, Reg.R2, Reg.R1, 12),
        Insn.JmpImm(Bpf.JNE, Reg.R2, 0x0008, 9),       // ethertype IPv4 (read little-endian)
        Insn.LdxMem(Bpf.B, Reg.R2, Reg.R1, 23),
        Insn.JmpImm(Bpf.JNE, Reg.R2, 6, 7),            // TCP
        Insn.LdxMem(Bpf.B, Reg.R2, Reg.R1, 14),
        Insn.Alu64Imm(Bpf.AND, Reg.R2, 15),
        Insn.Alu64Imm(Bpf.LSH, Reg.R2, 2),
        Insn.Alu64Reg(Bpf.ADD, Reg.R2, Reg.R1),
        Insn.LdxMem(Bpf.H, Reg.R2, Reg.R2, 16),        // destination port
        Insn.JmpImm(Bpf.JNE, Reg.R2, 0x5000, 2),       // 80, big-endian
        Insn.Mov64Imm(Reg.R0, -1),
        Insn.ExitInsn(),
        Insn.Mov64Imm(Reg.R0, 0),
        Insn.ExitInsn(),
    ]);

    public static byte[] Packet()
    {
        var packet = new byte[64];
        packet[12] = 0x08;
        packet[14] = 0x45;
        packet[23] = 6;
        packet[14 + 20 + 2] = 0;
        packet[14 + 20 + 3] = 80;
        return packet;
    }

    public static void Print(int samples)
    {
        Console.WriteLine();
        Console.WriteLine($"{"run overhead (Run(Span<byte>))",-34} {"ns/run cpu",11} {"ns/run wall",12} {"runs/s (M)",11}");
        var packet = Packet();
        foreach (var (name, code) in new[] { ("mov r0, 1; exit (jit)", Trivial), ("13-insn socket filter (jit)", SocketFilter) })
        {
            var executable = JitCompiler.Compile(code);
            var (cpu, wall) = Measure(executable, packet, samples);
            Console.WriteLine($"{name,-34} {cpu,11:N1} {wall,12:N1} {1000 / cpu,11:N1}");
        }
        foreach (var (name, code) in new[] { ("mov r0, 1; exit (interpreter)", Trivial), ("13-insn socket filter (interp.)", SocketFilter) })
        {
            var executable = new Interpreter.Interpreter(code);
            var (cpu, wall) = Measure(executable, packet, samples);
            Console.WriteLine($"{name,-34} {cpu,11:N1} {wall,12:N1} {1000 / cpu,11:N1}");
        }
    }

    private static (double Cpu, double Wall) Measure(BpfExecutable executable, byte[] packet, int samples)
    {
        const int Runs = 200_000;
        ulong check = 0;
        for (int i = 0; i < Runs; i++) check += executable.Run(packet);
        var cpu = new double[samples];
        var wall = new double[samples];
        for (int s = 0; s < samples; s++)
        {
            long cpuBegin = BenchSupport.ThreadCpuNanoseconds();
            long begin = Stopwatch.GetTimestamp();
            for (int i = 0; i < Runs; i++) check += executable.Run(packet);
            wall[s] = Stopwatch.GetElapsedTime(begin).TotalNanoseconds / Runs;
            cpu[s] = (double)(BenchSupport.ThreadCpuNanoseconds() - cpuBegin) / Runs;
        }
        GC.KeepAlive(check);
        Array.Sort(cpu);
        Array.Sort(wall);
        return (cpu[samples / 2], wall[samples / 2]);
    }
}
