using System.Collections.Frozen;

namespace SharpBpf.Isa;

/// <summary>
/// The one table of eBPF instruction forms that the decoder, assembler, disassembler, verifier, interpreter and
/// JIT share. It is built once from the compact rows below: every instruction of RFC 9669 in every conformance
/// group, the v4 additions, the seven <c>lddw</c> subtypes, the three call kinds and <c>callx</c>.
/// </summary>
public static class OpcodeTable
{
    private static readonly InstructionForm[] s_forms;
    private static readonly InstructionForm[][] s_byOpcode;
    private static readonly FrozenDictionary<string, InstructionForm[]> s_byMnemonic;

    // Opcode bit fields (RFC 9669 section 3).
    internal const byte SourceK = 0x00, SourceX = 0x08;
    internal const byte SizeW = 0x00, SizeH = 0x08, SizeB = 0x10, SizeDW = 0x18;
    internal const byte ModeImm = 0x00, ModeAbs = 0x20, ModeInd = 0x40, ModeMem = 0x60, ModeMemSx = 0x80, ModeAtomic = 0xc0;

    private readonly record struct AluRow(byte Code, Operation Operation, string Name, string Llvm, bool DivMul, int SignedOffset);
    private readonly record struct JumpRow(byte Code, Operation Operation, string Name, string Llvm, CpuVersion Version);
    private readonly record struct AtomicRow(int Code, Operation Operation, string Name, bool Fetch, CpuVersion Version);

    private static readonly AluRow[] s_aluRows =
    [
        new(0x00, Operation.Add, "add", "+=", false, -1),
        new(0x10, Operation.Sub, "sub", "-=", false, -1),
        new(0x20, Operation.Mul, "mul", "*=", true, -1),
        new(0x30, Operation.Div, "div", "/=", true, 0),
        new(0x30, Operation.SDiv, "sdiv", "s/=", true, 1),
        new(0x40, Operation.Or, "or", "|=", false, -1),
        new(0x50, Operation.And, "and", "&=", false, -1),
        new(0x60, Operation.Lsh, "lsh", "<<=", false, -1),
        new(0x70, Operation.Rsh, "rsh", ">>=", false, -1),
        new(0x90, Operation.Mod, "mod", "%=", true, 0),
        new(0x90, Operation.SMod, "smod", "s%=", true, 1),
        new(0xa0, Operation.Xor, "xor", "^=", false, -1),
        new(0xb0, Operation.Mov, "mov", "=", false, 0),
        new(0xc0, Operation.Arsh, "arsh", "s>>=", false, -1),
    ];

    private static readonly JumpRow[] s_jumpRows =
    [
        new(0x10, Operation.Jeq, "jeq", "==", CpuVersion.V1),
        new(0x20, Operation.Jgt, "jgt", ">", CpuVersion.V1),
        new(0x30, Operation.Jge, "jge", ">=", CpuVersion.V1),
        new(0x40, Operation.Jset, "jset", "&", CpuVersion.V1),
        new(0x50, Operation.Jne, "jne", "!=", CpuVersion.V1),
        new(0x60, Operation.Jsgt, "jsgt", "s>", CpuVersion.V1),
        new(0x70, Operation.Jsge, "jsge", "s>=", CpuVersion.V1),
        new(0xa0, Operation.Jlt, "jlt", "<", CpuVersion.V2),
        new(0xb0, Operation.Jle, "jle", "<=", CpuVersion.V2),
        new(0xc0, Operation.Jslt, "jslt", "s<", CpuVersion.V2),
        new(0xd0, Operation.Jsle, "jsle", "s<=", CpuVersion.V2),
    ];

    private static readonly AtomicRow[] s_atomicRows =
    [
        new(AtomicCode.Add, Operation.AtomicAdd, "add", false, CpuVersion.V1),
        new(AtomicCode.Or, Operation.AtomicOr, "or", false, CpuVersion.V3),
        new(AtomicCode.And, Operation.AtomicAnd, "and", false, CpuVersion.V3),
        new(AtomicCode.Xor, Operation.AtomicXor, "xor", false, CpuVersion.V3),
        new(AtomicCode.Add | AtomicCode.Fetch, Operation.AtomicAdd, "fetch add", true, CpuVersion.V3),
        new(AtomicCode.Or | AtomicCode.Fetch, Operation.AtomicOr, "fetch or", true, CpuVersion.V3),
        new(AtomicCode.And | AtomicCode.Fetch, Operation.AtomicAnd, "fetch and", true, CpuVersion.V3),
        new(AtomicCode.Xor | AtomicCode.Fetch, Operation.AtomicXor, "fetch xor", true, CpuVersion.V3),
        new(AtomicCode.Xchg, Operation.AtomicXchg, "xchg", true, CpuVersion.V3),
        new(AtomicCode.CmpXchg, Operation.AtomicCmpXchg, "cmpxchg", true, CpuVersion.V3),
    ];

    private static readonly (byte Size, int Bytes, string Suffix)[] s_sizes =
        [(SizeB, 1, "b"), (SizeH, 2, "h"), (SizeW, 4, "w"), (SizeDW, 8, "dw")];

    static OpcodeTable()
    {
        var builder = new TableBuilder();
        builder.AddAlu();
        builder.AddJumps();
        builder.AddLoadsAndStores();
        s_forms = builder.Forms.ToArray();

        var lists = new List<InstructionForm>[256];
        foreach (var form in s_forms) (lists[form.Opcode] ??= []).Add(form);
        s_byOpcode = lists.Select(l => l?.ToArray() ?? []).ToArray();

        var names = s_forms.GroupBy(f => f.Mnemonic).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        foreach (var (alias, target) in Aliases) names[alias] = names[target];
        s_byMnemonic = names.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Alternative conformance-syntax mnemonics accepted by the assembler.</summary>
    public static IReadOnlyList<(string Alias, string Mnemonic)> Aliases { get; } =
    [
        ("swap16", "bswap16"), ("swap32", "bswap32"), ("swap64", "bswap64"),
        ("gotol", "ja32"), ("mov64", "mov"), ("add64", "add"), ("sub64", "sub"), ("mul64", "mul"), ("div64", "div"),
        ("or64", "or"), ("and64", "and"), ("lsh64", "lsh"), ("rsh64", "rsh"), ("neg64", "neg"), ("mod64", "mod"),
        ("xor64", "xor"), ("arsh64", "arsh"), ("sdiv64", "sdiv"), ("smod64", "smod"),
    ];

    /// <summary>Every instruction form, indexed by <see cref="InstructionForm.Id"/>.</summary>
    public static IReadOnlyList<InstructionForm> Forms => s_forms;

    /// <summary>The forms that use <paramref name="opcode"/> (empty when the opcode is undefined).</summary>
    public static ReadOnlySpan<InstructionForm> FormsWithOpcode(byte opcode) => s_byOpcode[opcode];

    /// <summary>The form an instruction is encoded as, or null when the opcode or its discriminator is undefined.</summary>
    public static InstructionForm? Lookup(Instruction instruction)
    {
        foreach (var form in s_byOpcode[instruction.Opcode])
            if (form.Matches(instruction)) return form;
        return null;
    }

    /// <summary>
    /// The forms with a conformance-syntax mnemonic (or an alias such as <c>swap16</c>): one for most mnemonics,
    /// two for ALU and jump mnemonics (immediate and register source). Empty when the mnemonic is unknown.
    /// </summary>
    public static ReadOnlySpan<InstructionForm> FormsWithMnemonic(string mnemonic) =>
        s_byMnemonic.TryGetValue(mnemonic, out var forms) ? forms : [];

    /// <summary>The form with a mnemonic and, where the mnemonic has both, an operand source.</summary>
    public static bool TryGetByMnemonic(string mnemonic, OperandSource source, out InstructionForm form)
    {
        foreach (var candidate in FormsWithMnemonic(mnemonic))
        {
            if (candidate.Source == source || source == OperandSource.None || candidate.Source == OperandSource.None)
            {
                form = candidate;
                return true;
            }
        }
        form = null!;
        return false;
    }

    /// <summary>The form with the given mnemonic and source; throws when there is none.</summary>
    public static InstructionForm ByMnemonic(string mnemonic, OperandSource source = OperandSource.None) =>
        TryGetByMnemonic(mnemonic, source, out var form) ? form : throw new KeyNotFoundException($"No instruction form is named '{mnemonic}' with source {source}.");

    /// <summary>The unique form with this operation, class and source (and discriminator, when given).</summary>
    public static InstructionForm Find(Operation operation, InstructionClass @class, OperandSource source = OperandSource.None, int? discriminator = null, int accessSize = 0) =>
        s_forms.Single(f => f.Operation == operation && f.Class == @class && f.Source == source
            && (discriminator is null || f.DiscriminatorValue == discriminator)
            && (accessSize == 0 || f.AccessSize == accessSize));

    private sealed class TableBuilder
    {
        public List<InstructionForm> Forms { get; } = [];

        private void Add(byte opcode, DiscriminatorField field, int value, Operation operation, OperandSource source,
            int width, int accessSize, ConformanceGroup group, CpuVersion version, FlowControl flow,
            BranchDisplacement displacement, ReservedFields reserved, RegisterUse registers, bool fetch, string mnemonic, string? llvm) =>
            Forms.Add(new InstructionForm(Forms.Count, opcode, field, value, operation, source, width, accessSize, group,
                version, flow, displacement, reserved, registers, fetch, mnemonic, llvm));

        public void AddAlu()
        {
            foreach (var (cls, width) in new[] { (InstructionClass.Alu64, 64), (InstructionClass.Alu, 32) })
            {
                string suffix = width == 32 ? "32" : "";
                var baseGroup = width == 32 ? ConformanceGroup.Base32 : ConformanceGroup.Base64;
                var divGroup = width == 32 ? ConformanceGroup.Divmul32 : ConformanceGroup.Divmul64;
                foreach (var row in s_aluRows)
                {
                    foreach (var (srcBit, source) in new[] { (SourceK, OperandSource.Immediate), (SourceX, OperandSource.Register) })
                    {
                        byte opcode = (byte)(row.Code | srcBit | (byte)cls);
                        var field = row.SignedOffset >= 0 ? DiscriminatorField.Offset : DiscriminatorField.None;
                        var reserved = (source == OperandSource.Immediate ? ReservedFields.Src : ReservedFields.Immediate)
                            | (field == DiscriminatorField.None ? ReservedFields.Offset : ReservedFields.None);
                        var regs = (row.Operation == Operation.Mov ? RegisterUse.WritesDst : RegisterUse.ReadsDst | RegisterUse.WritesDst)
                            | (source == OperandSource.Register ? RegisterUse.ReadsSrc : RegisterUse.None);
                        var version = row.SignedOffset == 1 ? CpuVersion.V4 : CpuVersion.V1;
                        Add(opcode, field, Math.Max(row.SignedOffset, 0), row.Operation, source, width, 0,
                            row.DivMul ? divGroup : baseGroup, version, FlowControl.Next, BranchDisplacement.None,
                            reserved, regs, false, row.Name + suffix, row.Llvm);
                    }
                }

                Add((byte)(0x80 | (byte)cls), DiscriminatorField.None, 0, Operation.Neg, OperandSource.None, width, 0, baseGroup,
                    CpuVersion.V1, FlowControl.Next, BranchDisplacement.None,
                    ReservedFields.Src | ReservedFields.Offset | ReservedFields.Immediate,
                    RegisterUse.ReadsDst | RegisterUse.WritesDst, false, "neg" + suffix, null);

                int[] signExtendFrom = width == 32 ? [8, 16] : [8, 16, 32];
                foreach (int from in signExtendFrom)
                    Add((byte)(0xb0 | SourceX | (byte)cls), DiscriminatorField.Offset, from, Operation.MovSx, OperandSource.Register,
                        width, 0, baseGroup, CpuVersion.V4, FlowControl.Next, BranchDisplacement.None, ReservedFields.Immediate,
                        RegisterUse.WritesDst | RegisterUse.ReadsSrc, false, $"movsx{from}{width}", "=");
            }

            foreach (int bits in new[] { 16, 32, 64 })
            {
                const ReservedFields reserved = ReservedFields.Src | ReservedFields.Offset;
                const RegisterUse regs = RegisterUse.ReadsDst | RegisterUse.WritesDst;
                Add(0xd4, DiscriminatorField.Immediate, bits, Operation.ToLe, OperandSource.None, bits, 0, ConformanceGroup.Base32,
                    CpuVersion.V1, FlowControl.Next, BranchDisplacement.None, reserved, regs, false, $"le{bits}", null);
                Add(0xdc, DiscriminatorField.Immediate, bits, Operation.ToBe, OperandSource.None, bits, 0, ConformanceGroup.Base32,
                    CpuVersion.V1, FlowControl.Next, BranchDisplacement.None, reserved, regs, false, $"be{bits}", null);
                Add(0xd7, DiscriminatorField.Immediate, bits, Operation.Bswap, OperandSource.None, bits, 0, ConformanceGroup.Base64,
                    CpuVersion.V4, FlowControl.Next, BranchDisplacement.None, reserved, regs, false, $"bswap{bits}", null);
            }
        }

        public void AddJumps()
        {
            Add(0x05, DiscriminatorField.None, 0, Operation.Ja, OperandSource.None, 64, 0, ConformanceGroup.Base32, CpuVersion.V1,
                FlowControl.Jump, BranchDisplacement.Offset, ReservedFields.Dst | ReservedFields.Src | ReservedFields.Immediate,
                RegisterUse.None, false, "ja", null);
            Add(0x06, DiscriminatorField.None, 0, Operation.Ja, OperandSource.None, 32, 0, ConformanceGroup.Base32, CpuVersion.V4,
                FlowControl.Jump, BranchDisplacement.Immediate, ReservedFields.Dst | ReservedFields.Src | ReservedFields.Offset,
                RegisterUse.None, false, "ja32", null);

            foreach (var (cls, width) in new[] { (InstructionClass.Jmp, 64), (InstructionClass.Jmp32, 32) })
            {
                foreach (var row in s_jumpRows)
                {
                    foreach (var (srcBit, source) in new[] { (SourceK, OperandSource.Immediate), (SourceX, OperandSource.Register) })
                    {
                        var reserved = source == OperandSource.Immediate ? ReservedFields.Src : ReservedFields.Immediate;
                        var regs = RegisterUse.ReadsDst | (source == OperandSource.Register ? RegisterUse.ReadsSrc : RegisterUse.None);
                        Add((byte)(row.Code | srcBit | (byte)cls), DiscriminatorField.None, 0, row.Operation, source, width, 0,
                            width == 64 ? ConformanceGroup.Base64 : ConformanceGroup.Base32,
                            width == 64 ? row.Version : CpuVersion.V3, FlowControl.ConditionalBranch, BranchDisplacement.Offset,
                            reserved, regs, false, width == 64 ? row.Name : row.Name + "32", row.Llvm);
                    }
                }
            }

            Add(0x85, DiscriminatorField.Src, 0, Operation.CallHelper, OperandSource.None, 0, 0, ConformanceGroup.Base32, CpuVersion.V1,
                FlowControl.Call, BranchDisplacement.None, ReservedFields.Dst | ReservedFields.Offset, RegisterUse.None, false, "call", null);
            Add(0x85, DiscriminatorField.Src, 1, Operation.CallLocal, OperandSource.None, 0, 0, ConformanceGroup.Base32, CpuVersion.V1,
                FlowControl.Call, BranchDisplacement.Immediate, ReservedFields.Dst | ReservedFields.Offset, RegisterUse.None, false, "call local", null);
            Add(0x85, DiscriminatorField.Src, 2, Operation.CallBtf, OperandSource.None, 0, 0, ConformanceGroup.Base32, CpuVersion.V1,
                FlowControl.Call, BranchDisplacement.None, ReservedFields.Dst, RegisterUse.None, false, "call btf", null);
            Add(0x8d, DiscriminatorField.None, 0, Operation.CallRegister, OperandSource.Register, 0, 0, ConformanceGroup.Callx, CpuVersion.V4,
                FlowControl.Call, BranchDisplacement.None, ReservedFields.Src | ReservedFields.Offset | ReservedFields.Immediate,
                RegisterUse.ReadsDst, false, "callx", null);
            Add(0x95, DiscriminatorField.None, 0, Operation.Exit, OperandSource.None, 0, 0, ConformanceGroup.Base32, CpuVersion.V1,
                FlowControl.Exit, BranchDisplacement.None,
                ReservedFields.Dst | ReservedFields.Src | ReservedFields.Offset | ReservedFields.Immediate, RegisterUse.None, false, "exit", null);
        }

        public void AddLoadsAndStores()
        {
            for (int src = 0; src <= 6; src++)
                Add((byte)(ModeImm | SizeDW | (byte)InstructionClass.Ld), DiscriminatorField.Src, src, Operation.LoadImm64,
                    OperandSource.None, 64, 0, ConformanceGroup.Base64, CpuVersion.V1, FlowControl.Next, BranchDisplacement.None,
                    ReservedFields.Offset, RegisterUse.WritesDst, false, src == 0 ? "lddw" : $"lddw.{(LoadImm64Source)src}", null);

            foreach (var (size, bytes, suffix) in s_sizes)
            {
                if (size != SizeDW)
                {
                    Add((byte)(ModeAbs | size | (byte)InstructionClass.Ld), DiscriminatorField.None, 0, Operation.LoadPacketAbs,
                        OperandSource.None, 0, bytes, ConformanceGroup.Packet, CpuVersion.V1, FlowControl.Next, BranchDisplacement.None,
                        ReservedFields.Dst | ReservedFields.Src | ReservedFields.Offset, RegisterUse.None, false, "ldabs" + suffix, null);
                    Add((byte)(ModeInd | size | (byte)InstructionClass.Ld), DiscriminatorField.None, 0, Operation.LoadPacketInd,
                        OperandSource.Register, 0, bytes, ConformanceGroup.Packet, CpuVersion.V1, FlowControl.Next, BranchDisplacement.None,
                        ReservedFields.Dst | ReservedFields.Offset, RegisterUse.ReadsSrc, false, "ldind" + suffix, null);
                    Add((byte)(ModeMemSx | size | (byte)InstructionClass.Ldx), DiscriminatorField.None, 0, Operation.LoadSx,
                        OperandSource.Register, 0, bytes, ConformanceGroup.Base64, CpuVersion.V4, FlowControl.Next, BranchDisplacement.None,
                        ReservedFields.Immediate, RegisterUse.WritesDst | RegisterUse.ReadsSrc, false, "ldxs" + suffix, null);
                }

                var group = size == SizeDW ? ConformanceGroup.Base64 : ConformanceGroup.Base32;
                Add((byte)(ModeMem | size | (byte)InstructionClass.Ldx), DiscriminatorField.None, 0, Operation.Load,
                    OperandSource.Register, 0, bytes, group, CpuVersion.V1, FlowControl.Next, BranchDisplacement.None,
                    ReservedFields.Immediate, RegisterUse.WritesDst | RegisterUse.ReadsSrc, false, "ldx" + suffix, null);
                Add((byte)(ModeMem | size | (byte)InstructionClass.St), DiscriminatorField.None, 0, Operation.StoreImm,
                    OperandSource.Immediate, 0, bytes, group, CpuVersion.V1, FlowControl.Next, BranchDisplacement.None,
                    ReservedFields.Src, RegisterUse.ReadsDst, false, "st" + suffix, null);
                Add((byte)(ModeMem | size | (byte)InstructionClass.Stx), DiscriminatorField.None, 0, Operation.StoreReg,
                    OperandSource.Register, 0, bytes, group, CpuVersion.V1, FlowControl.Next, BranchDisplacement.None,
                    ReservedFields.Immediate, RegisterUse.ReadsDst | RegisterUse.ReadsSrc, false, "stx" + suffix, null);
            }

            foreach (var (size, width) in new[] { (SizeDW, 64), (SizeW, 32) })
            {
                foreach (var row in s_atomicRows)
                {
                    var regs = RegisterUse.ReadsDst | RegisterUse.ReadsSrc | (row.Fetch && row.Operation != Operation.AtomicCmpXchg ? RegisterUse.WritesSrc : RegisterUse.None);
                    Add((byte)(ModeAtomic | size | (byte)InstructionClass.Stx), DiscriminatorField.Immediate, row.Code, row.Operation,
                        OperandSource.Register, width, width / 8, width == 64 ? ConformanceGroup.Atomic64 : ConformanceGroup.Atomic32,
                        row.Version, FlowControl.Next, BranchDisplacement.None, ReservedFields.None, regs, row.Fetch,
                        "lock " + row.Name + (width == 32 ? "32" : ""), null);
                }
            }
        }
    }
}
