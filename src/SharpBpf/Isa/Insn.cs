namespace SharpBpf.Isa;

/// <summary>
/// The kernel's opcode constants (<c>BPF_LD</c>, <c>BPF_W</c>, <c>BPF_ADD</c>, ...) under their own names, so that
/// programs written with <see cref="Insn"/> read like the kernel's <c>filter.h</c> macros.
/// </summary>
#pragma warning disable CS1591 // The names are the kernel's; each is documented by its UAPI counterpart.
public static class Bpf
{
    // Classes.
    public const byte LD = 0x00, LDX = 0x01, ST = 0x02, STX = 0x03, ALU = 0x04, JMP = 0x05, JMP32 = 0x06, ALU64 = 0x07;
    // Sizes.
    public const byte W = 0x00, H = 0x08, B = 0x10, DW = 0x18;
    // Modes.
    public const byte IMM = 0x00, ABS = 0x20, IND = 0x40, MEM = 0x60, MEMSX = 0x80, ATOMIC = 0xc0;
    // Sources.
    public const byte K = 0x00, X = 0x08;
    // ALU operations.
    public const byte ADD = 0x00, SUB = 0x10, MUL = 0x20, DIV = 0x30, OR = 0x40, AND = 0x50, LSH = 0x60, RSH = 0x70,
        NEG = 0x80, MOD = 0x90, XOR = 0xa0, MOV = 0xb0, ARSH = 0xc0, END = 0xd0;
    public const byte TO_LE = 0x00, TO_BE = 0x08;
    // Jump operations.
    public const byte JA = 0x00, JEQ = 0x10, JGT = 0x20, JGE = 0x30, JSET = 0x40, JNE = 0x50, JSGT = 0x60, JSGE = 0x70,
        CALL = 0x80, EXIT = 0x90, JLT = 0xa0, JLE = 0xb0, JSLT = 0xc0, JSLE = 0xd0;
    // Atomic operations (immediate of BPF_STX | BPF_ATOMIC).
    public const int FETCH = AtomicCode.Fetch, XCHG = AtomicCode.Xchg, CMPXCHG = AtomicCode.CmpXchg;
    // Pseudo sources.
    public const int PSEUDO_MAP_FD = 1, PSEUDO_MAP_VALUE = 2, PSEUDO_BTF_ID = 3, PSEUDO_FUNC = 4,
        PSEUDO_MAP_IDX = 5, PSEUDO_MAP_IDX_VALUE = 6, PSEUDO_CALL = 1, PSEUDO_KFUNC_CALL = 2;
    // Registers.
    public const int REG_0 = 0, REG_1 = 1, REG_2 = 2, REG_3 = 3, REG_4 = 4, REG_5 = 5, REG_6 = 6, REG_7 = 7, REG_8 = 8,
        REG_9 = 9, REG_10 = 10;
}
#pragma warning restore CS1591

/// <summary>
/// Instruction builders named after the kernel's macros in <c>include/linux/filter.h</c>: <c>BPF_MOV64_REG</c> is
/// <see cref="Mov64Reg"/>, <c>BPF_LD_MAP_FD</c> is <see cref="LdMapFd"/>, and so on. Two-slot instructions return
/// both slots; use them with collection expressions (<c>[.. Insn.LdMapFd(Bpf.REG_1, fd)]</c>).
/// </summary>
public static class Insn
{
    /// <summary>BPF_ALU64_REG: dst = dst OP src (64-bit).</summary>
    public static Instruction Alu64Reg(byte op, int dst, int src) => new((byte)(Bpf.ALU64 | op | Bpf.X), dst, src, 0, 0);

    /// <summary>BPF_ALU32_REG: dst = (u32)dst OP (u32)src.</summary>
    public static Instruction Alu32Reg(byte op, int dst, int src) => new((byte)(Bpf.ALU | op | Bpf.X), dst, src, 0, 0);

    /// <summary>BPF_ALU64_IMM: dst = dst OP imm (64-bit, imm sign-extended).</summary>
    public static Instruction Alu64Imm(byte op, int dst, int imm) => new((byte)(Bpf.ALU64 | op | Bpf.K), dst, 0, 0, imm);

    /// <summary>BPF_ALU32_IMM: dst = (u32)dst OP imm.</summary>
    public static Instruction Alu32Imm(byte op, int dst, int imm) => new((byte)(Bpf.ALU | op | Bpf.K), dst, 0, 0, imm);

    /// <summary>BPF_MOV64_REG: dst = src.</summary>
    public static Instruction Mov64Reg(int dst, int src) => Alu64Reg(Bpf.MOV, dst, src);

    /// <summary>BPF_MOV32_REG: dst = (u32)src.</summary>
    public static Instruction Mov32Reg(int dst, int src) => Alu32Reg(Bpf.MOV, dst, src);

    /// <summary>BPF_MOV64_IMM: dst = imm (sign-extended).</summary>
    public static Instruction Mov64Imm(int dst, int imm) => Alu64Imm(Bpf.MOV, dst, imm);

    /// <summary>BPF_MOV32_IMM: dst = (u32)imm.</summary>
    public static Instruction Mov32Imm(int dst, int imm) => Alu32Imm(Bpf.MOV, dst, imm);

    /// <summary>BPF_MOVSX64_REG: dst = (s64)(sOFF)src, OFF in {8, 16, 32}.</summary>
    public static Instruction MovSx64Reg(int dst, int src, short bits) => new((byte)(Bpf.ALU64 | Bpf.MOV | Bpf.X), dst, src, bits, 0);

    /// <summary>BPF_ENDIAN: byte-swap dst to little- (<see cref="Bpf.TO_LE"/>) or big-endian, <paramref name="bits"/> wide.</summary>
    public static Instruction Endian(byte type, int dst, int bits) => new((byte)(Bpf.ALU | Bpf.END | type), dst, 0, 0, bits);

    /// <summary>BPF_BSWAP: unconditional byte swap (v4).</summary>
    public static Instruction Bswap(int dst, int bits) => new((byte)(Bpf.ALU64 | Bpf.END | Bpf.TO_LE), dst, 0, 0, bits);

    /// <summary>BPF_LD_IMM64: dst = imm64 (two slots).</summary>
    public static Instruction[] LdImm64(int dst, ulong imm) => LdImm64Raw(dst, 0, imm);

    /// <summary>BPF_LD_IMM64_RAW: a 64-bit immediate load with a pseudo source (two slots).</summary>
    public static Instruction[] LdImm64Raw(int dst, int src, ulong imm) =>
    [
        new((byte)(Bpf.LD | Bpf.DW | Bpf.IMM), dst, src, 0, (int)(uint)imm),
        new(0, 0, 0, 0, (int)(uint)(imm >> 32)),
    ];

    /// <summary>BPF_LD_MAP_FD: dst = the map with file descriptor <paramref name="mapFd"/> (two slots).</summary>
    public static Instruction[] LdMapFd(int dst, int mapFd) => LdImm64Raw(dst, Bpf.PSEUDO_MAP_FD, (uint)mapFd);

    /// <summary>BPF_LD_MAP_VALUE: dst = address of the map's value at <paramref name="offset"/> (two slots).</summary>
    public static Instruction[] LdMapValue(int dst, int mapFd, uint offset) =>
        LdImm64Raw(dst, Bpf.PSEUDO_MAP_VALUE, (uint)mapFd | ((ulong)offset << 32));

    /// <summary>BPF_LD_ABS: r0 = ntoh(*(size *)(skb->data + imm)); size is <see cref="Bpf.B"/>, <see cref="Bpf.H"/> or <see cref="Bpf.W"/>.</summary>
    public static Instruction LdAbs(byte size, int imm) => new((byte)(Bpf.LD | size | Bpf.ABS), 0, 0, 0, imm);

    /// <summary>BPF_LD_IND: r0 = ntoh(*(size *)(skb->data + src + imm)).</summary>
    public static Instruction LdInd(byte size, int src, int imm) => new((byte)(Bpf.LD | size | Bpf.IND), 0, src, 0, imm);

    /// <summary>BPF_LDX_MEM: dst = *(size *)(src + off).</summary>
    public static Instruction LdxMem(byte size, int dst, int src, short off) => new((byte)(Bpf.LDX | size | Bpf.MEM), dst, src, off, 0);

    /// <summary>BPF_LDX_MEMSX: dst = *(signed size *)(src + off), sign-extended (v4).</summary>
    public static Instruction LdxMemSx(byte size, int dst, int src, short off) => new((byte)(Bpf.LDX | size | Bpf.MEMSX), dst, src, off, 0);

    /// <summary>BPF_STX_MEM: *(size *)(dst + off) = src.</summary>
    public static Instruction StxMem(byte size, int dst, int src, short off) => new((byte)(Bpf.STX | size | Bpf.MEM), dst, src, off, 0);

    /// <summary>BPF_ST_MEM: *(size *)(dst + off) = imm.</summary>
    public static Instruction StMem(byte size, int dst, short off, int imm) => new((byte)(Bpf.ST | size | Bpf.MEM), dst, 0, off, imm);

    /// <summary>BPF_ATOMIC_OP: atomic read-modify-write on *(size *)(dst + off) with src; op is e.g. <see cref="Bpf.ADD"/>, <c>Bpf.ADD | Bpf.FETCH</c>, <see cref="Bpf.XCHG"/>.</summary>
    public static Instruction AtomicOp(byte size, int op, int dst, int src, short off) => new((byte)(Bpf.STX | size | Bpf.ATOMIC), dst, src, off, op);

    /// <summary>BPF_JMP_REG: if (dst OP src) goto pc + off + 1.</summary>
    public static Instruction JmpReg(byte op, int dst, int src, short off) => new((byte)(Bpf.JMP | op | Bpf.X), dst, src, off, 0);

    /// <summary>BPF_JMP_IMM: if (dst OP imm) goto pc + off + 1.</summary>
    public static Instruction JmpImm(byte op, int dst, int imm, short off) => new((byte)(Bpf.JMP | op | Bpf.K), dst, 0, off, imm);

    /// <summary>BPF_JMP32_REG: 32-bit compare of dst and src.</summary>
    public static Instruction Jmp32Reg(byte op, int dst, int src, short off) => new((byte)(Bpf.JMP32 | op | Bpf.X), dst, src, off, 0);

    /// <summary>BPF_JMP32_IMM: 32-bit compare of dst and imm.</summary>
    public static Instruction Jmp32Imm(byte op, int dst, int imm, short off) => new((byte)(Bpf.JMP32 | op | Bpf.K), dst, 0, off, imm);

    /// <summary>BPF_JMP_A: goto pc + off + 1.</summary>
    public static Instruction JmpA(short off) => new((byte)(Bpf.JMP | Bpf.JA), 0, 0, off, 0);

    /// <summary>BPF_JMP32_A (gotol): goto pc + imm + 1.</summary>
    public static Instruction Jmp32A(int imm) => new((byte)(Bpf.JMP32 | Bpf.JA), 0, 0, 0, imm);

    /// <summary>BPF_EMIT_CALL: call helper <paramref name="helperId"/>.</summary>
    public static Instruction EmitCall(int helperId) => new((byte)(Bpf.JMP | Bpf.CALL), 0, 0, 0, helperId);

    /// <summary>BPF_CALL_REL: call the local function at pc + imm + 1.</summary>
    public static Instruction CallRel(int imm) => new((byte)(Bpf.JMP | Bpf.CALL), 0, Bpf.PSEUDO_CALL, 0, imm);

    /// <summary>callx: call the helper whose id is in <paramref name="register"/>.</summary>
    public static Instruction CallReg(int register) => new((byte)(Bpf.JMP | Bpf.CALL | Bpf.X), register, 0, 0, 0);

    /// <summary>BPF_EXIT_INSN: return r0.</summary>
    public static Instruction ExitInsn() => new((byte)(Bpf.JMP | Bpf.EXIT), 0, 0, 0, 0);

    /// <summary>BPF_RAW_INSN: an instruction from its raw fields.</summary>
    public static Instruction RawInsn(byte code, int dst, int src, short off, int imm) => new(code, dst, src, off, imm);
}
