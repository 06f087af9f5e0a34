using SharpBpf.Isa;

namespace SharpBpf.Tests.Isa;

public class OpcodeTableTests
{
    [Fact]
    public void Every_form_has_a_unique_encoding_and_mnemonic()
    {
        var encodings = OpcodeTable.Forms.Select(f => (f.Opcode, f.Discriminator, f.DiscriminatorValue)).ToList();
        Assert.Equal(encodings.Count, encodings.Distinct().Count());
        var mnemonics = OpcodeTable.Forms.Select(f => (f.Mnemonic, f.Source)).ToList();
        Assert.Equal(mnemonics.Count, mnemonics.Distinct().Count());
    }

    [Fact]
    public void Forms_that_share_an_opcode_are_told_apart_by_one_field()
    {
        foreach (var group in OpcodeTable.Forms.GroupBy(f => f.Opcode).Where(g => g.Count() > 1))
            Assert.Single(group.Select(f => f.Discriminator).Distinct());
    }

    [Fact]
    public void Lookup_finds_each_form_from_its_own_encoding()
    {
        foreach (var form in OpcodeTable.Forms)
            Assert.Same(form, OpcodeTable.Lookup(form.Encode(dst: 1, src: 2, offset: 3, immediate: 4)));
    }

    [Theory]
    [InlineData(0x0f, "add", Operation.Add, 64, ConformanceGroup.Base64)]
    [InlineData(0x0c, "add32", Operation.Add, 32, ConformanceGroup.Base32)]
    [InlineData(0x3f, "div", Operation.Div, 64, ConformanceGroup.Divmul64)]
    [InlineData(0x9c, "mod32", Operation.Mod, 32, ConformanceGroup.Divmul32)]
    [InlineData(0x1d, "jeq", Operation.Jeq, 64, ConformanceGroup.Base64)]
    [InlineData(0xbe, "jle32", Operation.Jle, 32, ConformanceGroup.Base32)]
    [InlineData(0xdb, "lock add", Operation.AtomicAdd, 64, ConformanceGroup.Atomic64)]
    public void Known_opcodes_have_the_RFC_meaning(byte opcode, string mnemonic, Operation operation, int width, ConformanceGroup group)
    {
        var form = OpcodeTable.ByMnemonic(mnemonic, OperandSource.Register);
        Assert.Equal(opcode, form.Opcode);
        Assert.Equal(operation, form.Operation);
        Assert.Equal(width, form.Width);
        Assert.Equal(group, form.Group);
    }

    [Fact]
    public void Table_covers_every_group_and_the_v4_additions()
    {
        foreach (var group in Enum.GetValues<ConformanceGroup>())
            Assert.Contains(OpcodeTable.Forms, f => f.Group == group);
        foreach (var op in new[] { Operation.SDiv, Operation.SMod, Operation.MovSx, Operation.LoadSx, Operation.Bswap })
            Assert.All(OpcodeTable.Forms.Where(f => f.Operation == op), f => Assert.Equal(CpuVersion.V4, f.Version));
        Assert.Equal(7, OpcodeTable.Forms.Count(f => f.Operation == Operation.LoadImm64));
        Assert.Equal(CpuVersion.V4, OpcodeTable.ByMnemonic("ja32").Version);
        Assert.Equal(0x8d, OpcodeTable.ByMnemonic("callx").Opcode);
    }
}
