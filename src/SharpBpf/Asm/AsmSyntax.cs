namespace SharpBpf.Asm;

/// <summary>The two assembly dialects SharpBpf reads and writes.</summary>
public enum AsmSyntax
{
    /// <summary>LLVM's BPF assembly, as <c>llvm-objdump -d</c> prints it: <c>r0 = 1</c>, <c>if r1 &gt; r2 goto +3</c>.</summary>
    Llvm,
    /// <summary>The bpf_conformance suite's (uBPF-style) syntax: <c>mov %r0, 1</c>, <c>ldxh %r0, [%r1+2]</c>.</summary>
    Conformance,
}
