using System.Numerics;
using SharpBpf.Isa;

namespace SharpBpf.ProgramTypes;

/// <summary>
/// A context field that the UAPI declares as 32 bits but that stands for a pointer (<c>__sk_buff.data</c>,
/// <c>xdp_md.data_end</c>, ...): programs load it with a 32-bit load at <paramref name="UapiOffset"/>, and the
/// rewritten program loads the full 64-bit pointer from <paramref name="NativeOffset"/> of the native context.
/// </summary>
/// <param name="Name">The field's name, for error messages.</param>
/// <param name="UapiOffset">Offset of the 32-bit field in the UAPI struct.</param>
/// <param name="NativeOffset">Offset of the 8-byte slot holding the real pointer in the native context (8-aligned).</param>
public readonly record struct ContextPointerField(string Name, int UapiOffset, int NativeOffset);

/// <summary>A context access the rewriter cannot translate (wrong size, ambiguous base register).</summary>
public sealed class ContextRewriteException : BpfException
{
    /// <summary>Creates the exception for the instruction at <paramref name="instructionIndex"/>.</summary>
    public ContextRewriteException(int instructionIndex, string problem)
        : base($"instruction {instructionIndex}: {problem}")
    {
        InstructionIndex = instructionIndex;
        Problem = problem;
    }

    /// <summary>Index of the offending instruction.</summary>
    public int InstructionIndex { get; }

    /// <summary>What is wrong.</summary>
    public string Problem { get; }
}

/// <summary>
/// The load-time counterpart of the kernel's <c>convert_ctx_access</c> for pointer fields: every
/// <c>ldxw rX, [ctx + offsetof(field)]</c> whose base register holds the context pointer becomes
/// <c>ldxdw rX, [ctx + native slot]</c>, so that <c>(void *)(long)ctx-&gt;data</c> yields a full 64-bit host pointer.
/// The rewrite is slot-for-slot (no instruction is added), so jump offsets stay valid.
/// <para>
/// Which registers hold the context comes from a forward dataflow over the control-flow graph: r1 at entry; copies
/// (<c>mov64</c>); 8-byte spills to and fills from the stack (<c>[r10 + off]</c>, aligned, within 512 bytes); r1-r5
/// passed to BPF-to-BPF calls (r6-r9 survive calls, r0-r5 do not). Anything else (pointer arithmetic on the context,
/// spills of partial registers, context pointers stored in maps) makes the register "not the context". A load from a
/// pointer field through a register that is the context on some paths but not on others is refused, as is a load of
/// the wrong size; the verifier (when present) gives exact information and should be preferred.
/// </para>
/// </summary>
public static class ContextRewriter
{
    private const int StackSlots = 64;

    /// <summary>Rewrites the context pointer-field loads of <paramref name="code"/>; returns it unchanged when there are none.</summary>
    /// <exception cref="ContextRewriteException">A pointer field is accessed in a way that cannot be translated.</exception>
    public static Bytecode Rewrite(Bytecode code, IReadOnlyList<ContextPointerField> fields)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(fields);
        if (fields.Count == 0) return code;
        var states = Analyze(code);
        Instruction[]? rewritten = null;
        for (int i = 0; i < code.Length; i++)
        {
            var form = code.FormAt(i);
            if (form is null || states[i] is not { } state) continue;
            if (form.Operation is not (Operation.Load or Operation.LoadSx or Operation.StoreImm or Operation.StoreReg) && !form.IsAtomic) continue;
            var insn = code.Instructions[i];
            int baseRegister = form.Operation is Operation.Load or Operation.LoadSx ? insn.Src : insn.Dst;
            int start = insn.Offset, end = insn.Offset + form.AccessSize;
            ContextPointerField? hit = null;
            foreach (var field in fields)
                if (start < field.UapiOffset + 4 && field.UapiOffset < end) hit = field;
            if (hit is not { } f) continue;
            bool mayBeContext = (state.MayContext & (1u << baseRegister)) != 0;
            bool mayBeOther = (state.MayOther & (1u << baseRegister)) != 0;
            if (!mayBeContext) continue;
            if (mayBeOther)
                throw new ContextRewriteException(i, $"r{baseRegister} is the context on some paths only; cannot translate the access to '{f.Name}'");
            if (form.Operation != Operation.Load || form.AccessSize != 4 || start != f.UapiOffset)
                throw new ContextRewriteException(i, $"'{f.Name}' may only be read with a 4-byte load at offset {f.UapiOffset} (found {form.Mnemonic} at offset {start})");
            var wide = OpcodeTable.Find(Operation.Load, form.Class, form.Source, accessSize: 8);
            rewritten ??= code.Instructions.ToArray();
            rewritten[i] = wide.Encode(insn.Dst, insn.Src, checked((short)f.NativeOffset));
        }
        return rewritten is null ? code : Bytecode.FromInstructions(rewritten);
    }

    /// <summary>Per instruction: which registers may hold the context and which may hold something else (null when unreachable).</summary>
    private static State?[] Analyze(Bytecode code)
    {
        var states = new State?[code.Length];
        var work = new Stack<int>();
        Merge(states, work, 0, new State(1u << 1, ~(1u << 1) & 0x7FF, 0, ~0UL));
        while (work.Count > 0)
        {
            int i = work.Pop();
            var state = states[i]!.Value;
            var form = code.FormAt(i)!;
            var insn = code.Instructions[i];
            int next = i + (form.IsWide ? 2 : 1);
            switch (form.Flow)
            {
                case FlowControl.Exit:
                    continue;
                case FlowControl.Jump:
                    Merge(states, work, code.TargetOf(i), state);
                    continue;
                case FlowControl.ConditionalBranch:
                    Merge(states, work, code.TargetOf(i), state);
                    Merge(states, work, next, state);
                    continue;
            }
            if (form.Operation == Operation.CallLocal)
            {
                // The callee gets a fresh frame: arguments in r1-r5, nothing spilled.
                Merge(states, work, code.TargetOf(i), state with { SpillContext = 0, SpillOther = ~0UL });
                Merge(states, work, next, state.Clobber(0, 1, 2, 3, 4, 5));
                continue;
            }
            if (form.Operation is Operation.CallHelper or Operation.CallBtf or Operation.CallRegister)
            {
                Merge(states, work, next, state.Clobber(0, 1, 2, 3, 4, 5));
                continue;
            }
            Merge(states, work, next, Transfer(state, form, insn));
        }
        return states;
    }

    private static State Transfer(State state, InstructionForm form, Instruction insn)
    {
        switch (form.Operation)
        {
            case Operation.Mov when form.Is64Bit && form.Source == OperandSource.Register:
                return state.Copy(insn.Dst, insn.Src);
            case Operation.StoreReg when insn.Dst == 10 && StackSlot(insn.Offset, form.AccessSize) is int slot:
                return state.Spill(slot, insn.Src);
            case Operation.StoreReg or Operation.StoreImm when insn.Dst == 10:
                return state.ClobberStack(insn.Offset, form.AccessSize);
            case Operation.Load when insn.Src == 10 && StackSlot(insn.Offset, form.AccessSize) is int slot:
                return state.Fill(insn.Dst, slot);
            case Operation.StoreReg or Operation.StoreImm:
                return state;
        }
        if (form.IsAtomic)
        {
            if (insn.Dst == 10) state = state.ClobberStack(insn.Offset, form.AccessSize);
            // Fetching atomics write src (cmpxchg writes r0).
            return form.Operation == Operation.AtomicCmpXchg ? state.Clobber(0) : state.Clobber(insn.Src);
        }
        // Legacy packet loads clobber the caller-saved registers, as a call does.
        if (form.Operation is Operation.LoadPacketAbs or Operation.LoadPacketInd) return state.Clobber(0, 1, 2, 3, 4, 5);
        return state.Clobber(insn.Dst);
    }

    private static int? StackSlot(short offset, int size) =>
        size == 8 && offset < 0 && offset >= -StackSlots * 8 && (offset & 7) == 0 ? (-offset / 8) - 1 : null;

    private static void Merge(State?[] states, Stack<int> work, int index, State incoming)
    {
        if ((uint)index >= (uint)states.Length) return;
        var merged = states[index] is { } existing ? existing.Join(incoming) : incoming;
        if (states[index] == merged) return;
        states[index] = merged;
        work.Push(index);
    }

    /// <summary>May-context and may-other sets for registers (bit n = rn) and 8-byte stack slots (bit n = [r10 - 8(n+1)]).</summary>
    private readonly record struct State(uint MayContext, uint MayOther, ulong SpillContext, ulong SpillOther)
    {
        public State Join(State other) =>
            new(MayContext | other.MayContext, MayOther | other.MayOther, SpillContext | other.SpillContext, SpillOther | other.SpillOther);

        public State Clobber(params int[] registers)
        {
            uint mask = 0;
            foreach (int r in registers) mask |= 1u << r;
            return this with { MayContext = MayContext & ~mask, MayOther = MayOther | mask };
        }

        public State Copy(int dst, int src)
        {
            uint bit = 1u << dst;
            bool ctx = (MayContext & (1u << src)) != 0, other = (MayOther & (1u << src)) != 0;
            return this with
            {
                MayContext = ctx ? MayContext | bit : MayContext & ~bit,
                MayOther = other ? MayOther | bit : MayOther & ~bit,
            };
        }

        public State Spill(int slot, int src)
        {
            ulong bit = 1UL << slot;
            bool ctx = (MayContext & (1u << src)) != 0, other = (MayOther & (1u << src)) != 0;
            return this with
            {
                SpillContext = ctx ? SpillContext | bit : SpillContext & ~bit,
                SpillOther = other ? SpillOther | bit : SpillOther & ~bit,
            };
        }

        public State Fill(int dst, int slot)
        {
            uint bit = 1u << dst;
            bool ctx = (SpillContext & (1UL << slot)) != 0, other = (SpillOther & (1UL << slot)) != 0;
            return this with
            {
                MayContext = ctx ? MayContext | bit : MayContext & ~bit,
                MayOther = other ? MayOther | bit : MayOther & ~bit,
            };
        }

        public State ClobberStack(short offset, int size)
        {
            // Any partial write over a slot makes it "not the context".
            ulong mask = 0;
            for (int b = offset; b < offset + size; b++)
                if (b < 0 && b >= -StackSlots * 8) mask |= 1UL << ((-b - 1) / 8);
            return this with { SpillContext = SpillContext & ~mask, SpillOther = SpillOther | mask };
        }
    }
}
