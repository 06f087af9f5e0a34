using System.Numerics;
using SharpBpf.Isa;

namespace SharpBpf.Verifier;

internal sealed partial class VerifierEngine
{
    private bool Jump(int pc, InstructionForm form, Instruction insn)
    {
        switch (form.Operation)
        {
            case Operation.Ja:
                _state.Pc = _code.TargetOf(pc);
                return true;
            case Operation.CallHelper:
                return HelperCall(pc, insn.Immediate);
            case Operation.CallLocal:
                return LocalCall(pc, _code.TargetOf(pc));
            case Operation.CallBtf:
                throw Fail(VerifierErrorKind.InvalidHelperCall, $"kfunc calls (call btf {insn.Immediate}) are not supported");
            case Operation.CallRegister:
                throw Fail(VerifierErrorKind.InvalidHelperCall, "calls through a register (callx) cannot be verified");
            case Operation.Exit:
                return Exit(pc);
        }

        bool is32 = form.Class == InstructionClass.Jmp32;
        int target = _code.TargetOf(pc);
        var a = ReadReg(insn.Dst);
        bool srcIsReg = form.Source == OperandSource.Register;
        var b = srcIsReg ? ReadReg(insn.Src) : Reg.Const(is32 ? (uint)insn.Immediate : (ulong)(long)insn.Immediate);
        var op = form.Operation;

        if (a.IsPointer || b.IsPointer)
            return PointerBranch(pc, insn, op, is32, a, b, srcIsReg, target);

        var takenA = a; var takenB = b;
        var fallA = a; var fallB = b;
        bool taken = Refine(op, ref takenA, ref takenB, is32, negate: false);
        bool fall = Refine(op, ref fallA, ref fallB, is32, negate: true);
        if (taken && fall)
        {
            var other = _state.Clone();
            other.Pc = target;
            SetLinked(other, insn.Dst, takenA);
            if (srcIsReg) SetLinked(other, insn.Src, takenB);
            Fork(other);
        }
        if (fall)
        {
            SetLinked(_state, insn.Dst, fallA);
            if (srcIsReg) SetLinked(_state, insn.Src, fallB);
            _state.Pc = pc + 1;
            return true;
        }
        if (taken)
        {
            SetLinked(_state, insn.Dst, takenA);
            if (srcIsReg) SetLinked(_state, insn.Src, takenB);
            _state.Pc = target;
            return true;
        }
        // Both directions infeasible: the path itself cannot happen (it was refined into a contradiction).
        return false;
    }

    /// <summary>Writes a refined scalar to its register and to every copy linked to it (same id).</summary>
    private static void SetLinked(VerifierState state, int register, Reg refined)
    {
        if (refined.Id == 0 || !refined.IsScalar)
        {
            state.Current.Regs[register] = refined;
            return;
        }
        if (refined.Type != RegType.Scalar) return;
        int id = refined.Id;
        state.ForEachReg((ref Reg r) => { if (r.Type == RegType.Scalar && r.Id == id) r = refined; });
        state.Current.Regs[register] = refined;
    }

    private static Operation Negate(Operation op) => op switch
    {
        Operation.Jeq => Operation.Jne, Operation.Jne => Operation.Jeq,
        Operation.Jgt => Operation.Jle, Operation.Jle => Operation.Jgt,
        Operation.Jge => Operation.Jlt, Operation.Jlt => Operation.Jge,
        Operation.Jsgt => Operation.Jsle, Operation.Jsle => Operation.Jsgt,
        Operation.Jsge => Operation.Jslt, Operation.Jslt => Operation.Jsge,
        _ => op,
    };

    /// <summary>Narrows <paramref name="a"/> and <paramref name="b"/> to the values where "a op b" (or its negation) holds.
    /// False when no values satisfy it.</summary>
    internal static bool Refine(Operation op, ref Reg a, ref Reg b, bool is32, bool negate)
    {
        if (op == Operation.Jset)
        {
            if (!b.IsConst) return true;
            ulong bits = is32 ? (uint)b.ConstValue : b.ConstValue;
            if (!negate)
            {
                if (((a.Var.Value | a.Var.Mask) & bits) == 0) return false;
                if (System.Numerics.BitOperations.PopCount(bits) == 1) a.Var = new Tnum(a.Var.Value | bits, a.Var.Mask & ~bits);
            }
            else
            {
                if ((a.Var.Value & bits) != 0) return false;
                a.Var = new Tnum(a.Var.Value & ~bits, a.Var.Mask & ~bits);
            }
            return a.Sync();
        }
        if (negate) op = Negate(op);
        if (is32) return Refine32(op, ref a, ref b);
        switch (op)
        {
            case Operation.Jeq:
            {
                if (!Reg.Intersect(ref a.Var, b.Var)) return false;
                b.Var = a.Var;
                a.UMin = b.UMin = Math.Max(a.UMin, b.UMin); a.UMax = b.UMax = Math.Min(a.UMax, b.UMax);
                a.SMin = b.SMin = Math.Max(a.SMin, b.SMin); a.SMax = b.SMax = Math.Min(a.SMax, b.SMax);
                a.U32Min = b.U32Min = Math.Max(a.U32Min, b.U32Min); a.U32Max = b.U32Max = Math.Min(a.U32Max, b.U32Max);
                a.S32Min = b.S32Min = Math.Max(a.S32Min, b.S32Min); a.S32Max = b.S32Max = Math.Min(a.S32Max, b.S32Max);
                break;
            }
            case Operation.Jne:
                if (a.IsConst && b.IsConst) return a.ConstValue != b.ConstValue;
                if (b.IsConst) ExcludeConst64(ref a, b.ConstValue);
                else if (a.IsConst) ExcludeConst64(ref b, a.ConstValue);
                break;
            case Operation.Jgt: return Greater(ref a, ref b, strict: true);
            case Operation.Jge: return Greater(ref a, ref b, strict: false);
            case Operation.Jlt: return Greater(ref b, ref a, strict: true);
            case Operation.Jle: return Greater(ref b, ref a, strict: false);
            case Operation.Jsgt: return SignedGreater(ref a, ref b, strict: true);
            case Operation.Jsge: return SignedGreater(ref a, ref b, strict: false);
            case Operation.Jslt: return SignedGreater(ref b, ref a, strict: true);
            case Operation.Jsle: return SignedGreater(ref b, ref a, strict: false);
        }
        return a.Sync() && b.Sync();
    }

    private static void ExcludeConst64(ref Reg a, ulong c)
    {
        ExcludeBound(ref a.UMin, ref a.UMax, c);
        ExcludeBound(ref a.SMin, ref a.SMax, (long)c);
    }

    // a > b (or a >= b) on 64 bits, unsigned and signed.
    private static bool Greater(ref Reg a, ref Reg b, bool strict) => NarrowGreater(ref a.UMin, a.UMax, b.UMin, ref b.UMax, strict) && a.Sync() && b.Sync();

    private static bool SignedGreater(ref Reg a, ref Reg b, bool strict) => NarrowGreater(ref a.SMin, a.SMax, b.SMin, ref b.SMax, strict) && a.Sync() && b.Sync();

    private static bool Refine32(Operation op, ref Reg a, ref Reg b)
    {
        switch (op)
        {
            case Operation.Jeq:
            {
                var lowB = new Tnum(b.Var.Value & 0xffff_ffff, b.Var.Mask | 0xffff_ffff_0000_0000);
                var lowA = new Tnum(a.Var.Value & 0xffff_ffff, a.Var.Mask | 0xffff_ffff_0000_0000);
                if (!Reg.Intersect(ref a.Var, lowB) || !Reg.Intersect(ref b.Var, lowA)) return false;
                a.U32Min = b.U32Min = Math.Max(a.U32Min, b.U32Min); a.U32Max = b.U32Max = Math.Min(a.U32Max, b.U32Max);
                a.S32Min = b.S32Min = Math.Max(a.S32Min, b.S32Min); a.S32Max = b.S32Max = Math.Min(a.S32Max, b.S32Max);
                break;
            }
            case Operation.Jne:
            {
                bool aConst = a.Var.Subreg.IsConst, bConst = b.Var.Subreg.IsConst;
                if (aConst && bConst) return (uint)a.Var.Value != (uint)b.Var.Value;
                if (bConst) ExcludeConst32(ref a, (uint)b.Var.Value);
                else if (aConst) ExcludeConst32(ref b, (uint)a.Var.Value);
                break;
            }
            case Operation.Jgt: return Greater32(ref a, ref b, true);
            case Operation.Jge: return Greater32(ref a, ref b, false);
            case Operation.Jlt: return Greater32(ref b, ref a, true);
            case Operation.Jle: return Greater32(ref b, ref a, false);
            case Operation.Jsgt: return SignedGreater32(ref a, ref b, true);
            case Operation.Jsge: return SignedGreater32(ref a, ref b, false);
            case Operation.Jslt: return SignedGreater32(ref b, ref a, true);
            case Operation.Jsle: return SignedGreater32(ref b, ref a, false);
        }
        return a.Sync() && b.Sync();
    }

    private static void ExcludeConst32(ref Reg a, uint c)
    {
        ExcludeBound(ref a.U32Min, ref a.U32Max, c);
        ExcludeBound(ref a.S32Min, ref a.S32Max, (int)c);
    }

    // a > b (or a >= b) on the low 32 bits, unsigned and signed.
    private static bool Greater32(ref Reg a, ref Reg b, bool strict) => NarrowGreater(ref a.U32Min, a.U32Max, b.U32Min, ref b.U32Max, strict) && a.Sync() && b.Sync();

    private static bool SignedGreater32(ref Reg a, ref Reg b, bool strict) => NarrowGreater(ref a.S32Min, a.S32Max, b.S32Min, ref b.S32Max, strict) && a.Sync() && b.Sync();

    // One bound pair of any width and signedness, for a != c: a range that starts or ends at c loses that end.
    private static void ExcludeBound<T>(ref T min, ref T max, T c) where T : IBinaryInteger<T>
    {
        if (min == c && min < max) min++;
        if (max == c && max > min) max--;
    }

    // One bound pair of any width and signedness, for a > b (strict) or a >= b: a's minimum rises to b's minimum
    // (plus one), b's maximum falls to a's maximum (minus one); false when no value pair can satisfy it.
    private static bool NarrowGreater<T>(ref T aMin, T aMax, T bMin, ref T bMax, bool strict) where T : IBinaryInteger<T>, IMinMaxValue<T>
    {
        if (strict)
        {
            if (bMin == T.MaxValue || aMax == T.MinValue) return false;
            aMin = T.Max(aMin, bMin + T.One);
            bMax = T.Min(bMax, aMax - T.One);
        }
        else
        {
            aMin = T.Max(aMin, bMin);
            bMax = T.Min(bMax, aMax);
        }
        return true;
    }

    // ---------------------------------------------------------------- pointer branches

    private bool PointerBranch(int pc, Instruction insn, Operation op, bool is32, Reg a, Reg b, bool srcIsReg, int target)
    {
        string srcName = srcIsReg ? $"r{insn.Src}" : insn.Immediate.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (is32)
            throw Fail(VerifierErrorKind.PointerComparison, $"32-bit comparison involving a pointer (r{insn.Dst} is {a.TypeName}, {srcName} is {b.TypeName}) is not allowed");

        // Null checks: pointer against the constant 0.
        bool aZero = a.IsScalar && a.IsConst && a.ConstValue == 0;
        bool bZero = b.IsScalar && b.IsConst && b.ConstValue == 0;
        if ((a.IsPointer && bZero) || (b.IsPointer && aZero))
        {
            var ptr = a.IsPointer ? a : b;
            if (op is Operation.Jeq or Operation.Jne)
            {
                if (!ptr.MaybeNull)
                {
                    // Pointers the verifier tracks are never NULL: the comparison's outcome is known.
                    _state.Pc = op == Operation.Jne ? target : pc + 1;
                    return true;
                }
                var nullState = _state.Clone();
                var nonNullState = _state;
                MarkNullness(nullState, ptr, isNull: true);
                MarkNullness(nonNullState, ptr, isNull: false);
                var takenState = op == Operation.Jeq ? nullState : nonNullState;
                var fallState = op == Operation.Jeq ? nonNullState : nullState;
                takenState.Pc = target;
                fallState.Pc = pc + 1;
                if (ReferenceEquals(takenState, _state)) { Fork(fallState); }
                else { Fork(takenState); }
                return true;
            }
            if (!_privileged) throw Fail(VerifierErrorKind.PointerComparison, $"comparing a pointer ({ptr.TypeName}) with a number is not allowed (unprivileged)");
            ForkUnrefined(pc, target);
            return true;
        }

        if (a.MaybeNull || b.MaybeNull)
        {
            // Privileged: Linux lets any pointer be compared; nothing is learnt from it (not even non-nullness).
            if (_privileged) { ForkUnrefined(pc, target); return true; }
            throw Fail(VerifierErrorKind.NullCheckRequired, $"{(a.MaybeNull ? $"r{insn.Dst}" : srcName)} is a {(a.MaybeNull ? a : b).TypeName}: null-check it against 0 before other comparisons");
        }

        // Packet bounds checks.
        if (a.IsPointer && b.IsPointer && IsPacketPair(a, b, out bool packetOnLeft))
        {
            var packet = packetOnLeft ? a : b;
            bool rangeOnTaken = (packetOnLeft, op) switch
            {
                (true, Operation.Jlt or Operation.Jle) => true,
                (false, Operation.Jgt or Operation.Jge) => true,
                _ => false,
            };
            bool rangeOnFall = (packetOnLeft, op) switch
            {
                (true, Operation.Jgt or Operation.Jge) => true,
                (false, Operation.Jlt or Operation.Jle) => true,
                _ => false,
            };
            var other = _state.Clone();
            other.Pc = target;
            if (rangeOnTaken) SetPacketRange(other, packet);
            if (rangeOnFall) SetPacketRange(_state, packet);
            Fork(other);
            _state.Pc = pc + 1;
            return true;
        }

        if (a.IsPointer && b.IsPointer)
        {
            if (!_privileged)
                throw Fail(VerifierErrorKind.PointerComparison, a.Type != b.Type
                    ? $"comparing pointers of different kinds (r{insn.Dst} is {a.TypeName}, {srcName} is {b.TypeName}) is not allowed (unprivileged)"
                    : $"comparing pointers ({a.TypeName}) is not allowed (unprivileged)");
            ForkUnrefined(pc, target);
            return true;
        }
        if (!_privileged)
            throw Fail(VerifierErrorKind.PointerComparison, $"comparing a pointer ({(a.IsPointer ? a : b).TypeName}) with a scalar leaks its address (unprivileged)");
        ForkUnrefined(pc, target);
        return true;
    }

    private void ForkUnrefined(int pc, int target)
    {
        var other = _state.Clone();
        other.Pc = target;
        Fork(other);
        _state.Pc = pc + 1;
    }

    private static bool IsPacketPair(in Reg a, in Reg b, out bool packetOnLeft)
    {
        packetOnLeft = false;
        if (a.Type == RegType.Packet && b.Type == RegType.PacketEnd) { packetOnLeft = true; return true; }
        if (a.Type == RegType.PacketEnd && b.Type == RegType.Packet) return true;
        if (a.Type == RegType.PacketMeta && b.Type == RegType.Packet) { packetOnLeft = true; return true; }
        if (a.Type == RegType.Packet && b.Type == RegType.PacketMeta) return true;
        return false;
    }

    /// <summary>On this path the packet pointer is at most the end: every copy with the same base is in range up to its offset.</summary>
    private static void SetPacketRange(VerifierState state, Reg packet)
    {
        if (packet.Off <= 0 || packet.Off > MaxPacketOffset) return;
        // Risk of overflow (Linux's find_good_pkt_pointers): a huge variable part proves nothing.
        if (packet.UMax > MaxPacketOffset || packet.UMax + (ulong)packet.Off > MaxPacketOffset) return;
        int id = packet.Id, range = packet.Off;
        var type = packet.Type;
        state.ForEachReg((ref Reg r) =>
        {
            if (r.Type == type && r.Id == id && r.Range < range) r.Range = range;
        });
    }

    private static void MarkNullness(VerifierState state, Reg ptr, bool isNull)
    {
        int id = ptr.Id;
        if (id == 0) return;
        if (isNull && ptr.RefId != 0) state.References.RemoveAll(r => r.Id == ptr.RefId);
        state.ForEachReg((ref Reg r) =>
        {
            if (r.Id != id || !r.MaybeNull) return;
            if (isNull) r = Reg.Const(0);
            else r.Flags &= ~RegFlags.MaybeNull;
        });
    }
}
