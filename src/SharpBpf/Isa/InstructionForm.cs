namespace SharpBpf.Isa;

/// <summary>
/// One row of the opcode table: everything the toolchain knows about one instruction form. Forms that share
/// an opcode byte (sdiv and div, the byte swaps, the atomics, the <c>lddw</c> subtypes, the call kinds) are told
/// apart by <see cref="Discriminator"/>.
/// </summary>
public sealed class InstructionForm
{
    internal InstructionForm(int id, byte opcode, DiscriminatorField discriminator, int discriminatorValue,
        Operation operation, OperandSource source, int width, int accessSize, ConformanceGroup group,
        CpuVersion version, FlowControl flow, BranchDisplacement displacement, ReservedFields reserved,
        RegisterUse registers, bool fetch, string mnemonic, string? llvmOperator)
    {
        Id = id;
        Opcode = opcode;
        Discriminator = discriminator;
        DiscriminatorValue = discriminatorValue;
        Operation = operation;
        Source = source;
        Width = width;
        AccessSize = accessSize;
        Group = group;
        Version = version;
        Flow = flow;
        Displacement = displacement;
        Reserved = reserved;
        Registers = registers;
        Fetch = fetch;
        Mnemonic = mnemonic;
        LlvmOperator = llvmOperator;
    }

    /// <summary>Dense index of this form in <see cref="OpcodeTable.Forms"/>; engines switch on it.</summary>
    public int Id { get; }

    /// <summary>The opcode byte.</summary>
    public byte Opcode { get; }

    /// <summary>The instruction class.</summary>
    public InstructionClass Class => (InstructionClass)(Opcode & 0x07);

    /// <summary>Which field tells this form apart from others with the same opcode byte.</summary>
    public DiscriminatorField Discriminator { get; }

    /// <summary>The value <see cref="Discriminator"/> must hold.</summary>
    public int DiscriminatorValue { get; }

    /// <summary>What the instruction does.</summary>
    public Operation Operation { get; }

    /// <summary>Where the second operand comes from (ALU and conditional jumps).</summary>
    public OperandSource Source { get; }

    /// <summary>Operation width in bits (32 or 64) for ALU, jumps and atomics; the byte-swap width for
    /// <see cref="Operation.ToLe"/>, <see cref="Operation.ToBe"/> and <see cref="Operation.Bswap"/>; the source
    /// width for <see cref="Operation.MovSx"/> is in <see cref="DiscriminatorValue"/>. 0 when not meaningful.</summary>
    public int Width { get; }

    /// <summary>Bytes read or written by memory instructions (1, 2, 4 or 8); 0 otherwise.</summary>
    public int AccessSize { get; }

    /// <summary>The RFC 9669 conformance group.</summary>
    public ConformanceGroup Group { get; }

    /// <summary>The CPU version that introduced the form.</summary>
    public CpuVersion Version { get; }

    /// <summary>How the form affects control flow.</summary>
    public FlowControl Flow { get; }

    /// <summary>Which field holds the PC-relative target, for jumps and local calls.</summary>
    public BranchDisplacement Displacement { get; }

    /// <summary>Fields that must be zero in a well-formed encoding.</summary>
    public ReservedFields Reserved { get; }

    /// <summary>How the form reads and writes the registers named in dst and src.</summary>
    public RegisterUse Registers { get; }

    /// <summary>True for atomics that return the old value.</summary>
    public bool Fetch { get; }

    /// <summary>The conformance-suite (uBPF-style) mnemonic, e.g. <c>add32</c>, <c>ldxh</c>, <c>lock fetch add</c>.</summary>
    public string Mnemonic { get; }

    /// <summary>The LLVM assembly operator for ALU and jump forms (<c>+=</c>, <c>s&gt;=</c>, ...); null otherwise.</summary>
    public string? LlvmOperator { get; }

    /// <summary>True for the two-slot 64-bit immediate load.</summary>
    public bool IsWide => Operation == Operation.LoadImm64;

    /// <summary>True for 64-bit ALU and jump forms (as opposed to ALU32 and JMP32).</summary>
    public bool Is64Bit => Width == 64;

    /// <summary>True when the form is a memory access (load, store or atomic).</summary>
    public bool IsMemoryAccess => AccessSize != 0 && Operation is not (Operation.LoadPacketAbs or Operation.LoadPacketInd);

    /// <summary>True when the form is an atomic read-modify-write.</summary>
    public bool IsAtomic => Operation is >= Operation.AtomicAdd and <= Operation.AtomicCmpXchg;

    /// <summary>Builds an instruction of this form from operands, filling the discriminator.</summary>
    public Instruction Encode(int dst = 0, int src = 0, short offset = 0, int immediate = 0) => Discriminator switch
    {
        DiscriminatorField.Offset => new Instruction(Opcode, dst, src, (short)DiscriminatorValue, immediate),
        DiscriminatorField.Immediate => new Instruction(Opcode, dst, src, offset, DiscriminatorValue),
        DiscriminatorField.Src => new Instruction(Opcode, dst, DiscriminatorValue, offset, immediate),
        _ => new Instruction(Opcode, dst, src, offset, immediate),
    };

    /// <summary>True when <paramref name="instruction"/> is encoded as this form (opcode and discriminator).</summary>
    public bool Matches(Instruction instruction) => instruction.Opcode == Opcode && Discriminator switch
    {
        DiscriminatorField.Offset => instruction.Offset == DiscriminatorValue,
        DiscriminatorField.Immediate => instruction.Immediate == DiscriminatorValue,
        DiscriminatorField.Src => instruction.Src == DiscriminatorValue,
        _ => true,
    };

    /// <inheritdoc />
    public override string ToString() => $"{Mnemonic} (0x{Opcode:x2}{(Discriminator == DiscriminatorField.None ? "" : $", {Discriminator.ToString().ToLowerInvariant()}={DiscriminatorValue}")})";
}
