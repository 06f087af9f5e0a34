using SharpBpf.Attach;

namespace SharpBpf.Tests.Attach;

/// <summary>Files written by <see cref="PcapWriter"/> read back identically with our reader and with tshark.</summary>
public class PcapWriterTests(Xunit.Abstractions.ITestOutputHelper output)
{
    public static TheoryData<bool, TimestampPrecision> Layouts() => new()
    {
        { false, TimestampPrecision.Microseconds }, { false, TimestampPrecision.Nanoseconds },
        { true, TimestampPrecision.Microseconds }, { true, TimestampPrecision.Nanoseconds },
    };

    private static List<PacketRecord> Source() => PcapReader.Open(Captures.PathOf("lo-nano.pcap")).ToList();

    private static byte[] Write(IEnumerable<PacketRecord> records, LinkType linkType, bool bigEndian, TimestampPrecision precision, int snapLength = PcapWriter.DefaultSnapLength)
    {
        var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, linkType, snapLength, precision, bigEndian, leaveOpen: true))
            foreach (var record in records) writer.Write(record);
        return stream.ToArray();
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void OurReaderReadsBackWhatWasWritten(bool bigEndian, TimestampPrecision precision)
    {
        var source = Source();
        using var reader = PcapReader.Open(new MemoryStream(Write(source, LinkType.Ethernet, bigEndian, precision)));
        var back = reader.ToList();
        Assert.Equal((bigEndian, precision, LinkType.Ethernet, (uint)PcapWriter.DefaultSnapLength), (reader.IsBigEndian, reader.Precision, reader.LinkType, reader.SnapLength));
        Assert.Equal(source.Count, back.Count);
        long unit = precision == TimestampPrecision.Nanoseconds ? 1 : 1000;
        for (int i = 0; i < source.Count; i++)
        {
            Assert.Equal(source[i].TimestampNanoseconds / unit * unit, back[i].TimestampNanoseconds);
            Assert.Equal(source[i].OriginalLength, back[i].OriginalLength);
            Assert.True(source[i].Span.SequenceEqual(back[i].Span));
        }
    }

    [Fact]
    public void SnapLengthCutsPacketsButKeepsTheirLength()
    {
        var source = Source();
        var back = PcapReader.Open(new MemoryStream(Write(source, LinkType.Ethernet, false, TimestampPrecision.Nanoseconds, snapLength: 50))).ToList();
        Assert.All(back.Zip(source), pair =>
        {
            Assert.Equal(Math.Min(50, pair.Second.CapturedLength), pair.First.CapturedLength);
            Assert.Equal(pair.Second.OriginalLength, pair.First.OriginalLength);
            Assert.True(pair.Second.Span[..pair.First.CapturedLength].SequenceEqual(pair.First.Span));
        });
    }

    [Fact]
    public void TimestampsOutsidePcapRangeAreRefused()
    {
        using var writer = new PcapWriter(new MemoryStream(), LinkType.Raw);
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Write(-1, new byte[20]));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Write((1L << 32) * 1_000_000_000, new byte[20]));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Write(0, new byte[20], originalLength: 10));
        Assert.Equal(0, writer.RecordsWritten);
    }

    [Theory]
    [InlineData(LinkType.Ethernet, false, TimestampPrecision.Microseconds)]
    [InlineData(LinkType.Ethernet, true, TimestampPrecision.Nanoseconds)]
    [InlineData(LinkType.Raw, true, TimestampPrecision.Microseconds)]
    [InlineData(LinkType.Null, false, TimestampPrecision.Nanoseconds)]
    [InlineData(LinkType.LinuxSll2, false, TimestampPrecision.Nanoseconds)]
    public void TsharkReadsWhatWasWritten(LinkType linkType, bool bigEndian, TimestampPrecision precision)
    {
        var source = (linkType switch
        {
            LinkType.Raw => PcapReader.Open(Captures.PathOf("raw.pcap")),
            LinkType.Null => (CaptureReader)PcapNgReader.Open(Captures.PathOf("null.pcapng")),
            LinkType.LinuxSll2 => PcapReader.Open(Captures.PathOf("any-sll2.pcap")),
            _ => PcapReader.Open(Captures.PathOf("lo-nano.pcap")),
        }).ToList();
        string path = Path.Combine(Path.GetTempPath(), $"sharpbpf-writer-{Guid.NewGuid():N}.pcap");
        File.WriteAllBytes(path, Write(source, linkType, bigEndian, precision, snapLength: 80));
        try
        {
            var ours = PcapReader.Open(path).ToList();
            var tshark = Captures.RunTshark(path);
            if (tshark is null)
            {
                output.WriteLine("skipped the tshark half: tshark is not installed");
                Assert.Equal(source.Count, ours.Count);
                return;
            }
            Assert.Equal(source.Count, tshark.Count);
            Assert.Equal(tshark.Select(f => (f.Length, f.CapturedLength, f.TimestampNanoseconds)),
                ours.Select(r => (r.OriginalLength, r.CapturedLength, (long?)r.TimestampNanoseconds)));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
