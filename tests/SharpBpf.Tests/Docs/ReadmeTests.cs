using SharpBpf.Asm;
using SharpBpf.Isa;
using SharpBpf.Jit;

namespace SharpBpf.Tests.Docs;

/// <summary>The README's library example, kept true.</summary>
public class ReadmeTests
{
    [Fact]
    public void Library_example_runs_as_the_readme_says()
    {
        Bytecode code = Assembler.Assemble("""
            r0 = *(u8 *)(r1 + 0)
            r0 += r2
            exit
            """, AsmSyntax.Llvm);
        var selected = RuntimeSelector.Select(code);
        Assert.Null(selected.FallbackReason);
        Assert.Equal("jit", selected.Executable.EngineName);
        Assert.Equal(42UL, selected.Executable.Run(new byte[] { 40, 0 }));
    }
}
