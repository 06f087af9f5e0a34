using SharpBpf.Attach;

namespace SharpBpf.Tests.Attach;

/// <summary>pcapng features the committed captures do not exercise, built block by block (and checked against tshark when installed).</summary>
public class PcapNgTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly byte[] s_frame = Enumerable.Range(0, 61).Select(i => (byte)i).ToArray();

    private static byte[] MixedFile(bool bigEndian) => new PcapNgBuilder()
        .Section(bigEndian)
        .Interface(LinkType.Ethernet, 0, timestampResolution: 0x80 | 20, timestampOffset: 1_700_000_000, name: "eth-test") // 2^-20 s units
        .Block(0x4000_0123, new byte[20])                                // unknown local-use block: skipped
        .Enhanced(0, (3UL << 20) + (1UL << 19), s_frame, originalLength: 1000, flags: 2) // 3.5 s, outbound
        .Simple(s_frame[..40], originalLength: 40)
        .Interface(LinkType.Raw, 64, timestampResolution: 3, name: "raw-test")  // milliseconds
        .Obsolete(1, 1_700_000_000_123, s_frame[..20])
        .Enhanced(1, 1_700_000_000_456, s_frame[..30], flags: 1 | (3 << 2))     // inbound broadcast
        .Section(!bigEndian)                                              // a new section resets the interfaces
        .Interface(LinkType.LinuxSll2, 0)
        .Enhanced(0, 1_700_000_000_000_001, s_frame)
        .ToArray();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BlocksOptionsAndSectionsAreRead(bool bigEndian)
    {
        using var reader = PcapNgReader.Open(new MemoryStream(MixedFile(bigEndian)));
        var records = reader.ToList();
        Assert.Equal(5, records.Count);
        Assert.Equal(2, reader.SectionCount);
        Assert.Equal(!bigEndian, reader.IsBigEndian);

        Assert.Equal(1_700_000_003_500_000_000, records[0].TimestampNanoseconds);
        Assert.Equal(PacketType.Outgoing, records[0].PacketType);
        Assert.Equal(1000, records[0].OriginalLength);
        Assert.True(records[0].Span.SequenceEqual(s_frame));

        Assert.Equal(0, records[1].TimestampNanoseconds); // simple packet blocks carry no timestamp
        Assert.Equal(40, records[1].CapturedLength);

        Assert.Equal((1, LinkType.Raw, 1_700_000_000_123_000_000L, 20), (records[2].InterfaceIndex, records[2].LinkType, records[2].TimestampNanoseconds, records[2].CapturedLength));
        Assert.Equal(PacketType.Broadcast, records[3].PacketType);
        Assert.Equal(1_700_000_000_456_000_000, records[3].TimestampNanoseconds);

        Assert.Equal((0, LinkType.LinuxSll2, 1_700_000_000_000_001_000L), (records[4].InterfaceIndex, records[4].LinkType, records[4].TimestampNanoseconds));
        Assert.Equal(new DateTimeOffset(2023, 11, 14, 22, 13, 20, TimeSpan.Zero).AddTicks(10), records[4].Timestamp);
        Assert.Equal(LinkType.LinuxSll2, reader.Interfaces.Single().LinkType);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LargeUnknownBlocksAreSkippedWithoutBeingBuffered(bool seekable)
    {
        byte[] file = new PcapNgBuilder().Section(false).Interface(LinkType.Ethernet, 0)
            .Enhanced(0, 1, s_frame).Block(0x4000_0001, new byte[300_000]).Enhanced(0, 2, s_frame).ToArray();
        using var reader = CaptureFile.Open(seekable ? new MemoryStream(file) : new ForwardOnlyStream(file));
        Assert.Equal([1_000L, 2_000L], reader.Select(r => r.TimestampNanoseconds));
        var truncated = file[..200_000];
        using var cut = CaptureFile.Open(seekable ? new MemoryStream(truncated) : new ForwardOnlyStream(truncated));
        Assert.True(cut.TryReadNext(out _));
        var error = Assert.Throws<BpfCaptureException>(() => cut.TryReadNext(out _));
        Assert.Equal(2, error.RecordNumber);
        Assert.Contains("truncated", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TsharkReadsTheBuiltFileTheSameWay(bool bigEndian)
    {
        string path = Path.Combine(Path.GetTempPath(), $"sharpbpf-pcapng-{Guid.NewGuid():N}.pcapng");
        File.WriteAllBytes(path, MixedFile(bigEndian));
        try
        {
            var tshark = Captures.RunTshark(path);
            if (tshark is null)
            {
                output.WriteLine("skipped: tshark is not installed");
                return;
            }
            var records = PcapNgReader.Open(path).ToList();
            Assert.Equal(tshark.Count, records.Count);
            for (int i = 0; i < records.Count; i++)
            {
                Assert.Equal(tshark[i].Length, records[i].OriginalLength);
                Assert.Equal(tshark[i].CapturedLength, records[i].CapturedLength);
                Assert.Equal(tshark[i].InterfaceId ?? 0, records[i].InterfaceIndex);
                if (i != 1) Assert.Equal(tshark[i].TimestampNanoseconds, records[i].TimestampNanoseconds);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}
