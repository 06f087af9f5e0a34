using SharpBpf.Isa;
using SharpBpf.Maps;

namespace SharpBpf.Verifier;

internal sealed partial class VerifierEngine
{
    private Reg[] Regs => _state.Current.Regs;

    /// <summary>Abstractly executes the instruction at <paramref name="pc"/>; false when the path ends.</summary>
    private bool Step(int pc)
    {
        var form = _code.FormAt(pc)!;
        var insn = _code.Instructions[pc];
        switch (form.Class)
        {
            case InstructionClass.Alu:
            case InstructionClass.Alu64:
                Alu(form, insn);
                _state.Pc = pc + 1;
                return true;
            case InstructionClass.Jmp:
            case InstructionClass.Jmp32:
                return Jump(pc, form, insn);
        }
        switch (form.Operation)
        {
            case Operation.LoadImm64:
                LoadImm64(pc, form, insn);
                _state.Pc = pc + 2;
                return true;
            case Operation.LoadPacketAbs:
            case Operation.LoadPacketInd:
                LegacyPacketLoad(form, insn);
                _state.Pc = pc + 1;
                return true;
            case Operation.Load:
            case Operation.LoadSx:
            {
                var baseReg = ReadReg(insn.Src);
                var result = Access(insn.Src, baseReg, insn.Offset, form.AccessSize, write: false, value: null, signExtend: form.Operation == Operation.LoadSx);
                Regs[insn.Dst] = result;
                _state.Pc = pc + 1;
                return true;
            }
            case Operation.StoreImm:
            {
                var baseReg = ReadReg(insn.Dst);
                var value = Reg.Const(form.AccessSize == 8 ? (ulong)(long)insn.Immediate : (ulong)insn.Immediate & SizeMask(form.AccessSize));
                Access(insn.Dst, baseReg, insn.Offset, form.AccessSize, write: true, value: value, signExtend: false);
                _state.Pc = pc + 1;
                return true;
            }
            case Operation.StoreReg:
            {
                var baseReg = ReadReg(insn.Dst);
                var value = ReadReg(insn.Src);
                Access(insn.Dst, baseReg, insn.Offset, form.AccessSize, write: true, value: value, signExtend: false, valueRegister: insn.Src);
                _state.Pc = pc + 1;
                return true;
            }
        }
        if (form.IsAtomic)
        {
            Atomic(form, insn);
            _state.Pc = pc + 1;
            return true;
        }
        throw Fail(VerifierErrorKind.UnsupportedInstruction, $"instruction '{form.Mnemonic}' is not supported by the verifier");
    }

    private static ulong SizeMask(int size) => size >= 8 ? ulong.MaxValue : (1UL << (size * 8)) - 1;

    private Reg ReadReg(int r)
    {
        var reg = Regs[r];
        if (reg.Type == RegType.NotInit)
            throw Fail(VerifierErrorKind.UninitializedRegister, $"r{r} is read before it is written (not initialized{(r is >= 1 and <= 5 ? "; r1-r5 are clobbered by calls" : "")})");
        return reg;
    }

    // ---------------------------------------------------------------- ALU

    private void Alu(InstructionForm form, Instruction insn)
    {
        int dst = insn.Dst;
        bool is32 = form.Class == InstructionClass.Alu;
        var op = form.Operation;
        if (dst == 10) throw Fail(VerifierErrorKind.FramePointerWrite, "r10 is the read-only frame pointer");

        if (op is Operation.ToLe or Operation.ToBe or Operation.Bswap)
        {
            var v = ReadReg(dst);
            if (v.IsPointer) throw Fail(VerifierErrorKind.PointerArithmetic, $"r{dst} is a pointer ({v.TypeName}): byte swapping a pointer is not allowed");
            var swapped = ScalarAlu.ByteSwap(v, form.Width, op != Operation.ToLe);
            swapped.Id = 0;
            Regs[dst] = swapped;
            return;
        }

        Reg src;
        if (form.Source == OperandSource.Register) src = ReadReg(insn.Src);
        else if (op != Operation.Neg) src = Reg.Const(is32 ? (uint)insn.Immediate : (ulong)(long)insn.Immediate);
        else src = Reg.Const(0);

        if (op == Operation.Mov)
        {
            if (!is32)
            {
                if (src.IsScalar && !src.IsConst && insn.Src != dst)
                {
                    // Link the copies: a later comparison of either narrows both (the kernel's find_equal_scalars).
                    if (src.Id == 0) { src.Id = NewId(); Regs[insn.Src] = src; }
                }
                Regs[dst] = src;
                return;
            }
            if (src.IsPointer)
            {
                if (!_privileged) throw Fail(VerifierErrorKind.PointerLeak, $"r{insn.Src} is a pointer ({src.TypeName}): a 32-bit copy would leak part of it");
                Regs[dst] = Reg.UnknownOfSize(4);
                return;
            }
            var copy = src;
            copy.Id = 0;
            copy.Truncate32();
            Regs[dst] = copy;
            return;
        }
        if (op == Operation.MovSx)
        {
            if (src.IsPointer) throw Fail(VerifierErrorKind.PointerArithmetic, $"r{insn.Src} is a pointer ({src.TypeName}): sign extension of a pointer is not allowed");
            var r = ScalarAlu.SignExtend(src, insn.Offset);
            if (is32) r.Truncate32();
            r.Id = 0;
            Regs[dst] = r;
            return;
        }

        var d = op == Operation.Neg ? ReadReg(dst) : ReadReg(dst);
        if (op == Operation.Neg)
        {
            if (d.IsPointer && _privileged) { Regs[dst] = Reg.Unknown(); return; }
            if (d.IsPointer) throw Fail(VerifierErrorKind.PointerArithmetic, $"r{dst} is a pointer ({d.TypeName}): negating a pointer is not allowed");
            var zero = Reg.Const(0);
            ScalarAlu.Apply(Operation.Sub, ref zero, d, is32);
            zero.Id = 0;
            Regs[dst] = zero;
            return;
        }

        if (form.Source == OperandSource.Immediate)
        {
            if (op is Operation.Div or Operation.Mod or Operation.SDiv or Operation.SMod && insn.Immediate == 0)
                throw Fail(VerifierErrorKind.DivisionByZero, "division by zero: the divisor is the constant 0");
            if (op is Operation.Lsh or Operation.Rsh or Operation.Arsh && (insn.Immediate < 0 || insn.Immediate >= (is32 ? 32 : 64)))
                throw Fail(VerifierErrorKind.UnsupportedInstruction, $"invalid shift by {insn.Immediate}: the amount must be below {(is32 ? 32 : 64)}");
        }

        if (d.IsPointer || src.IsPointer)
        {
            PointerArithmetic(insn, op, is32, d, src, form.Source == OperandSource.Register ? insn.Src : -1);
            return;
        }
        ScalarAlu.Apply(op, ref d, src, is32);
        d.Id = 0;
        Regs[dst] = d;
    }

    private void PointerArithmetic(Instruction insn, Operation op, bool is32, Reg d, Reg s, int srcReg)
    {
        int dst = insn.Dst;
        string srcText = srcReg >= 0 ? $"r{srcReg}" : "the immediate";
        if (is32)
        {
            if (!_privileged || op is not (Operation.Add or Operation.Sub or Operation.And or Operation.Or or Operation.Xor))
                throw Fail(VerifierErrorKind.PointerArithmetic, $"32-bit arithmetic on a pointer (r{(d.IsPointer ? dst : srcReg)} is {(d.IsPointer ? d : s).TypeName}) is not allowed");
            throw Fail(VerifierErrorKind.PointerArithmetic, $"32-bit arithmetic on a pointer (r{(d.IsPointer ? dst : srcReg)} is {(d.IsPointer ? d : s).TypeName}) is not allowed");
        }
        if (d.IsPointer && s.IsPointer)
        {
            if (op == Operation.Sub && _privileged && !d.MaybeNull && !s.MaybeNull)
            {
                // Privileged: the difference of two pointers is some number (the kernel allows it).
                Regs[dst] = Reg.Unknown();
                return;
            }
            throw Fail(VerifierErrorKind.PointerArithmetic, $"r{dst} ({d.TypeName}) {OpText(op)} r{srcReg} ({s.TypeName}): arithmetic between two pointers is not allowed");
        }
        if (op != Operation.Add && op != Operation.Sub)
            throw Fail(VerifierErrorKind.PointerArithmetic, $"{OpText(op)} on a pointer (r{(d.IsPointer ? dst : srcReg)} is {(d.IsPointer ? d : s).TypeName}) is not allowed; only adding or subtracting a scalar");
        Reg ptr, off;
        if (d.IsPointer) { ptr = d; off = s; }
        else
        {
            if (op == Operation.Sub) throw Fail(VerifierErrorKind.PointerArithmetic, $"r{dst} = scalar - pointer (r{srcReg} is {s.TypeName}) is not allowed");
            ptr = s; off = d;
        }
        if (ptr.MaybeNull)
            throw Fail(VerifierErrorKind.NullCheckRequired, $"arithmetic on r{(d.IsPointer ? dst : srcReg)}, a {ptr.TypeName}: check it against NULL first");
        if (ptr.Type is RegType.PacketEnd or RegType.MapPointer or RegType.Function or RegType.Socket or RegType.SockCommon)
            throw Fail(VerifierErrorKind.PointerArithmetic, $"arithmetic on a {ptr.TypeName} pointer is not allowed");

        if (off.IsConst)
        {
            long delta = (long)off.ConstValue;
            if (op == Operation.Sub) delta = -delta;
            long newOff = ptr.Off + delta;
            if (delta > MaxVarOffset || delta < -MaxVarOffset || newOff > MaxVarOffset || newOff < -MaxVarOffset)
                throw Fail(VerifierErrorKind.PointerArithmetic, $"pointer offset {newOff} is out of the allowed range (±{MaxVarOffset})");
            ptr.Off = (int)newOff;
            Regs[dst] = ptr;
            return;
        }
        string offName = d.IsPointer ? srcText : $"r{dst}";
        if (_privileged)
        {
            // Linux (check_reg_sane_offset): only the offset's minimum must be bounded here. An unbounded maximum makes an
            // unbounded pointer, rejected when it is dereferenced (every access checks every offset the pointer can take).
            CheckSaneVariableOffset(off, ptr, $"{offName} ({off.Format(_context)})");
        }
        else
        {
            // Unprivileged programs get no speculative-execution masking for later accesses, so like Linux's
            // sanitize_ptr_alu / sanitize_check_bounds the result must be usable right away.
            if (ptr.Type == RegType.Context)
                throw Fail(VerifierErrorKind.InvalidContextAccess, $"adding a variable offset to the context pointer is not allowed ({srcText} is {off.Format(_context)})");
            if (off.SMin < -MaxVarOffset || off.SMax > MaxVarOffset)
                throw Fail(VerifierErrorKind.PointerArithmetic,
                    $"{offName} is an unbounded scalar ({off.Format(_context)}): the offset added to a {ptr.TypeName} pointer must be within ±{MaxVarOffset}; check its bounds first");
            if (ptr.Type == RegType.Stack)
                throw Fail(VerifierErrorKind.PointerArithmetic, "variable offsets into the stack are not allowed in unprivileged mode");
        }
        var offset = off;
        if (op == Operation.Sub) { var zero = Reg.Const(0); ScalarAlu.Apply(Operation.Sub, ref zero, off, false); offset = zero; }
        var varPart = ptr;
        varPart.Type = RegType.Scalar;
        ScalarAlu.Apply(Operation.Add, ref varPart, offset, false);
        if (_privileged) CheckSaneVariableOffset(varPart, ptr, $"the result ({varPart.Format(_context)})");
        else if (varPart.SMin < -MaxVarOffset || varPart.SMax > MaxVarOffset)
            throw Fail(VerifierErrorKind.PointerArithmetic, $"the variable offset of the {ptr.TypeName} pointer would leave ±{MaxVarOffset}");
        ptr.Var = varPart.Var; ptr.SMin = varPart.SMin; ptr.SMax = varPart.SMax; ptr.UMin = varPart.UMin; ptr.UMax = varPart.UMax;
        ptr.S32Min = varPart.S32Min; ptr.S32Max = varPart.S32Max; ptr.U32Min = varPart.U32Min; ptr.U32Max = varPart.U32Max;
        if (ptr.Type is RegType.Packet or RegType.PacketMeta)
        {
            // A new variable part: ranges proven for the old base do not carry over.
            ptr.Id = NewId();
            ptr.Range = 0;
        }
        Regs[dst] = ptr;
    }

    /// <summary>The kernel's check_reg_sane_offset for a variable offset: its minimum must be known and within
    /// ±<see cref="MaxVarOffset"/>; its maximum is checked by the accesses.</summary>
    private void CheckSaneVariableOffset(in Reg offset, in Reg ptr, string what)
    {
        if (offset.SMin == long.MinValue)
            throw Fail(VerifierErrorKind.PointerArithmetic,
                $"math between a {ptr.TypeName} pointer and a value with an unbounded minimum is not allowed: {what}; check its bounds first");
        if (offset.SMin <= -MaxVarOffset || offset.SMin >= MaxVarOffset)
            throw Fail(VerifierErrorKind.PointerArithmetic, $"{what} moves the {ptr.TypeName} pointer out of bounds: its minimum must be within ±{MaxVarOffset}");
    }

    private static string OpText(Operation op) => op switch
    {
        Operation.Add => "+", Operation.Sub => "-", Operation.Mul => "*", Operation.Div => "/", Operation.SDiv => "s/",
        Operation.Mod => "%", Operation.SMod => "s%", Operation.And => "&", Operation.Or => "|", Operation.Xor => "^",
        Operation.Lsh => "<<", Operation.Rsh => ">>", Operation.Arsh => "s>>", _ => op.ToString().ToLowerInvariant(),
    };

    // ---------------------------------------------------------------- lddw

    private void LoadImm64(int pc, InstructionForm form, Instruction insn)
    {
        if (insn.Dst == 10) throw Fail(VerifierErrorKind.FramePointerWrite, "r10 is the read-only frame pointer");
        var source = (LoadImm64Source)form.DiscriminatorValue;
        int index = insn.Immediate;
        switch (source)
        {
            case LoadImm64Source.Immediate:
                Regs[insn.Dst] = Reg.Const(_code.Immediate64At(pc));
                return;
            case LoadImm64Source.MapFd:
            case LoadImm64Source.MapIndex:
            {
                var map = MapByIndex(index);
                var r = Reg.Pointer(RegType.MapPointer);
                r.Map = index;
                Regs[insn.Dst] = r;
                _ = map;
                return;
            }
            case LoadImm64Source.MapValue:
            case LoadImm64Source.MapIndexValue:
            {
                var map = MapByIndex(index);
                int offset = _code.Instructions[pc + 1].Immediate;
                if (map.Type is not (MapType.Array))
                    throw Fail(VerifierErrorKind.InvalidMapReference, $"map '{map.Name}' is a {map.Type} map: only array maps give direct value addresses");
                if (offset < 0 || offset >= map.ValueSize)
                    throw Fail(VerifierErrorKind.InvalidMapReference, $"offset {offset} is outside the value of map '{map.Name}' (value size {map.ValueSize})");
                var r = Reg.Pointer(RegType.MapValue, offset);
                r.Map = index;
                if (map.ReadOnlyForPrograms) r.Flags |= RegFlags.ReadOnly;
                Regs[insn.Dst] = r;
                return;
            }
            case LoadImm64Source.CodeAddress:
            {
                var r = Reg.Pointer(RegType.Function);
                r.Size = pc + 1 + insn.Immediate;
                Regs[insn.Dst] = r;
                return;
            }
            default:
                throw Fail(VerifierErrorKind.UnsupportedInstruction, $"lddw with pseudo source {(int)source} ({source}) is not supported");
        }
    }

    private MapDefinition MapByIndex(int index)
    {
        if (index < 0 || index >= _input.Maps.Count)
            throw Fail(VerifierErrorKind.InvalidMapReference, $"map index {index} does not name a map (the program has {_input.Maps.Count})");
        return _input.Maps[index];
    }

    // ---------------------------------------------------------------- legacy packet loads

    private void LegacyPacketLoad(InstructionForm form, Instruction insn)
    {
        if (!_ctx.LegacyPacketLoads)
            throw Fail(VerifierErrorKind.InvalidContextAccess, $"legacy packet loads (ld_abs/ld_ind) are not allowed in {_ctx.Name} programs");
        var r6 = ReadReg(6);
        if (r6.Type != RegType.Context || r6.Off != 0 || !r6.VarOffsetIsZero)
            throw Fail(VerifierErrorKind.InvalidContextAccess, $"legacy packet loads read the packet through r6, which must hold the context pointer (it is {r6.TypeName})");
        if (_state.References.Count > 0) throw Fail(VerifierErrorKind.ReferenceLeak, "legacy packet loads cannot be mixed with held references (they may exit the program)");
        if (_state.LockMap != 0) throw Fail(VerifierErrorKind.SpinLock, "legacy packet loads are not allowed while holding a spin lock");
        if (form.Operation == Operation.LoadPacketInd)
        {
            var index = ReadReg(insn.Src);
            if (index.IsPointer) throw Fail(VerifierErrorKind.InvalidMemoryAccess, $"r{insn.Src} is a pointer ({index.TypeName}); ld_ind needs a scalar offset");
        }
        for (int r = 1; r <= 5; r++) Regs[r] = Reg.NotInitialized;
        Regs[0] = Reg.UnknownOfSize(form.AccessSize);
    }

    // ---------------------------------------------------------------- atomics

    private void Atomic(InstructionForm form, Instruction insn)
    {
        var baseReg = ReadReg(insn.Dst);
        var value = ReadReg(insn.Src);
        if (value.IsPointer)
            throw Fail(VerifierErrorKind.PointerLeak, $"r{insn.Src} is a pointer ({value.TypeName}): atomic operations take scalars");
        if (baseReg.Type is not (RegType.Stack or RegType.MapValue or RegType.Memory or RegType.RingBufMemory))
            throw Fail(VerifierErrorKind.InvalidMemoryAccess,
                baseReg.IsScalar ? $"r{insn.Dst} is a scalar, not a pointer: cannot use it for an atomic operation"
                : $"atomic operations on {baseReg.TypeName} memory (r{insn.Dst}) are not allowed");
        if (form.Operation == Operation.AtomicCmpXchg)
        {
            var r0 = ReadReg(0);
            if (r0.IsPointer) throw Fail(VerifierErrorKind.PointerLeak, $"r0 is a pointer ({r0.TypeName}): cmpxchg compares scalars");
        }
        var old = Access(insn.Dst, baseReg, insn.Offset, form.AccessSize, write: false, value: null, signExtend: false);
        if (old.IsPointer)
            throw Fail(VerifierErrorKind.InvalidMemoryAccess, $"atomic operation on a spilled pointer ({old.TypeName}) at r{insn.Dst}{insn.Offset:+0;-0} is not allowed");
        Access(insn.Dst, Regs[insn.Dst], insn.Offset, form.AccessSize, write: true, value: Reg.UnknownOfSize(form.AccessSize), signExtend: false);
        if (form.Operation == Operation.AtomicCmpXchg) Regs[0] = old;
        else if (form.Fetch) Regs[insn.Src] = old;
    }
}
