using System.Text.Json;
using SharpBpf.Cli;
using SharpBpf.Tests.Elf;

namespace SharpBpf.Tests.Verifier.Corpus;

/// <summary>The <c>sharpbpf verify</c> command, run in-process on the committed fixtures.</summary>
public class VerifyCommandTests
{
    private static (int Exit, string Out, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = CliApp.Run(args, new CliConsole(output, error, new StringReader("")));
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public void AcceptedObjectExitsZeroAndNamesEveryProgram()
    {
        var (exit, output, error) = Run("verify", Fixtures.PathOf("multi_prog"));
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        foreach (var name in new[] { "probe_first", "probe_second", "probe_third" })
            Assert.Contains($"{name} (kprobe/do_sys_open, kprobe): accepted", output);
    }

    [Fact]
    public void ProgramAndSectionSelectPrograms()
    {
        var (exit, output, _) = Run("verify", Fixtures.PathOf("multi_prog"), "--program", "probe_second");
        Assert.Equal(0, exit);
        Assert.Contains("probe_second", output);
        Assert.DoesNotContain("probe_first", output);

        var none = Run("verify", Fixtures.PathOf("multi_prog"), "--section", "xdp");
        Assert.Equal(2, none.Exit);
        Assert.Contains("no program matches", none.Error);
    }

    [Fact]
    public void RejectionExitsOneWithTheReasonAndSourceLine()
    {
        // text_only.c's write_rodata stores to .rodata on purpose; the packet fixture is accepted with its helpers.
        var (exit, output, _) = Run("verify", Fixtures.PathOf("text_only"), "--program", "write_rodata");
        Assert.Equal(1, exit);
        Assert.Contains("write_rodata (.text, raw): rejected: instruction 3", output);
        Assert.Contains("text_only.c:37", output);
        Assert.Equal(0, Run("verify", Fixtures.PathOf("socket_filter")).Exit);
    }

    [Fact]
    public void LogLevelOnePrintsTheLog()
    {
        var quiet = Run("verify", Fixtures.PathOf("xdp_drop"));
        var verbose = Run("verify", Fixtures.PathOf("xdp_drop"), "--log-level", "1");
        Assert.Equal(0, verbose.Exit);
        Assert.True(verbose.Out.Length > quiet.Out.Length, verbose.Out);
        Assert.Equal(2, Run("verify", Fixtures.PathOf("xdp_drop"), "--log-level", "7").Exit);
    }

    [Fact]
    public void JsonOutputDescribesEachProgram()
    {
        var (exit, output, _) = Run("verify", Fixtures.PathOf("text_only"), "--program", "write_rodata", "--json");
        Assert.Equal(1, exit);
        using var document = JsonDocument.Parse(output);
        var program = document.RootElement.EnumerateArray().Single();
        Assert.Equal("write_rodata", program.GetProperty("program").GetString());
        Assert.Equal("raw", program.GetProperty("type").GetString());
        Assert.False(program.GetProperty("accepted").GetBoolean());
        Assert.Equal(3, program.GetProperty("error").GetProperty("instruction").GetInt32());
        Assert.Equal("InvalidMemoryAccess", program.GetProperty("error").GetProperty("kind").GetString());
    }

    [Fact]
    public void TypeOverrideChangesTheRules()
    {
        // xdp_drop reads xdp_md.data; as a socket filter the same load is an invalid __sk_buff access.
        var asXdp = Run("verify", Fixtures.PathOf("xdp_drop"), "--type", "xdp");
        var asSocket = Run("verify", Fixtures.PathOf("xdp_drop"), "--type", "socket_filter");
        Assert.Equal(0, asXdp.Exit);
        Assert.Equal(1, asSocket.Exit);
        Assert.Equal(2, Run("verify", Fixtures.PathOf("xdp_drop"), "--type", "nonsense").Exit);
    }

    [Fact]
    public void UnloadableInputExitsTwo()
    {
        var missing = Run("verify", "/nonexistent/object.o");
        Assert.Equal(2, missing.Exit);
        string garbage = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(garbage, [1, 2, 3, 4]);
            var bad = Run("verify", garbage);
            Assert.Equal(2, bad.Exit);
            Assert.StartsWith("sharpbpf:", bad.Error);
        }
        finally
        {
            File.Delete(garbage);
        }
    }
}
