using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using SharpBpf.Asm;
using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Memory;
using SharpBpf.Runtime;

namespace SharpBpf.Jit;

/// <summary>
/// What compiled code reaches at run time besides its registers: helper delegates resolved at compile time, the
/// blinding key, the region map of split functions, and the out-of-line slow paths (region scan, faults, dynamic
/// helper lookup, legacy packet loads). One instance per executable, shared by all threads; it holds no per-run
/// state (the call site of the current helper call lives in the run's bounds block, see <see cref="CallSiteWord"/>).
/// </summary>
internal sealed class JitRuntime
{
    // Not readonly and read through the instance, so RyuJIT cannot fold (imm ^ key) ^ key back into imm.
    public long BlindKey;
    public HelperFunction[] Helpers = [];
    /// <summary>Maps whose lookups are compiled inline (see <see cref="CompilationContext.KnownArraySlot"/>), checked for disposal per lookup.</summary>
    public Maps.BpfMap[] KnownMaps = [];
    public int[] RegionOfPc = [];
    public readonly Bytecode Code;
    public readonly long Budget;
    /// <summary>The compiled code stores call sites (it makes bound helper calls), so runs need the fault handler.</summary>
    public bool RecordsCallSites;
    // The table the helpers were bound from: names them in fault messages.
    private readonly HelperTable _helperTable;

    public JitRuntime(Bytecode code, long budget, HelperTable helperTable)
    {
        Code = code;
        Budget = budget;
        _helperTable = helperTable;
    }

    private string Text(int pc) => Disassembler.Format(Code, pc, AsmSyntax.Llvm);

    /// <summary>The fault of a checked access no region permits (the compiled region scan found none).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public BpfRuntimeException AccessFault(RunContext context, ulong address, int size, int pc, bool write)
    {
        string verb = write ? "store" : "load";
        if (write && context.FindRegion(address, (ulong)size, MemoryAccess.Read) is { } readOnly)
            return new BpfRuntimeException(RuntimeError.WriteToReadOnly, pc, Text(pc),
                $"{verb} of {size} bytes at 0x{address:x} into read-only region '{readOnly.Name}'", address, size);
        return new BpfRuntimeException(RuntimeError.OutOfBounds, pc, Text(pc),
            $"{verb} of {size} bytes at 0x{address:x} is outside every accessible region", address, size);
    }

    /// <summary>Number of <c>ulong</c>s in the per-run bounds block (<see cref="FillBounds"/>); even, so the stack after it stays 16-byte aligned.</summary>
    public const int BoundsWords = 12;

    /// <summary>
    /// Index in the bounds block of the call-site word: compiled code stores the pc of a bound helper call in its
    /// low 32 bits just before the call, so a fault the helper raises without knowing where it was called from
    /// (pc -1) can be tied to that instruction by the one handler per run (<see cref="LocateHelperFault"/>)
    /// instead of a try block around every call. Each run and each callback has its own block, so the word always
    /// holds the innermost call of the function chain that is running. Not initialised (a store per run saved): a
    /// fault with pc -1 only reaches the handler through a helper, so after a call stored its pc.
    /// </summary>
    public const int CallSiteWord = 10;

    /// <summary>Byte offset of <see cref="CallSiteWord"/> in the bounds block.</summary>
    public const int CallSiteOffset = CallSiteWord * 8;

    /// <summary>Index in the bounds block of the start of the region checked inline for reads (writes: + 5).</summary>
    public static int BoundsStart(bool write) => write ? 5 : 0;

    /// <summary>Index of the highest offset into that region an access of <paramref name="size"/> bytes may have.</summary>
    public static int BoundsLimit(bool write, int size) => BoundsStart(write) + 1 + System.Numerics.BitOperations.Log2((uint)size);

    /// <summary>
    /// Fills the per-run block the checked-mode inline checks read: for reads, then for writes, the start of the
    /// run's first region (the program's input memory or context) and its length minus 1, 2, 4 and 8 (the highest
    /// offset of an access of that size), so a check is one subtraction and one compare against memory and needs
    /// no register of its own. A missing, short (under 8 bytes) or non-permitting region is replaced by the stack,
    /// so the inline check never accepts more than the region scan. Computed once per run (and per callback).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void FillBounds(RunContext context, ulong stackBase, ulong stackSize, ulong* bounds)
    {
        ulong readStart = stackBase, readLength = stackSize, writeStart = stackBase, writeLength = stackSize;
        var regions = context.Regions;
        if (regions.Length != 0 && regions[0].Length >= 8)
        {
            ref readonly var first = ref regions[0];
            if ((first.Access & MemoryAccess.Read) != 0)
            {
                readStart = first.Start;
                readLength = first.Length;
            }
            if ((first.Access & MemoryAccess.Write) != 0)
            {
                writeStart = first.Start;
                writeLength = first.Length;
            }
        }
        bounds[0] = readStart;
        bounds[1] = readLength - 1;
        bounds[2] = readLength - 2;
        bounds[3] = readLength - 4;
        bounds[4] = readLength - 8;
        bounds[5] = writeStart;
        bounds[6] = writeLength - 1;
        bounds[7] = writeLength - 2;
        bounds[8] = writeLength - 4;
        bounds[9] = writeLength - 8;
    }

    /// <summary>
    /// A fault raised inside a bound helper (a <see cref="BpfRuntimeException"/> with pc -1, or a host exception
    /// from the helper's own code), tied to the helper call recorded in <paramref name="bounds"/> (see
    /// <see cref="CallSiteWord"/>); null for anything else: faults of the compiled code carry their pc already.
    /// Runs in the exception filter of the run, so no cost until something faults.
    /// </summary>
    public unsafe BpfRuntimeException? LocateHelperFault(Exception fault, nint bounds)
    {
        if (!IsHelperFault(fault)) return null;
        int pc = *(int*)(bounds + CallSiteOffset);
        if ((uint)pc >= (uint)Code.Length || Code.FormAt(pc)?.Operation != Operation.CallHelper) return null;
        long id = Code.Instructions[pc].Immediate;
        return AtCallSite(fault, pc, id, _helperTable.Get(id)?.Name ?? "?");
    }

    // Compiled code raises only located BpfRuntimeExceptions. A host exception is a helper's when the first frame
    // below the framework's, counting from where it was thrown, is not a compiled method (no declaring type) nor the
    // JIT's own runtime code: a stray pointer of unchecked code, in a load or in an out-of-line atomic
    // (Interlocked), is the program's fault, not the last helper's. Walked only when something faulted.
    private static bool IsHelperFault(Exception fault)
    {
        if (fault is BpfException) return fault is BpfRuntimeException { ProgramCounter: < 0 };
        foreach (var frame in new System.Diagnostics.StackTrace(fault, false).GetFrames())
        {
            var type = frame.GetMethod()?.DeclaringType;
            if (type is null || type.Namespace == typeof(JitRuntime).Namespace) return false;
            if (type.Namespace is not { } name || !(name == "System" || name.StartsWith("System.", StringComparison.Ordinal))) return true;
        }
        return true;
    }

    /// <summary>The fault of helper <paramref name="id"/> called at <paramref name="pc"/>, worded as the interpreter words it.</summary>
    private BpfRuntimeException AtCallSite(Exception fault, int pc, long id, string name) =>
        BpfRuntimeException.AtHelperCall(fault, pc, Text(pc), id, name);

    /// <summary>Charges <paramref name="count"/> instructions to the run's budget.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Charge(RunContext context, long count, int pc)
    {
        long executed = context.InstructionsExecuted + count;
        context.InstructionsExecuted = executed;
        if (executed > Budget) throw BudgetExceeded(pc);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public Exception BudgetExceeded(int pc) =>
        new BpfRuntimeException(RuntimeError.BudgetExceeded, pc, Text(pc), $"instruction budget of {Budget} exhausted");

    [MethodImpl(MethodImplOptions.NoInlining)]
    public Exception CallDepthExceeded(int pc) =>
        new BpfRuntimeException(RuntimeError.CallDepthExceeded, pc, Text(pc), $"more than {Reg.MaxCallDepth} nested frames");

    [MethodImpl(MethodImplOptions.NoInlining)]
    public Exception FellOffEnd(int pc) =>
        new BpfRuntimeException(RuntimeError.FellOffEnd, pc, null, "execution ran past the last instruction");

    [MethodImpl(MethodImplOptions.NoInlining)]
    public Exception BadRegionEntry(int pc) =>
        new BpfRuntimeException(RuntimeError.Unsupported, pc, null, $"internal JIT error: no region entry for pc {pc}");

    /// <summary>
    /// A helper call whose id was not resolved at compile time (unknown then, or <c>callx</c>): an out-of-line call
    /// already, so it ties the helper's faults to <paramref name="pc"/> itself (it knows the id a <c>callx</c> used).
    /// </summary>
    public ulong CallHelperById(RunContext context, long id, int pc, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5)
    {
        var helper = context.Helpers.Get(id)
            ?? throw new BpfRuntimeException(RuntimeError.UnknownHelper, pc, Text(pc), $"no helper is registered with id {id}");
        try
        {
            return helper.Function(context, r1, r2, r3, r4, r5);
        }
        catch (Exception e) when (IsHelperFault(e))
        {
            throw AtCallSite(e, pc, id, helper.Name);
        }
    }

    /// <summary>Legacy LD_ABS/LD_IND: a big-endian load from the packet; false when out of bounds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe bool TryLoadPacket(RunContext context, ulong offset, int size, out ulong value)
    {
        ulong length = context.PacketLength;
        if (offset > length || (ulong)size > length - offset)
        {
            value = 0;
            return false;
        }
        byte* p = (byte*)(context.PacketStart + offset);
        value = size switch
        {
            1 => *p,
            2 => BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ushort>(p)),
            _ => BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<uint>(p)),
        };
        return true;
    }
}

/// <summary>
/// Atomic read-modify-write operations on raw addresses; each returns the old value (zero-extended). None is
/// inlined into compiled programs: inlined, optimised RyuJIT code (.NET 10) was seen to move a later plain load
/// of overlapping memory (`r6 = *(s16 *)(r9 + 0x52)` after `atomic_fetch_add((u64 *)(r9 + 0x50), r8)`) before the
/// interlocked instruction, so the load returned the value from before the add; a call is a barrier it respects.
/// </summary>
internal static unsafe class JitAtomics
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong Add64(ulong address, ulong value) => (ulong)Interlocked.Add(ref *(long*)address, (long)value) - value;
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong Or64(ulong address, ulong value) => Interlocked.Or(ref *(ulong*)address, value);
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong And64(ulong address, ulong value) => Interlocked.And(ref *(ulong*)address, value);
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong Xchg64(ulong address, ulong value) => Interlocked.Exchange(ref *(ulong*)address, value);
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong CmpXchg64(ulong address, ulong value, ulong comparand) => Interlocked.CompareExchange(ref *(ulong*)address, value, comparand);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong Xor64(ulong address, ulong value)
    {
        ref ulong target = ref *(ulong*)address;
        ulong old = Volatile.Read(ref target);
        while (true)
        {
            ulong seen = Interlocked.CompareExchange(ref target, old ^ value, old);
            if (seen == old) return old;
            old = seen;
        }
    }

    // The 32-bit results pass through ZeroExtend: x64 `lock cmpxchg r/m32` leaves the upper half of RAX as it was
    // when the exchange succeeds (only a failed exchange writes EAX), yet optimised RyuJIT code (.NET 10) treats the
    // inlined Interlocked.CompareExchange(ref uint) result as already zero-extended and drops the `mov eax, eax`
    // of the widening. The comparand register then leaks its upper 32 bits into the eBPF register (seen as r0 =
    // 0x123456789abcdef0 instead of 0x9abcdef0 in conformance case lock_cmpxchg32 once r0 came from memory).
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong Add32(ulong address, ulong value) => ZeroExtend((uint)Interlocked.Add(ref *(int*)address, (int)value) - (uint)value);
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong Or32(ulong address, ulong value) => ZeroExtend(Interlocked.Or(ref *(uint*)address, (uint)value));
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong And32(ulong address, ulong value) => ZeroExtend(Interlocked.And(ref *(uint*)address, (uint)value));
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong Xchg32(ulong address, ulong value) => ZeroExtend(Interlocked.Exchange(ref *(uint*)address, (uint)value));
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong CmpXchg32(ulong address, ulong value, ulong comparand) => ZeroExtend(Interlocked.CompareExchange(ref *(uint*)address, (uint)value, (uint)comparand));

    /// <summary>
    /// A real call: the upper half of an int argument register is undefined by the ABI, so the callee always
    /// emits the zero-extension that the caller's peephole could wrongly consider done.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ulong ZeroExtend(uint value) => value;

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong Xor32(ulong address, ulong value)
    {
        ref uint target = ref *(uint*)address;
        uint old = Volatile.Read(ref target);
        while (true)
        {
            uint seen = Interlocked.CompareExchange(ref target, old ^ (uint)value, old);
            if (seen == old) return ZeroExtend(old);
            old = seen;
        }
    }
}

/// <summary>
/// Helper calls the JIT makes without the helper table's delegate, for programs that run unchecked (verified): the
/// verifier proved their pointer arguments, so the helper's own memory checks are skipped, as the kernel's JIT
/// inlines <c>map_lookup_elem</c>. Faults are those of the helper (a bad handle still faults).
/// </summary>
internal static unsafe class JitHelperIntrinsics
{
    /// <summary><c>bpf_map_lookup_elem(map, key)</c> with the key read in place.</summary>
    public static ulong MapLookup(RunContext context, ulong handle, ulong key)
    {
        var map = StandardHelpers.ResolveMap<Maps.BpfMap>(context, handle, "map_lookup_elem");
        return StandardHelpers.LookupForProgram(context, map, new ReadOnlySpan<byte>((void*)key, map.KeySize));
    }
}
