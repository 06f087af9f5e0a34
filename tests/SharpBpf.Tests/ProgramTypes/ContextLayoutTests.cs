using System.Diagnostics;
using System.Text;
using SharpBpf.ProgramTypes;

namespace SharpBpf.Tests.ProgramTypes;

public class ContextLayoutTests
{
    // (C struct, layout) pairs whose every field name is a valid offsetof() designator.
    private static IEnumerable<(string Struct, string Header, int Size, IReadOnlyList<ContextField> Fields)> UapiLayouts()
    {
        foreach (var type in new[] { BpfProgramType.SocketFilter, BpfProgramType.SchedCls, BpfProgramType.CgroupSkb, BpfProgramType.LwtXmit, BpfProgramType.SkSkb })
            yield return ("struct __sk_buff", "linux/bpf.h", ContextLayouts.SkBuffSize, ContextLayouts.SkBuff(type));
        yield return ("struct xdp_md", "linux/bpf.h", ContextLayouts.XdpMdSize, ContextLayouts.XdpMd);
        yield return ("struct bpf_sock", "linux/bpf.h", ContextLayouts.BpfSockSize, ContextLayouts.CgroupSock);
        yield return ("struct bpf_sock_addr", "linux/bpf.h", ContextLayouts.BpfSockAddrSize, ContextLayouts.SockAddr);
        yield return ("struct bpf_sock_ops", "linux/bpf.h", ContextLayouts.BpfSockOpsSize, ContextLayouts.SockOps);
        yield return ("struct sk_msg_md", "linux/bpf.h", ContextLayouts.SkMsgMdSize, ContextLayouts.SkMsgMd);
        yield return ("struct pt_regs", "asm/ptrace.h", ContextLayouts.PtRegsSize, ContextLayouts.PtRegs);
        yield return ("struct bpf_perf_event_data", "linux/bpf_perf_event.h", ContextLayouts.PerfEventDataSize, ContextLayouts.PerfEventData);
    }

    [Fact]
    public void OffsetsAndSizesMatchTheUapiHeadersCompiledWithACCompiler()
    {
        string? compiler = new[] { "/usr/bin/gcc", "/usr/bin/clang-19", "/usr/bin/cc" }.FirstOrDefault(File.Exists);
        if (compiler is null || !File.Exists("/usr/include/linux/bpf.h"))
        {
            // No toolchain: fall back to values read from the header by hand.
            Assert.Equal(76, ContextLayouts.SkBuff(BpfProgramType.SchedCls).Single(f => f.Name == "data").Offset);
            Assert.Equal(168, ContextLayouts.SkBuff(BpfProgramType.SchedCls).Single(f => f.Name == "sk").Offset);
            Assert.Equal(184, ContextLayouts.SockOps.Single(f => f.Name == "sk").Offset);
            return;
        }

        var source = new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n#include <linux/bpf.h>\n#include <linux/bpf_perf_event.h>\n#include <asm/ptrace.h>\nint main(void) {\n");
        var expected = new List<string>();
        foreach (var (name, _, size, fields) in UapiLayouts())
        {
            source.Append($"  printf(\"{name} %zu\\n\", sizeof({name}));\n");
            expected.Add($"{name} {size}");
            foreach (var field in fields)
            {
                source.Append($"  printf(\"{name}.{field.Name} %zu %zu\\n\", offsetof({name}, {field.Name}), sizeof((({name} *)0)->{field.Name}));\n");
                expected.Add($"{name}.{field.Name} {field.Offset} {field.Size}");
            }
        }
        source.Append("  return 0;\n}\n");

        string dir = Directory.CreateTempSubdirectory("sharpbpf-uapi").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "layout.c"), source.ToString());
            Run(compiler, $"-o {dir}/layout {dir}/layout.c", out string compileOutput).ShouldSucceed(compileOutput);
            Run($"{dir}/layout", "", out string actual).ShouldSucceed(actual);
            Assert.Equal(expected, actual.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static int Run(string file, string arguments, out string output)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode;
    }

    [Fact]
    public void FieldsAreSortedDisjointAndInsideTheContext()
    {
        foreach (var info in ProgramTypeInfo.All)
        {
            int end = 0;
            foreach (var field in info.Fields)
            {
                Assert.True(field.Offset >= end, $"{info.Name}.{field.Name} overlaps the previous field");
                Assert.True(field.End <= info.ContextSize, $"{info.Name}.{field.Name} ends past the context");
                Assert.True(field.Size is 1 or 2 or 4 or 8 || field.IsBuffer, $"{info.Name}.{field.Name} has size {field.Size}");
                end = field.End;
            }
        }
    }

    [Fact]
    public void PtRegsFollowTheX86_64Order()
    {
        Assert.Equal(21, ContextLayouts.PtRegs.Count);
        Assert.Equal(80, ContextLayouts.PtRegs.Single(f => f.Name == "rax").Offset);
        Assert.Equal(112, ContextLayouts.PtRegs.Single(f => f.Name == "rdi").Offset);
        Assert.Equal(128, ContextLayouts.PtRegs.Single(f => f.Name == "rip").Offset);
    }
}

internal static class ExitCodeExtensions
{
    public static void ShouldSucceed(this int exitCode, string output) => Assert.True(exitCode == 0, output);
}
