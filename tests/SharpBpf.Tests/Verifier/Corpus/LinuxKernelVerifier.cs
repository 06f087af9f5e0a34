using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using SharpBpf.Isa;
using SharpBpf.Maps;
using SharpBpf.ProgramTypes;

namespace SharpBpf.Tests.Verifier.Corpus;

/// <summary>
/// Loads a program into the running Linux kernel with <c>bpf(BPF_PROG_LOAD)</c> to get the real verifier's verdict,
/// creating the maps the program references (<c>lddw</c> src 5/6 become BPF_PSEUDO_MAP_FD/VALUE with the new fds).
/// Needs root (CAP_BPF + CAP_PERFMON + CAP_NET_ADMIN); <see cref="Availability"/> says why it cannot run otherwise.
/// </summary>
internal static partial class LinuxKernelVerifier
{
    private const int SysBpf = 321; // x86-64
    private const int BpfMapCreate = 0, BpfProgLoad = 5;

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static unsafe partial long Syscall(long number, long command, byte* attribute, long size);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    public sealed record Verdict(bool Accepted, int Errno, string Log, int? Index);

    /// <summary>Null when the kernel can be used; otherwise the reason it cannot.</summary>
    public static string? Availability { get; } = Probe();

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return "not Linux x86-64";
        if (Environment.UserName != "root" && Environment.GetEnvironmentVariable("SHARPBPF_KERNEL_VERIFIER") != "1")
            return "not root (set SHARPBPF_KERNEL_VERIFIER=1 when the process has CAP_BPF and CAP_PERFMON)";
        try
        {
            var verdict = Load([Insn.Mov64Imm(0, 0), Insn.ExitInsn()], BpfProgramType.SocketFilter, [], withLog: false);
            return verdict.Accepted ? null : $"bpf(BPF_PROG_LOAD) of a trivial program failed with errno {verdict.Errno}";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return "libc syscall() unavailable: " + e.Message;
        }
    }

    private static uint ExpectedAttachType(BpfProgramType type) => type switch
    {
        BpfProgramType.CgroupSkb => (uint)BpfAttachType.CgroupInetEgress,
        BpfProgramType.CgroupSock => (uint)BpfAttachType.CgroupInetSockCreate,
        BpfProgramType.CgroupSockAddr => (uint)BpfAttachType.CgroupInet4Connect,
        _ => 0,
    };

    public static unsafe Verdict Load(IReadOnlyList<Instruction> instructions, BpfProgramType type, IReadOnlyList<MapDefinition> maps, bool withLog = true)
    {
        var fds = new List<int>();
        try
        {
            foreach (var map in maps)
            {
                var attr = new byte[128];
                BinaryPrimitives.WriteUInt32LittleEndian(attr.AsSpan(0), (uint)map.Type);
                BinaryPrimitives.WriteUInt32LittleEndian(attr.AsSpan(4), map.KeySize);
                BinaryPrimitives.WriteUInt32LittleEndian(attr.AsSpan(8), map.ValueSize);
                BinaryPrimitives.WriteUInt32LittleEndian(attr.AsSpan(12), map.MaxEntries);
                long fd;
                fixed (byte* a = attr) fd = Syscall(SysBpf, BpfMapCreate, a, attr.Length);
                if (fd < 0) throw new InvalidOperationException($"BPF_MAP_CREATE {map.Name} ({map.Type}) failed: errno {Marshal.GetLastPInvokeError()}");
                fds.Add((int)fd);
            }

            var code = new byte[instructions.Count * 8];
            for (int i = 0; i < instructions.Count; i++) instructions[i].WriteTo(code.AsSpan(i * 8));
            for (int i = 0; i < instructions.Count; i++)
            {
                int src = code[i * 8 + 1] >> 4;
                if (code[i * 8] != 0x18 || src is not (5 or 6)) continue;
                int index = BinaryPrimitives.ReadInt32LittleEndian(code.AsSpan(i * 8 + 4));
                // Unknown map indices stay as they are; the kernel rejects them like our verifier does.
                if ((uint)index >= (uint)fds.Count) continue;
                code[i * 8 + 1] = (byte)((code[i * 8 + 1] & 0x0f) | ((src == 5 ? 1 : 2) << 4));
                BinaryPrimitives.WriteInt32LittleEndian(code.AsSpan(i * 8 + 4), fds[index]);
            }

            var license = "GPL\0"u8.ToArray();
            var log = new byte[withLog ? 16 << 20 : 1];
            var prog = new byte[128];
            fixed (byte* insns = code)
            fixed (byte* lic = license)
            fixed (byte* logBuffer = log)
            fixed (byte* p = prog)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(prog.AsSpan(0), (uint)type);
                BinaryPrimitives.WriteUInt32LittleEndian(prog.AsSpan(4), (uint)instructions.Count);
                BinaryPrimitives.WriteUInt64LittleEndian(prog.AsSpan(8), (ulong)insns);
                BinaryPrimitives.WriteUInt64LittleEndian(prog.AsSpan(16), (ulong)lic);
                if (withLog)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(prog.AsSpan(24), 1);
                    BinaryPrimitives.WriteUInt32LittleEndian(prog.AsSpan(28), (uint)log.Length);
                    BinaryPrimitives.WriteUInt64LittleEndian(prog.AsSpan(32), (ulong)logBuffer);
                }
                BinaryPrimitives.WriteUInt32LittleEndian(prog.AsSpan(68), ExpectedAttachType(type));
                long fd = Syscall(SysBpf, BpfProgLoad, p, prog.Length);
                int errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
                if (fd >= 0) Close((int)fd);
                string text = Encoding.UTF8.GetString(log, 0, Math.Max(0, Array.IndexOf(log, (byte)0)));
                return new Verdict(fd >= 0, errno, text, fd >= 0 ? null : ErrorIndex(text));
            }
        }
        finally
        {
            foreach (var fd in fds) Close(fd);
        }
    }

    [GeneratedRegex(@"^(\d+): \(", RegexOptions.Multiline)]
    private static partial Regex ProcessedLine();

    [GeneratedRegex(@"(?:unreachable insn|jump out of range from insn|back-edge from insn|infinite loop detected at insn|call to invalid destination at insn|jump into the middle of ldimm64 insn) (\d+)")]
    private static partial Regex NamedInsn();

    /// <summary>The kernel names the failing instruction in the message, or it is the last instruction the log printed.</summary>
    private static int? ErrorIndex(string log)
    {
        var lines = log.TrimEnd().Split('\n').Where(l => !l.StartsWith("processed ", StringComparison.Ordinal)).ToArray();
        var named = NamedInsn().Match(string.Join('\n', lines.TakeLast(2)));
        if (named.Success) return int.Parse(named.Groups[1].Value);
        var printed = ProcessedLine().Matches(log);
        return printed.Count == 0 ? null : int.Parse(printed[^1].Groups[1].Value);
    }

    /// <summary>The kernel's error message: the log lines after the last printed instruction.</summary>
    public static string Message(string log)
    {
        var lines = log.TrimEnd().Split('\n').Where(l => !l.StartsWith("processed ", StringComparison.Ordinal)).ToArray();
        int last = Array.FindLastIndex(lines, l => ProcessedLine().IsMatch(l));
        return string.Join(" | ", lines.Skip(last + 1).Where(l => !l.StartsWith(';')).TakeLast(2));
    }
}
