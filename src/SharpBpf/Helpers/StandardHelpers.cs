using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using SharpBpf.Maps;
using SharpBpf.Memory;
using SharpBpf.Runtime;
using static SharpBpf.Helpers.HelperArgument;

namespace SharpBpf.Helpers;

/// <summary>
/// The Linux helpers SharpBpf implements, registered under their kernel ids with their prototypes. Every
/// pointer argument is checked against the run's regions (<see cref="RunContext.GetMemory"/>): memory a helper must
/// read or write as part of its contract faults the run (<see cref="RuntimeError.HelperFault"/>), as the verifier
/// would have rejected the program; the <c>probe_read*</c> source is "unsafe" memory and yields -EFAULT with a
/// zeroed destination instead. Map arguments are <see cref="BpfMap.Handle"/>s; any other value faults.
/// </summary>
public static class StandardHelpers
{
    private const ulong MaxLoops = 1 << 23;
    private const int ForEachKeySlot = 512;
    private const int ForEachMaxDepth = 8;

    [ThreadStatic] private static ulong t_heldSpinLock;
    [ThreadStatic] private static NativeBlock? t_forEachKeys;
    [ThreadStatic] private static int t_forEachDepth;

    /// <summary>Registers every standard helper in <paramref name="table"/>, using <paramref name="environment"/> (a new default one when null).</summary>
    public static HelperTable Register(HelperTable table, HelperEnvironment? environment = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        foreach (var helper in Create(environment ?? new HelperEnvironment())) table.Register(helper);
        return table;
    }

    /// <summary>The standard helpers bound to <paramref name="environment"/>.</summary>
    public static IReadOnlyList<HelperDefinition> Create(HelperEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var env = environment;
        HelperDefinition D(int id, string name, HelperPrototype prototype, HelperFunction function) => new(id, name, function) { Prototype = prototype };
        static HelperPrototype P(HelperReturn r, params HelperArgument[] a) => new(r, a);
        const HelperReturn Int = HelperReturn.Integer;
        var probeRead = P(Int, UninitializedMemory, ConstSizeOrZero, Anything);
        return
        [
            D(HelperIds.MapLookupElem, "map_lookup_elem", P(HelperReturn.MapValueOrNull, ConstMapPointer, MapKey), MapLookupFunction),
            D(HelperIds.MapUpdateElem, "map_update_elem", P(Int, ConstMapPointer, MapKey, MapValue, Anything), MapUpdate),
            D(HelperIds.MapDeleteElem, "map_delete_elem", P(Int, ConstMapPointer, MapKey), MapDelete),
            D(HelperIds.ProbeRead, "probe_read", probeRead, ProbeRead),
            D(HelperIds.KtimeGetNs, "ktime_get_ns", P(Int), (_, _, _, _, _, _) => env.MonotonicClock()),
            D(HelperIds.TracePrintk, "trace_printk", P(Int, InitializedMemory, ConstSize), (c, r1, r2, r3, r4, r5) => TracePrintk(env, c, r1, r2, r3, r4, r5)),
            D(HelperIds.GetPrandomU32, "get_prandom_u32", P(Int), (_, _, _, _, _, _) => env.NextRandom()),
            D(HelperIds.GetSmpProcessorId, "get_smp_processor_id", P(Int), (_, _, _, _, _, _) => (ulong)BpfCpu.Current),
            D(HelperIds.TailCall, "tail_call", P(Int, Context, ConstMapPointer, Anything), TailCall),
            D(HelperIds.GetCurrentPidTgid, "get_current_pid_tgid", P(Int), (_, _, _, _, _, _) => env.CurrentPidTgid()),
            D(HelperIds.GetCurrentComm, "get_current_comm", P(Int, UninitializedMemory, ConstSize), (c, r1, r2, _, _, _) => CurrentComm(env, c, r1, r2)),
            D(HelperIds.PerfEventOutput, "perf_event_output", P(Int, Context, ConstMapPointer, Anything, InitializedMemory, ConstSizeOrZero), PerfEventOutput),
            D(HelperIds.ProbeReadStr, "probe_read_str", probeRead, ProbeReadString),
            D(HelperIds.MapPushElem, "map_push_elem", P(Int, ConstMapPointer, MapValue, Anything), MapPush),
            D(HelperIds.MapPopElem, "map_pop_elem", P(Int, ConstMapPointer, UninitMapValue), MapPop),
            D(HelperIds.MapPeekElem, "map_peek_elem", P(Int, ConstMapPointer, UninitMapValue), MapPeek),
            D(HelperIds.SpinLock, "spin_lock", P(HelperReturn.Void, HelperArgument.SpinLock), SpinLockHelper),
            D(HelperIds.SpinUnlock, "spin_unlock", P(HelperReturn.Void, HelperArgument.SpinLock), SpinUnlockHelper),
            D(HelperIds.Strtol, "strtol", P(Int, InitializedMemory, ConstSize, Anything, Long), (c, r1, r2, r3, r4, _) => StringToInteger(c, r1, r2, r3, r4, signed: true)),
            D(HelperIds.Strtoul, "strtoul", P(Int, InitializedMemory, ConstSize, Anything, Long), (c, r1, r2, r3, r4, _) => StringToInteger(c, r1, r2, r3, r4, signed: false)),
            D(HelperIds.ProbeReadUser, "probe_read_user", probeRead, ProbeRead),
            D(HelperIds.ProbeReadKernel, "probe_read_kernel", probeRead, ProbeRead),
            D(HelperIds.ProbeReadUserStr, "probe_read_user_str", probeRead, ProbeReadString),
            D(HelperIds.ProbeReadKernelStr, "probe_read_kernel_str", probeRead, ProbeReadString),
            D(HelperIds.KtimeGetBootNs, "ktime_get_boot_ns", P(Int), (_, _, _, _, _, _) => (env.BootClock ?? env.MonotonicClock)()),
            D(HelperIds.RingbufOutput, "ringbuf_output", P(Int, ConstMapPointer, InitializedMemory, ConstSizeOrZero, Anything), RingbufOutput),
            D(HelperIds.RingbufReserve, "ringbuf_reserve", P(HelperReturn.RingBufMemoryOrNull, ConstMapPointer, ConstAllocSizeOrZero, Anything), RingbufReserve),
            D(HelperIds.RingbufSubmit, "ringbuf_submit", P(HelperReturn.Void, RingBufMemory, Anything), (c, r1, r2, _, _, _) => RingbufCommit(c, r1, r2, discard: false)),
            D(HelperIds.RingbufDiscard, "ringbuf_discard", P(HelperReturn.Void, RingBufMemory, Anything), (c, r1, r2, _, _, _) => RingbufCommit(c, r1, r2, discard: true)),
            D(HelperIds.RingbufQuery, "ringbuf_query", P(Int, ConstMapPointer, Anything), (c, r1, r2, _, _, _) => ResolveMap<RingBufferMap>(c, r1, "ringbuf_query").Query(r2)),
            D(HelperIds.KtimeGetCoarseNs, "ktime_get_coarse_ns", P(Int), (_, _, _, _, _, _) => env.CoarseClock?.Invoke() ?? env.MonotonicClock() / 1_000_000 * 1_000_000),
            D(HelperIds.ForEachMapElem, "for_each_map_elem", P(Int, ConstMapPointer, CallbackFunction, StackOrNull, Anything), ForEachMapElement),
            D(HelperIds.Snprintf, "snprintf", P(Int, UninitializedMemory, ConstSizeOrZero, ConstString, InitializedMemory, ConstSizeOrZero), Snprintf),
            D(HelperIds.TraceVprintk, "trace_vprintk", P(Int, InitializedMemory, ConstSize, InitializedMemory, ConstSizeOrZero), (c, r1, r2, r3, r4, _) => TraceVprintk(env, c, r1, r2, r3, r4)),
            D(HelperIds.Loop, "loop", P(Int, Anything, CallbackFunction, StackOrNull, Anything), Loop),
            D(HelperIds.Strncmp, "strncmp", P(Int, InitializedMemory, ConstSize, ConstString), Strncmp),
        ];
    }

    // ---- shared plumbing ----

    private static BpfRuntimeException Fault(string helper, string detail) => new(RuntimeError.HelperFault, -1, null, $"{helper}: {detail}");

    /// <summary>The map a handle stands for; faults on anything else.</summary>
    public static T ResolveMap<T>(RunContext context, ulong handle, string helper) where T : BpfMap
    {
        var map = BpfMap.TryFromHandle(handle) ?? throw Fault(helper, $"0x{handle:x} is not a map");
        return map as T ?? throw Fault(helper, $"map '{map.Name}' is a {map.Type} map, not usable here");
    }

    private static ulong Result(int errno) => Errno.ToRegister(errno);

    /// <summary>Reads a NUL-terminated string of at most <paramref name="max"/> bytes (NUL excluded) from readable program memory; null when unreadable or unterminated.</summary>
    private static byte[]? ReadCString(RunContext context, ulong address, int max)
    {
        var region = context.FindRegion(address, 1, MemoryAccess.Read);
        if (region is not { } r) return null;
        ulong available = Math.Min(r.Start + r.Length - address, (ulong)max + 1);
        var span = context.GetMemory(address, available, MemoryAccess.Read, "string");
        int nul = span.IndexOf((byte)0);
        return nul < 0 ? null : span[..nul].ToArray();
    }

    private static byte[]? ReadForFormat(RunContext context, ulong address, int length)
    {
        if (length < 0) return ReadCString(context, address, 4096);
        return context.FindRegion(address, (ulong)length, MemoryAccess.Read) is null ? null : context.GetMemory(address, (ulong)length, MemoryAccess.Read, "format argument").ToArray();
    }

    // ---- maps ----

    /// <summary>
    /// The one <c>map_lookup_elem</c> delegate every table registers: the JIT recognises it and, for verified
    /// programs (whose key pointers the verifier proved), calls <see cref="LookupForProgram"/> directly.
    /// </summary>
    internal static readonly HelperFunction MapLookupFunction = MapLookup;

    private static ulong MapLookup(RunContext context, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5)
    {
        var map = ResolveMap<BpfMap>(context, r1, "map_lookup_elem");
        return LookupForProgram(context, map, context.GetMemory(r2, (ulong)map.KeySize, MemoryAccess.Read, "map_lookup_elem key"));
    }

    /// <summary><c>map_lookup_elem</c> once the key is readable: the value's address (its map's regions added to the run) or 0.</summary>
    internal static ulong LookupForProgram(RunContext context, BpfMap map, ReadOnlySpan<byte> key)
    {
        ulong address = map.ProgramLookup(key);
        if (address != 0) map.AddRegionsTo(context);
        return address;
    }

    private static ulong MapUpdate(RunContext context, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5)
    {
        var map = ResolveMap<BpfMap>(context, r1, "map_update_elem");
        // The verifier allows no helper calls under bpf_spin_lock; a locked update here would spin forever.
        if (t_heldSpinLock != 0) throw Fault("map_update_elem", "called while holding a bpf_spin_lock");
        var key = context.GetMemory(r2, (ulong)map.KeySize, MemoryAccess.Read, "map_update_elem key");
        var value = context.GetMemory(r3, (ulong)map.ValueSize, MemoryAccess.Read, "map_update_elem value");
        return Result(map.ProgramUpdate(key, value, (MapUpdateFlags)r4));
    }

    private static ulong MapDelete(RunContext context, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5)
    {
        var map = ResolveMap<BpfMap>(context, r1, "map_delete_elem");
        var key = context.GetMemory(r2, (ulong)map.KeySize, MemoryAccess.Read, "map_delete_elem key");
        return Result(map.Delete(key));
    }

    private static ulong MapPush(RunContext context, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5)
    {
        var map = ResolveMap<BpfMap>(context, r1, "map_push_elem");
        var value = context.GetMemory(r2, (ulong)map.ValueSize, MemoryAccess.Read, "map_push_elem value");
        return Result(map.Push(value, (MapUpdateFlags)r3));
    }

    private static ulong MapPop(RunContext context, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5)
    {
        var map = ResolveMap<BpfMap>(context, r1, "map_pop_elem");
        var value = context.GetMemory(r2, (ulong)map.ValueSize, MemoryAccess.Write, "map_pop_elem value");
        return Result(map.Pop(value));
    }

    private static ulong MapPeek(RunContext context, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5)
    {
        var map = ResolveMap<BpfMap>(context, r1, "map_peek_elem");
        // A bloom filter reads the value it is asked about; queues and stacks write the value out.
        var access = map is BloomFilterMap ? MemoryAccess.Read : MemoryAccess.Write;
        var value = context.GetMemory(r2, (ulong)map.ValueSize, access, "map_peek_elem value");
        return Result(map.Peek(value));
    }

    private static ulong TailCall(RunContext context, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5)
    {
        var programs = ResolveMap<ProgramArrayMap>(context, r2, "tail_call");
        // A failed tail call is not an error: the program continues after the call. As in Linux, that includes an
        // empty slot and a chain that already took MAX_TAIL_CALL_CNT tail calls.
        if (r3 > uint.MaxValue || programs.Get((uint)r3) is not { } next) return Result(-Errno.ENOENT);
        if (context.TailCallCount >= context.MaxTailCalls) return Result(-Errno.ENOENT);
        context.RequestTailCall(next);
        return 0;
    }

    private static ulong ForEachMapElement(RunContext context, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5)
    {
        if (r4 != 0) return Result(-Errno.EINVAL);
        var map = ResolveMap<BpfMap>(context, r1, "for_each_map_elem");
        if (map.KeySize > ForEachKeySlot) return Result(-Errno.EINVAL);
        if (t_forEachDepth >= ForEachMaxDepth) throw Fault("for_each_map_elem", $"nested more than {ForEachMaxDepth} deep");
        // Keys are handed to the callback in a per-thread native scratch block, which becomes a read-only region.
        var scratch = t_forEachKeys ??= new NativeBlock(ForEachKeySlot * ForEachMaxDepth);
        var scratchRegion = new MemoryRegion(scratch.Address, (ulong)scratch.Length, MemoryAccess.Read, "for_each_map_elem keys");
        bool present = false;
        foreach (var region in context.Regions) present |= region == scratchRegion;
        if (!present) context.AddRegion(scratchRegion);
        map.AddRegionsTo(context);
        int slot = t_forEachDepth++ * ForEachKeySlot;
        try
        {
            int visited = map.ForEachElement((key, valueAddress) =>
            {
                key.CopyTo(scratch.Slice(slot, key.Length));
                ulong stop = context.InvokeCallback(r2, r1, scratch.Address + (ulong)slot, valueAddress, r3);
                return stop == 0 && !context.StopRequested;
            });
            return Result(visited);
        }
        finally
        {
            t_forEachDepth--;
        }
    }

    // ---- callbacks ----

    private static ulong Loop(RunContext context, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5)
    {
        if (r4 != 0) return Result(-Errno.EINVAL);
        if (r1 > MaxLoops) return Result(-Errno.E2BIG);
        for (ulong i = 0; i < r1; i++)
        {
            ulong stop = context.InvokeCallback(r2, i, r3);
            if (stop != 0 || context.StopRequested) return i + 1;
        }
        return r1;
    }

    // ---- spin locks ----

    private static ref int LockWord(RunContext context, ulong address, string helper)
    {
        if ((address & 3) != 0) throw Fault(helper, $"lock at 0x{address:x} is not 4-byte aligned");
        var span = context.GetMemory(address, 4, MemoryAccess.ReadWrite, helper == "spin_lock" ? "spin_lock lock" : "spin_unlock lock");
        return ref MemoryMarshal.Cast<byte, int>(span)[0];
    }

    private static ulong SpinLockHelper(RunContext context, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5)
    {
        ref int word = ref LockWord(context, r1, "spin_lock");
        // The verifier forbids holding two locks; without it, a second lock on this thread would deadlock.
        if (t_heldSpinLock != 0) throw Fault("spin_lock", $"lock at 0x{r1:x} taken while holding the lock at 0x{t_heldSpinLock:x}");
        BpfSpinLock.Acquire(ref word);
        t_heldSpinLock = r1;
        return 0;
    }

    private static ulong SpinUnlockHelper(RunContext context, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5)
    {
        ref int word = ref LockWord(context, r1, "spin_unlock");
        if (t_heldSpinLock != r1) throw Fault("spin_unlock", $"lock at 0x{r1:x} is not held by this program");
        t_heldSpinLock = 0;
        BpfSpinLock.Release(ref word);
        return 0;
    }

    // ---- memory and strings ----

    private static ulong ProbeRead(RunContext context, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5)
    {
        var destination = context.GetMemory(r1, r2, MemoryAccess.Write, "probe_read destination");
        if (r2 == 0) return 0;
        if (context.FindRegion(r3, r2, MemoryAccess.Read) is null)
        {
            destination.Clear();
            return Result(-Errno.EFAULT);
        }
        context.GetMemory(r3, r2, MemoryAccess.Read, "probe_read source").CopyTo(destination);
        return 0;
    }

    private static ulong ProbeReadString(RunContext context, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5)
    {
        var destination = context.GetMemory(r1, r2, MemoryAccess.Write, "probe_read_str destination");
        if (r2 == 0) return 0;
        if (context.FindRegion(r3, 1, MemoryAccess.Read) is not { } region)
        {
            destination.Clear();
            return Result(-Errno.EFAULT);
        }
        ulong readable = Math.Min(region.Start + region.Length - r3, r2);
        var source = context.GetMemory(r3, readable, MemoryAccess.Read, "probe_read_str source");
        int nul = source.IndexOf((byte)0);
        if (nul >= 0)
        {
            source[..(nul + 1)].CopyTo(destination);
            return (ulong)(nul + 1);
        }
        if (readable < r2)
        {
            // The string runs off readable memory before its end.
            destination.Clear();
            return Result(-Errno.EFAULT);
        }
        source[..^1].CopyTo(destination);
        destination[^1] = 0;
        return r2;
    }

    private static ulong CurrentComm(HelperEnvironment env, RunContext context, ulong r1, ulong r2)
    {
        var destination = context.GetMemory(r1, r2, MemoryAccess.Write, "get_current_comm buffer");
        destination.Clear();
        var name = Encoding.UTF8.GetBytes(env.CurrentComm);
        int length = Math.Min(Math.Min(name.Length, 15), destination.Length - 1);
        if (length > 0) name.AsSpan(0, length).CopyTo(destination);
        return 0;
    }

    private static ulong Strncmp(RunContext context, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5)
    {
        var s1 = context.GetMemory(r1, r2, MemoryAccess.Read, "strncmp s1");
        var s2 = ReadCString(context, r3, 1 << 20) ?? throw Fault("strncmp", $"s2 at 0x{r3:x} is not a NUL-terminated string in readable memory");
        for (int i = 0; i < s1.Length; i++)
        {
            int c1 = s1[i], c2 = i < s2.Length ? s2[i] : 0;
            if (c1 != c2) return Result(c1 < c2 ? -1 : 1);
            if (c1 == 0) return 0;
        }
        return 0;
    }

    private static ulong StringToInteger(RunContext context, ulong r1, ulong r2, ulong r3, ulong r4, bool signed)
    {
        var buffer = context.GetMemory(r1, r2, MemoryAccess.Read, signed ? "strtol buffer" : "strtoul buffer");
        var result = context.GetMemory(r4, 8, MemoryAccess.Write, signed ? "strtol result" : "strtoul result");
        int consumed = ParseInteger(buffer, r3, out ulong magnitude, out bool negative);
        if (consumed < 0) return Result(consumed);
        ulong value;
        if (signed)
        {
            if (negative)
            {
                if ((long)(0 - magnitude) > 0) return Result(-Errno.ERANGE);
                value = 0 - magnitude;
            }
            else
            {
                if ((long)magnitude < 0) return Result(-Errno.ERANGE);
                value = magnitude;
            }
        }
        else
        {
            if (negative) return Result(-Errno.EINVAL);
            value = magnitude;
        }
        BinaryPrimitives.WriteUInt64LittleEndian(result, value);
        return (ulong)consumed;
    }

    /// <summary>The kernel's <c>__bpf_strtoull</c>: returns characters consumed or a negative errno.</summary>
    internal static int ParseInteger(ReadOnlySpan<byte> buffer, ulong flags, out ulong value, out bool negative)
    {
        value = 0;
        negative = false;
        uint numberBase = (uint)(flags & 0x1F);
        if (buffer.Length == 0 || (flags & ~0x1FUL) != 0 || numberBase is not (0 or 8 or 10 or 16)) return -Errno.EINVAL;
        int position = 0;
        while (position < buffer.Length && buffer[position] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r') position++;
        negative = position < buffer.Length && buffer[position] == '-';
        if (negative) position++;
        if (position >= buffer.Length) return -Errno.EINVAL;
        var text = buffer[position..];
        if (text.Length > 63) text = text[..63];
        int start = 0;
        static bool IsHex(byte c) => c is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F';
        if (numberBase == 0)
        {
            if (text[0] == '0')
                numberBase = text.Length > 2 && (text[1] | 0x20) == 'x' && IsHex(text[2]) ? 16u : 8u;
            else numberBase = 10;
        }
        if (numberBase == 16 && text.Length > 1 && text[0] == '0' && (text[1] | 0x20) == 'x') start = 2;
        int digits = 0;
        bool overflow = false;
        for (int i = start; i < text.Length; i++)
        {
            byte c = text[i];
            uint digit = c is >= (byte)'0' and <= (byte)'9' ? (uint)(c - '0') : (c | 0x20) is >= 'a' and <= 'f' ? (uint)((c | 0x20) - 'a' + 10) : 99;
            if (digit >= numberBase) break;
            if (value > (ulong.MaxValue - digit) / numberBase) overflow = true;
            value = unchecked(value * numberBase + digit);
            digits++;
        }
        if (overflow) return -Errno.ERANGE;
        if (digits == 0) return -Errno.EINVAL;
        return position + start + digits;
    }

    // ---- printing ----

    private static ulong TracePrintk(HelperEnvironment env, RunContext context, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5)
    {
        var format = context.GetMemory(r1, r2, MemoryAccess.Read, "trace_printk format");
        if (format.IsEmpty || format[^1] != 0) return Result(-Errno.EINVAL);
        ReadOnlySpan<ulong> arguments = [r3, r4, r5];
        int result = BpfPrintf.Format(format, arguments, (address, length) => ReadForFormat(context, address, length), out string line);
        if (result != 0) return Result(result);
        env.WriteTrace(line);
        return (ulong)Encoding.Latin1.GetByteCount(line);
    }

    private static ulong[]? ReadArguments(RunContext context, ulong address, ulong length, string helper)
    {
        if (length % 8 != 0 || length > 12 * 8) return null;
        var bytes = context.GetMemory(address, length, MemoryAccess.Read, helper == "snprintf" ? "snprintf arguments" : "trace_vprintk arguments");
        var arguments = new ulong[length / 8];
        for (int i = 0; i < arguments.Length; i++) arguments[i] = BinaryPrimitives.ReadUInt64LittleEndian(bytes[(i * 8)..]);
        return arguments;
    }

    private static ulong TraceVprintk(HelperEnvironment env, RunContext context, ulong r1, ulong r2, ulong r3, ulong r4)
    {
        var format = context.GetMemory(r1, r2, MemoryAccess.Read, "trace_vprintk format");
        if (format.IsEmpty || format[^1] != 0) return Result(-Errno.EINVAL);
        var arguments = ReadArguments(context, r3, r4, "trace_vprintk");
        if (arguments is null) return Result(-Errno.EINVAL);
        int result = BpfPrintf.Format(format, arguments, (address, length) => ReadForFormat(context, address, length), out string line);
        if (result != 0) return Result(result);
        env.WriteTrace(line);
        return (ulong)Encoding.Latin1.GetByteCount(line);
    }

    private static ulong Snprintf(RunContext context, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5)
    {
        var output = context.GetMemory(r1, r2, MemoryAccess.Write, "snprintf output");
        var format = ReadCString(context, r3, 1 << 16) ?? throw Fault("snprintf", $"format at 0x{r3:x} is not a NUL-terminated string in readable memory");
        var arguments = ReadArguments(context, r4, r5, "snprintf");
        if (arguments is null) return Result(-Errno.EINVAL);
        int result = BpfPrintf.Format(format, arguments, (address, length) => ReadForFormat(context, address, length), out string text);
        if (result != 0) return Result(result);
        var bytes = Encoding.Latin1.GetBytes(text);
        if (output.Length > 0)
        {
            int copied = Math.Min(bytes.Length, output.Length - 1);
            bytes.AsSpan(0, copied).CopyTo(output);
            output[copied] = 0;
        }
        return (ulong)bytes.Length + 1;
    }

    // ---- ring buffer and perf events ----

    private static ulong RingbufOutput(RunContext context, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5)
    {
        var ring = ResolveMap<RingBufferMap>(context, r1, "ringbuf_output");
        var data = context.GetMemory(r2, r3, MemoryAccess.Read, "ringbuf_output data");
        return Result(ring.Output(data, r4));
    }

    private static ulong RingbufReserve(RunContext context, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5)
    {
        var ring = ResolveMap<RingBufferMap>(context, r1, "ringbuf_reserve");
        if (r3 != 0) return 0;
        ulong address = ring.Reserve(r2);
        if (address != 0) ring.AddRegionsTo(context);
        return address;
    }

    private static ulong RingbufCommit(RunContext context, ulong r1, ulong r2, bool discard)
    {
        string helper = discard ? "ringbuf_discard" : "ringbuf_submit";
        // The header sits just before the record; it must be program-visible ring-buffer memory.
        var header = context.GetMemory(r1 - RingBufferMap.HeaderSize, RingBufferMap.HeaderSize, MemoryAccess.Read, discard ? "ringbuf_discard record header" : "ringbuf_submit record header");
        uint owner = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        if (BpfMap.TryFromId(owner) is not RingBufferMap ring || !ring.Commit(r1, discard, r2))
            throw Fault(helper, $"0x{r1:x} is not a reserved ring buffer record");
        return 0;
    }

    private static ulong PerfEventOutput(RunContext context, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5)
    {
        var events = ResolveMap<PerfEventArrayMap>(context, r2, "perf_event_output");
        var data = context.GetMemory(r4, r5, MemoryAccess.Read, "perf_event_output data");
        return Result(events.Output(r3, data));
    }
}
