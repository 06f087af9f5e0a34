using SharpBpf.Asm;
using SharpBpf.Isa;
using SharpBpf.ProgramTypes;

namespace SharpBpf.Tests.ProgramTypes;

public class ContextRewriterTests
{
    private static readonly ContextPointerField[] s_fields =
        [new("data", 76, 192), new("data_end", 80, 200), new("data_meta", 140, 208)];

    private static Bytecode Rewrite(string source) => ContextRewriter.Rewrite(Assembler.Assemble(source, AsmSyntax.Llvm), s_fields);

    private static string Listing(Bytecode code) => string.Join("\n", Enumerable.Range(0, code.Length).Select(i => Disassembler.Format(code, i, AsmSyntax.Llvm)));

    [Fact]
    public void Widens_pointer_field_loads_from_r1_and_its_copies()
    {
        var code = Rewrite("""
            r2 = *(u32 *)(r1 + 76)
            r6 = r1
            r3 = *(u32 *)(r6 + 80)
            r4 = *(u32 *)(r1 + 0)
            r0 = 0
            exit
            """);
        var insns = code.Instructions;
        Assert.Equal((8, 192), (code.FormAt(0)!.AccessSize, (int)insns[0].Offset));
        Assert.Equal((8, 200), (code.FormAt(2)!.AccessSize, (int)insns[2].Offset));
        Assert.Equal((4, 0), (code.FormAt(3)!.AccessSize, (int)insns[3].Offset));
    }

    [Fact]
    public void Follows_stack_spills_and_calls()
    {
        var code = Rewrite("""
            *(u64 *)(r10 - 8) = r1
            call 5
            r7 = *(u64 *)(r10 - 8)
            r2 = *(u32 *)(r7 + 140)
            r1 = *(u32 *)(r1 + 76)
            r0 = 0
            exit
            """);
        Assert.Equal(208, code.Instructions[3].Offset);
        // r1 is clobbered by the call, so the last load is not a context access and stays as it is.
        Assert.Equal(76, code.Instructions[4].Offset);
        Assert.Equal(4, code.FormAt(4)!.AccessSize);
    }

    [Fact]
    public void Leaves_non_context_bases_alone()
    {
        var original = Assembler.Assemble("""
            r1 = r10
            r1 += -96
            r2 = *(u32 *)(r1 + 76)
            r0 = 0
            exit
            """, AsmSyntax.Llvm);
        Assert.Same(original, ContextRewriter.Rewrite(original, s_fields));
    }

    [Fact]
    public void Refuses_a_base_that_is_the_context_on_one_path_only()
    {
        var error = Assert.Throws<ContextRewriteException>(() => Rewrite("""
            if r2 == 0 goto L
            r1 = r10
            r1 += -96
            L:
            r3 = *(u32 *)(r1 + 76)
            r0 = 0
            exit
            """));
        Assert.Equal(3, error.InstructionIndex);
        Assert.Contains("some paths", error.Message);
    }

    [Theory]
    [InlineData("r2 = *(u16 *)(r1 + 76)")]
    [InlineData("r2 = *(u64 *)(r1 + 72)")]
    [InlineData("*(u32 *)(r1 + 80) = r2")]
    public void Refuses_wrong_size_accesses_and_stores_to_pointer_fields(string access)
    {
        var error = Assert.Throws<ContextRewriteException>(() => Rewrite(access + "\nr0 = 0\nexit"));
        Assert.Equal(0, error.InstructionIndex);
    }

    [Fact]
    public void Local_calls_receive_the_context_in_r1()
    {
        var code = Rewrite("""
            call f
            exit
            f:
            r0 = *(u32 *)(r1 + 80)
            exit
            """);
        Assert.Equal(200, code.Instructions[2].Offset);
        Assert.Contains("u64", Listing(code));
    }
}
