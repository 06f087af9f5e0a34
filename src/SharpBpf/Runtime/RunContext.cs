using SharpBpf.Helpers;
using SharpBpf.Memory;

namespace SharpBpf.Runtime;

/// <summary>
/// Calls a function of the running program (a BPF-to-BPF callback such as <c>bpf_loop</c>'s) with r1-r5 and returns
/// its r0. <paramref name="callback"/> is the value the program passed for the function: what the engine loaded for
/// <c>lddw rX, func</c> (<c>BPF_PSEUDO_FUNC</c>), encoded with <see cref="RunContext.EncodeCallback"/>.
/// </summary>
public delegate ulong ProgramCallbackInvoker(RunContext context, ulong callback, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5);

/// <summary>
/// The state of one program run that engines and helpers share: the memory regions the program may touch, the
/// helper table, the remaining instruction budget, the legacy packet (for <c>LD_ABS</c>/<c>LD_IND</c>), and the
/// requests a helper can make of the engine (stop now, tail-call another program). A context is used by one
/// thread at a time; <see cref="BpfExecutable"/> keeps one per thread.
/// </summary>
public sealed class RunContext
{
    private MemoryRegion[] _regions = new MemoryRegion[8];
    private int _regionCount;

    /// <summary>Creates a context using <paramref name="helpers"/>.</summary>
    public RunContext(HelperTable helpers) => Helpers = helpers;

    /// <summary>Helpers callable by id.</summary>
    public HelperTable Helpers { get; set; }

    /// <summary>The regions currently accessible, in lookup order.</summary>
    public ReadOnlySpan<MemoryRegion> Regions => _regions.AsSpan(0, _regionCount);

    /// <summary>Start of the packet legacy loads read (network byte order), 0 when there is none.</summary>
    public ulong PacketStart { get; set; }

    /// <summary>Length of that packet in bytes.</summary>
    public ulong PacketLength { get; set; }

    /// <summary>Set by a helper to end the program at once with <see cref="StopValue"/> in r0.</summary>
    public bool StopRequested { get; private set; }

    /// <summary>The r0 of a stopped program.</summary>
    public ulong StopValue { get; private set; }

    /// <summary>Set by the tail-call helper: the program to run next, in place of the current one.</summary>
    public BpfExecutable? PendingTailCall { get; private set; }

    /// <summary>Number of tail calls taken in this run.</summary>
    public int TailCallCount { get; internal set; }

    /// <summary>Executed-instruction counter for this run.</summary>
    public long InstructionsExecuted { get; set; }

    /// <summary>Host data for the program type or attach point (context object, packet metadata, ...).</summary>
    public object? State { get; set; }

    /// <summary>
    /// Set by the engine running the program (in <c>Execute</c>, restored on the way out) so helpers taking callbacks
    /// (<c>bpf_loop</c>, <c>bpf_for_each_map_elem</c>) can call back into it. Null when the engine supports no
    /// callbacks.
    /// <para>
    /// <b>Contract.</b> Every engine loads <c>lddw rX, func</c> (source <see cref="Isa.LoadImm64Source.CodeAddress"/>,
    /// target slot = lddw slot + 1 + imm) as <see cref="EncodeCallback"/>(target slot): a tagged value that is not
    /// an address (dereferencing it faults). The invoker decodes it with <see cref="TryDecodeCallback"/>, must refuse
    /// (<see cref="RuntimeError.HelperFault"/>) a value that is not the start of a function the program takes the
    /// address of, runs that function in a fresh stack frame with r1-r5 (the callback counts against the
    /// instruction budget and the call-depth limit), and returns its r0. A helper that stops the run inside the
    /// callback (a tail call, an unwind) leaves <see cref="StopRequested"/> set for the caller to see.
    /// </para>
    /// </summary>
    public ProgramCallbackInvoker? CallbackInvoker { get; set; }

    private const ulong CallbackTag = 0xCA11_BAC0UL << 32;

    /// <summary>The register value of <c>lddw rX, func</c> for the function starting at instruction slot <paramref name="instructionIndex"/>.</summary>
    public static ulong EncodeCallback(int instructionIndex) =>
        instructionIndex >= 0 ? CallbackTag | (uint)instructionIndex : throw new ArgumentOutOfRangeException(nameof(instructionIndex));

    /// <summary>Decodes a value made by <see cref="EncodeCallback"/>; false for any other value.</summary>
    public static bool TryDecodeCallback(ulong value, out int instructionIndex)
    {
        instructionIndex = (int)(uint)value;
        return (value & 0xFFFF_FFFF_0000_0000UL) == CallbackTag && instructionIndex >= 0;
    }

    /// <summary>Number of callbacks currently running in this run (engines bound the nesting).</summary>
    public int CallbackDepth { get; set; }

    /// <summary>The tail-call limit of the running program (<see cref="ExecutionOptions.MaxTailCalls"/>), for the tail-call helper.</summary>
    public int MaxTailCalls { get; set; } = 33;

    /// <summary>
    /// Calls the program-local function <paramref name="callback"/> through <see cref="CallbackInvoker"/> and returns
    /// its r0. Throws a <see cref="BpfRuntimeException"/> (<see cref="RuntimeError.Unsupported"/>) when the engine
    /// cannot call back.
    /// </summary>
    public ulong InvokeCallback(ulong callback, ulong r1 = 0, ulong r2 = 0, ulong r3 = 0, ulong r4 = 0, ulong r5 = 0) =>
        CallbackInvoker is { } invoker
            ? invoker(this, callback, r1, r2, r3, r4, r5)
            : throw new BpfRuntimeException(RuntimeError.Unsupported, -1, null, "this engine cannot call back into the program (no CallbackInvoker)");

    /// <summary>Forgets all regions and requests; keeps the helper table.</summary>
    public void Reset()
    {
        BeginRun(0);
        PacketStart = 0;
        PacketLength = 0;
        State = null;
        MapRegionHintOwner = null;
    }

    /// <summary>
    /// Starts another run on a context kept between runs (a packet runner): forgets the requests and counters of
    /// the last run and any region added after the first <paramref name="regionCount"/>, keeps the rest, the packet
    /// and <see cref="State"/>.
    /// </summary>
    internal void BeginRun(int regionCount)
    {
        if (regionCount < _regionCount) _regionCount = regionCount;
        StopRequested = false;
        StopValue = 0;
        PendingTailCall = null;
        TailCallCount = 0;
        InstructionsExecuted = 0;
        CallbackInvoker = null;
        CallbackDepth = 0;
    }

    /// <summary>The map whose regions were last found or added (an index hint for <c>BpfMap.AddRegionsTo</c>; checked before use).</summary>
    internal object? MapRegionHintOwner { get; private set; }

    /// <summary>Index of <see cref="MapRegionHintOwner"/>'s first region when it was last found or added.</summary>
    internal int MapRegionHint { get; private set; }

    internal void SetMapRegionHint(object owner, int index)
    {
        if (!ReferenceEquals(MapRegionHintOwner, owner)) MapRegionHintOwner = owner;
        MapRegionHint = index;
    }

    /// <summary>Makes a region accessible for the rest of the run.</summary>
    public void AddRegion(MemoryRegion region)
    {
        if (_regionCount == _regions.Length) Array.Resize(ref _regions, _regions.Length * 2);
        StoreRegion(ref _regions[_regionCount], region);
        _regionCount++;
    }

    // Storing a region (a struct holding a reference) costs a GC write barrier; the engine's stack and a packet runner's
    // packet region are usually what the slot already holds from the last run, so equal regions are not stored.
    private static void StoreRegion(ref MemoryRegion slot, in MemoryRegion region)
    {
        if (slot.Start != region.Start || slot.Length != region.Length || slot.Access != region.Access || !ReferenceEquals(slot.Name, region.Name))
            slot = region;
    }

    /// <summary>Number of regions currently accessible.</summary>
    public int RegionCount => _regionCount;

    /// <summary>Replaces the region at <paramref name="index"/> (engines resize the stack region they own as calls nest).</summary>
    public void ReplaceRegion(int index, MemoryRegion region)
    {
        if ((uint)index >= (uint)_regionCount) throw new ArgumentOutOfRangeException(nameof(index));
        StoreRegion(ref _regions[index], region);
    }

    /// <summary>Removes the region at <paramref name="index"/>, keeping the others in order (engines drop the stack they own).</summary>
    public void RemoveRegionAt(int index)
    {
        if ((uint)index >= (uint)_regionCount) throw new ArgumentOutOfRangeException(nameof(index));
        if (index < _regionCount - 1) Array.Copy(_regions, index + 1, _regions, index, _regionCount - index - 1);
        _regionCount--;
    }

    /// <summary>Removes the most recently added region (engines use it to drop a stack they own).</summary>
    public void RemoveLastRegion() => _regionCount--;

    /// <summary>The region containing <c>[address, address + size)</c> with the given access, or null.</summary>
    public MemoryRegion? FindRegion(ulong address, ulong size, MemoryAccess access)
    {
        // Newest first: the stack and map values that helpers are handed were added last.
        for (int i = _regionCount - 1; i >= 0; i--)
        {
            ref readonly var region = ref _regions[i];
            if (region.Contains(address, size) && (region.Access & access) == access) return region;
        }
        return null;
    }

    /// <summary>
    /// Bounds-checked view of program memory for helpers. Throws a <see cref="BpfRuntimeException"/> of kind
    /// <see cref="RuntimeError.HelperFault"/> naming <paramref name="what"/> when the range is not accessible.
    /// </summary>
    public Span<byte> GetMemory(ulong address, ulong length, MemoryAccess access, string what)
    {
        if (length == 0) return Span<byte>.Empty;
        if (length > int.MaxValue || FindRegion(address, length, access) is null)
            throw new BpfRuntimeException(RuntimeError.HelperFault, -1, null,
                $"{what}: {length} bytes at 0x{address:x} are not {(access.HasFlag(MemoryAccess.Write) ? "writable" : "readable")} program memory",
                address, (int)Math.Min(length, int.MaxValue));
        return NativeView.At(address, (int)length);
    }

    /// <summary>Ends the program at once; the run returns <paramref name="r0"/>.</summary>
    public void Stop(ulong r0)
    {
        StopRequested = true;
        StopValue = r0;
    }

    /// <summary>Replaces the current program with <paramref name="next"/> (the tail-call helper's success path).</summary>
    public void RequestTailCall(BpfExecutable next)
    {
        PendingTailCall = next;
        StopRequested = true;
    }

    internal BpfExecutable? TakeTailCall()
    {
        var next = PendingTailCall;
        PendingTailCall = null;
        StopRequested = false;
        StopValue = 0;
        return next;
    }
}
