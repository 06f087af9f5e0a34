namespace SharpBpf.Asm;

/// <summary>How <see cref="Disassembler.Disassemble"/> lays out a listing.</summary>
public sealed record DisassemblyOptions
{
    /// <summary>Prefix each instruction with its slot index (<c>     5:  r0 = 1</c>). The assembler skips such prefixes. Default true.</summary>
    public bool ShowOffsets { get; init; } = true;

    /// <summary>
    /// Name every jump and local-call target (<c>L5:</c>) and refer to it by name instead of by displacement.
    /// In LLVM syntax this is the only way to write a local call that re-assembles as one: objdump prints local
    /// calls as <c>call 0x5</c>, the same text as helper call 5. Default false.
    /// </summary>
    public bool Labels { get; init; }

    /// <summary>The defaults: offsets, no labels.</summary>
    public static DisassemblyOptions Default { get; } = new();
}
