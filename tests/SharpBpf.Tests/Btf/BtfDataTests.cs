using System.Buffers.Binary;
using System.Text;
using SharpBpf.Btf;
using SharpBpf.Elf;
using SharpBpf.Tests.Elf;

namespace SharpBpf.Tests.Btf;

public class BtfDataTests
{
    /// <summary>Builds a raw .BTF blob: header, type section, string section.</summary>
    private sealed class BtfBuilder
    {
        private readonly List<byte> _types = [];
        private readonly List<byte> _strings = [0];

        public uint String(string text)
        {
            uint offset = (uint)_strings.Count;
            _strings.AddRange(Encoding.UTF8.GetBytes(text));
            _strings.Add(0);
            return offset;
        }

        public BtfBuilder Type(string name, BtfKind kind, int vlen, uint sizeOrType, bool kindFlag = false, params uint[] extra)
        {
            Word(String(name));
            Word((uint)vlen | ((uint)kind << 24) | (kindFlag ? 1u << 31 : 0));
            Word(sizeOrType);
            foreach (uint word in extra) Word(word);
            return this;
        }

        private void Word(uint value)
        {
            Span<byte> bytes = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
            _types.AddRange(bytes.ToArray());
        }

        public byte[] Build()
        {
            var header = new byte[24];
            BinaryPrimitives.WriteUInt16LittleEndian(header, 0xeb9f);
            header[2] = 1;
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), 24);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), 0);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12), (uint)_types.Count);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(16), (uint)_types.Count);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(20), (uint)_strings.Count);
            return [.. header, .. _types, .. _strings];
        }
    }

    private static BtfBuilder EveryKind()
    {
        var b = new BtfBuilder();
        b.Type("int", BtfKind.Int, 0, 4, false, (1u << 24) | 32);              // [1]
        b.Type("", BtfKind.Pointer, 0, 1);                                     // [2] int *
        b.Type("", BtfKind.Array, 0, 0, false, 1, 1, 10);                      // [3] int[10]
        b.Type("pair", BtfKind.Struct, 2, 8, false, b.String("a"), 1, 0, b.String("b"), 1, 32); // [4]
        b.Type("either", BtfKind.Union, 2, 4, true, b.String("x"), 1, 0, b.String("bits"), 1, 3u << 24); // [5] bitfield of 3
        b.Type("color", BtfKind.Enum, 2, 4, true, b.String("RED"), unchecked((uint)-1), b.String("BLUE"), 7); // [6] signed
        b.Type("later", BtfKind.Forward, 0, 0);                                // [7]
        b.Type("myint", BtfKind.Typedef, 0, 1);                                // [8]
        b.Type("", BtfKind.Volatile, 0, 8);                                    // [9]
        b.Type("", BtfKind.Const, 0, 9);                                       // [10]
        b.Type("", BtfKind.Restrict, 0, 2);                                    // [11]
        b.Type("", BtfKind.FuncProto, 2, 1, false, b.String("p"), 2, 0, 0);   // [12] int (int *p, ...)
        b.Type("f", BtfKind.Func, 1, 12);                                      // [13] global function
        b.Type("v", BtfKind.Var, 0, 10, false, 1);                             // [14] global var of const volatile myint
        b.Type(".data", BtfKind.DataSection, 1, 4, false, 14, 0, 4);           // [15]
        b.Type("double", BtfKind.Float, 0, 8);                                 // [16]
        b.Type("tag", BtfKind.DeclTag, 0, 4, false, 1);                        // [17] on member 1 of pair
        b.Type("user", BtfKind.TypeTag, 0, 1);                                 // [18]
        b.Type("big", BtfKind.Enum64, 1, 8, false, b.String("HUGE"), 0, 0x80000000); // [19]
        b.Type("grid", BtfKind.Array, 0, 0, false, 3, 1, 4);                  // [20] int[4][10]
        return b;
    }

    [Fact]
    public void ParsesEveryKind()
    {
        var btf = BtfData.Parse(EveryKind().Build());
        Assert.Equal(21, btf.Types.Count);
        Assert.Equal(Enum.GetValues<BtfKind>().Where(k => k != BtfKind.Void).Order(), btf.Types.Skip(1).Select(t => t.Kind).Distinct().Order());
        Assert.Equal(32, btf.GetType(1).IntBits);
        Assert.Equal(new BtfArrayInfo(1, 1, 10), btf.GetType(3).Array);
        Assert.Equal([new BtfMember("a", 1, 0, 0), new BtfMember("b", 1, 32, 0)], btf.GetType(4).Members);
        Assert.Equal(new BtfMember("bits", 1, 0, 3), btf.GetType(5).Members[1]);
        Assert.Equal([new BtfEnumValue("RED", -1), new BtfEnumValue("BLUE", 7)], btf.GetType(6).EnumValues);
        Assert.Equal([new BtfParameter("p", 2), new BtfParameter("", 0)], btf.GetType(12).Parameters);
        Assert.Equal((12u, 1u), (btf.GetType(13).ReferencedTypeId, btf.GetType(13).VariableLength));
        Assert.Equal(1u, btf.GetType(14).Linkage);
        Assert.Equal(new BtfVariableSection(14, 0, 4), Assert.Single(btf.GetType(15).Variables));
        Assert.Equal(1, btf.GetType(17).ComponentIndex);
        Assert.Equal(new BtfEnumValue("HUGE", unchecked((long)0x8000000000000000)), Assert.Single(btf.GetType(19).EnumValues));
    }

    [Fact]
    public void ResolvesModifierChainsSizesAndMembers()
    {
        var btf = BtfData.Parse(EveryKind().Build());
        Assert.Equal(1u, btf.ResolveModifiers(10).Id); // const -> volatile -> typedef -> int
        Assert.Equal(1u, btf.ResolveModifiers(18).Id);
        Assert.Equal(4ul, btf.SizeOf(14));
        Assert.Equal(8ul, btf.SizeOf(11));
        Assert.Equal(40ul, btf.SizeOf(3));
        Assert.Equal(160ul, btf.SizeOf(20));
        Assert.Equal(8ul, btf.SizeOf(16));
        Assert.Equal(32u, btf.FindMember(4, "b")!.BitOffset);
        Assert.Null(btf.FindMember(4, "missing"));
        Assert.Equal(4u, btf.FindByName("pair", BtfKind.Struct)!.Id);
        Assert.Throws<BpfBtfException>(() => btf.SizeOf(13));
        Assert.Throws<BpfBtfException>(() => btf.SizeOf(7));
    }

    [Fact]
    public void CyclicTypedefsAreRejectedNotFollowedForever()
    {
        var btf = BtfData.Parse(new BtfBuilder().Type("loop", BtfKind.Typedef, 0, 2).Type("back", BtfKind.Const, 0, 1).Build());
        var error = Assert.Throws<BpfBtfException>(() => btf.ResolveModifiers(1));
        Assert.Contains("cyclic", error.Message, StringComparison.Ordinal);
        Assert.Throws<BpfBtfException>(() => btf.SizeOf(2));
    }

    [Fact]
    public void OutOfRangeReferencesAreRejected()
    {
        var error = Assert.Throws<BpfBtfException>(() => BtfData.Parse(new BtfBuilder().Type("", BtfKind.Pointer, 0, 42).Build()));
        Assert.Contains("42", error.Message, StringComparison.Ordinal);
        Assert.Throws<BpfBtfException>(() => BtfData.Parse(new BtfBuilder().Type("s", BtfKind.Struct, 1, 4, false, 0, 9, 0).Build()));
    }

    [Fact]
    public void MalformedHeadersAndTruncationAreRejected()
    {
        var good = EveryKind().Build();
        Assert.Throws<BpfBtfException>(() => BtfData.Parse(good[..10]));
        var badMagic = (byte[])good.Clone();
        badMagic[0] = 0;
        Assert.Contains("magic", Assert.Throws<BpfBtfException>(() => BtfData.Parse(badMagic)).Message, StringComparison.Ordinal);
        var unknownKind = new BtfBuilder().Type("", (BtfKind)25, 0, 0).Build();
        Assert.Contains("unknown kind 25", Assert.Throws<BpfBtfException>(() => BtfData.Parse(unknownKind)).Message, StringComparison.Ordinal);
        var shortStruct = new BtfBuilder().Type("s", BtfKind.Struct, 100, 4).Build();
        Assert.Throws<BpfBtfException>(() => BtfData.Parse(shortStruct));
        for (int length = 24; length < good.Length; length++)
        {
            var truncated = (byte[])good[..length].Clone();
            try { BtfData.Parse(truncated); }
            catch (BpfBtfException) { }
        }
    }

    [Fact]
    public void FixtureBtfDescribesMapsAndLineInfo()
    {
        var elf = ElfFile.Parse(Fixtures.Bytes("spin_lock"));
        var btf = BtfData.Parse(elf.Contents(elf.FindSection(".BTF")!));
        var maps = btf.FindByName(".maps", BtfKind.DataSection)!;
        var variable = btf.GetType(Assert.Single(maps.Variables).TypeId);
        Assert.Equal((BtfKind.Var, "shared"), (variable.Kind, variable.Name));
        var counter = btf.FindByName("locked_counter", BtfKind.Struct)!;
        Assert.Equal(16ul, btf.SizeOf(counter.Id));
        Assert.Equal(64u, btf.FindMember(counter.Id, "value")!.BitOffset);
        Assert.Equal(8ul, btf.SizeOf(btf.FindMember(counter.Id, "value")!.TypeId));
        Assert.NotNull(btf.FindByName("locked_increment", BtfKind.Func));

        var ext = BtfExt.Parse(elf.Contents(elf.FindSection(".BTF.ext")!), btf);
        Assert.Equal("locked_increment", btf.GetType(Assert.Single(ext.FunctionInfo["tc"]).TypeId).Name);
        var lines = ext.LineInfo["tc"];
        Assert.Contains(lines, l => l.SourceText.Contains("bpf_spin_lock(&c->lock)", StringComparison.Ordinal) && l.FileName.EndsWith("spin_lock.c", StringComparison.Ordinal));
        Assert.All(lines, l => Assert.Equal(0u, l.InstructionOffset % 8));
    }

    [Fact]
    public void MalformedBtfExtIsRejected()
    {
        var elf = ElfFile.Parse(Fixtures.Bytes("ringbuf_events"));
        var btf = BtfData.Parse(elf.Contents(elf.FindSection(".BTF")!));
        var ext = elf.Contents(elf.FindSection(".BTF.ext")!).ToArray();
        for (int length = 0; length < ext.Length; length++)
        {
            try { BtfExt.Parse(ext.AsSpan(0, length), btf); }
            catch (BpfBtfException e) { Assert.Equal(".BTF.ext", e.Section); }
        }
        var hugeCount = (byte[])ext.Clone();
        int lineInfo = (int)BinaryPrimitives.ReadUInt32LittleEndian(hugeCount.AsSpan(4)) + (int)BinaryPrimitives.ReadUInt32LittleEndian(hugeCount.AsSpan(16));
        BinaryPrimitives.WriteUInt32LittleEndian(hugeCount.AsSpan(lineInfo + 8), uint.MaxValue);
        Assert.Contains("declares", Assert.Throws<BpfBtfException>(() => BtfExt.Parse(hugeCount, btf)).Message, StringComparison.Ordinal);
    }
}
