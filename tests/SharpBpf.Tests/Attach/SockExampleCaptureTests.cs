using SharpBpf.Attach;

namespace SharpBpf.Tests.Attach;

/// <summary>The sock_example capture holds ICMP, TCP and UDP, and our reading of byte 23 agrees with tshark's counts.</summary>
public class SockExampleCaptureTests
{
    private static string CaptureDirectory => Path.Combine(Captures.RepositoryRoot, "examples", "sock_example", "capture");

    [Fact]
    public void ProtocolByteCountsEqualTheTsharkCounts()
    {
        var expected = File.ReadAllLines(Path.Combine(CaptureDirectory, "counts.txt"))
            .Select(l => l.Split(' ')).ToDictionary(f => f[0], f => int.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture));
        using var reader = PcapReader.Open(Path.Combine(CaptureDirectory, "loopback.pcap"));
        Assert.Equal(LinkType.Ethernet, reader.LinkType);
        var counts = new int[256];
        int frames = 0;
        const int ProtocolOffset = 14 + 9; // ETH_HLEN + offsetof(struct iphdr, protocol), read for every frame
        foreach (var record in reader)
        {
            frames++;
            if (record.CapturedLength > ProtocolOffset) counts[record.Span[ProtocolOffset]]++;
        }
        Assert.Equal(expected["frames"], frames);
        Assert.Equal(expected["tcp"], counts[6]);
        Assert.Equal(expected["udp"], counts[17]);
        Assert.Equal(expected["icmp"], counts[1]);
        Assert.True(counts[6] > 0 && counts[17] > 0 && counts[1] > 0, "the capture should hold all three protocols");
    }
}
