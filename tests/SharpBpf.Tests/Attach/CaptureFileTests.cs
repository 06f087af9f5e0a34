using SharpBpf.Attach;

namespace SharpBpf.Tests.Attach;

/// <summary>
/// Reads the captures made by tcpdump, dumpcap, editcap and text2pcap (tests/captures/make-captures.sh) and checks
/// every record against what tshark printed for the same file when it was made.
/// </summary>
public class CaptureFileTests
{
    public static TheoryData<string> CaptureNames() => new(Captures.AllNames());

    [Theory]
    [MemberData(nameof(CaptureNames))]
    public void RecordsMatchTheTsharkListing(string name)
    {
        var expected = Captures.TsharkListing(name);
        using CaptureReader reader = CaptureFile.Open(Captures.PathOf(name));
        var records = reader.ToList();
        Assert.True(expected.Count > 0, $"{name}: the tshark listing is empty");
        Assert.Equal(expected.Count, records.Count);
        for (int i = 0; i < records.Count; i++)
        {
            var (frame, record) = (expected[i], records[i]);
            Assert.Equal(frame.Number, record.RecordNumber);
            Assert.Equal(frame.Length, record.OriginalLength);
            Assert.Equal(frame.CapturedLength, record.CapturedLength);
            Assert.Equal(frame.TimestampNanoseconds, record.TimestampNanoseconds);
            Assert.Equal(frame.InterfaceId ?? 0, record.InterfaceIndex);
        }
        Assert.Equal(records.Count, reader.RecordsRead);
    }

    [Theory]
    [InlineData("lo-ethernet.pcap", LinkType.Ethernet, TimestampPrecision.Microseconds)]
    [InlineData("lo-nano.pcap", LinkType.Ethernet, TimestampPrecision.Nanoseconds)]
    [InlineData("any-sll2.pcap", LinkType.LinuxSll2, TimestampPrecision.Microseconds)]
    [InlineData("any-sll-snap96.pcap", LinkType.LinuxSll, TimestampPrecision.Microseconds)]
    [InlineData("raw.pcap", LinkType.Raw, TimestampPrecision.Microseconds)]
    public void PcapHeadersAreRead(string name, LinkType linkType, TimestampPrecision precision)
    {
        using var reader = PcapReader.Open(Captures.PathOf(name));
        Assert.Equal(linkType, reader.LinkType);
        Assert.Equal(precision, reader.Precision);
        Assert.False(reader.IsBigEndian);
        Assert.Equal((ushort)2, reader.VersionMajor);
        Assert.All(reader, r => Assert.Equal(linkType, r.LinkType));
    }

    [Fact]
    public void SnapLengthCutsTheSllCapture()
    {
        using var reader = PcapReader.Open(Captures.PathOf("any-sll-snap96.pcap"));
        Assert.Equal(96u, reader.SnapLength);
        var records = reader.ToList();
        Assert.Contains(records, r => r.IsTruncated && r.CapturedLength == 96 && r.OriginalLength > 96);
        Assert.All(records, r => Assert.True(r.CapturedLength <= 96));
    }

    [Theory]
    [InlineData("any-sll2.pcap")]
    [InlineData("any-sll-snap96.pcap")]
    public void CookedCapturesCarryThePacketType(string name)
    {
        using CaptureReader reader = CaptureFile.Open(Captures.PathOf(name));
        // Loopback traffic from "any": libpcap keeps the incoming copy, so every packet is PACKET_HOST.
        Assert.All(reader, r => Assert.Equal(PacketType.Host, r.PacketType));
    }

    [Fact]
    public void RawAndNullCapturesHoldTheEthernetCapturesIpPackets()
    {
        var ethernet = PcapReader.Open(Captures.PathOf("lo-ethernet.pcap")).Where(r => r.Span[12] == 0x08 && r.Span[13] == 0x00).ToList();
        var raw = PcapReader.Open(Captures.PathOf("raw.pcap")).ToList();
        var nulls = PcapNgReader.Open(Captures.PathOf("null.pcapng")).ToList();
        Assert.Equal(ethernet.Count, raw.Count);
        Assert.Equal(ethernet.Count, nulls.Count);
        for (int i = 0; i < raw.Count; i++)
        {
            Assert.Equal(ethernet[i].Span[14..].ToArray(), raw[i].Span.ToArray());
            Assert.Equal(LinkType.Null, nulls[i].LinkType);
            Assert.Equal(2, BitConverter.ToInt32(nulls[i].Span[..4])); // AF_INET, little-endian as text2pcap wrote it
            Assert.Equal(raw[i].Span.ToArray(), nulls[i].Span[4..].ToArray());
            Assert.Equal(ethernet[i].TimestampNanoseconds / 1000, raw[i].TimestampNanoseconds / 1000);
        }
    }

    [Fact]
    public void NanosecondPcapAndItsPcapngConversionAgree()
    {
        var pcap = PcapReader.Open(Captures.PathOf("lo-nano.pcap")).ToList();
        using var pcapng = PcapNgReader.Open(Captures.PathOf("lo-nano.pcapng"));
        var converted = pcapng.ToList();
        Assert.Equal(9, pcapng.Interfaces.Single().TimestampResolution);
        Assert.Equal(pcap.Select(r => (r.TimestampNanoseconds, r.OriginalLength)), converted.Select(r => (r.TimestampNanoseconds, r.OriginalLength)));
        Assert.Contains(pcap, r => r.TimestampNanoseconds % 1000 != 0);
        for (int i = 0; i < pcap.Count; i++) Assert.True(pcap[i].Span.SequenceEqual(converted[i].Span));
    }

    [Fact]
    public void DumpcapFileWithTwoInterfacesNamesThem()
    {
        using var reader = PcapNgReader.Open(Captures.PathOf("two-interfaces.pcapng"));
        var records = reader.ToList();
        Assert.Equal(["lo", "any"], reader.Interfaces.Select(i => i.Name));
        Assert.Equal([LinkType.Ethernet, LinkType.LinuxSll], reader.Interfaces.Select(i => i.LinkType));
        Assert.Equal(records.Where(r => r.InterfaceIndex == 0).Select(r => r.LinkType).Distinct(), [LinkType.Ethernet]);
        Assert.Equal(records.Where(r => r.InterfaceIndex == 1).Select(r => r.LinkType).Distinct(), [LinkType.LinuxSll]);
    }

    [Fact]
    public void ConcatenatedPcapngFilesAreTwoSections()
    {
        using var reader = PcapNgReader.Open(Captures.PathOf("two-sections.pcapng"));
        var records = reader.ToList();
        Assert.Equal(2, reader.SectionCount);
        int first = PcapNgReader.Open(Captures.PathOf("lo.pcapng")).Count();
        int second = PcapNgReader.Open(Captures.PathOf("lo-nano.pcapng")).Count();
        Assert.Equal(first + second, records.Count);
    }

    [Fact]
    public void AutoDetectionPicksTheFormat()
    {
        using (CaptureReader pcap = CaptureFile.Open(Captures.PathOf("lo-ethernet.pcap"))) Assert.IsType<PcapReader>(pcap);
        using (CaptureReader pcapng = CaptureFile.Open(Captures.PathOf("lo.pcapng"))) Assert.IsType<PcapNgReader>(pcapng);
        var error = Assert.Throws<BpfCaptureException>(() => CaptureFile.Open(Captures.PathOf("make-captures.sh")));
        Assert.Contains("not a pcap or pcapng file", error.Message);
        Assert.Throws<BpfCaptureException>(() => CaptureFile.Open(Captures.PathOf("no-such-file.pcap")));
    }

    [Fact]
    public void ANonSeekableStreamReadsTheSameRecords()
    {
        byte[] bytes = File.ReadAllBytes(Captures.PathOf("two-sections.pcapng"));
        var fromFile = CaptureFile.Open(Captures.PathOf("two-sections.pcapng")).ToList();
        var fromPipe = CaptureFile.Open(new ForwardOnlyStream(bytes)).ToList();
        Assert.Equal(fromFile.Count, fromPipe.Count);
        for (int i = 0; i < fromFile.Count; i++)
        {
            Assert.Equal(fromFile[i] with { Data = default }, fromPipe[i] with { Data = default });
            Assert.True(fromFile[i].Span.SequenceEqual(fromPipe[i].Span));
        }
    }
}

/// <summary>A stream that cannot seek or tell its length, like a pipe, and returns short reads.</summary>
internal sealed class ForwardOnlyStream(byte[] bytes) : Stream
{
    private int _position;
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count)
    {
        int chunk = Math.Min(Math.Min(count, 7 + _position % 13), bytes.Length - _position);
        Array.Copy(bytes, _position, buffer, offset, chunk);
        _position += chunk;
        return chunk;
    }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
