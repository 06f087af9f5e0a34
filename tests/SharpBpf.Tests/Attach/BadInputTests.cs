using System.Buffers.Binary;
using SharpBpf.Attach;

namespace SharpBpf.Tests.Attach;

/// <summary>Corrupt, truncated and unsupported input is reported with its record number and offset, after the good records.</summary>
public class BadInputTests
{
    private static byte[] Pcap(string name = "lo-ethernet.pcap") => File.ReadAllBytes(Captures.PathOf(name));

    /// <summary>File offsets of every record header in a little-endian pcap.</summary>
    private static List<int> RecordOffsets(byte[] pcap)
    {
        var offsets = new List<int>();
        for (int offset = 24; offset + 16 <= pcap.Length; offset += 16 + BinaryPrimitives.ReadInt32LittleEndian(pcap.AsSpan(offset + 8)))
            offsets.Add(offset);
        return offsets;
    }

    /// <summary>Reads everything; returns the records delivered and the exception that stopped the reading.</summary>
    private static (List<PacketRecord> Records, BpfCaptureException? Error) ReadAll(byte[] bytes, bool seekable = true, CaptureReadOptions? options = null)
    {
        var records = new List<PacketRecord>();
        try
        {
            using var reader = CaptureFile.Open(seekable ? new MemoryStream(bytes) : new ForwardOnlyStream(bytes), options: options);
            foreach (var record in reader) records.Add(record);
            return (records, null);
        }
        catch (BpfCaptureException e)
        {
            return (records, e);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TruncatedRecordStopsAfterTheRecordsBeforeIt(bool seekable)
    {
        byte[] pcap = Pcap();
        var offsets = RecordOffsets(pcap);
        foreach (int cut in new[] { offsets[5] + 3, offsets[5] + 16 + 10 })
        {
            var (records, error) = ReadAll(pcap[..cut], seekable);
            Assert.Equal(5, records.Count);
            Assert.NotNull(error);
            Assert.Equal(6, error.RecordNumber);
            Assert.Equal(offsets[5], error.Offset);
            Assert.Contains("truncated", error.Message);
            Assert.Contains($"capture record 6 at byte offset {offsets[5]}", error.Message);
        }
    }

    [Fact]
    public void CapturedLengthBeyondTheFileIsReportedBeforeAllocating()
    {
        byte[] pcap = Pcap();
        var offsets = RecordOffsets(pcap);
        int last = offsets[^1];
        BinaryPrimitives.WriteUInt32LittleEndian(pcap.AsSpan(last + 8), 60_000);
        BinaryPrimitives.WriteUInt32LittleEndian(pcap.AsSpan(last + 12), 60_000);
        var (records, error) = ReadAll(pcap);
        Assert.Equal(offsets.Count - 1, records.Count);
        Assert.Equal(last, error!.Offset);
        Assert.Contains("claims 60000 bytes", error.Message);
    }

    [Fact]
    public void CapturedLengthAboveSnapLengthOrOriginalLengthIsReported()
    {
        byte[] pcap = Pcap();
        var offsets = RecordOffsets(pcap);
        BinaryPrimitives.WriteUInt32LittleEndian(pcap.AsSpan(16), 64); // snap length 64, the first ping is 98 bytes
        var (records, error) = ReadAll(pcap);
        Assert.Empty(records);
        Assert.Equal(1, error!.RecordNumber);
        Assert.Contains("exceeds the snap length 64", error.Message);

        pcap = Pcap();
        BinaryPrimitives.WriteUInt32LittleEndian(pcap.AsSpan(offsets[2] + 12), 20);
        (records, error) = ReadAll(pcap);
        Assert.Equal(2, records.Count);
        Assert.Equal(3, error!.RecordNumber);
        Assert.Contains("exceeds the original length 20", error.Message);
    }

    [Fact]
    public void UnknownLinkTypeIsRejectedUnlessAccepted()
    {
        byte[] pcap = Pcap();
        BinaryPrimitives.WriteUInt32LittleEndian(pcap.AsSpan(20), 147); // LINKTYPE_USER0
        var (records, error) = ReadAll(pcap);
        Assert.Empty(records);
        Assert.Equal(0, error!.RecordNumber);
        Assert.Contains("unsupported link type 147", error.Message);

        var (accepted, none) = ReadAll(pcap, options: new CaptureReadOptions { AcceptAnyLinkType = true });
        Assert.Null(none);
        Assert.Equal(RecordOffsets(pcap).Count, accepted.Count);
        Assert.All(accepted, r => Assert.Equal((LinkType)147, r.LinkType));
    }

    [Fact]
    public void BadMagicAndVersionAreReported()
    {
        byte[] pcap = Pcap();
        pcap[0] ^= 0xFF;
        Assert.Contains("not a pcap or pcapng file", ReadAll(pcap).Error!.Message);
        pcap = Pcap();
        pcap[4] = 3;
        var error = ReadAll(pcap).Error!;
        Assert.Equal(4, error.Offset);
        Assert.Contains("unsupported pcap version 3.4", error.Message);
        Assert.Contains("only 2 bytes", ReadAll([0xD4, 0xC3]).Error!.Message);
        Assert.Contains("truncated pcap file header", ReadAll(Pcap()[..20]).Error!.Message);
    }

    [Fact]
    public void RecordCeilingGuardsAgainstHugeClaims()
    {
        byte[] pcap = Pcap();
        var options = new CaptureReadOptions { MaxCapturedLength = 90 };
        var (records, error) = ReadAll(pcap, options: options);
        Assert.Empty(records); // the first ping is 98 bytes
        Assert.Contains("exceeds the maximum record size 90", error!.Message);
    }

    [Fact]
    public void AfterAnErrorTheReaderKeepsFailing()
    {
        byte[] pcap = Pcap()[..(RecordOffsets(Pcap())[1] + 4)];
        using var reader = CaptureFile.Open(new MemoryStream(pcap));
        Assert.True(reader.TryReadNext(out _));
        Assert.Throws<BpfCaptureException>(() => reader.TryReadNext(out _));
        var again = Assert.Throws<BpfCaptureException>(() => reader.TryReadNext(out _));
        Assert.Contains("already stopped", again.Message);
    }

    [Fact]
    public void PcapngBlockErrorsNameTheBlock()
    {
        byte[] ethernet = new byte[60];
        byte[] good = new PcapNgBuilder().Section(false).Interface(LinkType.Ethernet, 0).Enhanced(0, 1, ethernet).Enhanced(0, 2, ethernet).ToArray();
        int secondBlock = good.Length - 92;
        Assert.Equal(2, ReadAll(good).Records.Count);

        byte[] badTrailer = (byte[])good.Clone();
        badTrailer[^4] ^= 1;
        var (records, error) = ReadAll(badTrailer);
        Assert.Single(records);
        Assert.Equal(2, error!.RecordNumber);
        Assert.Equal(secondBlock, error.Offset);
        Assert.Contains("trailing length", error.Message);

        byte[] oddLength = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(oddLength.AsSpan(secondBlock + 4), 93);
        Assert.Contains("invalid total length 93", ReadAll(oddLength).Error!.Message);

        byte[] wrongInterface = new PcapNgBuilder().Section(false).Interface(LinkType.Ethernet, 0).Enhanced(1, 1, ethernet).ToArray();
        Assert.Contains("names interface 1, but the section defines 1", ReadAll(wrongInterface).Error!.Message);

        byte[] noSection = good[28..];
        Assert.Contains("not a pcap or pcapng file", ReadAll(noSection).Error!.Message);

        byte[] overSnap = new PcapNgBuilder().Section(false).Interface(LinkType.Ethernet, 32).Enhanced(0, 1, ethernet).ToArray();
        Assert.Contains("exceeds the snap length 32", ReadAll(overSnap).Error!.Message);

        byte[] pastBlock = new PcapNgBuilder().Section(false).Interface(LinkType.Ethernet, 0).Enhanced(0, 1, ethernet, originalLength: 200, capturedLength: 100).ToArray();
        Assert.Contains("runs past the end of its", ReadAll(pastBlock).Error!.Message);

        byte[] unknownLink = new PcapNgBuilder().Section(true).Interface((LinkType)999, 0).ToArray();
        Assert.Contains("unsupported link type 999", ReadAll(unknownLink).Error!.Message);

        byte[] shortSection = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(shortSection.AsSpan(4), 12); // found by the fuzz test: shorter than its own fields
        Assert.Contains("invalid total length 12 (must be a multiple of 4, at least 16)", ReadAll(shortSection).Error!.Message);

        byte[] badMagic = (byte[])good.Clone();
        badMagic[8] ^= 0x10;
        Assert.Contains("bad byte-order magic", ReadAll(badMagic).Error!.Message);
    }
}
