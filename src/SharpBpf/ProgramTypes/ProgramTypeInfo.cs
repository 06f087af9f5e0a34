using System.Collections.Frozen;
using SharpBpf.Helpers;

namespace SharpBpf.ProgramTypes;

/// <summary>
/// What the verifier must know about a program type: its context layout (<see cref="ContextLayouts"/>), the helpers it
/// may call (the kernel's <c>*_func_proto</c>), the return values it may produce (<c>check_return_code</c>) and its
/// packet access rights (<c>may_access_skb</c>, <c>may_access_direct_pkt_data</c>).
/// </summary>
/// <remarks>
/// <see cref="BpfProgramType.Unspecified"/> is SharpBpf's raw memory type (the uBPF/rbpf convention): r1 points at the
/// input memory, r2 holds its length. For verification the context is one readable and writable buffer of
/// <see cref="ContextSize"/> bytes (<see cref="DefaultRawMemorySize"/> via <see cref="For"/>, any size via
/// <see cref="ForRawMemory"/>); a program verified for N bytes must be run with at least N bytes of memory. The verifier
/// should treat r2 as an unknown scalar, since the caller may pass more memory than was verified.
/// Kprobe programs also describe uprobes (same <c>struct pt_regs</c> context).
/// </remarks>
public sealed class ProgramTypeInfo
{
    /// <summary>The raw memory context size <see cref="For"/> uses for <see cref="BpfProgramType.Unspecified"/>.</summary>
    public const int DefaultRawMemorySize = 4096;

    /// <summary>Return range meaning "not checked" (the kernel does not check this type's return value).</summary>
    public static readonly (long Min, long Max) AnyReturnValue = (long.MinValue, long.MaxValue);

    private readonly FrozenSet<int> _helpers;

    private ProgramTypeInfo(BpfProgramType type, string name, int contextSize, IReadOnlyList<ContextField> fields,
        IEnumerable<int> helpers, (long, long) returnRange, bool legacyPacket, bool directPacket, bool packetWrites, bool unprivileged)
    {
        Type = type;
        Name = name;
        ContextSize = contextSize;
        Fields = fields;
        _helpers = helpers.ToFrozenSet();
        ReturnRange = returnRange;
        AllowsLegacyPacketLoads = legacyPacket;
        AllowsDirectPacketAccess = directPacket;
        AllowsPacketWrites = packetWrites;
        AllowsUnprivileged = unprivileged;
    }

    /// <summary>The program type.</summary>
    public BpfProgramType Type { get; }

    /// <summary>The kernel-style short name (<c>socket_filter</c>, <c>xdp</c>, <c>sched_cls</c>, ..., <c>raw</c>).</summary>
    public string Name { get; }

    /// <summary>Size in bytes of the context structure r1 points at on entry.</summary>
    public int ContextSize { get; }

    /// <summary>The accessible context fields in offset order; bytes not covered by a field are inaccessible.</summary>
    public IReadOnlyList<ContextField> Fields { get; }

    /// <summary>
    /// True when a context field loads as a pointer (packet data, a socket): a program trusts what the context holds
    /// there, so running it without bounds checks is safe only on a context whose pointers SharpBpf wrote.
    /// </summary>
    public bool ContextHoldsPointers => Fields.Any(f => f.Kind is not (ContextFieldKind.Scalar or ContextFieldKind.Other));

    /// <summary>Helper ids the type may call (before privilege checks; see <see cref="PrivilegedHelpers"/>).</summary>
    public IReadOnlySet<int> AllowedHelpers => _helpers;

    /// <summary>Allowed values of r0 at the final exit, inclusive; <see cref="AnyReturnValue"/> when unchecked.</summary>
    public (long Min, long Max) ReturnRange { get; }

    /// <summary>True when the return value is range-checked (<see cref="ReturnRange"/> is not <see cref="AnyReturnValue"/>).</summary>
    public bool ChecksReturnValue => ReturnRange != AnyReturnValue;

    /// <summary>True when legacy <c>LD_ABS</c>/<c>LD_IND</c> packet loads are allowed (socket filter, tc).</summary>
    public bool AllowsLegacyPacketLoads { get; }

    /// <summary>True when the context yields <c>data</c>/<c>data_end</c> packet pointers the program may read through.</summary>
    public bool AllowsDirectPacketAccess { get; }

    /// <summary>True when stores through packet pointers are allowed.</summary>
    public bool AllowsPacketWrites { get; }

    /// <summary>True when an unprivileged user may load the type (socket filter and cgroup_skb in the kernel; raw here).</summary>
    public bool AllowsUnprivileged { get; }

    /// <summary>True when <paramref name="helperId"/> may be called by this type.</summary>
    public bool IsHelperAllowed(int helperId) => _helpers.Contains(helperId);

    /// <summary>
    /// The field an access of <paramref name="size"/> bytes at <paramref name="offset"/> hits, honouring narrow reads
    /// and buffers; null when the bytes belong to no field, straddle fields, are misaligned (<c>offset % size != 0</c>,
    /// as the kernel requires) or are narrower than a field that does not allow narrow reads.
    /// Stores must additionally be full-width unless the field is a buffer: use <see cref="FieldFor"/> to check both.
    /// </summary>
    public ContextField? FieldAt(int offset, int size)
    {
        if (size is not (1 or 2 or 4 or 8) || offset < 0 || offset % size != 0) return null;
        foreach (var field in Fields)
        {
            if (offset < field.Offset || offset >= field.End) continue;
            if (offset + size > field.End) return null;
            if (field.IsBuffer || size == field.Size) return field;
            return field.AllowNarrowReads && size < field.Size ? field : null;
        }
        return null;
    }

    /// <summary>
    /// The field an access hits when the access is permitted: <paramref name="access"/> is <see cref="ContextAccess.Read"/>
    /// for loads and <see cref="ContextAccess.Write"/> for stores. Null when the kernel would reject the access
    /// ("invalid bpf_context access"). Privileged-only fields are returned; check <see cref="ContextField.PrivilegedOnly"/>.
    /// </summary>
    public ContextField? FieldFor(int offset, int size, ContextAccess access)
    {
        var field = FieldAt(offset, size);
        if (field is null || (field.Access & access) != access) return null;
        if ((access & ContextAccess.Write) != 0 && !field.IsBuffer && size != field.Size) return null;
        return field;
    }

    /// <summary>The descriptor of <paramref name="type"/>.</summary>
    /// <exception cref="ArgumentException">The type is not described (e.g. flow dissector, struct_ops, LSM).</exception>
    public static ProgramTypeInfo For(BpfProgramType type) =>
        ByType.TryGetValue(type, out var info)
            ? info
            : throw new ArgumentException($"program type {type} ({(uint)type}) is not supported by the verifier", nameof(type));

    /// <summary>A raw memory descriptor (<see cref="BpfProgramType.Unspecified"/>) whose context is <paramref name="size"/> bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is not positive.</exception>
    public static ProgramTypeInfo ForRawMemory(int size) =>
        size == DefaultRawMemorySize ? ByType[BpfProgramType.Unspecified] : CreateRawMemory(size);

    /// <summary>
    /// Helpers that need CAP_BPF/CAP_PERFMON even where a type lists them (<c>bpf_base_func_proto</c>'s capability checks):
    /// spin locks, printing, kernel/user memory probes, current-task queries.
    /// </summary>
    public static IReadOnlySet<int> PrivilegedHelpers { get; } = new[]
    {
        HelperIds.SpinLock, HelperIds.SpinUnlock, HelperIds.TracePrintk, HelperIds.Snprintf, HelperIds.TraceVprintk,
        HelperIds.ProbeRead, HelperIds.ProbeReadStr, HelperIds.ProbeReadUser, HelperIds.ProbeReadKernel,
        HelperIds.ProbeReadUserStr, HelperIds.ProbeReadKernelStr, HelperIds.GetCurrentPidTgid, HelperIds.GetCurrentComm,
        KernelHelpers.GetCurrentUidGid, KernelHelpers.GetCurrentTask,
    }.ToFrozenSet();

    private static ProgramTypeInfo CreateRawMemory(int size) => new(
        BpfProgramType.Unspecified, "raw", size, ContextLayouts.RawMemory(size), RawHelpers, AnyReturnValue,
        legacyPacket: false, directPacket: false, packetWrites: false, unprivileged: true);

    // bpf_base_func_proto (kernel/bpf/helpers.c): what every program type gets, privileged parts included.
    private static readonly int[] BaseHelpers =
    [
        HelperIds.MapLookupElem, HelperIds.MapUpdateElem, HelperIds.MapDeleteElem, HelperIds.MapPushElem,
        HelperIds.MapPopElem, HelperIds.MapPeekElem, HelperIds.GetPrandomU32, HelperIds.GetSmpProcessorId,
        KernelHelpers.GetNumaNodeId, HelperIds.TailCall, HelperIds.KtimeGetNs, HelperIds.KtimeGetBootNs,
        HelperIds.KtimeGetCoarseNs, HelperIds.RingbufOutput, HelperIds.RingbufReserve, HelperIds.RingbufSubmit,
        HelperIds.RingbufDiscard, HelperIds.RingbufQuery, HelperIds.ForEachMapElem, HelperIds.Loop, HelperIds.Strncmp,
        HelperIds.SpinLock, HelperIds.SpinUnlock, HelperIds.TracePrintk, HelperIds.Snprintf, HelperIds.TraceVprintk,
        HelperIds.ProbeReadUser, HelperIds.ProbeReadKernel, HelperIds.ProbeReadUserStr, HelperIds.ProbeReadKernelStr,
        HelperIds.Strtol, HelperIds.Strtoul,
        // Current-task queries joined the base set in Linux 6.x (checked against 6.18).
        HelperIds.GetCurrentPidTgid, KernelHelpers.GetCurrentUidGid, HelperIds.GetCurrentComm, KernelHelpers.GetCurrentTask,
        KernelHelpers.GetCurrentCgroupId,
    ];

    // bpf_tracing_func_proto (kernel/trace/bpf_trace.c) on top of the base set; tracing programs may not use the
    // coarse clock (it takes a seqlock the traced code may hold).
    private static readonly int[] TracingHelpers =
    [
        .. BaseHelpers.Where(id => id != HelperIds.KtimeGetCoarseNs), HelperIds.ProbeRead, HelperIds.ProbeReadStr,
        HelperIds.PerfEventOutput, KernelHelpers.GetStackId, KernelHelpers.GetStack, KernelHelpers.SendSignal,
    ];

    // Cgroup programs see the current task (cgroup_current_func_proto) and their local storage.
    private static readonly int[] CgroupHelpers =
    [
        HelperIds.GetCurrentPidTgid, KernelHelpers.GetCurrentUidGid, HelperIds.GetCurrentComm, KernelHelpers.GetCurrentCgroupId,
        KernelHelpers.GetLocalStorage, HelperIds.PerfEventOutput, KernelHelpers.GetSocketCookie, KernelHelpers.SkStorageGet,
        KernelHelpers.SkStorageDelete,
    ];

    private static readonly int[] SocketLookupHelpers =
        [KernelHelpers.SkLookupTcp, KernelHelpers.SkLookupUdp, KernelHelpers.SkRelease, KernelHelpers.SkcLookupTcp];

    // Our own type: every standard helper (no packet helpers: there is no packet).
    private static readonly int[] RawHelpers = [.. BaseHelpers, HelperIds.ProbeRead, HelperIds.ProbeReadStr, HelperIds.PerfEventOutput];

    /// <summary>Every described program type, in kernel number order.</summary>
    public static IReadOnlyList<ProgramTypeInfo> All { get; } = Build();

    private static readonly FrozenDictionary<BpfProgramType, ProgramTypeInfo> ByType = All.ToFrozenDictionary(i => i.Type);

    private static List<ProgramTypeInfo> Build()
    {
        var any = AnyReturnValue;
        var list = new List<ProgramTypeInfo>();
        void Add(BpfProgramType type, string name, int size, IReadOnlyList<ContextField> fields, int[] helpers, (long, long) ret,
            bool legacy = false, bool direct = false, bool writes = false, bool unprivileged = false) =>
            list.Add(new ProgramTypeInfo(type, name, size, fields, helpers, ret, legacy, direct, writes, unprivileged));

        list.Add(CreateRawMemory(DefaultRawMemorySize));

        // sk_filter_func_proto; return value = bytes to keep, unchecked.
        Add(BpfProgramType.SocketFilter, "socket_filter", ContextLayouts.SkBuffSize, ContextLayouts.SkBuff(BpfProgramType.SocketFilter),
            [.. BaseHelpers, KernelHelpers.SkbLoadBytes, KernelHelpers.SkbLoadBytesRelative, KernelHelpers.GetSocketCookie,
             KernelHelpers.GetSocketUid, HelperIds.PerfEventOutput], any, legacy: true, unprivileged: true);

        // kprobe_prog_func_proto (uprobes too).
        Add(BpfProgramType.Kprobe, "kprobe", ContextLayouts.PtRegsSize, ContextLayouts.PtRegs,
            [.. TracingHelpers, KernelHelpers.OverrideReturn, KernelHelpers.GetFuncIp, KernelHelpers.GetAttachCookie], any);

        // tc_cls_act_func_proto; tc verdicts (TC_ACT_*) are not range-checked.
        int[] tc =
        [
            .. BaseHelpers, .. SocketLookupHelpers, KernelHelpers.SkbStoreBytes, KernelHelpers.SkbLoadBytes,
            KernelHelpers.SkbLoadBytesRelative, KernelHelpers.SkbPullData, KernelHelpers.CsumDiff, KernelHelpers.CsumUpdate,
            KernelHelpers.CsumLevel, KernelHelpers.L3CsumReplace, KernelHelpers.L4CsumReplace, KernelHelpers.CloneRedirect,
            KernelHelpers.GetCgroupClassid, KernelHelpers.SkbVlanPush, KernelHelpers.SkbVlanPop, KernelHelpers.SkbChangeProto,
            KernelHelpers.SkbChangeType, KernelHelpers.SkbAdjustRoom, KernelHelpers.SkbChangeTail, KernelHelpers.SkbChangeHead,
            KernelHelpers.SkbGetTunnelKey, KernelHelpers.SkbSetTunnelKey, KernelHelpers.Redirect, KernelHelpers.GetRouteRealm,
            KernelHelpers.GetHashRecalc, KernelHelpers.SetHashInvalid, KernelHelpers.SetHash, HelperIds.PerfEventOutput,
            KernelHelpers.SkbUnderCgroup, KernelHelpers.GetSocketCookie, KernelHelpers.GetSocketUid, KernelHelpers.FibLookup,
            KernelHelpers.SkFullsock, KernelHelpers.TcpSock, KernelHelpers.GetListenerSock, KernelHelpers.SkbEcnSetCe,
            KernelHelpers.SkbCgroupId, KernelHelpers.CheckMtu,
        ];
        Add(BpfProgramType.SchedCls, "sched_cls", ContextLayouts.SkBuffSize, ContextLayouts.SkBuff(BpfProgramType.SchedCls), tc, any,
            legacy: true, direct: true, writes: true);
        Add(BpfProgramType.SchedAct, "sched_act", ContextLayouts.SkBuffSize, ContextLayouts.SkBuff(BpfProgramType.SchedAct), tc, any,
            legacy: true, direct: true, writes: true);

        // tp_prog_func_proto.
        Add(BpfProgramType.Tracepoint, "tracepoint", ContextLayouts.TracepointSize, ContextLayouts.Tracepoint, TracingHelpers, any);

        // xdp_func_proto. The kernel does not range-check XDP verdicts (unknown ones are dropped with a warning),
        // and bpf_redirect_map's result is returned as is, so neither do we; XDP_ABORTED..XDP_REDIRECT are 0..4.
        Add(BpfProgramType.Xdp, "xdp", ContextLayouts.XdpMdSize, ContextLayouts.XdpMd,
            [.. BaseHelpers, .. SocketLookupHelpers, HelperIds.PerfEventOutput, KernelHelpers.CsumDiff, KernelHelpers.XdpAdjustHead,
             KernelHelpers.XdpAdjustMeta, KernelHelpers.Redirect, KernelHelpers.RedirectMap, KernelHelpers.XdpAdjustTail,
             KernelHelpers.FibLookup, KernelHelpers.CheckMtu, KernelHelpers.XdpGetBuffLen, KernelHelpers.XdpLoadBytes,
             KernelHelpers.XdpStoreBytes], any, direct: true, writes: true);

        // pe_prog_func_proto.
        Add(BpfProgramType.PerfEvent, "perf_event", ContextLayouts.PerfEventDataSize, ContextLayouts.PerfEventData,
            [.. TracingHelpers, KernelHelpers.PerfProgReadValue], any);

        // cg_skb_func_proto; check_return_code: 0..1 for ingress, 0..3 for egress (congestion notification); we take 0..3.
        Add(BpfProgramType.CgroupSkb, "cgroup_skb", ContextLayouts.SkBuffSize, ContextLayouts.SkBuff(BpfProgramType.CgroupSkb),
            [.. BaseHelpers, .. CgroupHelpers, .. SocketLookupHelpers, KernelHelpers.SkFullsock, KernelHelpers.SkbCgroupId,
             KernelHelpers.TcpSock, KernelHelpers.GetListenerSock, KernelHelpers.SkbEcnSetCe, KernelHelpers.SkbLoadBytes,
             KernelHelpers.SkbLoadBytesRelative, KernelHelpers.GetSocketUid], (0, 3), direct: true, unprivileged: true);

        // sock_filter_func_proto; check_return_code: 0..1.
        Add(BpfProgramType.CgroupSock, "cgroup_sock", ContextLayouts.BpfSockSize, ContextLayouts.CgroupSock,
            [.. BaseHelpers, .. CgroupHelpers, KernelHelpers.GetNetnsCookie], (0, 1));

        // lwt_out_func_proto, lwt_in adds push_encap, lwt_xmit_func_proto adds redirects, stores, checksums.
        int[] lwtOut =
        [
            .. BaseHelpers, KernelHelpers.SkbLoadBytes, KernelHelpers.SkbPullData, KernelHelpers.CsumDiff,
            KernelHelpers.GetCgroupClassid, KernelHelpers.GetRouteRealm, KernelHelpers.GetHashRecalc, HelperIds.PerfEventOutput,
            KernelHelpers.SkbUnderCgroup,
        ];
        Add(BpfProgramType.LwtIn, "lwt_in", ContextLayouts.SkBuffSize, ContextLayouts.SkBuff(BpfProgramType.LwtIn),
            [.. lwtOut, KernelHelpers.LwtPushEncap], any, direct: true);
        Add(BpfProgramType.LwtOut, "lwt_out", ContextLayouts.SkBuffSize, ContextLayouts.SkBuff(BpfProgramType.LwtOut), lwtOut, any,
            direct: true);
        Add(BpfProgramType.LwtXmit, "lwt_xmit", ContextLayouts.SkBuffSize, ContextLayouts.SkBuff(BpfProgramType.LwtXmit),
            [.. lwtOut, KernelHelpers.LwtPushEncap, KernelHelpers.SkbGetTunnelKey, KernelHelpers.SkbSetTunnelKey,
             KernelHelpers.Redirect, KernelHelpers.CloneRedirect, KernelHelpers.SkbChangeTail, KernelHelpers.SkbChangeHead,
             KernelHelpers.SkbStoreBytes, KernelHelpers.CsumUpdate, KernelHelpers.CsumLevel, KernelHelpers.L3CsumReplace,
             KernelHelpers.L4CsumReplace, KernelHelpers.SetHashInvalid], any, direct: true, writes: true);

        // sock_ops_func_proto; check_return_code: 0..1.
        Add(BpfProgramType.SockOps, "sock_ops", ContextLayouts.BpfSockOpsSize, ContextLayouts.SockOps,
            [.. BaseHelpers, KernelHelpers.Setsockopt, KernelHelpers.Getsockopt, KernelHelpers.SockOpsCbFlagsSet,
             KernelHelpers.SockMapUpdate, KernelHelpers.SockHashUpdate, KernelHelpers.GetSocketCookie,
             KernelHelpers.GetLocalStorage, HelperIds.PerfEventOutput, KernelHelpers.SkStorageGet, KernelHelpers.SkStorageDelete,
             KernelHelpers.GetNetnsCookie, KernelHelpers.TcpSock, KernelHelpers.LoadHdrOpt, KernelHelpers.StoreHdrOpt,
             KernelHelpers.ReserveHdrOpt], (0, 1), direct: true);

        // sk_skb_func_proto; SK_PASS/SK_DROP are not range-checked.
        Add(BpfProgramType.SkSkb, "sk_skb", ContextLayouts.SkBuffSize, ContextLayouts.SkBuff(BpfProgramType.SkSkb),
            [.. BaseHelpers, .. SocketLookupHelpers, KernelHelpers.SkbStoreBytes, KernelHelpers.SkbLoadBytes,
             KernelHelpers.SkbPullData, KernelHelpers.SkbChangeTail, KernelHelpers.SkbChangeHead, KernelHelpers.SkbAdjustRoom,
             KernelHelpers.GetSocketCookie, KernelHelpers.GetSocketUid, KernelHelpers.SkRedirectMap, KernelHelpers.SkRedirectHash,
             HelperIds.PerfEventOutput], any, direct: true, writes: true);

        // sk_msg_func_proto.
        Add(BpfProgramType.SkMsg, "sk_msg", ContextLayouts.SkMsgMdSize, ContextLayouts.SkMsgMd,
            [.. BaseHelpers, KernelHelpers.MsgRedirectMap, KernelHelpers.MsgRedirectHash, KernelHelpers.MsgApplyBytes,
             KernelHelpers.MsgCorkBytes, KernelHelpers.MsgPullData, KernelHelpers.MsgPushData, KernelHelpers.MsgPopData,
             HelperIds.PerfEventOutput, HelperIds.GetCurrentPidTgid, KernelHelpers.GetCurrentUidGid, KernelHelpers.SkStorageGet,
             KernelHelpers.SkStorageDelete, KernelHelpers.GetNetnsCookie, KernelHelpers.GetCurrentCgroupId,
             KernelHelpers.GetCgroupClassid], any, direct: true, writes: true);

        // raw_tp_prog_func_proto.
        Add(BpfProgramType.RawTracepoint, "raw_tracepoint", ContextLayouts.RawTracepointSize, ContextLayouts.RawTracepointArgs,
            TracingHelpers, any);

        // sock_addr_func_proto; check_return_code: 0..1 (bind allows 0..3, recvmsg/getpeername only 1).
        Add(BpfProgramType.CgroupSockAddr, "cgroup_sock_addr", ContextLayouts.BpfSockAddrSize, ContextLayouts.SockAddr,
            [.. BaseHelpers, .. CgroupHelpers, .. SocketLookupHelpers, KernelHelpers.Bind, KernelHelpers.Getsockopt,
             KernelHelpers.Setsockopt, KernelHelpers.GetNetnsCookie], (0, 1));

        return list;
    }
}
