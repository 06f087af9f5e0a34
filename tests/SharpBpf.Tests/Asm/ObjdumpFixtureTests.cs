using System.Text.RegularExpressions;
using SharpBpf.Asm;
using SharpBpf.Isa;

namespace SharpBpf.Tests.Asm;

/// <summary>
/// Compares our LLVM-syntax disassembly with llvm-objdump-19's, from fixtures made by
/// tests/fixtures/objdump/build.sh (so the tests need no LLVM).
/// </summary>
public partial class ObjdumpFixtureTests
{
    private static string FixtureDirectory
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SharpBpf.slnx"))) dir = dir.Parent;
            return dir is null
                ? throw new DirectoryNotFoundException("repository root (SharpBpf.slnx) not found above the test binaries")
                : Path.Combine(dir.FullName, "tests", "fixtures", "objdump");
        }
    }

    [GeneratedRegex(@"^\s*(\d+):\s+(.*)$")]
    private static partial Regex ListingLine();

    [GeneratedRegex(@"\s+<[^<>\s]+>$")]
    private static partial Regex SymbolAnnotation();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    /// <summary>
    /// Instruction lines keyed by slot index. Normalised: whitespace runs become one space (objdump separates
    /// some operands with tabs, e.g. "ld_pseudo\tr1, ..."), and a trailing "&lt;symbol+0x..&gt;" annotation is dropped
    /// (objdump names jump targets by section or function offset, which bytes alone cannot reproduce). Header
    /// lines ("0000000000000000 &lt;entry&gt;:") are not instruction lines and are skipped.
    /// </summary>
    private static SortedDictionary<int, string> Instructions(string listing)
    {
        var lines = new SortedDictionary<int, string>();
        foreach (var line in listing.Split('\n'))
        {
            var match = ListingLine().Match(line);
            if (!match.Success) continue;
            string text = SymbolAnnotation().Replace(match.Groups[2].Value.Trim(), "");
            lines.Add(int.Parse(match.Groups[1].Value), Whitespace().Replace(text, " "));
        }
        return lines;
    }

    [Theory]
    [InlineData("all-forms")]
    [InlineData("programs")]
    public void Llvm_disassembly_matches_objdump_line_for_line(string name)
    {
        var code = Bytecode.Decode(File.ReadAllBytes(Path.Combine(FixtureDirectory, name + ".bin")));
        var expected = Instructions(File.ReadAllText(Path.Combine(FixtureDirectory, name + ".txt")));
        var actual = Instructions(Disassembler.Disassemble(code, AsmSyntax.Llvm));
        Assert.True(expected.Count > 40, $"{name}: only {expected.Count} objdump lines");
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (index, text) in expected) Assert.Equal((index, text), (index, actual[index]));
    }

    [Fact]
    public void Assembling_the_llvm_source_gives_llvm_mc_bytes()
    {
        string source = File.ReadAllText(Path.Combine(FixtureDirectory, "all-forms.s"));
        var expected = File.ReadAllBytes(Path.Combine(FixtureDirectory, "all-forms.bin"));
        Assert.Equal(AsmSyntax.Llvm, Assembler.DetectSyntax(source));
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(Assembler.Assemble(source, AsmSyntax.Llvm).ToBytes()));
    }

    [Theory]
    [InlineData("all-forms")]
    [InlineData("programs")]
    public void Objdump_text_without_annotations_assembles_to_the_same_bytes(string name)
    {
        // programs.o has local calls, which objdump prints like helper calls ("call 0x26"): re-assembling them
        // yields helper calls, so those slots are compared as calls with the same immediate and src 0.
        var bytes = File.ReadAllBytes(Path.Combine(FixtureDirectory, name + ".bin"));
        var objdump = Instructions(File.ReadAllText(Path.Combine(FixtureDirectory, name + ".txt")));
        var code = Bytecode.Decode(bytes);
        var assembled = Assembler.AssembleInstructions(string.Join('\n', objdump.Values), AsmSyntax.Llvm);
        Assert.Equal(code.Length, assembled.Count);
        for (int i = 0; i < code.Length; i++)
        {
            var original = code.Instructions[i];
            if (code.FormAt(i)?.Operation == Operation.CallLocal) original = original.WithSrc(0);
            Assert.Equal((i, original), (i, assembled[i]));
        }
    }
}
