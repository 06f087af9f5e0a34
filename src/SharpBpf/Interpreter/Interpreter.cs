using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SharpBpf.Asm;
using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Memory;
using SharpBpf.Runtime;

namespace SharpBpf.Interpreter;

/// <summary>
/// Runs eBPF bytecode by interpretation. The program is pre-decoded once into a compact array of handler codes
/// with precomputed operands and jump displacements; each run then executes a tight dispatch loop with the
/// registers, call frames and 8 × 512 bytes of stack on the host thread's stack, so runs allocate nothing and
/// any number of threads may run one interpreter at once. Every load, store and atomic is bounds-checked against
/// the stack and the <see cref="RunContext.Regions"/>; the instruction budget of <see cref="ExecutionOptions"/> is
/// enforced.
/// </summary>
[SkipLocalsInit]
public sealed unsafe class Interpreter : BpfExecutable
{
    private const int FrameSize = Reg.StackFrameSize;
    private const int StackSize = FrameSize * Reg.MaxCallDepth;
    private const string StackRegionName = "stack";

    // Pinned (allocated on the pinned object heap) so the loop can walk it with a raw pointer.
    private readonly DecodedInstruction[] _decoded;
    private readonly DecodedInstruction* _code;
    // Slots whose address the program takes with lddw src=4: the only valid callback entry points.
    private readonly bool[] _callbackEntries;
    private readonly ProgramCallbackInvoker _invoker;

    /// <summary>Pre-decodes <paramref name="code"/> for execution.</summary>
    /// <param name="code">The program.</param>
    /// <param name="helpers">Helpers the program may call; none when null.</param>
    /// <param name="options">Budget and limits; defaults when null.</param>
    public Interpreter(Bytecode code, HelperTable? helpers = null, ExecutionOptions? options = null)
        : base(code ?? throw new ArgumentNullException(nameof(code)), helpers ?? new HelperTable(), options)
    {
        _decoded = GC.AllocateArray<DecodedInstruction>(code.Length + 1, pinned: true);
        _callbackEntries = new bool[code.Length];
        for (int i = 0; i < code.Length; i++) _decoded[i] = Decode(code, i, _callbackEntries);
        _invoker = InvokeCallback;
        _decoded[code.Length] = new DecodedInstruction { Op = Handler.FellOffEnd };
        _code = (DecodedInstruction*)Unsafe.AsPointer(ref _decoded[0]);
    }

    /// <inheritdoc />
    public override string EngineName => "interpreter";

    /// <inheritdoc />
    protected internal override ulong Execute(RunContext context, ulong r1, ulong r2)
    {
        ArgumentNullException.ThrowIfNull(context);
        var previousInvoker = context.CallbackInvoker;
        context.CallbackInvoker = _invoker;
        try
        {
            return ExecuteAt(context, 0, r1, r2, 0, 0, 0);
        }
        finally
        {
            context.CallbackInvoker = previousInvoker;
        }
    }

    /// <summary>
    /// The <see cref="RunContext.CallbackInvoker"/> of this interpreter: runs the function at the decoded slot in a
    /// fresh stack (its own 8 frames), as a nested run charged to the caller's budget. Callbacks may nest
    /// <see cref="Reg.MaxCallDepth"/> deep.
    /// </summary>
    private ulong InvokeCallback(RunContext context, ulong callback, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5)
    {
        if (!RunContext.TryDecodeCallback(callback, out int entry) || entry >= _callbackEntries.Length || !_callbackEntries[entry])
            throw new BpfRuntimeException(RuntimeError.HelperFault, -1, null, $"callback 0x{callback:x} is not the address of a function of this program");
        if (context.CallbackDepth >= Reg.MaxCallDepth)
            throw new BpfRuntimeException(RuntimeError.CallDepthExceeded, -1, null, $"callbacks nest more than {Reg.MaxCallDepth} deep");
        context.CallbackDepth++;
        try
        {
            return ExecuteAt(context, entry, r1, r2, r3, r4, r5);
        }
        finally
        {
            context.CallbackDepth--;
        }
    }

    private ulong ExecuteAt(RunContext context, int entry, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5)
    {
        byte* stack = stackalloc byte[StackSize];
        ulong* registers = stackalloc ulong[Reg.Count];
        Frame* frames = stackalloc Frame[Reg.MaxCallDepth];
        ulong top = (ulong)(stack + StackSize);

        // Only the first frame is cleared here; each local call clears its own frame, so no host data is visible.
        new Span<byte>(stack + StackSize - FrameSize, FrameSize).Clear();
        new Span<ulong>(registers, Reg.Count).Clear();
        registers[Reg.R1] = r1;
        registers[Reg.R2] = r2;
        registers[Reg.R3] = r3;
        registers[Reg.R4] = r4;
        registers[Reg.R5] = r5;
        registers[Reg.R10] = top;

        long budget = Options.InstructionBudget;
        RunState state;
        state.ReadStart = state.WriteStart = top - FrameSize;
        state.ReadLength = state.WriteLength = FrameSize;
        state.StackLow = top - FrameSize;
        state.StackLength = FrameSize;
        // "Unlimited" leaves headroom: the balance may run ahead of the true remainder by up to a program length.
        state.Remaining = budget <= 0 ? long.MaxValue / 2 : budget - context.InstructionsExecuted;
        state.StackRegionIndex = context.RegionCount;
        state.EntrySlot = entry;
        state.Nested = state.NestedTotal = 0;
        long initial = state.Remaining;
        if (state.StackRegionIndex > 0)
        {
            // Seed the caches with the first region (the context or input memory), the usual target of r1.
            var first = context.Regions[0];
            if (first.Length >= 8 && (first.Access & MemoryAccess.Read) != 0)
            {
                state.ReadStart = first.Start;
                state.ReadLength = first.Length;
            }
            if (first.Length >= 8 && (first.Access & MemoryAccess.Write) != 0)
            {
                state.WriteStart = first.Start;
                state.WriteLength = first.Length;
            }
        }

        // Helpers see the live frames through the context (keys and values passed by pointer).
        context.AddRegion(new MemoryRegion(top - FrameSize, FrameSize, MemoryAccess.ReadWrite, StackRegionName));
        try
        {
            return Loop(context, registers, frames, &state);
        }
        finally
        {
            // Callbacks recorded their own instructions; the balance was charged for them too.
            context.InstructionsExecuted += initial - state.Remaining - state.NestedTotal;
            // Defensive: a helper that reset this thread's context (a nested run) has already dropped the region.
            if (state.StackRegionIndex < context.RegionCount) context.RemoveRegionAt(state.StackRegionIndex);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ulong Loop(RunContext context, ulong* r, Frame* frames, RunState* state)
    {
        DecodedInstruction* pc = _code + state->EntrySlot;
        // The budget is charged at control transfers, not per instruction: running straight from slot s to a
        // transfer at slot i costs i + 1 - s. Charging i + 1 - target at each taken jump or call, e - r when the
        // exit at e returns to the call at r, and e + 1 at the final exit adds up to exactly the instructions
        // executed. In between, the balance overstates what is left by at most the current slot index, so an
        // endless loop is still stopped within one program length of the budget.
        long balance = state->Remaining;
        int depth = 0;

        for (;; pc++)
        {
            switch (pc->Op)
            {
                case Handler.Add64Imm: r[pc->Dst] += pc->Imm; continue;
                case Handler.Add64Reg: r[pc->Dst] += r[pc->Src]; continue;
                case Handler.Sub64Imm: r[pc->Dst] -= pc->Imm; continue;
                case Handler.Sub64Reg: r[pc->Dst] -= r[pc->Src]; continue;
                case Handler.Mul64Imm: r[pc->Dst] *= pc->Imm; continue;
                case Handler.Mul64Reg: r[pc->Dst] *= r[pc->Src]; continue;
                case Handler.Div64Imm: r[pc->Dst] = Div64(r[pc->Dst], pc->Imm); continue;
                case Handler.Div64Reg: r[pc->Dst] = Div64(r[pc->Dst], r[pc->Src]); continue;
                case Handler.SDiv64Imm: r[pc->Dst] = SDiv64(r[pc->Dst], pc->Imm); continue;
                case Handler.SDiv64Reg: r[pc->Dst] = SDiv64(r[pc->Dst], r[pc->Src]); continue;
                case Handler.Or64Imm: r[pc->Dst] |= pc->Imm; continue;
                case Handler.Or64Reg: r[pc->Dst] |= r[pc->Src]; continue;
                case Handler.And64Imm: r[pc->Dst] &= pc->Imm; continue;
                case Handler.And64Reg: r[pc->Dst] &= r[pc->Src]; continue;
                case Handler.Lsh64Imm: r[pc->Dst] <<= (int)pc->Imm; continue;
                case Handler.Lsh64Reg: r[pc->Dst] <<= (int)r[pc->Src]; continue;
                case Handler.Rsh64Imm: r[pc->Dst] >>= (int)pc->Imm; continue;
                case Handler.Rsh64Reg: r[pc->Dst] >>= (int)r[pc->Src]; continue;
                case Handler.Mod64Imm: r[pc->Dst] = Mod64(r[pc->Dst], pc->Imm); continue;
                case Handler.Mod64Reg: r[pc->Dst] = Mod64(r[pc->Dst], r[pc->Src]); continue;
                case Handler.SMod64Imm: r[pc->Dst] = SMod64(r[pc->Dst], pc->Imm); continue;
                case Handler.SMod64Reg: r[pc->Dst] = SMod64(r[pc->Dst], r[pc->Src]); continue;
                case Handler.Xor64Imm: r[pc->Dst] ^= pc->Imm; continue;
                case Handler.Xor64Reg: r[pc->Dst] ^= r[pc->Src]; continue;
                case Handler.Mov64Imm: r[pc->Dst] = pc->Imm; continue;
                case Handler.Mov64Reg: r[pc->Dst] = r[pc->Src]; continue;
                case Handler.Arsh64Imm: r[pc->Dst] = (ulong)((long)r[pc->Dst] >> (int)pc->Imm); continue;
                case Handler.Arsh64Reg: r[pc->Dst] = (ulong)((long)r[pc->Dst] >> (int)r[pc->Src]); continue;
                case Handler.Add32Imm: r[pc->Dst] = (uint)r[pc->Dst] + (uint)pc->Imm; continue;
                case Handler.Add32Reg: r[pc->Dst] = (uint)r[pc->Dst] + (uint)r[pc->Src]; continue;
                case Handler.Sub32Imm: r[pc->Dst] = (uint)r[pc->Dst] - (uint)pc->Imm; continue;
                case Handler.Sub32Reg: r[pc->Dst] = (uint)r[pc->Dst] - (uint)r[pc->Src]; continue;
                case Handler.Mul32Imm: r[pc->Dst] = (uint)r[pc->Dst] * (uint)pc->Imm; continue;
                case Handler.Mul32Reg: r[pc->Dst] = (uint)r[pc->Dst] * (uint)r[pc->Src]; continue;
                case Handler.Div32Imm: r[pc->Dst] = Div32(r[pc->Dst], pc->Imm); continue;
                case Handler.Div32Reg: r[pc->Dst] = Div32(r[pc->Dst], r[pc->Src]); continue;
                case Handler.SDiv32Imm: r[pc->Dst] = SDiv32(r[pc->Dst], pc->Imm); continue;
                case Handler.SDiv32Reg: r[pc->Dst] = SDiv32(r[pc->Dst], r[pc->Src]); continue;
                case Handler.Or32Imm: r[pc->Dst] = (uint)r[pc->Dst] | (uint)pc->Imm; continue;
                case Handler.Or32Reg: r[pc->Dst] = (uint)r[pc->Dst] | (uint)r[pc->Src]; continue;
                case Handler.And32Imm: r[pc->Dst] = (uint)r[pc->Dst] & (uint)pc->Imm; continue;
                case Handler.And32Reg: r[pc->Dst] = (uint)r[pc->Dst] & (uint)r[pc->Src]; continue;
                case Handler.Lsh32Imm: r[pc->Dst] = (uint)r[pc->Dst] << (int)pc->Imm; continue;
                case Handler.Lsh32Reg: r[pc->Dst] = (uint)r[pc->Dst] << (int)r[pc->Src]; continue;
                case Handler.Rsh32Imm: r[pc->Dst] = (uint)r[pc->Dst] >> (int)pc->Imm; continue;
                case Handler.Rsh32Reg: r[pc->Dst] = (uint)r[pc->Dst] >> (int)r[pc->Src]; continue;
                case Handler.Mod32Imm: r[pc->Dst] = Mod32(r[pc->Dst], pc->Imm); continue;
                case Handler.Mod32Reg: r[pc->Dst] = Mod32(r[pc->Dst], r[pc->Src]); continue;
                case Handler.SMod32Imm: r[pc->Dst] = SMod32(r[pc->Dst], pc->Imm); continue;
                case Handler.SMod32Reg: r[pc->Dst] = SMod32(r[pc->Dst], r[pc->Src]); continue;
                case Handler.Xor32Imm: r[pc->Dst] = (uint)r[pc->Dst] ^ (uint)pc->Imm; continue;
                case Handler.Xor32Reg: r[pc->Dst] = (uint)r[pc->Dst] ^ (uint)r[pc->Src]; continue;
                case Handler.Mov32Imm: r[pc->Dst] = (uint)pc->Imm; continue;
                case Handler.Mov32Reg: r[pc->Dst] = (uint)r[pc->Src]; continue;
                case Handler.Arsh32Imm: r[pc->Dst] = (uint)((int)r[pc->Dst] >> (int)pc->Imm); continue;
                case Handler.Arsh32Reg: r[pc->Dst] = (uint)((int)r[pc->Dst] >> (int)r[pc->Src]); continue;
                case Handler.Jeq64Imm: if (r[pc->Dst] == pc->Imm) goto taken; continue;
                case Handler.Jeq64Reg: if (r[pc->Dst] == r[pc->Src]) goto taken; continue;
                case Handler.Jgt64Imm: if (r[pc->Dst] > pc->Imm) goto taken; continue;
                case Handler.Jgt64Reg: if (r[pc->Dst] > r[pc->Src]) goto taken; continue;
                case Handler.Jge64Imm: if (r[pc->Dst] >= pc->Imm) goto taken; continue;
                case Handler.Jge64Reg: if (r[pc->Dst] >= r[pc->Src]) goto taken; continue;
                case Handler.Jset64Imm: if ((r[pc->Dst] & pc->Imm) != 0) goto taken; continue;
                case Handler.Jset64Reg: if ((r[pc->Dst] & r[pc->Src]) != 0) goto taken; continue;
                case Handler.Jne64Imm: if (r[pc->Dst] != pc->Imm) goto taken; continue;
                case Handler.Jne64Reg: if (r[pc->Dst] != r[pc->Src]) goto taken; continue;
                case Handler.Jsgt64Imm: if ((long)r[pc->Dst] > (long)pc->Imm) goto taken; continue;
                case Handler.Jsgt64Reg: if ((long)r[pc->Dst] > (long)r[pc->Src]) goto taken; continue;
                case Handler.Jsge64Imm: if ((long)r[pc->Dst] >= (long)pc->Imm) goto taken; continue;
                case Handler.Jsge64Reg: if ((long)r[pc->Dst] >= (long)r[pc->Src]) goto taken; continue;
                case Handler.Jlt64Imm: if (r[pc->Dst] < pc->Imm) goto taken; continue;
                case Handler.Jlt64Reg: if (r[pc->Dst] < r[pc->Src]) goto taken; continue;
                case Handler.Jle64Imm: if (r[pc->Dst] <= pc->Imm) goto taken; continue;
                case Handler.Jle64Reg: if (r[pc->Dst] <= r[pc->Src]) goto taken; continue;
                case Handler.Jslt64Imm: if ((long)r[pc->Dst] < (long)pc->Imm) goto taken; continue;
                case Handler.Jslt64Reg: if ((long)r[pc->Dst] < (long)r[pc->Src]) goto taken; continue;
                case Handler.Jsle64Imm: if ((long)r[pc->Dst] <= (long)pc->Imm) goto taken; continue;
                case Handler.Jsle64Reg: if ((long)r[pc->Dst] <= (long)r[pc->Src]) goto taken; continue;
                case Handler.Jeq32Imm: if ((uint)r[pc->Dst] == (uint)pc->Imm) goto taken; continue;
                case Handler.Jeq32Reg: if ((uint)r[pc->Dst] == (uint)r[pc->Src]) goto taken; continue;
                case Handler.Jgt32Imm: if ((uint)r[pc->Dst] > (uint)pc->Imm) goto taken; continue;
                case Handler.Jgt32Reg: if ((uint)r[pc->Dst] > (uint)r[pc->Src]) goto taken; continue;
                case Handler.Jge32Imm: if ((uint)r[pc->Dst] >= (uint)pc->Imm) goto taken; continue;
                case Handler.Jge32Reg: if ((uint)r[pc->Dst] >= (uint)r[pc->Src]) goto taken; continue;
                case Handler.Jset32Imm: if (((uint)r[pc->Dst] & (uint)pc->Imm) != 0) goto taken; continue;
                case Handler.Jset32Reg: if (((uint)r[pc->Dst] & (uint)r[pc->Src]) != 0) goto taken; continue;
                case Handler.Jne32Imm: if ((uint)r[pc->Dst] != (uint)pc->Imm) goto taken; continue;
                case Handler.Jne32Reg: if ((uint)r[pc->Dst] != (uint)r[pc->Src]) goto taken; continue;
                case Handler.Jsgt32Imm: if ((int)r[pc->Dst] > (int)pc->Imm) goto taken; continue;
                case Handler.Jsgt32Reg: if ((int)r[pc->Dst] > (int)r[pc->Src]) goto taken; continue;
                case Handler.Jsge32Imm: if ((int)r[pc->Dst] >= (int)pc->Imm) goto taken; continue;
                case Handler.Jsge32Reg: if ((int)r[pc->Dst] >= (int)r[pc->Src]) goto taken; continue;
                case Handler.Jlt32Imm: if ((uint)r[pc->Dst] < (uint)pc->Imm) goto taken; continue;
                case Handler.Jlt32Reg: if ((uint)r[pc->Dst] < (uint)r[pc->Src]) goto taken; continue;
                case Handler.Jle32Imm: if ((uint)r[pc->Dst] <= (uint)pc->Imm) goto taken; continue;
                case Handler.Jle32Reg: if ((uint)r[pc->Dst] <= (uint)r[pc->Src]) goto taken; continue;
                case Handler.Jslt32Imm: if ((int)r[pc->Dst] < (int)pc->Imm) goto taken; continue;
                case Handler.Jslt32Reg: if ((int)r[pc->Dst] < (int)r[pc->Src]) goto taken; continue;
                case Handler.Jsle32Imm: if ((int)r[pc->Dst] <= (int)pc->Imm) goto taken; continue;
                case Handler.Jsle32Reg: if ((int)r[pc->Dst] <= (int)r[pc->Src]) goto taken; continue;
                case Handler.Neg64: r[pc->Dst] = 0 - r[pc->Dst]; continue;
                case Handler.Neg32: r[pc->Dst] = 0 - (uint)r[pc->Dst]; continue;
                case Handler.MovSx64From8: r[pc->Dst] = (ulong)(sbyte)r[pc->Src]; continue;
                case Handler.MovSx64From16: r[pc->Dst] = (ulong)(short)r[pc->Src]; continue;
                case Handler.MovSx64From32: r[pc->Dst] = (ulong)(int)r[pc->Src]; continue;
                case Handler.MovSx32From8: r[pc->Dst] = (uint)(sbyte)r[pc->Src]; continue;
                case Handler.MovSx32From16: r[pc->Dst] = (uint)(short)r[pc->Src]; continue;
                // The host is little-endian: "to little-endian" only truncates.
                case Handler.ToLe16: r[pc->Dst] = (ushort)r[pc->Dst]; continue;
                case Handler.ToLe32: r[pc->Dst] = (uint)r[pc->Dst]; continue;
                case Handler.ToLe64: continue;
                case Handler.ToBe16:
                case Handler.Bswap16: r[pc->Dst] = BinaryPrimitives.ReverseEndianness((ushort)r[pc->Dst]); continue;
                case Handler.ToBe32:
                case Handler.Bswap32: r[pc->Dst] = BinaryPrimitives.ReverseEndianness((uint)r[pc->Dst]); continue;
                case Handler.ToBe64:
                case Handler.Bswap64: r[pc->Dst] = BinaryPrimitives.ReverseEndianness(r[pc->Dst]); continue;

                case Handler.Ja: goto taken;

                case Handler.LoadImm64:
                    r[pc->Dst] = pc->Imm;
                    pc++; // skip the second slot; it is part of this one instruction
                    balance++;
                    continue;

                case Handler.Load1:
                {
                    ulong a = r[pc->Src] + (ulong)(long)pc->Aux;
                    if (a - state->StackLow > state->StackLength - 1 && !state->CanRead(a, 1)) a = ResolveRead(context, state, pc, a, 1);
                    r[pc->Dst] = *(byte*)a;
                    continue;
                }
                case Handler.Load2:
                {
                    ulong a = r[pc->Src] + (ulong)(long)pc->Aux;
                    if (a - state->StackLow > state->StackLength - 2 && !state->CanRead(a, 2)) a = ResolveRead(context, state, pc, a, 2);
                    r[pc->Dst] = Unsafe.ReadUnaligned<ushort>((void*)a);
                    continue;
                }
                case Handler.Load4:
                {
                    ulong a = r[pc->Src] + (ulong)(long)pc->Aux;
                    if (a - state->StackLow > state->StackLength - 4 && !state->CanRead(a, 4)) a = ResolveRead(context, state, pc, a, 4);
                    r[pc->Dst] = Unsafe.ReadUnaligned<uint>((void*)a);
                    continue;
                }
                case Handler.Load8:
                {
                    ulong a = r[pc->Src] + (ulong)(long)pc->Aux;
                    if (a - state->StackLow > state->StackLength - 8 && !state->CanRead(a, 8)) a = ResolveRead(context, state, pc, a, 8);
                    r[pc->Dst] = Unsafe.ReadUnaligned<ulong>((void*)a);
                    continue;
                }
                case Handler.LoadSx1:
                {
                    ulong a = r[pc->Src] + (ulong)(long)pc->Aux;
                    if (a - state->StackLow > state->StackLength - 1 && !state->CanRead(a, 1)) a = ResolveRead(context, state, pc, a, 1);
                    r[pc->Dst] = (ulong)*(sbyte*)a;
                    continue;
                }
                case Handler.LoadSx2:
                {
                    ulong a = r[pc->Src] + (ulong)(long)pc->Aux;
                    if (a - state->StackLow > state->StackLength - 2 && !state->CanRead(a, 2)) a = ResolveRead(context, state, pc, a, 2);
                    r[pc->Dst] = (ulong)Unsafe.ReadUnaligned<short>((void*)a);
                    continue;
                }
                case Handler.LoadSx4:
                {
                    ulong a = r[pc->Src] + (ulong)(long)pc->Aux;
                    if (a - state->StackLow > state->StackLength - 4 && !state->CanRead(a, 4)) a = ResolveRead(context, state, pc, a, 4);
                    r[pc->Dst] = (ulong)Unsafe.ReadUnaligned<int>((void*)a);
                    continue;
                }
                case Handler.StoreImm1:
                {
                    ulong a = r[pc->Dst] + (ulong)(long)pc->Aux;
                    if (a - state->StackLow > state->StackLength - 1 && !state->CanWrite(a, 1)) a = ResolveWrite(context, state, pc, a, 1);
                    *(byte*)a = (byte)pc->Imm;
                    continue;
                }
                case Handler.StoreImm2:
                {
                    ulong a = r[pc->Dst] + (ulong)(long)pc->Aux;
                    if (a - state->StackLow > state->StackLength - 2 && !state->CanWrite(a, 2)) a = ResolveWrite(context, state, pc, a, 2);
                    Unsafe.WriteUnaligned((void*)a, (ushort)pc->Imm);
                    continue;
                }
                case Handler.StoreImm4:
                {
                    ulong a = r[pc->Dst] + (ulong)(long)pc->Aux;
                    if (a - state->StackLow > state->StackLength - 4 && !state->CanWrite(a, 4)) a = ResolveWrite(context, state, pc, a, 4);
                    Unsafe.WriteUnaligned((void*)a, (uint)pc->Imm);
                    continue;
                }
                case Handler.StoreImm8:
                {
                    ulong a = r[pc->Dst] + (ulong)(long)pc->Aux;
                    if (a - state->StackLow > state->StackLength - 8 && !state->CanWrite(a, 8)) a = ResolveWrite(context, state, pc, a, 8);
                    Unsafe.WriteUnaligned((void*)a, pc->Imm);
                    continue;
                }
                case Handler.StoreReg1:
                {
                    ulong a = r[pc->Dst] + (ulong)(long)pc->Aux;
                    if (a - state->StackLow > state->StackLength - 1 && !state->CanWrite(a, 1)) a = ResolveWrite(context, state, pc, a, 1);
                    *(byte*)a = (byte)r[pc->Src];
                    continue;
                }
                case Handler.StoreReg2:
                {
                    ulong a = r[pc->Dst] + (ulong)(long)pc->Aux;
                    if (a - state->StackLow > state->StackLength - 2 && !state->CanWrite(a, 2)) a = ResolveWrite(context, state, pc, a, 2);
                    Unsafe.WriteUnaligned((void*)a, (ushort)r[pc->Src]);
                    continue;
                }
                case Handler.StoreReg4:
                {
                    ulong a = r[pc->Dst] + (ulong)(long)pc->Aux;
                    if (a - state->StackLow > state->StackLength - 4 && !state->CanWrite(a, 4)) a = ResolveWrite(context, state, pc, a, 4);
                    Unsafe.WriteUnaligned((void*)a, (uint)r[pc->Src]);
                    continue;
                }
                case Handler.StoreReg8:
                {
                    ulong a = r[pc->Dst] + (ulong)(long)pc->Aux;
                    if (a - state->StackLow > state->StackLength - 8 && !state->CanWrite(a, 8)) a = ResolveWrite(context, state, pc, a, 8);
                    Unsafe.WriteUnaligned((void*)a, r[pc->Src]);
                    continue;
                }

                case Handler.AtomicAdd64:
                case Handler.AtomicAddFetch64:
                case Handler.AtomicOr64:
                case Handler.AtomicOrFetch64:
                case Handler.AtomicAnd64:
                case Handler.AtomicAndFetch64:
                case Handler.AtomicXor64:
                case Handler.AtomicXorFetch64:
                case Handler.AtomicXchg64:
                case Handler.AtomicCmpXchg64:
                case Handler.AtomicAdd32:
                case Handler.AtomicAddFetch32:
                case Handler.AtomicOr32:
                case Handler.AtomicOrFetch32:
                case Handler.AtomicAnd32:
                case Handler.AtomicAndFetch32:
                case Handler.AtomicXor32:
                case Handler.AtomicXorFetch32:
                case Handler.AtomicXchg32:
                case Handler.AtomicCmpXchg32:
                {
                    ulong a = r[pc->Dst] + (ulong)(long)pc->Aux;
                    ulong size = pc->Size;
                    if (a - state->StackLow > state->StackLength - size && !state->CanWrite(a, size)) a = ResolveWrite(context, state, pc, a, (int)size);
                    ExecuteAtomic(pc, r, a);
                    continue;
                }

                case Handler.LoadPacketAbs1:
                case Handler.LoadPacketAbs2:
                case Handler.LoadPacketAbs4:
                    if (!ReadPacket(context, (int)pc->Imm, pc->Size, out r[Reg.R0])) goto packetOutOfBounds;
                    continue;
                case Handler.LoadPacketInd1:
                case Handler.LoadPacketInd2:
                case Handler.LoadPacketInd4:
                    if (!ReadPacket(context, (int)(r[pc->Src] + pc->Imm), pc->Size, out r[Reg.R0])) goto packetOutOfBounds;
                    continue;

                case Handler.CallHelper:
                    r[Reg.R0] = InvokeHelper(context, pc, r, (long)pc->Imm, state);
                    if (state->Nested != 0) balance = ChargeNested(pc, state, balance);
                    if (context.StopRequested) goto stopped;
                    continue;
                case Handler.CallRegister:
                    r[Reg.R0] = InvokeHelper(context, pc, r, (long)r[pc->Dst], state);
                    if (state->Nested != 0) balance = ChargeNested(pc, state, balance);
                    if (context.StopRequested) goto stopped;
                    continue;

                case Handler.CallLocal:
                {
                    balance += pc->Aux;
                    if (balance < 0) ThrowBudgetExceeded(pc, state, balance);
                    if (depth == Reg.MaxCallDepth - 1) ThrowCallDepthExceeded(pc);
                    Frame* frame = frames + depth++;
                    frame->Return = pc;
                    frame->R6 = r[Reg.R6];
                    frame->R7 = r[Reg.R7];
                    frame->R8 = r[Reg.R8];
                    frame->R9 = r[Reg.R9];
                    r[Reg.R10] -= FrameSize;
                    EnterFrame(context, state);
                    pc += pc->Aux;
                    continue;
                }

                case Handler.Exit:
                {
                    if (depth == 0)
                    {
                        balance -= Slot(pc) + 1 - state->EntrySlot;
                        if (balance < 0) ThrowBudgetExceeded(pc, state, balance);
                        state->Remaining = balance;
                        return r[Reg.R0];
                    }
                    Frame* frame = frames + --depth;
                    balance -= (long)((ulong)pc - (ulong)frame->Return) / sizeof(DecodedInstruction);
                    if (balance < 0) ThrowBudgetExceeded(pc, state, balance);
                    r[Reg.R6] = frame->R6;
                    r[Reg.R7] = frame->R7;
                    r[Reg.R8] = frame->R8;
                    r[Reg.R9] = frame->R9;
                    r[Reg.R10] += FrameSize;
                    LeaveFrame(context, state);
                    pc = frame->Return;
                    continue;
                }

                default:
                    // Call by BTF id, unresolved lddw pseudo sources, running past the end: all cold.
                    ThrowUnexecutable(pc);
                    continue;
            }

        taken:
            balance += pc->Aux;
            if (balance < 0) ThrowBudgetExceeded(pc, state, balance);
            pc += pc->Aux;
        }

    packetOutOfBounds:
        // Linux ends the program with r0 = 0 when a legacy packet load is out of bounds.
        state->Remaining = balance - (Slot(pc) + 1 - state->EntrySlot);
        r[Reg.R0] = 0;
        return 0;

    stopped:
        state->Remaining = balance - (Slot(pc) + 1 - state->EntrySlot);
        return context.StopValue;
    }

    // A helper ran callbacks (nested runs that recorded their instructions): the caller's balance pays for them.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private long ChargeNested(DecodedInstruction* pc, RunState* state, long balance)
    {
        balance -= state->Nested;
        state->NestedTotal += state->Nested;
        state->Nested = 0;
        if (balance < 0) ThrowBudgetExceeded(pc, state, balance);
        return balance;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long Slot(DecodedInstruction* pc) => (long)((ulong)pc - (ulong)_code) / sizeof(DecodedInstruction);

    // A fresh, zeroed frame below the caller's; the live frames stay visible to the program and to helpers.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void EnterFrame(RunContext context, RunState* state)
    {
        state->StackLow -= FrameSize;
        state->StackLength += FrameSize;
        new Span<byte>((void*)state->StackLow, FrameSize).Clear();
        context.ReplaceRegion(state->StackRegionIndex, new MemoryRegion(state->StackLow, state->StackLength, MemoryAccess.ReadWrite, StackRegionName));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LeaveFrame(RunContext context, RunState* state)
    {
        state->StackLow += FrameSize;
        state->StackLength -= FrameSize;
        context.ReplaceRegion(state->StackRegionIndex, new MemoryRegion(state->StackLow, state->StackLength, MemoryAccess.ReadWrite, StackRegionName));
    }

    // Division and modulo as RFC 9669 defines them: by zero, div gives 0 and mod leaves dst (ALU32 still zeroes
    // the upper half); INT_MIN / -1 wraps to INT_MIN and INT_MIN % -1 is 0 instead of trapping on the host.
    // 64-bit hardware division is several times slower than 32-bit on many x64 cores; most operands fit in 32 bits.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Div64(ulong a, ulong b) => b == 0 ? 0 : ((a | b) >> 32) == 0 ? (uint)a / (uint)b : a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Div32(ulong a, ulong b) => (uint)b == 0 ? 0 : (uint)a / (uint)b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mod64(ulong a, ulong b) => b == 0 ? a : ((a | b) >> 32) == 0 ? (uint)a % (uint)b : a % b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mod32(ulong a, ulong b) => (uint)b == 0 ? (uint)a : (uint)a % (uint)b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SDiv64(ulong a, ulong b) => b == 0 ? 0 : (long)b == -1 ? 0 - a : (ulong)((long)a / (long)b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SDiv32(ulong a, ulong b) => (uint)b == 0 ? 0 : (int)b == -1 ? 0 - (uint)a : (uint)((int)a / (int)b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SMod64(ulong a, ulong b) => b == 0 ? a : (long)b == -1 ? 0 : (ulong)((long)a % (long)b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SMod32(ulong a, ulong b) => (uint)b == 0 ? (uint)a : (int)b == -1 ? 0 : (uint)((int)a % (int)b);

    private static bool ReadPacket(RunContext context, int offset, int size, out ulong value)
    {
        ulong length = context.PacketLength;
        if (offset < 0 || (ulong)offset > length || (ulong)size > length - (ulong)offset)
        {
            value = 0;
            return false;
        }
        byte* p = (byte*)context.PacketStart + offset;
        value = size switch
        {
            1 => *p,
            2 => BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ushort>(p)),
            _ => BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<uint>(p)),
        };
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ExecuteAtomic(DecodedInstruction* pc, ulong* r, ulong address)
    {
        ref ulong src = ref r[pc->Src];
        if (pc->Size == 8)
        {
            if ((address & 7) != 0) { ExecuteMisalignedAtomic(pc, r, address); return; }
            ref long cell = ref Unsafe.AsRef<long>((void*)address);
            long value = (long)src;
            switch (pc->Op)
            {
                case Handler.AtomicAdd64: Interlocked.Add(ref cell, value); return;
                case Handler.AtomicAddFetch64: src = (ulong)(Interlocked.Add(ref cell, value) - value); return;
                case Handler.AtomicOr64: Interlocked.Or(ref cell, value); return;
                case Handler.AtomicOrFetch64: src = (ulong)Interlocked.Or(ref cell, value); return;
                case Handler.AtomicAnd64: Interlocked.And(ref cell, value); return;
                case Handler.AtomicAndFetch64: src = (ulong)Interlocked.And(ref cell, value); return;
                case Handler.AtomicXor64: XorExchange(ref cell, value); return;
                case Handler.AtomicXorFetch64: src = (ulong)XorExchange(ref cell, value); return;
                case Handler.AtomicXchg64: src = (ulong)Interlocked.Exchange(ref cell, value); return;
                default: r[Reg.R0] = (ulong)Interlocked.CompareExchange(ref cell, value, (long)r[Reg.R0]); return;
            }
        }
        else
        {
            if ((address & 3) != 0) { ExecuteMisalignedAtomic(pc, r, address); return; }
            ref int cell = ref Unsafe.AsRef<int>((void*)address);
            int value = (int)src;
            // The fetching forms zero-extend the old 32-bit value into the register.
            switch (pc->Op)
            {
                case Handler.AtomicAdd32: Interlocked.Add(ref cell, value); return;
                case Handler.AtomicAddFetch32: src = (uint)(Interlocked.Add(ref cell, value) - value); return;
                case Handler.AtomicOr32: Interlocked.Or(ref cell, value); return;
                case Handler.AtomicOrFetch32: src = (uint)Interlocked.Or(ref cell, value); return;
                case Handler.AtomicAnd32: Interlocked.And(ref cell, value); return;
                case Handler.AtomicAndFetch32: src = (uint)Interlocked.And(ref cell, value); return;
                case Handler.AtomicXor32: XorExchange(ref cell, value); return;
                case Handler.AtomicXorFetch32: src = (uint)XorExchange(ref cell, value); return;
                case Handler.AtomicXchg32: src = (uint)Interlocked.Exchange(ref cell, value); return;
                default: r[Reg.R0] = (uint)Interlocked.CompareExchange(ref cell, value, (int)r[Reg.R0]); return;
            }
        }
    }

    private static long XorExchange(ref long cell, long value)
    {
        long old = Volatile.Read(ref cell);
        while (true)
        {
            long seen = Interlocked.CompareExchange(ref cell, old ^ value, old);
            if (seen == old) return old;
            old = seen;
        }
    }

    private static int XorExchange(ref int cell, int value)
    {
        int old = Volatile.Read(ref cell);
        while (true)
        {
            int seen = Interlocked.CompareExchange(ref cell, old ^ value, old);
            if (seen == old) return old;
            old = seen;
        }
    }

    // Interlocked needs natural alignment on some hosts; Linux's verifier rejects misaligned atomics, and here
    // they still compute the right value (without atomicity) rather than crash the host.
    private static void ExecuteMisalignedAtomic(DecodedInstruction* pc, ulong* r, ulong address)
    {
        bool wide = pc->Size == 8;
        ulong mask = wide ? ulong.MaxValue : uint.MaxValue;
        ulong old = wide ? Unsafe.ReadUnaligned<ulong>((void*)address) : Unsafe.ReadUnaligned<uint>((void*)address);
        ulong operand = r[pc->Src] & mask;
        ulong updated;
        bool fetch = true;
        switch (pc->Op)
        {
            case Handler.AtomicAdd64 or Handler.AtomicAdd32: fetch = false; updated = old + operand; break;
            case Handler.AtomicAddFetch64 or Handler.AtomicAddFetch32: updated = old + operand; break;
            case Handler.AtomicOr64 or Handler.AtomicOr32: fetch = false; updated = old | operand; break;
            case Handler.AtomicOrFetch64 or Handler.AtomicOrFetch32: updated = old | operand; break;
            case Handler.AtomicAnd64 or Handler.AtomicAnd32: fetch = false; updated = old & operand; break;
            case Handler.AtomicAndFetch64 or Handler.AtomicAndFetch32: updated = old & operand; break;
            case Handler.AtomicXor64 or Handler.AtomicXor32: fetch = false; updated = old ^ operand; break;
            case Handler.AtomicXorFetch64 or Handler.AtomicXorFetch32: updated = old ^ operand; break;
            case Handler.AtomicXchg64 or Handler.AtomicXchg32: updated = operand; break;
            default:
                updated = old == (r[Reg.R0] & mask) ? operand : old;
                if (wide) Unsafe.WriteUnaligned((void*)address, updated); else Unsafe.WriteUnaligned((void*)address, (uint)updated);
                r[Reg.R0] = old;
                return;
        }
        if (wide) Unsafe.WriteUnaligned((void*)address, updated & mask); else Unsafe.WriteUnaligned((void*)address, (uint)updated);
        if (fetch) r[pc->Src] = old;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private ulong InvokeHelper(RunContext context, DecodedInstruction* pc, ulong* r, long id, RunState* state)
    {
        var helper = context.Helpers.Get(id);
        if (helper is null)
            throw Fault(RuntimeError.UnknownHelper, pc, $"no helper is registered with id {id}");
        long before = context.InstructionsExecuted;
        try
        {
            return helper.Function(context, r[Reg.R1], r[Reg.R2], r[Reg.R3], r[Reg.R4], r[Reg.R5]);
        }
        catch (Exception e) when (e is BpfRuntimeException { ProgramCounter: < 0 } || e is not BpfException)
        {
            // Helpers do not know where they were called from; the program counter makes the fault findable.
            throw BpfRuntimeException.AtHelperCall(e, Index(pc), Describe(Index(pc)), id, helper.Name);
        }
        finally
        {
            state->Nested = context.InstructionsExecuted - before;
        }
    }

    // Slow path of a load: the address is not in the live stack frames nor in the last region read. Returns the
    // address so that the loop need not keep it alive across the call.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private ulong ResolveRead(RunContext context, RunState* state, DecodedInstruction* pc, ulong address, int size)
    {
        var regions = context.Regions;
        for (int i = 0; i < regions.Length; i++)
        {
            if (i == state->StackRegionIndex) continue;
            ref readonly var region = ref regions[i];
            if (!region.Contains(address, (ulong)size) || (region.Access & MemoryAccess.Read) == 0) continue;
            if (region.Length >= 8)
            {
                state->ReadStart = region.Start;
                state->ReadLength = region.Length;
            }
            return address;
        }
        ThrowOutOfBounds(context, state, pc, address, size, "load");
        return address;
    }

    // Slow path of a store or atomic.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private ulong ResolveWrite(RunContext context, RunState* state, DecodedInstruction* pc, ulong address, int size)
    {
        var regions = context.Regions;
        MemoryRegion? readOnly = null;
        for (int i = 0; i < regions.Length; i++)
        {
            if (i == state->StackRegionIndex) continue;
            ref readonly var region = ref regions[i];
            if (!region.Contains(address, (ulong)size)) continue;
            if ((region.Access & MemoryAccess.Write) == 0)
            {
                readOnly ??= region;
                continue;
            }
            if (region.Length >= 8)
            {
                state->WriteStart = region.Start;
                state->WriteLength = region.Length;
            }
            return address;
        }
        if (readOnly is { } r)
            throw Fault(RuntimeError.WriteToReadOnly, pc,
                $"store of {size} bytes at 0x{address:x} into read-only region '{r.Name}' [0x{r.Start:x}, 0x{r.Start + r.Length:x})", address, size);
        ThrowOutOfBounds(context, state, pc, address, size, pc->Op is >= Handler.AtomicAdd64 and <= Handler.AtomicCmpXchg32 ? "atomic" : "store");
        return address;
    }

    [DoesNotReturn]
    private void ThrowOutOfBounds(RunContext context, RunState* state, DecodedInstruction* pc, ulong address, int size, string what)
    {
        var regions = context.Regions;
        var names = new List<string>(regions.Length);
        for (int i = 0; i < regions.Length; i++)
        {
            var region = regions[i];
            names.Add($"{region.Name} [0x{region.Start:x}, 0x{region.Start + region.Length:x})");
        }
        throw Fault(RuntimeError.OutOfBounds, pc,
            $"{what} of {size} bytes at 0x{address:x} is outside every accessible region ({string.Join(", ", names)})", address, size);
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowBudgetExceeded(DecodedInstruction* pc, RunState* state, long balance)
    {
        state->Remaining = Math.Min(balance, 0);
        throw Fault(RuntimeError.BudgetExceeded, pc,
            $"instruction budget of {Options.InstructionBudget} executed instructions exhausted (an endless loop?); raise ExecutionOptions.InstructionBudget or set it to 0 for no limit");
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowUnexecutable(DecodedInstruction* pc)
    {
        switch (pc->Op)
        {
            case Handler.CallBtf:
                throw Fault(RuntimeError.Unsupported, pc,
                    $"calls by BTF id (kfuncs) are not supported by the interpreter (BTF id {(long)pc->Imm})");
            case Handler.LoadImm64Pseudo when (LoadImm64Source)pc->Src == LoadImm64Source.CodeAddress:
                throw Fault(RuntimeError.Unsupported, pc, "lddw of a function address that is not the start of an instruction of this program");
            case Handler.LoadImm64Pseudo:
                throw Fault(RuntimeError.Unsupported, pc,
                    $"lddw with pseudo source {(LoadImm64Source)pc->Src} must be resolved by the loader before the program runs");
            case Handler.FellOffEnd:
                throw new BpfRuntimeException(RuntimeError.FellOffEnd, Index(pc), null,
                    $"execution ran past the last instruction (slot {Index(pc) - 1}) without an exit");
            default:
                throw Fault(RuntimeError.Unsupported, pc, $"internal error: no handler for {pc->Op}");
        }
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowCallDepthExceeded(DecodedInstruction* pc) =>
        throw Fault(RuntimeError.CallDepthExceeded, pc, $"local call nesting exceeds {Reg.MaxCallDepth} frames");

    private BpfRuntimeException Fault(RuntimeError error, DecodedInstruction* pc, string detail, ulong address = 0, int size = 0)
    {
        int index = Index(pc);
        return new BpfRuntimeException(error, index, Describe(index), detail, address, size);
    }

    private int Index(DecodedInstruction* pc) => (int)(pc - _code);

    private string Describe(int index)
    {
        try
        {
            return Disassembler.Format(Code, index, AsmSyntax.Llvm);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A fault report must not fail because the disassembler did.
            return Code.FormAt(index)?.Mnemonic ?? "?";
        }
    }

    private static DecodedInstruction Decode(Bytecode code, int index, bool[] callbackEntries)
    {
        var form = code.FormAt(index);
        if (form is null) return new DecodedInstruction { Op = Handler.SecondSlot };
        var insn = code.Instructions[index];
        var decoded = new DecodedInstruction
        {
            Op = HandlerMap.For(form),
            Dst = (byte)insn.Dst,
            Src = (byte)insn.Src,
            // ALU32 and JMP32 immediates are used as 32-bit values; everything else sign-extends to 64 bits.
            Imm = form.Width == 32 && form.Source == OperandSource.Immediate ? (uint)insn.Immediate : (ulong)(long)insn.Immediate,
        };
        if (form.IsWide) decoded.Imm = code.Immediate64At(index);
        if (form.Operation == Operation.LoadImm64 && (LoadImm64Source)form.DiscriminatorValue == LoadImm64Source.CodeAddress)
        {
            // The address of a program-local function (a callback): the tagged value of RunContext's contract.
            long target = (long)index + 1 + insn.Immediate;
            if (target >= 0 && target < code.Length && code.FormAt((int)target) is not null)
            {
                decoded.Op = Handler.LoadImm64;
                decoded.Imm = RunContext.EncodeCallback((int)target);
                callbackEntries[target] = true;
            }
        }
        if (form.Displacement != BranchDisplacement.None) decoded.Aux = code.TargetOf(index) - index - 1;
        else if (form.IsMemoryAccess) decoded.Aux = insn.Offset;
        if (form.AccessSize != 0) decoded.Size = (byte)form.AccessSize;
        return decoded;
    }

    /// <summary>One pre-decoded instruction slot (16 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct DecodedInstruction
    {
        public Handler Op;
        public byte Dst;
        public byte Src;
        /// <summary>Access size in bytes for memory and packet forms.</summary>
        public byte Size;
        /// <summary>Jumps and local calls: target index minus this index minus one. Memory forms: the offset.</summary>
        public int Aux;
        /// <summary>The immediate operand, already extended as the form uses it; the 64-bit value for lddw.</summary>
        public ulong Imm;
    }

    /// <summary>What a local call saves: where to return and the callee-saved registers.</summary>
    private struct Frame
    {
        public DecodedInstruction* Return;
        public ulong R6, R7, R8, R9;
    }

    /// <summary>Per-run state the loop keeps in memory rather than in registers.</summary>
    private struct RunState
    {
        // The last non-stack regions a load and a store hit (initially the first stack frame, which is always live).
        public ulong ReadStart, ReadLength, WriteStart, WriteLength;
        // The live stack frames: from the current frame's bottom to the first frame's top.
        public ulong StackLow, StackLength;
        public long Remaining;
        public int StackRegionIndex;
        // The slot the run started at (0, or a callback's first slot).
        public int EntrySlot;
        // Instructions the last helper's callbacks executed, and all callbacks so far.
        public long Nested, NestedTotal;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly bool CanRead(ulong address, ulong size) => address - ReadStart <= ReadLength - size;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly bool CanWrite(ulong address, ulong size) => address - WriteStart <= WriteLength - size;
    }
}
