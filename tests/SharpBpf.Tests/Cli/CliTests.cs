using System.Text.Json;
using SharpBpf.Cli;
using SharpBpf.Tests.Conformance;

namespace SharpBpf.Tests.Cli;

public sealed class CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sharpbpf-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static (int Exit, string Out, string Err) RunWithInput(string stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = CliApp.Run(args, new CliConsole(output, error, new StringReader(stdin)));
        return (exit, output.ToString(), error.ToString());
    }

    internal static (int Exit, string Out, string Err) Run(params string[] args) => RunWithInput("", args);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private const string SumBytes = """
        r0 = 0
        r3 = r1
        r3 += r2
    loop:
        if r1 >= r3 goto done
        r4 = *(u8 *)(r1 + 0)
        r0 += r4
        r1 += 1
        goto loop
    done:
        exit
    """;

    [Theory]
    [InlineData("interpreter")]
    [InlineData("jit")]
    [InlineData("auto")]
    public void Run_prints_r0_in_decimal_and_hex(string engine)
    {
        string program = Write("sum.s", SumBytes);
        var (exit, stdout, stderr) = Run("run", program, "--mem-hex", "01 02 03 fa", "--engine", engine);
        Assert.Equal(0, exit);
        Assert.Equal("", stderr);
        Assert.Equal("r0 = 256 (0x100)", stdout.Trim());
    }

    [Fact]
    public void Asm_then_disasm_then_run_the_raw_bytecode()
    {
        string source = Write("sum.s", SumBytes);
        string binary = Path.Combine(_dir, "sum.bin");
        var asm = Run("asm", source, "-o", binary);
        Assert.Equal(0, asm.Exit);
        Assert.Equal(9 * 8, new FileInfo(binary).Length);

        var disasm = Run("disasm", binary);
        Assert.Equal(0, disasm.Exit);
        Assert.Contains("0:  r0 = 0x0", disasm.Out);
        Assert.Contains("w4 = *(u8 *)(r1 + 0x0)", disasm.Out);

        var conformance = Run("disasm", binary, "--syntax", "conformance");
        Assert.Contains("ldxb %r4, [%r1]", conformance.Out);

        File.WriteAllBytes(Path.Combine(_dir, "mem.bin"), [5, 6, 7]);
        var run = Run("run", binary, "--mem", Path.Combine(_dir, "mem.bin"));
        Assert.Equal("r0 = 18 (0x12)", run.Out.Trim());
    }

    [Fact]
    public void Json_and_repeat_report_timing()
    {
        string program = Write("sum.s", SumBytes);
        var (exit, stdout, _) = Run("run", program, "--mem-hex", "0102", "--repeat", "50", "--json", "--engine", "interpreter");
        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal(3UL, root.GetProperty("r0").GetUInt64());
        Assert.Equal("interpreter", root.GetProperty("engine").GetString());
        Assert.Equal(50, root.GetProperty("runs").GetInt32());
        Assert.True(root.GetProperty("median_ns").GetDouble() > 0);
        Assert.True(root.GetProperty("min_ns").GetDouble() <= root.GetProperty("median_ns").GetDouble());
    }

    [Fact]
    public void Conformance_syntax_programs_run_too()
    {
        string program = Write("prog.txt", "mov %r0, 7\nadd32 %r0, 3\nexit\n");
        Assert.Equal("r0 = 10 (0xa)", Run("run", program).Out.Trim());
    }

    [Theory]
    [InlineData("run", "/nonexistent/file.s")]
    [InlineData("run")]
    [InlineData("frobnicate")]
    [InlineData("run", "--repeat", "-3", "PROGRAM")]
    public void User_errors_print_one_line_and_exit_2(params string[] args)
    {
        args = args.Select(a => a == "PROGRAM" ? Write("ok.s", "r0 = 1\nexit\n") : a).ToArray();
        var (exit, stdout, stderr) = Run(args);
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.StartsWith("sharpbpf: ", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public void Malformed_programs_are_user_errors_naming_the_place()
    {
        var asm = Run("run", Write("bad.s", "r0 = 1\nr11 = 2\nexit\n"));
        Assert.Equal(2, asm.Exit);
        Assert.Contains("line 2", asm.Err);

        string raw = Path.Combine(_dir, "bad.bin");
        File.WriteAllBytes(raw, [0xb7, 0, 0, 0, 1, 0, 0, 0, 0xff, 0, 0, 0, 0, 0, 0, 0]);
        var decode = Run("run", raw);
        Assert.Equal(2, decode.Exit);
        Assert.Contains("instruction 1", decode.Err);
        Assert.Contains("unknown opcode 0xff", decode.Err);
    }

    [Theory]
    [InlineData("interpreter")]
    [InlineData("jit")]
    public void A_faulting_program_exits_1_with_the_runtime_error(string engine)
    {
        string program = Write("oob.s", "r0 = *(u64 *)(r1 + 16)\nexit\n");
        var (exit, stdout, stderr) = Run("run", program, "--mem-hex", "00 01 02 03", "--engine", engine);
        Assert.Equal(1, exit);
        Assert.Equal("", stdout);
        Assert.Contains("pc 0", stderr);
        Assert.Contains("8 bytes", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public void Runaway_programs_hit_the_budget()
    {
        string program = Write("loop.s", "r0 = 0\nloop:\nr0 += 1\ngoto loop\n");
        var (exit, _, stderr) = Run("run", program, "--engine", "interpreter", "--budget", "1000");
        Assert.Equal(1, exit);
        Assert.Contains("budget", stderr);
    }

    [Fact]
    public void Every_command_has_help()
    {
        foreach (var command in new[] { "asm", "disasm", "run", "conformance-plugin" })
        {
            var (exit, stdout, _) = Run(command, "--help");
            Assert.Equal(0, exit);
            Assert.Contains("Usage:", stdout);
        }
    }

    public static TheoryData<string, string> PluginCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var c in ConformanceData.Cases)
        {
            data.Add(c.Name, "interpreter");
            data.Add(c.Name, "jit");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(PluginCases))]
    public void Conformance_plugin_speaks_the_suite_protocol(string name, string engine)
    {
        var test = ConformanceData.Get(name);
        string programHex = string.Join(' ', test.Program.Select(b => b.ToString("x2")));
        var args = new List<string> { "conformance-plugin" };
        if (test.Memory.Length > 0) args.Add(string.Join(' ', test.Memory.Select(b => b.ToString("x2"))));
        args.AddRange(["--engine", engine]);
        var (exit, stdout, stderr) = RunWithInput(programHex + "\n", args.ToArray());
        Assert.True(exit == 0, stderr + stdout);
        Assert.Equal(test.ExpectedResult, Convert.ToUInt64(stdout.Trim(), 16));
    }
}
