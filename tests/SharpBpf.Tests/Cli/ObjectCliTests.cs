using System.Text.Json;
using SharpBpf.Cli;
using SharpBpf.Tests.Elf;

namespace SharpBpf.Tests.Cli;

/// <summary>The object-file commands (<c>inspect</c>, <c>disasm OBJECT.o</c>, <c>run OBJECT.o</c>), run in-process.</summary>
public class ObjectCliTests
{
    private static (int Code, string Out, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.Run(args, new CliConsole(output, error, new StringReader("")));
        return (code, output.ToString(), error.ToString());
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    [Fact]
    public void InspectListsProgramsMapsRelocationsAndBtf()
    {
        var (code, output, error) = Run("inspect", Fixtures.PathOf("multi_prog"));
        Assert.Equal(0, code);
        Assert.Empty(error);
        var lines = Lines(output);
        Assert.Contains(lines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["kprobe/do_sys_open", "probe_second", "Kprobe", _]);
        Assert.Contains(lines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["hits", "Array", "4", "8", "3", "0x0"]);
        Assert.Contains("relocations (3):", lines);
        Assert.Contains(lines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["probe_third", _, "Map", "hits", "hits"]);
        Assert.Contains(lines, l => l.StartsWith("btf: ", StringComparison.Ordinal) && l.Contains("struct"));
        Assert.Contains(lines, l => l.StartsWith("btf.ext: ", StringComparison.Ordinal) && l.Contains("line info"));
    }

    [Fact]
    public void InspectShowsMapFlagsAndGlobalData()
    {
        var (code, output, _) = Run("inspect", Fixtures.PathOf("globals"));
        Assert.Equal(0, code);
        var lines = Lines(output);
        // .rodata: BPF_F_RDONLY_PROG (0x80) | BPF_F_MMAPABLE (0x400).
        Assert.Contains(lines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [".rodata", "Array", "4", _, "1", "0x480"]);
        Assert.Contains(lines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["use_globals", _, "GlobalData", "histogram", ".bss", "+", "8"]);
    }

    [Fact]
    public void InspectOfAnUnloadableObjectExitsTwoWithTheError()
    {
        var (code, output, error) = Run("inspect", Fixtures.PathOf("external_call"));
        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains("checksum_external", error);
        Assert.Single(Lines(error));

        var missing = Run("inspect", Path.Combine(Fixtures.Directory, "no_such.o"));
        Assert.Equal(2, missing.Code);
    }

    [Fact]
    public void DisasmShowsMapNamesAndSourceLines()
    {
        var (code, output, _) = Run("disasm", Fixtures.PathOf("hash_counter"), "--section", "socket");
        Assert.Equal(0, code);
        var lines = Lines(output);
        Assert.StartsWith("count_packets (section socket", lines[0]);
        Assert.Contains(lines, l => l.Contains("ld_pseudo r1, 0x5, 0x0", StringComparison.Ordinal) && l.EndsWith("; map counters", StringComparison.Ordinal));
        // A source line is printed once where it starts, not again for each of its instructions.
        Assert.Equal(lines.Where(l => l.StartsWith(';')).Count(), lines.Where(l => l.StartsWith(';')).Zip(lines.Where(l => l.StartsWith(';')).Skip(1).Append("")).Count(p => p.First != p.Second));
        Assert.Contains(lines, l => l.StartsWith("; ./hash_counter.c:", StringComparison.Ordinal) && l.Contains("bpf_map_lookup_elem(&counters"));
    }

    [Fact]
    public void DisasmOfAnUnknownSectionIsAUsageError()
    {
        var (code, _, error) = Run("disasm", Fixtures.PathOf("hash_counter"), "--section", "xdp");
        Assert.Equal(2, code);
        Assert.Contains("no program in section 'xdp'", error);
    }

    [Fact]
    public void DisasmNamesCallbackFunctions()
    {
        var (code, output, _) = Run("disasm", Fixtures.PathOf("loops"));
        Assert.Equal(0, code);
        Assert.Contains("; function add_index", output);
        Assert.Contains("add_index (.text):", output);
    }

    [Fact]
    public void RunExecutesATextFunctionAndDumpsMaps()
    {
        string memory = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(memory, [10, 20, 30]);
            var (code, output, _) = Run("run", Fixtures.PathOf("text_only"), "--no-verify", "--section", ".text", "--program", "scaled_sum", "--mem", memory, "--dump-maps", "--engine", "interpreter");
            Assert.Equal(0, code);
            var lines = Lines(output);
            Assert.Equal("r0 = 180 (0xb4)", lines[0]);
            int totals = Array.IndexOf(lines, "map totals (Array, key 4, value 8, max 4):");
            Assert.True(totals > 0, output);
            Assert.Equal(["key", "value"], lines[totals + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal(["00000000", "3c00000000000000"], lines[totals + 2].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            File.Delete(memory);
        }
    }

    [Fact]
    public void RunDefaultsToTheFirstFunctionAndRepeats()
    {
        var (code, output, _) = Run("run", Fixtures.PathOf("text_only"), "--no-verify", "--mem-hex", "01 02", "--repeat", "5", "--json");
        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(3UL, json.RootElement.GetProperty("r0").GetUInt64());
        Assert.Equal(5, json.RootElement.GetProperty("runs").GetInt32());
    }

    [Fact]
    public void RunDumpsPerCpuColumnsAndPendingRingBufferRecords()
    {
        var (code, output, _) = Run("run", Fixtures.PathOf("percpu_array"), "--raw", "--mem-hex", "00000000 c8000000", "--dump-maps");
        Assert.Equal(0, code);
        var lines = Lines(output);
        int header = Array.FindIndex(lines, l => l.StartsWith("map stats", StringComparison.Ordinal)) + 1;
        var columns = lines[header].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["key", .. Enumerable.Range(0, SharpBpf.Maps.BpfCpu.Count).Select(c => $"cpu{c}")], columns);
        var row = lines[header + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("01000000", row[0]);
        Assert.Single(row.Skip(1), v => v == "0100000000000000");

        var ring = Run("run", Fixtures.PathOf("ringbuf_events"), "--raw", "--dump-maps", "--repeat", "3");
        Assert.Equal(0, ring.Code);
        // One run, the warm-up run and three timed runs: five 32-byte events (40 bytes with their headers) are waiting.
        Assert.Contains("  pending records: 5 (200 bytes)", Lines(ring.Out));
    }

    [Fact]
    public void RunRefusesTypedProgramsWithoutRawAndReportsFaultsWithTheSourceLine()
    {
        var (code, _, error) = Run("run", Fixtures.PathOf("hash_counter"), "--section", "socket");
        Assert.Equal(2, code);
        Assert.Contains("SocketFilter", error);

        var fault = Run("run", Fixtures.PathOf("text_only"), "--no-verify", "--program", "write_rodata", "--mem-hex", "07");
        Assert.Equal(1, fault.Code);
        Assert.Contains("./text_only.c:37", fault.Error);
        Assert.Contains("read-only", fault.Error);

        var unknown = Run("run", Fixtures.PathOf("text_only"), "--no-verify", "--program", "nope");
        Assert.Equal(2, unknown.Code);
        Assert.Contains("no program 'nope'", unknown.Error);
    }

    [Fact]
    public void RunVerifiesObjectsByDefault()
    {
        var (code, output, error) = Run("run", Fixtures.PathOf("text_only"), "--program", "sum_bytes", "--mem-hex", "01 02");
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains("verifier rejected the program", error);
        Assert.Contains("write_rodata", error);
        Assert.Contains("./text_only.c:37", error);
    }
}
