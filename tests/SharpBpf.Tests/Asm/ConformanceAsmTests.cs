using SharpBpf.Asm;
using SharpBpf.Isa;
using SharpBpf.Tests.Conformance;

namespace SharpBpf.Tests.Asm;

public class ConformanceAsmTests
{
    public static TheoryData<string> Names() => ConformanceData.Names();

    [Theory]
    [MemberData(nameof(Names))]
    public void Assembling_the_asm_section_gives_the_suite_bytes(string name)
    {
        var testCase = ConformanceData.Get(name);
        var code = Assembler.Assemble(testCase.AsmText, AsmSyntax.Conformance);
        Assert.Equal(Convert.ToHexString(testCase.Program), Convert.ToHexString(code.ToBytes()));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Suite_programs_survive_disassemble_then_assemble_in_both_syntaxes(string name)
    {
        var code = Bytecode.Decode(ConformanceData.Get(name).Program);
        foreach (var syntax in new[] { AsmSyntax.Conformance, AsmSyntax.Llvm })
        {
            foreach (bool labels in new[] { false, true })
            {
                // LLVM syntax spells a local call only with a label (objdump prints "call 0x5" for helper and local calls alike).
                if (syntax == AsmSyntax.Llvm && !labels && Enumerable.Range(0, code.Length).Any(i => code.FormAt(i)?.Operation == Operation.CallLocal))
                    continue;
                string listing = Disassembler.Disassemble(code, syntax, new DisassemblyOptions { Labels = labels });
                var again = Assembler.Assemble(listing, syntax);
                Assert.True(code.ToBytes().AsSpan().SequenceEqual(again.ToBytes()), $"{syntax}, labels={labels}:\n{listing}");
            }
        }
    }

    [Fact]
    public void Every_suite_file_was_checked()
    {
        Assert.Equal(313, ConformanceData.Cases.Count);
        Assert.All(ConformanceData.Cases, c => Assert.False(string.IsNullOrWhiteSpace(c.AsmText), c.Name));
    }

    [Fact]
    public void Suite_sources_are_detected_as_conformance_syntax()
    {
        Assert.All(ConformanceData.Cases, c => Assert.Equal(AsmSyntax.Conformance, Assembler.DetectSyntax(c.AsmText)));
    }
}
