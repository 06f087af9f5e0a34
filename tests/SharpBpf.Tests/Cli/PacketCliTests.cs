using System.Text.Json;
using SharpBpf.Attach;
using SharpBpf.Cli;
using SharpBpf.Tests.Elf;
using Xunit.Abstractions;

namespace SharpBpf.Tests.Cli;

/// <summary><c>run OBJECT.o --pcap FILE [--out FILE]</c> and <c>attach OBJECT.o --iface lo</c>, run in-process.</summary>
public sealed class PacketCliTests(ITestOutputHelper log) : IDisposable
{
    private static readonly string s_example = Path.Combine(Directory.GetParent(Fixtures.Directory)!.Parent!.FullName, "examples", "sock_example");
    private static readonly string s_capture = Path.Combine(s_example, "capture", "loopback.pcap");
    private static readonly string s_sockExample = Path.Combine(s_example, "sock_example.bpf.o");
    private readonly string _temp = Directory.CreateTempSubdirectory("sharpbpf-packets").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static (int Code, string Out, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.Run(args, new CliConsole(output, error, new StringReader("")));
        return (code, output.ToString(), error.ToString());
    }

    private static string ProgramType(string name) => Path.Combine(Fixtures.Directory, "programtypes", name + ".o");

    private static List<PacketRecord> ReadAll(string path)
    {
        using var reader = CaptureFile.Open(path);
        return reader.ToList();
    }

    [Theory]
    [InlineData("interpreter")]
    [InlineData("jit")]
    public void Run_over_a_capture_counts_like_the_kernel_sample(string engine)
    {
        var (code, output, error) = Run("run", s_sockExample, "--section", "socket", "--pcap", s_capture, "--engine", engine);
        Assert.Equal(0, code);
        Assert.Empty(error);
        var lines = output.Split('\n', StringSplitOptions.TrimEntries);
        // sock_example returns 0: the socket keeps nothing, the program only counts.
        Assert.Equal("28 packets, dropped 28", lines[0]);
        // Array slots 6 (TCP), 17 (UDP), 1 (ICMP) as in capture/counts.txt: 12, 6, 10.
        Assert.Contains("06000000  0c00000000000000", lines);
        Assert.Contains("11000000  0600000000000000", lines);
        Assert.Contains("01000000  0a00000000000000", lines);
    }

    [Fact]
    public void Json_report_has_verdicts_and_maps_as_hex_pairs()
    {
        var (code, output, _) = Run("run", ProgramType("xdp_counter"), "--pcap", s_capture, "--json");
        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(28, json.RootElement.GetProperty("packets").GetInt64());
        Assert.Equal(28, json.RootElement.GetProperty("verdicts").GetProperty("XDP_PASS").GetInt64());
        var protocols = json.RootElement.GetProperty("maps").GetProperty("proto_counts").EnumerateArray()
            .ToDictionary(e => e.GetProperty("key").GetString()!, e => e.GetProperty("value").GetString()!);
        Assert.Equal("0c00000000000000", protocols["06000000"]);
        Assert.Equal("0600000000000000", protocols["11000000"]);
        Assert.Equal("0a00000000000000", protocols["01000000"]);
        Assert.Equal(3, json.RootElement.GetProperty("maps").GetProperty("port_counts").GetArrayLength());
    }

    [Fact]
    public void Out_writes_passed_packets_and_socket_filters_truncate_them()
    {
        string outPath = Path.Combine(_temp, "kept.pcap");
        var (code, output, _) = Run("run", ProgramType("socket_len"), "--pcap", s_capture, "--out", outPath);
        Assert.Equal(0, code);
        var input = ReadAll(s_capture);
        var written = ReadAll(outPath);
        // IPv4 TCP packets are cut to 64 bytes, other IPv4 packets kept whole, nothing dropped (all IPv4).
        int tcp = input.Count(r => r.CapturedLength > 64 && r.Span[23] == 6);
        Assert.StartsWith($"28 packets, ", output);
        Assert.Contains($"truncated {tcp}", output);
        Assert.Equal(input.Count, written.Count);
        for (int i = 0; i < input.Count; i++)
        {
            int expected = input[i].Span[23] == 6 ? Math.Min(64, input[i].CapturedLength) : input[i].CapturedLength;
            Assert.Equal(input[i].Span[..expected].ToArray(), written[i].Span.ToArray());
            Assert.Equal(input[i].TimestampNanoseconds / 1000, written[i].TimestampNanoseconds / 1000);
            Assert.Equal(input[i].OriginalLength, written[i].OriginalLength);
        }
    }

    [Fact]
    public void Xdp_pass_packets_are_written_and_drops_are_not()
    {
        string outPath = Path.Combine(_temp, "xdp.pcap");
        // Send the capture plus a UDP packet to port 9, which xdp_counter drops.
        string source = Path.Combine(_temp, "with-discard.pcap");
        var input = ReadAll(s_capture);
        var udp = input.First(r => r.Span[23] == 17);
        byte[] discard = udp.Span.ToArray();
        int ipHeader = (discard[14] & 0xf) * 4;
        discard[14 + ipHeader + 2] = 0;
        discard[14 + ipHeader + 3] = 9;
        using (var writer = PcapWriter.Create(source, LinkType.Ethernet))
        {
            foreach (var record in input) writer.Write(record);
            writer.Write(udp.TimestampNanoseconds + 1000, discard);
        }
        var (code, output, _) = Run("run", ProgramType("xdp_counter"), "--section", "xdp", "--pcap", source, "--out", outPath);
        Assert.Equal(0, code);
        Assert.StartsWith("29 packets, XDP_PASS 28, XDP_DROP 1", output);
        var written = ReadAll(outPath);
        Assert.Equal(input.Select(r => r.Span.ToArray()), written.Select(r => r.Span.ToArray()));
    }

    [Fact]
    public void Tc_verdicts_are_named()
    {
        var (code, output, _) = Run("run", ProgramType("tc_rewrite"), "--pcap", s_capture, "--out", Path.Combine(_temp, "tc.pcap"));
        Assert.Equal(0, code);
        Assert.Matches(@"^28 packets, (TC_ACT_(OK|SHOT) \d+(, )?)+", output);
        long ok = long.Parse(System.Text.RegularExpressions.Regex.Match(output, @"TC_ACT_OK (\d+)").Groups[1].Value);
        Assert.Equal(ok, ReadAll(Path.Combine(_temp, "tc.pcap")).Count);
    }

    [Fact]
    public void A_corrupt_capture_reports_the_packets_before_it_then_the_record_and_offset()
    {
        string path = Path.Combine(_temp, "cut.pcap");
        File.WriteAllBytes(path, File.ReadAllBytes(s_capture)[..3000]);
        var (code, output, error) = Run("run", s_sockExample, "--pcap", path);
        Assert.Equal(2, code);
        Assert.StartsWith("25 packets, dropped 25", output);
        Assert.Equal("sharpbpf: capture record 26 at byte offset 2962 (0xb92): truncated record data: claims 61 bytes, the file has 22 left", error.Trim());
    }

    [Fact]
    public void Usage_errors_exit_two()
    {
        Assert.Equal(2, Run("run", s_sockExample, "--out", Path.Combine(_temp, "x.pcap")).Code);
        var rawMemory = Run("run", Fixtures.PathOf("text_only"), "--no-verify", "--pcap", s_capture);
        Assert.Equal(2, rawMemory.Code);
        Assert.Contains("socket filter, XDP or tc", rawMemory.Error);
        Assert.Equal(2, Run("run", s_sockExample, "--pcap", Path.Combine(_temp, "missing.pcap")).Code);
        Assert.Equal(2, Run("attach", s_sockExample, "--duration", "0").Code);
    }

    [Fact]
    public void Attach_prints_the_maps_every_second_as_json()
    {
        using var sender = new System.Net.Sockets.UdpClient();
        using var stop = new CancellationTokenSource();
        // A thread of its own: the suite keeps the thread pool busy, and a starved sender sends nothing.
        var traffic = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                sender.Send(new byte[] { 1 }, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 9));
                Thread.Sleep(20);
            }
        }) { IsBackground = true };
        traffic.Start();
        var (code, output, error) = Run("attach", s_sockExample, "--section", "socket", "--iface", "lo", "--duration", "2.2", "--json");
        stop.Cancel();
        traffic.Join();
        if (code == 2 && error.Contains("raw sockets need root or CAP_NET_RAW"))
        {
            log.WriteLine($"SKIPPED: {error.Trim()}");
            return;
        }
        // The output goes into the failure messages: this test runs on live lo beside the rest of the suite.
        Assert.True(code == 0, $"exit {code}: {error}");
        var reports = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l)).ToList();
        Assert.True(reports.Count is >= 2 and <= 4, $"{reports.Count} reports:\n{output}");
        var last = reports[^1].RootElement;
        Assert.True(last.GetProperty("packets").GetInt64() > 0, output);
        var udp = last.GetProperty("maps").GetProperty("my_map").EnumerateArray().Single(e => e.GetProperty("key").GetString() == "11000000");
        Assert.True(BitConverter.ToUInt64(Convert.FromHexString(udp.GetProperty("value").GetString()!)) >= 2, output);
        foreach (var report in reports) report.Dispose();
    }
}
