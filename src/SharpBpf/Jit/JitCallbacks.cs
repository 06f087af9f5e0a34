namespace SharpBpf.Jit;

/// <summary>
/// The register value of <c>lddw rX, func</c> (<c>BPF_PSEUDO_FUNC</c>): the callback contract shared with the
/// interpreter — the target's instruction slot under a tag in the upper half, so the value is not an address (a
/// program dereferencing it faults) and a stray integer is not taken for a function.
/// </summary>
/// <remarks>Same encoding as the interpreter's <c>RunContext.EncodeCallback</c>/<c>TryDecodeCallback</c>.</remarks>
internal static class JitCallbacks
{
    private const ulong Tag = 0xCA11_BAC0UL << 32;

    public static ulong Encode(int instructionIndex) => Tag | (uint)instructionIndex;

    public static bool TryDecode(ulong value, out int instructionIndex)
    {
        instructionIndex = (int)(uint)value;
        return (value & 0xFFFF_FFFF_0000_0000UL) == Tag && instructionIndex >= 0;
    }
}
