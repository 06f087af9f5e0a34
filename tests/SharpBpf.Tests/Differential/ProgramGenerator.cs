using SharpBpf.Isa;

namespace SharpBpf.Tests.Differential;

/// <summary>A generated program and the input memory it runs on.</summary>
/// <param name="Seed">The seed that regenerates it.</param>
/// <param name="Code">The program.</param>
/// <param name="Memory">Initial contents of the input buffer (r1 = buffer, r2 = length).</param>
/// <param name="OutOfBounds">Whether it contains a deliberately out-of-bounds access (never run unchecked).</param>
internal sealed record GeneratedProgram(int Seed, Bytecode Code, byte[] Memory, bool OutOfBounds);

/// <summary>
/// Random valid, terminating eBPF programs, valid by construction the way the kernel verifier would demand:
/// <list type="bullet">
/// <item>r9 holds the input buffer and r10 the frame; neither is ever an ALU operand, so no address reaches a
/// data register, r0 or memory (the engines run on different buffers and stacks).</item>
/// <item>Accesses are in bounds of the buffer or of the 64 bytes below r10, which every function initialises first
/// (no read of uninitialised stack); atomics are aligned to their size.</item>
/// <item>Jumps go forward inside a function, except the back edge of counted loops (1-4 trips) whose counter
/// (r6-r8) the loop body never writes.</item>
/// <item>Local calls only go to later functions (no recursion); r1 carries the buffer, r1-r5 are re-initialised
/// after each call (the kernel treats them as clobbered) and a callee initialises r0 and r6-r8 before use.</item>
/// </list>
/// With <see cref="GeneratedProgram.OutOfBounds"/>, one access (load, store or atomic) lands just outside the buffer
/// or above the frame, to compare the faults.
/// </summary>
internal sealed class ProgramGenerator
{
    private const int StackBytes = 64;
    private const int DataRegisters = 9; // r0..r8
    private const int Memory = Reg.R9;

    private static readonly InstructionForm[] s_alu = OpcodeTable.Forms
        .Where(f => f.Operation <= Operation.Bswap)
        .ToArray();
    private static readonly InstructionForm[] s_conditional = OpcodeTable.Forms.Where(f => f.Flow == FlowControl.ConditionalBranch).ToArray();
    private static readonly InstructionForm[] s_loads = OpcodeTable.Forms.Where(f => f.Operation is Operation.Load or Operation.LoadSx).ToArray();
    private static readonly InstructionForm[] s_stores = OpcodeTable.Forms.Where(f => f.Operation is Operation.StoreImm or Operation.StoreReg).ToArray();
    private static readonly InstructionForm[] s_atomics = OpcodeTable.Forms.Where(f => f.IsAtomic).ToArray();
    private static readonly InstructionForm[] s_packet = OpcodeTable.Forms.Where(f => f.Operation is Operation.LoadPacketAbs or Operation.LoadPacketInd).ToArray();
    private static readonly InstructionForm s_ja = OpcodeTable.Forms.Single(f => f.Operation == Operation.Ja && f.Displacement == BranchDisplacement.Offset);
    private static readonly InstructionForm s_gotol = OpcodeTable.Forms.Single(f => f.Operation == Operation.Ja && f.Displacement == BranchDisplacement.Immediate);
    private static readonly InstructionForm s_callLocal = OpcodeTable.Forms.Single(f => f.Operation == Operation.CallLocal);

    private static readonly long[] s_special =
        [0, 1, -1, 2, 7, 31, 32, 63, 64, 255, 0x7f, 0x80, 0xffff, 0x8000, int.MaxValue, int.MinValue, uint.MaxValue,
         long.MaxValue, long.MinValue, 0x1_0000_0000, unchecked((long)0x8000_0000_0000_0001), 0x1234_5678_9abc_def0];

    /// <summary>Every form the generator emits, for the coverage test.</summary>
    public static IEnumerable<InstructionForm> CoveredForms =>
        s_alu.Concat(s_conditional).Concat(s_loads).Concat(s_stores).Concat(s_atomics).Concat(s_packet)
            .Append(s_ja).Append(s_gotol).Append(s_callLocal);

    private readonly Random _random;
    private readonly List<Instruction> _code = [];
    private readonly List<(int Slot, int Function)> _calls = [];
    private readonly bool[] _locked = new bool[Reg.Count];
    private readonly int _memoryLength;
    private readonly int _functionCount;
    private bool _outOfBoundsPending;

    private ProgramGenerator(int seed)
    {
        _random = new Random(seed);
        _memoryLength = 16 + 8 * _random.Next(0, 31);
        _functionCount = _random.Next(4) switch { 0 => 1, 1 => 1, 2 => 2, _ => 3 };
        _outOfBoundsPending = _random.Next(10) == 0;
    }

    public static GeneratedProgram Generate(int seed)
    {
        var generator = new ProgramGenerator(seed);
        bool outOfBounds = generator._outOfBoundsPending;
        var memory = new byte[generator._memoryLength];
        generator._random.NextBytes(memory);
        var starts = new int[generator._functionCount];
        for (int f = 0; f < generator._functionCount; f++)
        {
            starts[f] = generator._code.Count;
            generator.EmitFunction(f);
        }
        foreach (var (slot, function) in generator._calls)
            generator._code[slot] = s_callLocal.Encode(immediate: starts[function] - slot - 1);
        return new GeneratedProgram(seed, Bytecode.FromInstructions(generator._code.ToArray()), memory, outOfBounds);
    }

    private void Emit(Instruction instruction) => _code.Add(instruction);
    private void Emit(Instruction[] instructions) => _code.AddRange(instructions);

    private void EmitFunction(int function)
    {
        Emit(Insn.Mov64Reg(Memory, Reg.R1));
        if (function == 0)
        {
            for (int r = 0; r <= 8; r++) SetConstant(r);
        }
        else
        {
            // Arguments r2-r5 are data; r0, r1 and r6-r8 start undefined in a callee.
            SetConstant(Reg.R0);
            SetConstant(Reg.R1);
            for (int r = Reg.R6; r <= Reg.R8; r++)
            {
                if (_random.Next(2) == 0) Emit(Insn.Mov64Reg(r, Reg.R2 + _random.Next(4)));
                else SetConstant(r);
            }
        }
        for (int offset = -StackBytes; offset < 0; offset += 8)
        {
            if (_random.Next(2) == 0) Emit(Insn.StMem(Bpf.DW, Reg.R10, (short)offset, (int)Value()));
            else Emit(Insn.StxMem(Bpf.DW, Reg.R10, _random.Next(DataRegisters), (short)offset));
        }

        EmitBlocks(_random.Next(function == 0 ? 8 : 4, function == 0 ? 30 : 14), depth: 0, function);
        if (function == 0 && _outOfBoundsPending) EmitOutOfBounds();

        // Fold the registers into r0 so a wrong value anywhere shows.
        int first = function == 0 ? Reg.R1 : Reg.R6;
        for (int r = first; r <= Reg.R8; r++)
        {
            Emit(Insn.Alu64Imm(Bpf.MUL, Reg.R0, 31));
            Emit(Insn.Alu64Reg(Bpf.ADD, Reg.R0, r));
        }
        Emit(Insn.ExitInsn());
    }

    private long Value() => _random.Next(3) switch
    {
        0 => s_special[_random.Next(s_special.Length)],
        1 => _random.Next(-300, 300),
        _ => _random.NextInt64(long.MinValue, long.MaxValue),
    };

    private int Immediate() => _random.Next(3) switch
    {
        0 => (int)s_special[_random.Next(s_special.Length)],
        1 => _random.Next(-300, 300),
        _ => _random.Next(int.MinValue, int.MaxValue),
    };

    private void SetConstant(int register)
    {
        long value = Value();
        if (value is >= int.MinValue and <= int.MaxValue && _random.Next(2) == 0) Emit(Insn.Mov64Imm(register, (int)value));
        else Emit(Insn.LdImm64(register, (ulong)value));
    }

    private int Data() => _random.Next(DataRegisters);

    private int Writable()
    {
        while (true)
        {
            int r = _random.Next(DataRegisters);
            if (!_locked[r]) return r;
        }
    }

    private void EmitBlocks(int count, int depth, int function)
    {
        for (int i = 0; i < count; i++)
        {
            if (_outOfBoundsPending && _random.Next(40) == 0) EmitOutOfBounds();
            int roll = _random.Next(100);
            if (roll < 46) EmitAlu();
            else if (roll < 56) EmitLoad();
            else if (roll < 64) EmitStore();
            else if (roll < 70) EmitAtomic();
            else if (roll < 80 && depth < 3) EmitIf(depth, function);
            else if (roll < 85 && depth < 2) EmitLoop(depth, function);
            else if (roll < 90 && function + 1 < _functionCount) EmitCall(function);
            else if (roll < 92) EmitPacketLoad();
            else EmitAlu();
        }
    }

    private void EmitAlu()
    {
        var form = s_alu[_random.Next(s_alu.Length)];
        int dst = Writable();
        int src = form.Source == OperandSource.Register ? Data() : 0;
        int imm = 0;
        if (form.Source == OperandSource.Immediate)
        {
            imm = form.Operation is Operation.Lsh or Operation.Rsh or Operation.Arsh ? _random.Next(form.Width) : Immediate();
            // Division by a zero immediate is refused by the kernel verifier; by a zero register it is defined.
            if (form.Operation is Operation.Div or Operation.SDiv or Operation.Mod or Operation.SMod && imm == 0) imm = 3;
        }
        Emit(form.Encode(dst, src, immediate: imm));
    }

    private (int Base, short Offset) InBounds(int size, bool aligned)
    {
        if (_random.Next(3) == 0)
        {
            int slots = StackBytes / size;
            int offset = aligned ? -size * _random.Next(1, slots + 1) : -_random.Next(size, StackBytes + 1);
            return (Reg.R10, (short)offset);
        }
        int last = _memoryLength - size;
        return (Memory, (short)(aligned ? size * _random.Next(0, last / size + 1) : _random.Next(0, last + 1)));
    }

    private void EmitLoad()
    {
        var form = s_loads[_random.Next(s_loads.Length)];
        var (b, offset) = InBounds(form.AccessSize, aligned: false);
        Emit(form.Encode(Writable(), b, offset));
    }

    private void EmitStore()
    {
        var form = s_stores[_random.Next(s_stores.Length)];
        var (b, offset) = InBounds(form.AccessSize, aligned: false);
        Emit(form.Encode(b, form.Source == OperandSource.Register ? Data() : 0, offset, form.Source == OperandSource.Immediate ? Immediate() : 0));
    }

    private void EmitAtomic()
    {
        var form = s_atomics[_random.Next(s_atomics.Length)];
        var (b, offset) = InBounds(form.AccessSize, aligned: true);
        // Fetching forms write src (cmpxchg writes r0, never locked).
        Emit(form.Encode(b, form.Fetch ? Writable() : Data(), offset, form.DiscriminatorValue));
    }

    private void EmitPacketLoad()
    {
        var form = s_packet[_random.Next(s_packet.Length)];
        // Mostly in bounds; sometimes past the end, which ends the program with r0 = 0.
        int limit = _random.Next(8) == 0 ? _memoryLength + 16 : _memoryLength - form.AccessSize + 1;
        if (form.Operation == Operation.LoadPacketAbs)
        {
            Emit(form.Encode(immediate: _random.Next(0, limit)));
            return;
        }
        int src = Writable();
        if (_random.Next(4) != 0) Emit(Insn.Mov64Imm(src, _random.Next(0, limit)));
        Emit(form.Encode(src: src, immediate: _random.Next(0, 4)));
    }

    private void EmitOutOfBounds()
    {
        _outOfBoundsPending = false;
        int kind = _random.Next(3);
        var form = kind switch
        {
            0 => s_loads[_random.Next(s_loads.Length)],
            1 => s_stores[_random.Next(s_stores.Length)],
            _ => s_atomics[_random.Next(s_atomics.Length)],
        };
        int size = form.AccessSize;
        (int b, int offset) = _random.Next(3) switch
        {
            0 => (Memory, _memoryLength - size + 1 + _random.Next(0, 64)), // straddles or passes the end
            1 => (Memory, -size * _random.Next(1, 8)),                       // before the start
            _ => (Reg.R10, size * _random.Next(0, 8)),                       // above the frame
        };
        if (kind == 2) offset -= offset % size; // atomics stay aligned (an unaligned lock straddling a line may trap)
        if (kind == 2 && b == Memory && offset >= 0 && offset + size <= _memoryLength) offset = _memoryLength + size;
        if (kind == 0) Emit(form.Encode(Writable(), b, (short)offset));
        else if (kind == 1) Emit(form.Encode(b, form.Source == OperandSource.Register ? Data() : 0, (short)offset, form.Source == OperandSource.Immediate ? Immediate() : 0));
        else Emit(form.Encode(b, form.Fetch ? Writable() : Data(), (short)offset, form.DiscriminatorValue));
    }

    private Instruction Condition(short offset)
    {
        var form = s_conditional[_random.Next(s_conditional.Length)];
        int dst = Data();
        if (form.Source == OperandSource.Register) return form.Encode(dst, Data(), offset);
        return form.Encode(dst, 0, offset, _random.Next(2) == 0 ? _random.Next(-4, 5) : Immediate());
    }

    private void EmitIf(int depth, int function)
    {
        int branch = _code.Count;
        Emit(default(Instruction));
        EmitBlocks(_random.Next(1, 5), depth + 1, function);
        if (_random.Next(3) == 0)
        {
            // if/else: the then-part jumps over the else-part with ja or gotol.
            int jump = _code.Count;
            Emit(default(Instruction));
            int elseStart = _code.Count;
            EmitBlocks(_random.Next(1, 4), depth + 1, function);
            int distance = _code.Count - jump - 1;
            _code[jump] = _random.Next(2) == 0 ? s_ja.Encode(offset: (short)distance) : s_gotol.Encode(immediate: distance);
            _code[branch] = Condition((short)(elseStart - branch - 1));
        }
        else _code[branch] = Condition((short)(_code.Count - branch - 1));
    }

    private void EmitLoop(int depth, int function)
    {
        int counter = -1;
        foreach (int r in new[] { Reg.R6, Reg.R7, Reg.R8 }.OrderBy(_ => _random.Next()))
            if (!_locked[r]) { counter = r; break; }
        if (counter < 0)
        {
            EmitAlu();
            return;
        }
        int trips = _random.Next(1, 5);
        Emit(_random.Next(2) == 0 ? Insn.Mov64Imm(counter, trips) : Insn.Mov32Imm(counter, trips));
        _locked[counter] = true;
        int head = _code.Count;
        EmitBlocks(_random.Next(1, 6), depth + 1, function);
        _locked[counter] = false;
        Emit(_random.Next(3) switch
        {
            0 => Insn.Alu64Imm(Bpf.ADD, counter, -1),
            1 => Insn.Alu64Imm(Bpf.SUB, counter, 1),
            _ => Insn.Alu32Imm(Bpf.ADD, counter, -1),
        });
        short back = (short)(head - _code.Count - 1);
        Emit(_random.Next(4) switch
        {
            0 => Insn.JmpImm(Bpf.JNE, counter, 0, back),
            1 => Insn.JmpImm(Bpf.JSGT, counter, 0, back),
            2 => Insn.JmpImm(Bpf.JGT, counter, 0, back),
            _ => Insn.Jmp32Imm(Bpf.JNE, counter, 0, back),
        });
    }

    private void EmitCall(int function)
    {
        int callee = _random.Next(function + 1, _functionCount);
        Emit(Insn.Mov64Reg(Reg.R1, Memory));
        _calls.Add((_code.Count, callee));
        Emit(default(Instruction));
        for (int r = Reg.R1; r <= Reg.R5; r++) SetConstant(r);
    }
}
