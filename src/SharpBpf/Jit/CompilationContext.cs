using System.Buffers.Binary;
using System.Reflection;
using System.Reflection.Emit;
using SharpBpf.Helpers;
using SharpBpf.Isa;
using SharpBpf.Maps;
using SharpBpf.Memory;
using SharpBpf.Runtime;

namespace SharpBpf.Jit;

/// <summary>
/// A compiled function as the host calls it: registers in, r0 out. The delegate is closed over the method's first
/// parameter (the <see cref="JitRuntime"/>), so invoking it needs no argument-shuffling thunk.
/// </summary>
internal delegate ulong JitFunction(RunContext context, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5,
    ulong frame, ulong stackBase, int depth, nint bounds);

/// <summary>
/// One compilation: the program, its layout, the generated methods and the cached reflection handles every method
/// emitter uses (the dotnet-webassembly model: one context owning what the emitters share).
/// </summary>
internal sealed class CompilationContext
{
    internal static readonly Type[] FunctionParameters =
        [typeof(JitRuntime), typeof(RunContext), typeof(ulong), typeof(ulong), typeof(ulong), typeof(ulong), typeof(ulong), typeof(ulong), typeof(ulong), typeof(int), typeof(nint)];
    internal static readonly Type[] RegionParameters =
        [typeof(JitRuntime), typeof(RunContext), typeof(nint), typeof(ulong), typeof(int), typeof(int), typeof(nint)];

    internal static readonly FieldInfo BlindKeyField = typeof(JitRuntime).GetField(nameof(JitRuntime.BlindKey))!;
    internal static readonly FieldInfo HelpersField = typeof(JitRuntime).GetField(nameof(JitRuntime.Helpers))!;
    internal static readonly FieldInfo RegionOfPcField = typeof(JitRuntime).GetField(nameof(JitRuntime.RegionOfPc))!;
    internal static readonly MethodInfo AccessFault = typeof(JitRuntime).GetMethod(nameof(JitRuntime.AccessFault))!;
    internal static readonly MethodInfo RegionsGetter = typeof(RunContext).GetProperty(nameof(RunContext.Regions))!.GetMethod!;
    internal static readonly MethodInfo RegionSpanLength = typeof(ReadOnlySpan<MemoryRegion>).GetProperty(nameof(ReadOnlySpan<MemoryRegion>.Length))!.GetMethod!;
    internal static readonly MethodInfo RegionSpanItem = typeof(ReadOnlySpan<MemoryRegion>).GetProperty("Item")!.GetMethod!;
    internal static readonly MethodInfo RegionContains = typeof(MemoryRegion).GetMethod(nameof(MemoryRegion.Contains))!;
    internal static readonly MethodInfo RegionAccess = typeof(MemoryRegion).GetProperty(nameof(MemoryRegion.Access))!.GetMethod!;
    internal static readonly MethodInfo Charge = typeof(JitRuntime).GetMethod(nameof(JitRuntime.Charge))!;
    internal static readonly MethodInfo BudgetExceeded = typeof(JitRuntime).GetMethod(nameof(JitRuntime.BudgetExceeded))!;
    internal static readonly MethodInfo CallDepthExceeded = typeof(JitRuntime).GetMethod(nameof(JitRuntime.CallDepthExceeded))!;
    internal static readonly MethodInfo FellOffEnd = typeof(JitRuntime).GetMethod(nameof(JitRuntime.FellOffEnd))!;
    internal static readonly MethodInfo BadRegionEntry = typeof(JitRuntime).GetMethod(nameof(JitRuntime.BadRegionEntry))!;
    internal static readonly MethodInfo CallHelperById = typeof(JitRuntime).GetMethod(nameof(JitRuntime.CallHelperById))!;
    internal static readonly MethodInfo TryLoadPacket = typeof(JitRuntime).GetMethod(nameof(JitRuntime.TryLoadPacket))!;
    internal static readonly MethodInfo HelperInvoke = typeof(HelperFunction).GetMethod(nameof(HelperFunction.Invoke))!;
    internal static readonly MethodInfo MapLookupIntrinsic = typeof(JitHelperIntrinsics).GetMethod(nameof(JitHelperIntrinsics.MapLookup))!;
    internal static readonly FieldInfo KnownMapsField = typeof(JitRuntime).GetField(nameof(JitRuntime.KnownMaps))!;
    internal static readonly MethodInfo MapIsDisposed = typeof(BpfMap).GetProperty(nameof(BpfMap.IsDisposed))!.GetMethod!;
    internal static readonly MethodInfo StopRequested = typeof(RunContext).GetProperty(nameof(RunContext.StopRequested))!.GetMethod!;
    internal static readonly MethodInfo Stop = typeof(RunContext).GetMethod(nameof(RunContext.Stop))!;
    internal static readonly MethodInfo Swap16 = typeof(BinaryPrimitives).GetMethod(nameof(BinaryPrimitives.ReverseEndianness), [typeof(ushort)])!;
    internal static readonly MethodInfo Swap32 = typeof(BinaryPrimitives).GetMethod(nameof(BinaryPrimitives.ReverseEndianness), [typeof(uint)])!;
    internal static readonly MethodInfo Swap64 = typeof(BinaryPrimitives).GetMethod(nameof(BinaryPrimitives.ReverseEndianness), [typeof(ulong)])!;

    internal static MethodInfo Atomic(string name) => typeof(JitAtomics).GetMethod(name)!;

    private readonly Dictionary<int, int> _helperSlots = [];
    private readonly List<HelperFunction> _helperFunctions = [];

    public CompilationContext(Bytecode code, HelperTable helpers, JitOptions options, ProgramLayout layout, long budget)
    {
        Code = code;
        HelperTable = helpers;
        Options = options;
        Layout = layout;
        Checked = options.MemoryMode == JitMemoryMode.Checked;
        Verified = options.Verified;
        Budget = Checked ? budget : 0;
        Blind = options.BlindConstants;
        BlindKey = Blind ? NewKey() : 0;
        StackSize = layout.HasLocalCalls ? Reg.MaxCallDepth * Reg.StackFrameSize : Reg.StackFrameSize;
        FunctionMethods = layout.Functions.Select(f => new DynamicMethod($"bpf_fn_{f.Start}", typeof(ulong), FunctionParameters, typeof(JitRuntime).Module, skipVisibility: true)).ToArray();
        RegionMethods = layout.Regions.Select(r => new DynamicMethod($"bpf_region_{r.Start}_{r.End}", typeof(int), RegionParameters, typeof(JitRuntime).Module, skipVisibility: true)).ToArray();
    }

    public Bytecode Code { get; }
    public HelperTable HelperTable { get; }
    public JitOptions Options { get; }
    public ProgramLayout Layout { get; }
    public bool Checked { get; }

    /// <summary>The verifier accepted the program (<see cref="JitOptions.Verified"/>).</summary>
    public bool Verified { get; }
    /// <summary>Instruction budget charged at backward jumps and calls; 0 = none.</summary>
    public long Budget { get; }
    public bool Blind { get; }
    public long BlindKey { get; }
    public int StackSize { get; }
    public DynamicMethod[] FunctionMethods { get; }
    public DynamicMethod[] RegionMethods { get; }
    public HelperFunction[] HelperFunctions => _helperFunctions.ToArray();
    /// <summary>Some method stores a helper call's pc in the bounds block (see <see cref="JitRuntime.CallSiteWord"/>).</summary>
    public bool RecordsCallSites { get; set; }

    /// <summary>
    /// Some method calls a helper through its delegate (or by id): helpers then check the pointers they are given
    /// against the run's regions, so the stack must be one of them when it escapes.
    /// </summary>
    public bool CallsHelperDelegates { get; set; }

    /// <summary>The slot of a helper known at compile time, or -1.</summary>
    /// <summary>
    /// True when helper <paramref name="id"/> is the standard <c>map_lookup_elem</c> and the code is verified and
    /// unchecked, so the call goes to <see cref="JitHelperIntrinsics.MapLookup"/> instead of the delegate.
    /// </summary>
    public bool IsMapLookupIntrinsic(int id) =>
        !Checked && Verified && HelperTable.Get(id) is { } helper && ReferenceEquals(helper.Function, StandardHelpers.MapLookupFunction);

    /// <summary>
    /// For a <c>map_lookup_elem</c> whose map is known at compile time (the handle a <c>lddw</c> put in r1): the slot
    /// of that map in <see cref="JitRuntime.KnownMaps"/> when the lookup can be compiled inline, as the kernel's JIT
    /// does for arrays (a plain array map: value address = base + key × slot size), else -1.
    /// </summary>
    public int KnownArraySlot(ulong handle, out ArrayMap? array)
    {
        array = BpfMap.TryFromHandle(handle) as ArrayMap;
        if (array is not { IsPerCpu: false, KeySize: 4 })
        {
            array = null;
            return -1;
        }
        int slot = _knownMaps.IndexOf(array);
        if (slot >= 0) return slot;
        _knownMaps.Add(array);
        return _knownMaps.Count - 1;
    }

    /// <summary>The maps <see cref="KnownArraySlot"/> handed out.</summary>
    public BpfMap[] KnownMaps => [.. _knownMaps];

    private readonly List<ArrayMap> _knownMaps = [];

    public int HelperSlot(int id)
    {
        if (_helperSlots.TryGetValue(id, out int slot)) return slot;
        var helper = HelperTable.Get(id);
        if (helper is null) return -1;
        slot = _helperFunctions.Count;
        _helperFunctions.Add(helper.Function);
        CallsHelperDelegates = true;
        _helperSlots[id] = slot;
        return slot;
    }

    private static long NewKey()
    {
        // Both halves non-trivial, so 32-bit immediates are blinded too.
        long key;
        do key = (long)(uint)System.Security.Cryptography.RandomNumberGenerator.GetInt32(int.MaxValue) | ((long)System.Security.Cryptography.RandomNumberGenerator.GetInt32(int.MaxValue) << 32);
        while ((int)key == 0 || (key >> 32) == 0);
        return key;
    }

    public IlWriter Writer(DynamicMethod method) => new(method.GetILGenerator(), method.Name, Options.IlLog);
}
