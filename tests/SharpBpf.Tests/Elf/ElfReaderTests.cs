using System.Buffers.Binary;
using System.Text;
using SharpBpf.Elf;

namespace SharpBpf.Tests.Elf;

/// <summary>Targeted corruptions of a real object: each must be rejected with a message naming the section and offset.</summary>
public class ElfReaderTests
{
    private static byte[] Original() => Fixtures.Bytes("hash_counter");

    private static BpfElfException Reject(byte[] bytes) => Assert.Throws<BpfElfException>(() => BpfObject.Load(bytes));

    private static int SectionTable(byte[] elf) => (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(40));

    private static int SectionCount(byte[] elf) => BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(60));

    /// <summary>File offset of the header of the section called <paramref name="name"/>, read independently of the loader.</summary>
    private static int HeaderOf(byte[] elf, string name)
    {
        int table = SectionTable(elf);
        int namesHeader = table + 64 * BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(62));
        int names = (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(namesHeader + 24));
        for (int i = 0; i < SectionCount(elf); i++)
        {
            int header = table + 64 * i;
            int nameAt = names + (int)BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(header));
            int end = Array.IndexOf(elf, (byte)0, nameAt);
            if (Encoding.ASCII.GetString(elf, nameAt, end - nameAt) == name) return header;
        }
        throw new InvalidOperationException($"no section {name}");
    }

    private static int ContentsOf(byte[] elf, string name) => (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(HeaderOf(elf, name) + 24));

    [Fact]
    public void TheUnmodifiedFixtureLoads() => Assert.Single(BpfObject.Load(Original()).Programs);

    [Fact]
    public void MachineNoneIsAccepted()
    {
        var elf = Original();
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(18), 0);
        Assert.Single(BpfObject.Load(elf).Programs);
    }

    [Theory]
    [InlineData(0, 0x7e, "magic", 0)]
    [InlineData(4, 1, "ELFCLASS64", 4)]
    [InlineData(5, 2, "little-endian", 5)]
    [InlineData(18, 62, "EM_BPF", 18)]
    [InlineData(58, 32, "e_shentsize", 58)]
    [InlineData(62, 200, "e_shstrndx", 62)]
    public void HeaderFieldsAreChecked(int offset, byte value, string expected, long expectedOffset)
    {
        var elf = Original();
        elf[offset] = value;
        var error = Reject(elf);
        Assert.Null(error.Section);
        Assert.Equal(expectedOffset, error.Offset);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("ELF header at file offset 0x", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(63)]
    public void TruncatedHeaderIsRejected(int length)
    {
        var error = Reject(Original()[..length]);
        Assert.Contains("shorter than the 64-byte ELF64 header", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedSectionTableIsRejected()
    {
        var elf = Original();
        var error = Reject(elf[..(elf.Length - 10)]);
        Assert.Equal(40, error.Offset);
        Assert.Contains("extends past the end", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SectionPastTheEndOfTheFileIsRejected()
    {
        var elf = Original();
        int header = HeaderOf(elf, "socket");
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(header + 32), (ulong)elf.Length);
        var error = Reject(elf);
        Assert.Equal("socket", error.Section);
        Assert.Equal(header + 24, error.Offset);
    }

    [Fact]
    public void OffsetPlusSizeOverflowIsRejected()
    {
        var elf = Original();
        int header = HeaderOf(elf, "socket");
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(header + 24), ulong.MaxValue - 7);
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(header + 32), 16);
        Assert.Equal("socket", Reject(elf).Section);
    }

    [Fact]
    public void OverlappingSectionsAreRejected()
    {
        var elf = Original();
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(HeaderOf(elf, "socket") + 24), (ulong)ContentsOf(elf, ".maps"));
        var error = Reject(elf);
        Assert.Contains("overlap", error.Message, StringComparison.Ordinal);
        Assert.True(error.Section is "socket" or ".maps", error.Message);
    }

    [Fact]
    public void SectionOverlappingTheHeaderIsRejected()
    {
        var elf = Original();
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(HeaderOf(elf, "socket") + 24), 8);
        Assert.Contains("overlap ELF header", Reject(elf).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SectionNameOutsideTheNameTableIsRejected()
    {
        var elf = Original();
        int header = HeaderOf(elf, "license");
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(header), 0x7fffffff);
        var error = Reject(elf);
        Assert.Equal(header, error.Offset);
        Assert.Contains("section name offset", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LinkFieldOutOfRangeIsRejected()
    {
        var elf = Original();
        int header = HeaderOf(elf, ".symtab");
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(header + 40), 999);
        var error = Reject(elf);
        Assert.Equal((".symtab", (long)header + 40), (error.Section, error.Offset));
    }

    [Fact]
    public void SymbolSectionIndexOutOfRangeIsRejected()
    {
        var elf = Original();
        int symbols = ContentsOf(elf, ".symtab");
        int symbol = symbols + 24 * 3;
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(symbol + 6), 500);
        var error = Reject(elf);
        Assert.Equal((".symtab", (long)symbol + 6), (error.Section, error.Offset));
        Assert.Contains("section index 500", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RelocationSymbolIndexOutOfRangeIsRejected()
    {
        var elf = Original();
        int relocations = ContentsOf(elf, ".relsocket");
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(relocations + 12), 100_000);
        var error = Reject(elf);
        Assert.Equal((".relsocket", (long)relocations + 8), (error.Section, error.Offset));
        Assert.Contains("symbol index 100000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RelocationOffsetOutsideTheCodeIsRejected()
    {
        var elf = Original();
        int relocations = ContentsOf(elf, ".relsocket");
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(relocations), 0x10000);
        var error = Reject(elf);
        Assert.Equal((".relsocket", (long)relocations), (error.Section, error.Offset));
    }

    [Fact]
    public void RelocationOnANonLddwInstructionIsRejected()
    {
        var elf = Original();
        int relocations = ContentsOf(elf, ".relsocket");
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(relocations), 0);
        var error = Reject(elf);
        Assert.Contains("expected lddw or call", error.Message, StringComparison.Ordinal);
        Assert.Contains("count_packets", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidInstructionIsReportedAtItsFileOffset()
    {
        var elf = Original();
        int code = ContentsOf(elf, "socket");
        elf[code + 8] = 0xff;
        var error = Reject(elf);
        Assert.Equal(("socket", (long)code + 8), (error.Section, error.Offset));
        Assert.Contains("unknown opcode 0xff", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CorruptBtfIsReportedAsAnElfErrorInTheBtfSection()
    {
        var elf = Original();
        int btf = ContentsOf(elf, ".BTF");
        elf[btf] = 0;
        var error = Reject(elf);
        Assert.Equal((".BTF", (long)btf), (error.Section, error.Offset));
        Assert.IsType<SharpBpf.Btf.BpfBtfException>(error.InnerException);
    }
}
