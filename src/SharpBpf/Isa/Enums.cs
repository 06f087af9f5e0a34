namespace SharpBpf.Isa;

/// <summary>The instruction class: the low three bits of every opcode (RFC 9669 section 3.1).</summary>
public enum InstructionClass : byte
{
    /// <summary>Non-standard load operations (<c>lddw</c>, legacy packet loads).</summary>
    Ld = 0x0,
    /// <summary>Load into register.</summary>
    Ldx = 0x1,
    /// <summary>Store from immediate.</summary>
    St = 0x2,
    /// <summary>Store from register (and atomics).</summary>
    Stx = 0x3,
    /// <summary>32-bit arithmetic.</summary>
    Alu = 0x4,
    /// <summary>64-bit jumps, calls and exit.</summary>
    Jmp = 0x5,
    /// <summary>32-bit jumps.</summary>
    Jmp32 = 0x6,
    /// <summary>64-bit arithmetic.</summary>
    Alu64 = 0x7,
}

/// <summary>What an instruction does, independent of its encoding. One value per distinct semantic.</summary>
public enum Operation : byte
{
    /// <summary>dst += src.</summary>
    Add, /// <summary>dst -= src.</summary>
    Sub, /// <summary>dst *= src.</summary>
    Mul, /// <summary>Unsigned division; division by zero gives 0.</summary>
    Div, /// <summary>Signed division; division by zero gives 0.</summary>
    SDiv, /// <summary>dst |= src.</summary>
    Or, /// <summary>dst &amp;= src.</summary>
    And, /// <summary>Left shift, shift amount masked to the width.</summary>
    Lsh, /// <summary>Logical right shift.</summary>
    Rsh, /// <summary>dst = -dst.</summary>
    Neg, /// <summary>Unsigned modulo; modulo by zero leaves dst unchanged.</summary>
    Mod, /// <summary>Signed modulo; modulo by zero leaves dst unchanged.</summary>
    SMod, /// <summary>dst ^= src.</summary>
    Xor, /// <summary>dst = src.</summary>
    Mov, /// <summary>dst = sign-extended low bits of src (v4).</summary>
    MovSx, /// <summary>Arithmetic right shift.</summary>
    Arsh, /// <summary>Convert to little-endian (truncation to the size on a little-endian host).</summary>
    ToLe, /// <summary>Convert to big-endian.</summary>
    ToBe, /// <summary>Unconditional byte swap (v4).</summary>
    Bswap,

    /// <summary>Unconditional jump.</summary>
    Ja, /// <summary>Jump if equal.</summary>
    Jeq, /// <summary>Jump if unsigned greater.</summary>
    Jgt, /// <summary>Jump if unsigned greater or equal.</summary>
    Jge, /// <summary>Jump if dst &amp; src is non-zero.</summary>
    Jset, /// <summary>Jump if not equal.</summary>
    Jne, /// <summary>Jump if signed greater.</summary>
    Jsgt, /// <summary>Jump if signed greater or equal.</summary>
    Jsge, /// <summary>Jump if unsigned less.</summary>
    Jlt, /// <summary>Jump if unsigned less or equal.</summary>
    Jle, /// <summary>Jump if signed less.</summary>
    Jslt, /// <summary>Jump if signed less or equal.</summary>
    Jsle,
    /// <summary>Call a helper function by static id (src 0).</summary>
    CallHelper, /// <summary>Call a program-local function (src 1), PC-relative in imm.</summary>
    CallLocal, /// <summary>Call a helper by BTF id (src 2, kfunc).</summary>
    CallBtf, /// <summary>Call a helper whose id is in a register (callx).</summary>
    CallRegister, /// <summary>Return from the function or program.</summary>
    Exit,

    /// <summary>64-bit immediate load (two slots) with a pseudo-source subtype.</summary>
    LoadImm64, /// <summary>Legacy packet load at an absolute offset (big-endian).</summary>
    LoadPacketAbs, /// <summary>Legacy packet load at a register-relative offset (big-endian).</summary>
    LoadPacketInd, /// <summary>dst = *(size *)(src + off), zero-extended.</summary>
    Load, /// <summary>dst = *(size *)(src + off), sign-extended (v4).</summary>
    LoadSx, /// <summary>*(size *)(dst + off) = imm.</summary>
    StoreImm, /// <summary>*(size *)(dst + off) = src.</summary>
    StoreReg,
    /// <summary>Atomic add (optionally fetching the old value into src).</summary>
    AtomicAdd, /// <summary>Atomic or.</summary>
    AtomicOr, /// <summary>Atomic and.</summary>
    AtomicAnd, /// <summary>Atomic xor.</summary>
    AtomicXor, /// <summary>Atomic exchange (always fetches).</summary>
    AtomicXchg, /// <summary>Atomic compare-and-exchange against r0 (always fetches into r0).</summary>
    AtomicCmpXchg,
}

/// <summary>Where an ALU or jump instruction takes its second operand.</summary>
public enum OperandSource : byte
{
    /// <summary>The instruction has no second operand of this kind.</summary>
    None,
    /// <summary>BPF_K: the 32-bit immediate (sign-extended for 64-bit operations).</summary>
    Immediate,
    /// <summary>BPF_X: the source register.</summary>
    Register,
}

/// <summary>RFC 9669 conformance groups (section 2.4), plus the suite's <c>callx</c> group.</summary>
public enum ConformanceGroup : byte
{
    /// <summary>32-bit base instructions.</summary>
    Base32,
    /// <summary>64-bit base instructions (includes base32).</summary>
    Base64,
    /// <summary>32-bit atomics.</summary>
    Atomic32,
    /// <summary>64-bit atomics (includes atomic32).</summary>
    Atomic64,
    /// <summary>32-bit multiplication, division and modulo.</summary>
    Divmul32,
    /// <summary>64-bit multiplication, division and modulo (includes divmul32).</summary>
    Divmul64,
    /// <summary>Legacy packet access (LD_ABS / LD_IND). Historical.</summary>
    Packet,
    /// <summary>Helper call through a register (outside RFC 9669).</summary>
    Callx,
}

/// <summary>Which eBPF CPU version (clang's <c>-mcpu</c>) introduced an instruction.</summary>
public enum CpuVersion : byte
{
    /// <summary>The original eBPF instruction set.</summary>
    V1 = 1,
    /// <summary>Adds jlt, jle, jslt, jsle.</summary>
    V2 = 2,
    /// <summary>Adds the JMP32 class and the full set of atomics.</summary>
    V3 = 3,
    /// <summary>Adds sdiv, smod, movsx, sign-extending loads, bswap and gotol.</summary>
    V4 = 4,
}

/// <summary>How an instruction affects the program counter.</summary>
public enum FlowControl : byte
{
    /// <summary>Falls through to the next instruction.</summary>
    Next,
    /// <summary>Jumps to its target when a condition holds, otherwise falls through.</summary>
    ConditionalBranch,
    /// <summary>Always jumps to its target.</summary>
    Jump,
    /// <summary>Calls a helper, or a local function, and then continues with the next instruction.</summary>
    Call,
    /// <summary>Returns from the current function.</summary>
    Exit,
}

/// <summary>Which field of an instruction a jump or local call reads its PC-relative displacement from.</summary>
public enum BranchDisplacement : byte
{
    /// <summary>Not a branch.</summary>
    None,
    /// <summary>The 16-bit offset field.</summary>
    Offset,
    /// <summary>The 32-bit immediate (<c>gotol</c> and local calls).</summary>
    Immediate,
}

/// <summary>Which field, beyond the opcode byte, tells instructions that share an opcode apart.</summary>
public enum DiscriminatorField : byte
{
    /// <summary>The opcode byte alone identifies the instruction.</summary>
    None,
    /// <summary>The offset field (sdiv/smod = 1, movsx = 8/16/32).</summary>
    Offset,
    /// <summary>The immediate (byte-swap widths, atomic operations).</summary>
    Immediate,
    /// <summary>The source register field (<c>lddw</c> pseudo sources, call kinds).</summary>
    Src,
}

/// <summary>Fields an instruction form requires to be zero.</summary>
[Flags]
public enum ReservedFields : byte
{
    /// <summary>No field is reserved.</summary>
    None = 0,
    /// <summary>The destination register field must be 0.</summary>
    Dst = 1,
    /// <summary>The source register field must be 0.</summary>
    Src = 2,
    /// <summary>The offset must be 0.</summary>
    Offset = 4,
    /// <summary>The immediate must be 0.</summary>
    Immediate = 8,
}

/// <summary>How an instruction uses the registers named in its fields.</summary>
[Flags]
public enum RegisterUse : byte
{
    /// <summary>Neither register field names a register.</summary>
    None = 0,
    /// <summary>Reads the destination register.</summary>
    ReadsDst = 1,
    /// <summary>Writes the destination register.</summary>
    WritesDst = 2,
    /// <summary>Reads the source register.</summary>
    ReadsSrc = 4,
    /// <summary>Writes the source register (fetching atomics).</summary>
    WritesSrc = 8,
}

/// <summary>The <c>src</c> subtypes of the 64-bit immediate load (RFC 9669 section 5.4).</summary>
public enum LoadImm64Source : byte
{
    /// <summary>dst = imm64.</summary>
    Immediate = 0,
    /// <summary>dst = map_by_fd(imm).</summary>
    MapFd = 1,
    /// <summary>dst = map_val(map_by_fd(imm)) + next_imm.</summary>
    MapValue = 2,
    /// <summary>dst = var_addr(imm), a variable identified by BTF id.</summary>
    VariableAddress = 3,
    /// <summary>dst = code_addr(imm), a program-local function.</summary>
    CodeAddress = 4,
    /// <summary>dst = map_by_idx(imm).</summary>
    MapIndex = 5,
    /// <summary>dst = map_val(map_by_idx(imm)) + next_imm.</summary>
    MapIndexValue = 6,
}

/// <summary>Atomic operation codes carried in the immediate of BPF_STX | BPF_ATOMIC.</summary>
public static class AtomicCode
{
    /// <summary>Flag: write the old value back to src (or r0 for cmpxchg).</summary>
    public const int Fetch = 0x01;
    /// <summary>Atomic add.</summary>
    public const int Add = 0x00;
    /// <summary>Atomic or.</summary>
    public const int Or = 0x40;
    /// <summary>Atomic and.</summary>
    public const int And = 0x50;
    /// <summary>Atomic xor.</summary>
    public const int Xor = 0xa0;
    /// <summary>Atomic exchange (with fetch).</summary>
    public const int Xchg = 0xe0 | Fetch;
    /// <summary>Atomic compare and exchange (with fetch).</summary>
    public const int CmpXchg = 0xf0 | Fetch;
}

/// <summary>Register numbers, with R10 the read-only frame pointer.</summary>
public static class Reg
{
    /// <summary>Return value and helper result.</summary>
    public const int R0 = 0;
    /// <summary>First argument; the context at program entry.</summary>
    public const int R1 = 1;
    /// <summary>Second argument.</summary>
    public const int R2 = 2;
    /// <summary>Third argument.</summary>
    public const int R3 = 3;
    /// <summary>Fourth argument.</summary>
    public const int R4 = 4;
    /// <summary>Fifth argument.</summary>
    public const int R5 = 5;
    /// <summary>Callee-saved.</summary>
    public const int R6 = 6;
    /// <summary>Callee-saved.</summary>
    public const int R7 = 7;
    /// <summary>Callee-saved.</summary>
    public const int R8 = 8;
    /// <summary>Callee-saved.</summary>
    public const int R9 = 9;
    /// <summary>Read-only frame pointer (top of the current 512-byte stack frame).</summary>
    public const int R10 = 10;
    /// <summary>Number of architectural registers.</summary>
    public const int Count = 11;
    /// <summary>Bytes of stack per frame.</summary>
    public const int StackFrameSize = 512;
    /// <summary>Maximum call depth (frames).</summary>
    public const int MaxCallDepth = 8;
}
