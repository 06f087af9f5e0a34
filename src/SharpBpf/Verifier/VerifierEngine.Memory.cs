using SharpBpf.Maps;

namespace SharpBpf.Verifier;

internal sealed partial class VerifierEngine
{
    /// <summary>Checks a load or store of <paramref name="size"/> bytes at <paramref name="baseReg"/> + <paramref name="off"/>;
    /// returns the loaded value for loads.</summary>
    private Reg Access(int regNo, Reg baseReg, int off, int size, bool write, Reg? value, bool signExtend, int valueRegister = -1)
    {
        string verb = write ? "store to" : "load from";
        if (baseReg.Type == RegType.Scalar)
            throw Fail(VerifierErrorKind.InvalidMemoryAccess, $"r{regNo} is a scalar, not a pointer: cannot {verb} it");
        if (baseReg.MaybeNull)
            throw Fail(VerifierErrorKind.NullCheckRequired, $"r{regNo} is a {baseReg.TypeName}: it may be NULL, check it (if r{regNo} == 0) before the access");
        if (write && value is { IsPointer: true } v && !_privileged && baseReg.Type != RegType.Stack)
            throw Fail(VerifierErrorKind.PointerLeak, $"r{valueRegister} is a pointer ({v.TypeName}): storing it into {baseReg.TypeName} memory leaks a kernel address (unprivileged)");

        Reg result;
        switch (baseReg.Type)
        {
            case RegType.Stack:
                result = StackAccess(regNo, baseReg, off, size, write, value, valueRegister);
                break;
            case RegType.Context:
                result = ContextAccess(regNo, baseReg, off, size, write, value, valueRegister);
                break;
            case RegType.MapValue:
            {
                var map = _context.MapAt(baseReg.Map);
                if (write && (baseReg.Flags & RegFlags.ReadOnly) != 0)
                    throw Fail(VerifierErrorKind.InvalidMemoryAccess, $"map '{map.Name}' is read-only for programs: cannot store to it");
                CheckRegion(regNo, baseReg, off, size, (int)map.ValueSize, $"map value '{map.Name}'", "value size");
                if (map.SpinLockOffset >= 0)
                {
                    long lo = baseReg.Off + off + baseReg.SMin, hi = baseReg.Off + off + (long)baseReg.UMax + size;
                    if (lo < map.SpinLockOffset + 4 && hi > map.SpinLockOffset)
                        throw Fail(VerifierErrorKind.SpinLock, $"direct access to the bpf_spin_lock of map '{map.Name}' (offset {map.SpinLockOffset}) is not allowed");
                }
                result = Reg.UnknownOfSize(size);
                break;
            }
            case RegType.RingBufMemory:
            case RegType.Memory:
                if (write && (baseReg.Flags & RegFlags.ReadOnly) != 0)
                    throw Fail(VerifierErrorKind.InvalidMemoryAccess, $"r{regNo} points to read-only memory: cannot store to it");
                CheckRegion(regNo, baseReg, off, size, baseReg.Size, baseReg.Type == RegType.RingBufMemory ? "ring buffer reservation" : "memory", "size");
                result = Reg.UnknownOfSize(size);
                break;
            case RegType.Packet:
            case RegType.PacketMeta:
                if (write && !_ctx.PacketWrites)
                    throw Fail(VerifierErrorKind.InvalidMemoryAccess, $"{_ctx.Name} programs may not write to the packet");
                CheckPacket(regNo, baseReg, off, size);
                result = Reg.UnknownOfSize(size);
                break;
            case RegType.Socket:
            case RegType.SockCommon:
                result = SocketAccess(regNo, baseReg, off, size, write);
                break;
            case RegType.PacketEnd:
                throw Fail(VerifierErrorKind.InvalidMemoryAccess, $"r{regNo} is pkt_end, one past the packet: it can only be compared, never dereferenced");
            default:
                throw Fail(VerifierErrorKind.InvalidMemoryAccess, $"r{regNo} is a {baseReg.TypeName} pointer: cannot {verb} it");
        }
        if (!write && signExtend && result.IsScalar) result = ScalarAlu.SignExtend(result, size * 8);
        return result;
    }

    /// <summary>Every byte the access can touch, for every offset the register can take, lies in [0, limit).</summary>
    private void CheckRegion(int regNo, in Reg reg, int off, int size, int limit, string what, string limitName)
    {
        if (reg.SMin < 0 && !reg.VarOffsetIsZero)
            throw Fail(VerifierErrorKind.OutOfBoundsAccess,
                $"r{regNo} has a variable offset that may be negative ({reg.Format(_context)}): use an unsigned index or check it is >= 0 before accessing the {what}");
        if (reg.UMax >= MaxVarOffset)
            throw Fail(VerifierErrorKind.OutOfBoundsAccess, $"r{regNo} has an unbounded variable offset: check it against the {limitName} before accessing the {what}");
        long lo = (long)reg.Off + off + reg.SMin;
        long hi = (long)reg.Off + off + (long)reg.UMax + size;
        if (reg.VarOffsetIsZero) { lo = (long)reg.Off + off; hi = lo + size; }
        if (lo < 0 || hi > limit)
        {
            string offsetText = reg.VarOffsetIsZero ? $"offset {lo}" : $"offset {reg.Off + off}+[{reg.SMin}, {reg.UMax}]";
            throw Fail(VerifierErrorKind.OutOfBoundsAccess,
                lo < 0 ? $"invalid access to {what}: {offsetText} size {size} is before its start"
                : $"invalid access to {what}: {offsetText} size {size} exceeds {limitName} {limit}");
        }
    }

    private void CheckPacket(int regNo, in Reg reg, int off, int size)
    {
        if (!_ctx.DirectPacketAccess)
            throw Fail(VerifierErrorKind.InvalidMemoryAccess, $"{_ctx.Name} programs may not access packet data directly");
        if (reg.SMin < 0)
            throw Fail(VerifierErrorKind.OutOfBoundsAccess, $"r{regNo} has a packet offset that may be negative ({reg.Format(_context)})");
        long start = (long)reg.Off + off;
        string end = reg.Type == RegType.PacketMeta ? "data" : "data_end";
        if (start < 0)
            throw Fail(VerifierErrorKind.OutOfBoundsAccess, $"invalid packet access: offset {start} is before the start of the {(reg.Type == RegType.PacketMeta ? "metadata" : "packet")}");
        // A comparison with the end proves no range for a pointer whose variable part may exceed MAX_PACKET_OFF (as in
        // Linux), so such a pointer fails here, at the access.
        if (start + size > reg.Range)
            throw Fail(VerifierErrorKind.PacketAccessUnchecked,
                $"invalid access to packet: r{regNo} offset {start} size {size}, but only {reg.Range} bytes are proven in range; compare the pointer with {end} first (e.g. if r{regNo} + {start + size} > {end} goto out)");
        if (reg.UMax > MaxPacketOffset)
            throw Fail(VerifierErrorKind.OutOfBoundsAccess, $"r{regNo} has a packet offset that may exceed {MaxPacketOffset}: check its bounds first");
    }

    // ---------------------------------------------------------------- stack

    private Reg StackAccess(int regNo, Reg reg, int off, int size, bool write, Reg? value, int valueRegister)
    {
        var frame = _state.Frames[reg.Frame];
        if (!reg.VarOffsetIsZero)
        {
            CheckBoundedStackOffset(regNo, reg);
            long lo = (long)reg.Off + off + reg.SMin;
            long hi = (long)reg.Off + off + reg.SMax + size;
            if (lo < -StackLimit || hi > 0)
                throw Fail(VerifierErrorKind.OutOfBoundsAccess, $"invalid variable-offset stack access: r{regNo} range [{lo}, {hi}) is outside the frame [-{StackLimit}, 0)");
            CheckStackAlignment(regNo, reg, off, size);
            NoteStackDepth(reg.Frame, (int)lo);
            frame.EnsureStack((int)lo);
            for (long a = lo; a < hi && !AllowUninitializedStack; a++)
            {
                if (frame.ByteAt((int)a) == SlotByte.Invalid)
                    throw Fail(VerifierErrorKind.InvalidMemoryAccess,
                        $"variable-offset stack {(write ? "store" : "load")} at fp{lo}..fp{hi} may touch uninitialized stack at fp{a}");
            }
            if (write)
            {
                for (long a = lo; a < hi; a++) DestroySpill(frame, (int)a, pointerCheck: true);
                for (long a = lo; a < hi; a++) SetByte(frame, (int)a, SlotByte.Misc);
                return default;
            }
            for (long a = lo; a < hi; a++)
                if (frame.ByteAt((int)a) == SlotByte.Spill && SpillAt(frame, (int)a).IsPointer)
                    throw Fail(VerifierErrorKind.InvalidMemoryAccess, $"variable-offset stack load may read a spilled pointer at fp{a}");
            return Reg.UnknownOfSize(size);
        }

        long start = (long)reg.Off + off;
        if (start < -StackLimit || start + size > 0)
            throw Fail(VerifierErrorKind.OutOfBoundsAccess, $"invalid stack access: offset {start} size {size} is outside the frame [-{StackLimit}, 0)");
        CheckStackAlignment(regNo, reg, off, size);
        int s = (int)start;
        NoteStackDepth(reg.Frame, s);
        frame.EnsureStack(s);
        int slot = (-s - 1) / 8;
        if (write)
        {
            var stored = value!.Value;
            if (size == 8 && s % 8 == 0)
            {
                frame.Stack[slot].Bytes = StackSlot.AllSpill;
                frame.Stack[slot].Spilled = stored;
                if (stored.IsScalar && stored.IsConst && stored.ConstValue == 0 && valueRegister < 0)
                {
                    frame.Stack[slot].Bytes = StackSlot.AllZero;
                    frame.Stack[slot].Spilled = default;
                }
                return default;
            }
            if (stored.IsPointer && !_privileged)
                throw Fail(VerifierErrorKind.PointerLeak, $"r{valueRegister} is a pointer ({stored.TypeName}): a partial store of it to the stack is not allowed");
            bool zero = stored.IsScalar && stored.IsConst && (stored.ConstValue & SizeMask(size)) == 0;
            for (int a = s; a < s + size; a++) DestroySpill(frame, a, pointerCheck: !_privileged);
            for (int a = s; a < s + size; a++) SetByte(frame, a, zero ? SlotByte.Zero : SlotByte.Misc);
            return default;
        }

        // Load.
        if (size == 8 && s % 8 == 0 && frame.Stack[slot].IsSpill) return frame.Stack[slot].Spilled;
        int slotBase = -8 * (slot + 1);
        if (frame.Stack[slot].IsSpill && s + size <= slotBase + 8 && frame.Stack[slot].Spilled is { Type: RegType.Scalar, IsConst: true } constant)
            return Reg.Const((constant.ConstValue >> ((s - slotBase) * 8)) & SizeMask(size));
        bool allZero = true;
        for (int a = s; a < s + size; a++)
        {
            var kind = frame.ByteAt(a);
            switch (kind)
            {
                case SlotByte.Invalid:
                    // Privileged: an unknown value (the engines zero the stack, and 0 is one of the values it stands for).
                    if (AllowUninitializedStack) { allZero = false; break; }
                    throw Fail(VerifierErrorKind.InvalidMemoryAccess,
                        $"invalid read from stack: fp{s} size {size} reads uninitialized byte fp{a}; write the stack before reading it");
                case SlotByte.Spill:
                {
                    var spilled = SpillAt(frame, a);
                    if (spilled.IsPointer)
                        throw Fail(VerifierErrorKind.InvalidMemoryAccess, $"invalid size of register fill: reading {size} bytes of the spilled pointer ({spilled.TypeName}) at fp{s}");
                    if (!(spilled.IsConst && spilled.ConstValue == 0)) allZero = false;
                    break;
                }
                case SlotByte.Misc: allZero = false; break;
            }
        }
        return allZero ? Reg.Const(0) : Reg.UnknownOfSize(size);
    }

    /// <summary>Privileged programs (CAP_PERFMON in Linux: allow_uninit_stack) may read stack they never wrote.</summary>
    private bool AllowUninitializedStack => _privileged;

    /// <summary>A variable stack offset must have both bounds within ±<see cref="MaxVarOffset"/> (Linux's
    /// check_stack_access_within_bounds), which also keeps the range arithmetic below from overflowing.</summary>
    private void CheckBoundedStackOffset(int regNo, in Reg reg)
    {
        if (reg.SMax >= MaxVarOffset || reg.SMin <= -MaxVarOffset)
            throw Fail(VerifierErrorKind.OutOfBoundsAccess, $"invalid unbounded variable-offset stack access through r{regNo} ({reg.Format(_context)}): check its bounds first");
    }

    /// <summary>Stack accesses must be naturally aligned (the kernel is always strict about the stack).</summary>
    private void CheckStackAlignment(int regNo, in Reg reg, int off, int size)
    {
        if (!(reg.Var + Tnum.Const((ulong)(long)(reg.Off + off))).IsAligned((ulong)size))
            throw Fail(VerifierErrorKind.InvalidMemoryAccess, $"misaligned stack access: r{regNo} offset {reg.Off + off}{(reg.VarOffsetIsZero ? "" : "+var")} size {size}");
    }

    private static Reg SpillAt(Frame frame, int offset) => frame.Stack[(-offset - 1) / 8].Spilled;

    private static void SetByte(Frame frame, int offset, SlotByte kind)
    {
        int slot = (-offset - 1) / 8;
        frame.Stack[slot].Set(offset + 8 * (slot + 1), kind);
    }

    /// <summary>Turns a spilled register covering <paramref name="offset"/> into plain bytes (misc) before a partial overwrite.</summary>
    private void DestroySpill(Frame frame, int offset, bool pointerCheck)
    {
        int slot = (-offset - 1) / 8;
        if (slot >= frame.Stack.Length || !frame.Stack[slot].IsSpill) return;
        if (pointerCheck && frame.Stack[slot].Spilled.IsPointer)
            throw Fail(VerifierErrorKind.PointerLeak, $"partially overwriting a spilled pointer ({frame.Stack[slot].Spilled.TypeName}) at fp{-8 * (slot + 1)} is not allowed");
        var spilled = frame.Stack[slot].Spilled;
        frame.Stack[slot].Bytes = spilled.IsScalar && spilled.IsConst && spilled.ConstValue == 0 ? StackSlot.AllZero : StackSlot.AllMisc;
        frame.Stack[slot].Spilled = default;
    }

    private void NoteStackDepth(int frameNumber, int lowest)
    {
        int function = _state.Frames[frameNumber].Function;
        if (-lowest > _stackDepth[function]) _stackDepth[function] = -lowest;
    }

    /// <summary>Checks that [start, start+size) of stack frame memory is usable by a helper, and marks it written when the helper fills it.</summary>
    private void HelperStackRange(int regNo, in Reg reg, long size, bool mustBeInitialized, bool helperWrites)
    {
        var frame = _state.Frames[reg.Frame];
        if (!reg.VarOffsetIsZero) CheckBoundedStackOffset(regNo, reg);
        long lo = (long)reg.Off + (reg.VarOffsetIsZero ? 0 : reg.SMin);
        long hi = (long)reg.Off + (reg.VarOffsetIsZero ? 0 : reg.SMax) + size;
        if (size == 0) return;
        if (lo < -StackLimit || hi > 0)
            throw Fail(VerifierErrorKind.HelperArgument, $"r{regNo}: stack memory fp{lo}..fp{hi} ({size} bytes) is outside the frame [-{StackLimit}, 0)");
        NoteStackDepth(reg.Frame, (int)lo);
        frame.EnsureStack((int)lo);
        if (mustBeInitialized || !reg.VarOffsetIsZero)
        {
            for (long a = lo; a < hi; a++)
            {
                var kind = frame.ByteAt((int)a);
                if (kind == SlotByte.Invalid && !AllowUninitializedStack)
                    throw Fail(VerifierErrorKind.HelperArgument,
                        $"r{regNo}: the helper reads {size} bytes at fp{lo}, but fp{a} is not initialized");
                if (kind == SlotByte.Spill && SpillAt(frame, (int)a).IsPointer && !_privileged)
                    throw Fail(VerifierErrorKind.PointerLeak, $"r{regNo}: the helper would read a spilled pointer at fp{a}");
            }
        }
        if (helperWrites)
        {
            for (long a = lo; a < hi; a++) DestroySpill(frame, (int)a, pointerCheck: false);
            for (long a = lo; a < hi; a++) SetByte(frame, (int)a, SlotByte.Misc);
        }
    }

    // ---------------------------------------------------------------- sockets

    /// <summary>Loads through a socket pointer (Linux's check_sock_access): read-only <c>struct bpf_sock</c> fields.</summary>
    private Reg SocketAccess(int regNo, in Reg reg, int off, int size, bool write)
    {
        if (write)
            throw Fail(VerifierErrorKind.InvalidMemoryAccess, $"r{regNo} is a {reg.TypeName} pointer: sockets are read-only, cannot store to it");
        // Arithmetic on socket pointers is refused, so the instruction's offset is the whole offset.
        long offset = (long)reg.Off + off;
        if (!reg.VarOffsetIsZero || offset < 0 || offset + size > ProgramTypes.ContextLayouts.BpfSockSize)
            throw Fail(VerifierErrorKind.OutOfBoundsAccess,
                $"invalid {reg.TypeName} access: offset {offset} size {size} is outside struct bpf_sock ({ProgramTypes.ContextLayouts.BpfSockSize} bytes)");
        var field = ProgramTypes.ContextLayouts.SocketFieldAt((int)offset, size, reg.Type == RegType.SockCommon);
        if (field is null)
        {
            var fields = reg.Type == RegType.SockCommon ? ProgramTypes.ContextLayouts.BpfSockCommonFields : ProgramTypes.ContextLayouts.BpfSockFields;
            var overlapping = fields.FirstOrDefault(f => offset < f.End && offset + size > f.Offset);
            string detail = overlapping is null ? "no readable field there" : $"field '{overlapping.Name}' is at offset {overlapping.Offset} with size {overlapping.Size}";
            throw Fail(VerifierErrorKind.InvalidMemoryAccess, $"invalid {reg.TypeName} access: offset {offset} size {size}: {detail}");
        }
        return Reg.UnknownOfSize(size);
    }

    // ---------------------------------------------------------------- context

    private Reg ContextAccess(int regNo, in Reg reg, int off, int size, bool write, Reg? value, int valueRegister)
    {
        if (!reg.VarOffsetIsZero)
            throw Fail(VerifierErrorKind.InvalidContextAccess,
                $"variable context access through r{regNo} ({reg.Format(_context)}) is not allowed: access the context through its original value with a constant offset in the instruction");
        if (reg.Off != 0)
            throw Fail(VerifierErrorKind.InvalidContextAccess,
                $"r{regNo} is the context pointer moved by {reg.Off}: access the context through its original value with a constant offset in the instruction");
        var field = _ctx.FieldFor(off, size, write);
        if (field is null)
        {
            var overlapping = _ctx.Fields.FirstOrDefault(f => off < f.Offset + f.Size && off + size > f.Offset);
            string detail = overlapping is null ? $"no {_ctx.Name} context field at offset {off}"
                : write && !overlapping.Write ? $"field '{overlapping.Name}' is read-only"
                : !write && !overlapping.Read ? $"field '{overlapping.Name}' cannot be read"
                : $"field '{overlapping.Name}' is at offset {overlapping.Offset} with size {overlapping.Size}";
            throw Fail(VerifierErrorKind.InvalidContextAccess, $"invalid {(write ? "store to" : "load from")} {_ctx.Name} context: offset {off} size {size}: {detail}");
        }
        if (field.PrivilegedOnly && !_privileged)
            throw Fail(VerifierErrorKind.InvalidContextAccess, $"context field '{field.Name}' is only accessible to privileged programs");
        if (write)
        {
            if (value is { IsPointer: true } v)
                throw Fail(VerifierErrorKind.PointerLeak, $"r{valueRegister} is a pointer ({v.TypeName}): pointers cannot be stored into the context");
            return default;
        }
        switch (field.Kind)
        {
            case CtxKind.PacketData:
            case CtxKind.PacketEnd:
            case CtxKind.PacketMeta:
                if (!_ctx.DirectPacketAccess)
                    return Reg.UnknownOfSize(size);
                if (size != field.Size)
                    throw Fail(VerifierErrorKind.InvalidContextAccess, $"context field '{field.Name}' is a packet pointer: load it whole ({field.Size} bytes)");
                var p = Reg.Pointer(field.Kind switch { CtxKind.PacketData => RegType.Packet, CtxKind.PacketEnd => RegType.PacketEnd, _ => RegType.PacketMeta });
                return p;
            case CtxKind.Scalar:
                return Reg.UnknownOfSize(size);
            case CtxKind.Socket:
                return Reg.Pointer(RegType.Socket);
            case CtxKind.SocketOrNull:
            case CtxKind.SockCommonOrNull:
            {
                var sk = Reg.Pointer(field.Kind == CtxKind.SocketOrNull ? RegType.Socket : RegType.SockCommon);
                sk.Flags = RegFlags.MaybeNull;
                sk.Id = NewId();
                return sk;
            }
            default:
                throw Fail(VerifierErrorKind.InvalidContextAccess, $"context field '{field.Name}' holds a pointer the verifier does not model");
        }
    }
}
