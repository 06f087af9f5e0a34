using static SharpBpf.ProgramTypes.ContextAccess;
using static SharpBpf.ProgramTypes.ContextFieldKind;

namespace SharpBpf.ProgramTypes;

/// <summary>
/// The context structures of every supported program type, in ONE place.
/// Offsets and sizes come from the UAPI headers (<c>linux/bpf.h</c>: <c>struct __sk_buff</c>, <c>xdp_md</c>, <c>bpf_sock</c>,
/// <c>bpf_sock_addr</c>, <c>bpf_sock_ops</c>, <c>sk_msg_md</c>, <c>bpf_raw_tracepoint_args</c>; <c>linux/bpf_perf_event.h</c>;
/// x86-64 <c>asm/ptrace.h</c> for <c>struct pt_regs</c>). Permissions follow the kernel's <c>*_is_valid_access</c> functions
/// in <c>net/core/filter.c</c> and <c>kernel/trace/bpf_trace.c</c> (Linux 6.x).
/// Known simplifications, all stricter than or equal to the kernel except where noted:
/// attach-type dependent rules are resolved for the most common attach type (XDP allows <c>egress_ifindex</c>, which the
/// kernel only grants to devmap programs; cgroup_sock allows the create-time stores of <c>bound_dev_if</c>, <c>mark</c>,
/// <c>priority</c>); 8-byte "wide" accesses to <c>bpf_sock_addr.user_ip6</c>/<c>msg_src_ip6</c> and 4-byte loads of
/// <c>bpf_sock.dst_port</c> in the cgroup_sock context are not modelled (rejected; through socket pointers,
/// <see cref="SocketFieldAt"/> follows the kernel).
/// </summary>
public static class ContextLayouts
{
    /// <summary><c>sizeof(struct __sk_buff)</c>.</summary>
    public const int SkBuffSize = 192;
    /// <summary><c>sizeof(struct xdp_md)</c>.</summary>
    public const int XdpMdSize = 24;
    /// <summary><c>sizeof(struct bpf_sock)</c>.</summary>
    public const int BpfSockSize = 80;
    /// <summary><c>sizeof(struct bpf_sock_addr)</c>.</summary>
    public const int BpfSockAddrSize = 72;
    /// <summary><c>sizeof(struct bpf_sock_ops)</c>.</summary>
    public const int BpfSockOpsSize = 216;
    /// <summary><c>sizeof(struct sk_msg_md)</c>.</summary>
    public const int SkMsgMdSize = 80;
    /// <summary><c>sizeof(struct pt_regs)</c> on x86-64.</summary>
    public const int PtRegsSize = 168;
    /// <summary><c>sizeof(struct bpf_perf_event_data)</c> on x86-64.</summary>
    public const int PerfEventDataSize = 184;
    /// <summary>
    /// Tracepoint contexts have a per-tracepoint size; like the kernel's <c>tp_prog_is_valid_access</c> we allow reads
    /// anywhere in <c>[8, PERF_MAX_TRACE_SIZE)</c> (the first 8 bytes hold the common fields, which the kernel hides).
    /// PERF_MAX_TRACE_SIZE is 8192 since Linux 6.10 (2048 before).
    /// </summary>
    public const int TracepointSize = 8192;
    /// <summary><c>struct bpf_raw_tracepoint_args</c> holds up to <c>MAX_BPF_FUNC_ARGS = 12</c> u64 arguments.</summary>
    public const int RawTracepointSize = 12 * 8;

    /// <summary>The x86-64 <c>struct pt_regs</c> field names in offset order (8 bytes each).</summary>
    public static IReadOnlyList<string> PtRegsNames { get; } =
    [
        "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax",
        "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss",
    ];

    /// <summary>The <c>struct bpf_sock</c> fields reachable through a socket pointer (<c>bpf_sock_is_valid_access</c>): all read-only.</summary>
    public static IReadOnlyList<ContextField> BpfSockFields { get; } = BpfSock(cgroupSockStores: false);

    /// <summary>
    /// The <c>struct bpf_sock</c> fields reachable through a PTR_TO_SOCK_COMMON (<c>bpf_sock_common_is_valid_access</c>):
    /// those of <see cref="BpfSockFields"/> except <c>type</c>, <c>protocol</c>, <c>mark</c> and <c>priority</c>.
    /// </summary>
    public static IReadOnlyList<ContextField> BpfSockCommonFields { get; } =
        BpfSockFields.Where(f => f.Offset is < 8 or >= 24).ToArray();

    /// <summary>
    /// The field a load of <paramref name="size"/> bytes at <paramref name="offset"/> through a socket pointer reads, or null
    /// when Linux rejects it (<c>bpf_sock_is_valid_access</c>; <paramref name="sockCommon"/> for PTR_TO_SOCK_COMMON). Loads
    /// only: sockets are read-only. Addresses and <c>dst_port</c> may be read in naturally aligned 1, 2 or 4 byte pieces
    /// anywhere inside them (and <c>dst_port</c> with the legacy 4-byte load); the other narrowable fields only at their
    /// start; <c>bound_dev_if</c>, <c>mark</c> and <c>priority</c> only whole.
    /// </summary>
    public static ContextField? SocketFieldAt(int offset, int size, bool sockCommon)
    {
        if (size is not (1 or 2 or 4) || offset < 0 || offset >= BpfSockSize || offset % size != 0) return null;
        foreach (var field in sockCommon ? BpfSockCommonFields : BpfSockFields)
        {
            if (offset < field.Offset || offset >= field.End) continue;
            bool isPort = field.Name == "dst_port";
            if (isPort && size == 4) return field;
            if (offset + size > field.End) return null;
            if (size == field.Size) return offset == field.Offset ? field : null;
            bool anywhere = isPort || field.Name.Contains("_ip", StringComparison.Ordinal);
            return field.AllowNarrowReads && (anywhere || offset == field.Offset) ? field : null;
        }
        return null;
    }

    /// <summary>The <c>struct __sk_buff</c> view of <paramref name="type"/> (socket filter, tc, cgroup_skb, lwt, sk_skb).</summary>
    /// <exception cref="ArgumentException">The type does not use <c>struct __sk_buff</c>.</exception>
    public static IReadOnlyList<ContextField> SkBuff(BpfProgramType type)
    {
        // Per type: which fields are hidden, which may be stored, whether packet pointers appear (sk_filter_is_valid_access,
        // tc_cls_act_is_valid_access, cg_skb_is_valid_access, lwt_is_valid_access, sk_skb_is_valid_access).
        string[] writable; bool packet, meta, socketTuple, tstampType, hwtstamp, tstamp, wireLen, mark = true, tcClassid = false;
        switch (type)
        {
            case BpfProgramType.SocketFilter:
                writable = ["cb"]; packet = meta = socketTuple = tstamp = wireLen = hwtstamp = tstampType = false;
                break;
            case BpfProgramType.SchedCls or BpfProgramType.SchedAct:
                writable = ["mark", "tc_index", "priority", "tc_classid", "cb", "tstamp", "queue_mapping"];
                packet = meta = tstamp = wireLen = hwtstamp = tstampType = tcClassid = true; socketTuple = false;
                break;
            case BpfProgramType.CgroupSkb:
                writable = ["mark", "priority", "cb", "tstamp"];
                packet = socketTuple = tstamp = hwtstamp = true; meta = wireLen = tstampType = false;
                break;
            case BpfProgramType.LwtIn or BpfProgramType.LwtOut or BpfProgramType.LwtXmit:
                writable = ["mark", "priority", "cb"];
                packet = true; meta = socketTuple = tstamp = wireLen = hwtstamp = tstampType = false;
                break;
            case BpfProgramType.SkSkb:
                writable = ["tc_index", "priority"];
                packet = socketTuple = true; meta = tstamp = wireLen = hwtstamp = tstampType = mark = false;
                break;
            default:
                throw new ArgumentException($"program type {type} has no struct __sk_buff context", nameof(type));
        }

        var fields = new List<ContextField>();
        void Add(string name, int offset, int size = 4, ContextFieldKind kind = Scalar, bool narrow = true, bool readOnly = false, bool privilegedStore = false)
        {
            var access = !readOnly && writable.Contains(name) ? ReadWrite : Read;
            fields.Add(new ContextField(name, offset, size, access, kind, narrow) { PrivilegedOnly = privilegedStore && access == ReadWrite });
        }

        Add("len", 0);
        Add("pkt_type", 4);
        if (mark) Add("mark", 8);
        Add("queue_mapping", 12);
        Add("protocol", 16);
        Add("vlan_present", 20);
        Add("vlan_tci", 24);
        Add("vlan_proto", 28);
        Add("priority", 32);
        Add("ingress_ifindex", 36);
        Add("ifindex", 40);
        Add("tc_index", 44);
        Add("cb", 48, 20);
        Add("hash", 68);
        if (tcClassid) Add("tc_classid", 72);
        if (packet)
        {
            // cgroup_skb may only see packet pointers with CAP_BPF (cg_skb_is_valid_access).
            bool privileged = type == BpfProgramType.CgroupSkb;
            fields.Add(new ContextField("data", 76, 4, Read, PacketData, false) { PrivilegedOnly = privileged });
            fields.Add(new ContextField("data_end", 80, 4, Read, PacketEnd, false) { PrivilegedOnly = privileged });
        }
        Add("napi_id", 84);
        if (socketTuple)
        {
            Add("family", 88);
            Add("remote_ip4", 92, narrow: false);
            Add("local_ip4", 96, narrow: false);
            for (int i = 0; i < 4; i++) Add($"remote_ip6[{i}]", 100 + 4 * i, narrow: false);
            for (int i = 0; i < 4; i++) Add($"local_ip6[{i}]", 116 + 4 * i, narrow: false);
            Add("remote_port", 132);
            Add("local_port", 136);
        }
        if (meta) fields.Add(new ContextField("data_meta", 140, 4, Read, PacketMeta, false));
        // flow_keys (144) is only for flow dissector programs, which are not described here.
        if (tstamp) Add("tstamp", 152, 8, narrow: false, privilegedStore: type == BpfProgramType.CgroupSkb);
        if (wireLen) Add("wire_len", 160);
        Add("gso_segs", 164);
        Add("sk", 168, 8, SockCommonPointerOrNull, narrow: false, readOnly: true);
        Add("gso_size", 176);
        if (tstampType) Add("tstamp_type", 180, 1, narrow: false, readOnly: true);
        if (hwtstamp) Add("hwtstamp", 184, 8, narrow: false, readOnly: true);
        return fields;
    }

    /// <summary><c>struct xdp_md</c> (<c>xdp_is_valid_access</c>): read-only, 4-byte loads only.</summary>
    public static IReadOnlyList<ContextField> XdpMd { get; } =
    [
        new("data", 0, 4, Read, PacketData, false),
        new("data_end", 4, 4, Read, PacketEnd, false),
        new("data_meta", 8, 4, Read, PacketMeta, false),
        new("ingress_ifindex", 12, 4, Read, Scalar, false),
        new("rx_queue_index", 16, 4, Read, Scalar, false),
        new("egress_ifindex", 20, 4, Read, Scalar, false),
    ];

    /// <summary>
    /// <c>struct bpf_sock</c> as a cgroup_sock context (<c>sock_filter_is_valid_access</c>) for the default attach type
    /// (socket creation): <c>bound_dev_if</c>, <c>mark</c>, <c>priority</c> are writable, the source address and port are
    /// hidden (the kernel shows them only to post-bind programs).
    /// </summary>
    public static IReadOnlyList<ContextField> CgroupSock { get; } =
        BpfSock(cgroupSockStores: true).Where(f => !f.Name.StartsWith("src_", StringComparison.Ordinal)).ToArray();

    private static List<ContextField> BpfSock(bool cgroupSockStores)
    {
        var store = cgroupSockStores ? ReadWrite : Read;
        var fields = new List<ContextField>
        {
            new("bound_dev_if", 0, 4, store, Scalar, false),
            new("family", 4, 4, Read, Scalar, true),
            new("type", 8, 4, Read, Scalar, true),
            new("protocol", 12, 4, Read, Scalar, true),
            new("mark", 16, 4, store, Scalar, false),
            new("priority", 20, 4, store, Scalar, false),
            new("src_ip4", 24, 4, Read, Scalar, true),
        };
        for (int i = 0; i < 4; i++) fields.Add(new($"src_ip6[{i}]", 28 + 4 * i, 4, Read, Scalar, true));
        fields.Add(new("src_port", 44, 4, Read, Scalar, true));
        fields.Add(new("dst_port", 48, 2, Read, Scalar, true));
        fields.Add(new("dst_ip4", 52, 4, Read, Scalar, true));
        for (int i = 0; i < 4; i++) fields.Add(new($"dst_ip6[{i}]", 56 + 4 * i, 4, Read, Scalar, true));
        fields.Add(new("state", 72, 4, Read, Scalar, true));
        fields.Add(new("rx_queue_mapping", 76, 4, Read, Scalar, true));
        return fields;
    }

    /// <summary><c>struct bpf_sock_addr</c> (<c>sock_addr_is_valid_access</c>).</summary>
    public static IReadOnlyList<ContextField> SockAddr { get; } = BuildSockAddr();

    private static List<ContextField> BuildSockAddr()
    {
        var fields = new List<ContextField>
        {
            new("user_family", 0, 4, Read, Scalar, false),
            new("user_ip4", 4, 4, ReadWrite, Scalar, true),
        };
        for (int i = 0; i < 4; i++) fields.Add(new($"user_ip6[{i}]", 8 + 4 * i, 4, ReadWrite, Scalar, true));
        fields.Add(new("user_port", 24, 4, ReadWrite, Scalar, true));
        fields.Add(new("family", 28, 4, Read, Scalar, false));
        fields.Add(new("type", 32, 4, Read, Scalar, false));
        fields.Add(new("protocol", 36, 4, Read, Scalar, false));
        fields.Add(new("msg_src_ip4", 40, 4, ReadWrite, Scalar, true));
        for (int i = 0; i < 4; i++) fields.Add(new($"msg_src_ip6[{i}]", 44 + 4 * i, 4, ReadWrite, Scalar, true));
        fields.Add(new("sk", 64, 8, Read, SocketPointer, false));
        return fields;
    }

    /// <summary><c>struct bpf_sock_ops</c> (<c>sock_ops_is_valid_access</c>): stores only to <c>reply</c> and <c>sk_txhash</c>.</summary>
    public static IReadOnlyList<ContextField> SockOps { get; } = BuildSockOps();

    private static List<ContextField> BuildSockOps()
    {
        var fields = new List<ContextField>
        {
            new("op", 0, 4, Read, Scalar, false),
            // args[0] shares its offset with reply, the one store the kernel allows in the union.
            new("reply", 4, 4, ReadWrite, Scalar, false),
            new("args[1]", 8, 4, Read, Scalar, false),
            new("args[2]", 12, 4, Read, Scalar, false),
            new("args[3]", 16, 4, Read, Scalar, false),
            new("family", 20, 4, Read, Scalar, false),
            new("remote_ip4", 24, 4, Read, Scalar, false),
            new("local_ip4", 28, 4, Read, Scalar, false),
        };
        for (int i = 0; i < 4; i++) fields.Add(new($"remote_ip6[{i}]", 32 + 4 * i, 4, Read, Scalar, false));
        for (int i = 0; i < 4; i++) fields.Add(new($"local_ip6[{i}]", 48 + 4 * i, 4, Read, Scalar, false));
        string[] tail =
        [
            "remote_port", "local_port", "is_fullsock", "snd_cwnd", "srtt_us", "bpf_sock_ops_cb_flags", "state", "rtt_min",
            "snd_ssthresh", "rcv_nxt", "snd_nxt", "snd_una", "mss_cache", "ecn_flags", "rate_delivered", "rate_interval_us",
            "packets_out", "retrans_out", "total_retrans", "segs_in", "data_segs_in", "segs_out", "data_segs_out", "lost_out",
            "sacked_out", "sk_txhash",
        ];
        for (int i = 0; i < tail.Length; i++)
            fields.Add(new(tail[i], 64 + 4 * i, 4, tail[i] == "sk_txhash" ? ReadWrite : Read, Scalar, false));
        fields.Add(new("bytes_received", 168, 8, Read, Scalar, false));
        fields.Add(new("bytes_acked", 176, 8, Read, Scalar, false));
        fields.Add(new("sk", 184, 8, Read, SocketPointerOrNull, false));
        fields.Add(new("skb_data", 192, 8, Read, PacketData, false));
        fields.Add(new("skb_data_end", 200, 8, Read, PacketEnd, false));
        fields.Add(new("skb_len", 208, 4, Read, Scalar, false));
        fields.Add(new("skb_tcp_flags", 212, 4, Read, Scalar, true));
        return fields;
    }

    /// <summary><c>struct sk_msg_md</c> (<c>sk_msg_is_valid_access</c>): read-only, full-width loads only.</summary>
    public static IReadOnlyList<ContextField> SkMsgMd { get; } = BuildSkMsg();

    private static List<ContextField> BuildSkMsg()
    {
        var fields = new List<ContextField>
        {
            new("data", 0, 8, Read, PacketData, false),
            new("data_end", 8, 8, Read, PacketEnd, false),
            new("family", 16, 4, Read, Scalar, false),
            new("remote_ip4", 20, 4, Read, Scalar, false),
            new("local_ip4", 24, 4, Read, Scalar, false),
        };
        for (int i = 0; i < 4; i++) fields.Add(new($"remote_ip6[{i}]", 28 + 4 * i, 4, Read, Scalar, false));
        for (int i = 0; i < 4; i++) fields.Add(new($"local_ip6[{i}]", 44 + 4 * i, 4, Read, Scalar, false));
        fields.Add(new("remote_port", 60, 4, Read, Scalar, false));
        fields.Add(new("local_port", 64, 4, Read, Scalar, false));
        fields.Add(new("size", 68, 4, Read, Scalar, false));
        fields.Add(new("sk", 72, 8, Read, SocketPointer, false));
        return fields;
    }

    /// <summary>x86-64 <c>struct pt_regs</c> for kprobe/uprobe (<c>kprobe_prog_is_valid_access</c>): read-only, any aligned load.</summary>
    public static IReadOnlyList<ContextField> PtRegs { get; } =
        PtRegsNames.Select((name, i) => new ContextField(name, 8 * i, 8, Read, Scalar, true)).ToArray();

    /// <summary><c>struct bpf_perf_event_data</c> (<c>pe_prog_is_valid_access</c>): registers as whole u64s, the rest narrowable.</summary>
    public static IReadOnlyList<ContextField> PerfEventData { get; } =
    [
        .. PtRegsNames.Select((name, i) => new ContextField("regs." + name, 8 * i, 8, Read, Scalar, false)),
        new("sample_period", 168, 8, Read, Scalar, true),
        new("addr", 176, 8, Read, Scalar, true),
    ];

    /// <summary>A tracepoint's record (<c>tp_prog_is_valid_access</c>): read-only buffer at <c>[8, 8192)</c>.</summary>
    public static IReadOnlyList<ContextField> Tracepoint { get; } = [new("data", 8, TracepointSize - 8, Read, Scalar, true)];

    /// <summary><c>struct bpf_raw_tracepoint_args</c> (<c>raw_tp_prog_is_valid_access</c>): read-only u64 args, any aligned load.</summary>
    public static IReadOnlyList<ContextField> RawTracepointArgs { get; } = [new("args", 0, RawTracepointSize, Read, Scalar, true)];

    /// <summary>The raw memory context (SharpBpf's own program type): one readable and writable buffer of <paramref name="size"/> bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is not positive.</exception>
    public static IReadOnlyList<ContextField> RawMemory(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        return [new ContextField("memory", 0, size, ReadWrite, Scalar, true) { IsBuffer = true }];
    }
}
