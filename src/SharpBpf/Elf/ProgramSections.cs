using SharpBpf.ProgramTypes;

namespace SharpBpf.Elf;

/// <summary>What a program's ELF section name says about it, following libbpf's <c>SEC()</c> conventions.</summary>
/// <param name="Type">The program type, <see cref="BpfProgramType.Unspecified"/> for an unknown name.</param>
/// <param name="AttachType">The expected attach type, <see cref="BpfAttachType.None"/> when the name implies none.</param>
/// <param name="AttachTarget">The part after the prefix's '/' (a function, tracepoint or hook name), or null.</param>
public sealed record ProgramSectionInfo(BpfProgramType Type, BpfAttachType AttachType, string? AttachTarget);

/// <summary>libbpf's table of program section names.</summary>
public static class ProgramSections
{
    private enum Match
    {
        /// <summary>The name must equal the prefix.</summary>
        Exact,
        /// <summary>The name equals the prefix or continues with '/' and a target (libbpf's "prefix+").</summary>
        WithTarget,
    }

    private static readonly (string Prefix, Match Match, BpfProgramType Type, BpfAttachType Attach)[] s_table =
    [
        ("socket", Match.Exact, BpfProgramType.SocketFilter, BpfAttachType.None),
        ("sk_reuseport/migrate", Match.Exact, BpfProgramType.SkReuseport, BpfAttachType.SkReuseportSelectOrMigrate),
        ("sk_reuseport", Match.Exact, BpfProgramType.SkReuseport, BpfAttachType.SkReuseportSelect),
        ("kprobe.multi", Match.WithTarget, BpfProgramType.Kprobe, BpfAttachType.TraceKprobeMulti),
        ("kretprobe.multi", Match.WithTarget, BpfProgramType.Kprobe, BpfAttachType.TraceKprobeMulti),
        ("uprobe.multi", Match.WithTarget, BpfProgramType.Kprobe, BpfAttachType.TraceUprobeMulti),
        ("uretprobe.multi", Match.WithTarget, BpfProgramType.Kprobe, BpfAttachType.TraceUprobeMulti),
        ("kprobe", Match.WithTarget, BpfProgramType.Kprobe, BpfAttachType.None),
        ("kretprobe", Match.WithTarget, BpfProgramType.Kprobe, BpfAttachType.None),
        ("uprobe", Match.WithTarget, BpfProgramType.Kprobe, BpfAttachType.None),
        ("uprobe.s", Match.WithTarget, BpfProgramType.Kprobe, BpfAttachType.None),
        ("uretprobe", Match.WithTarget, BpfProgramType.Kprobe, BpfAttachType.None),
        ("uretprobe.s", Match.WithTarget, BpfProgramType.Kprobe, BpfAttachType.None),
        ("ksyscall", Match.WithTarget, BpfProgramType.Kprobe, BpfAttachType.None),
        ("kretsyscall", Match.WithTarget, BpfProgramType.Kprobe, BpfAttachType.None),
        ("usdt", Match.WithTarget, BpfProgramType.Kprobe, BpfAttachType.None),
        ("tc/ingress", Match.Exact, BpfProgramType.SchedCls, BpfAttachType.TcxIngress),
        ("tc/egress", Match.Exact, BpfProgramType.SchedCls, BpfAttachType.TcxEgress),
        ("tcx/ingress", Match.Exact, BpfProgramType.SchedCls, BpfAttachType.TcxIngress),
        ("tcx/egress", Match.Exact, BpfProgramType.SchedCls, BpfAttachType.TcxEgress),
        ("tc", Match.Exact, BpfProgramType.SchedCls, BpfAttachType.None),
        ("classifier", Match.Exact, BpfProgramType.SchedCls, BpfAttachType.None),
        ("action", Match.Exact, BpfProgramType.SchedAct, BpfAttachType.None),
        ("tracepoint", Match.WithTarget, BpfProgramType.Tracepoint, BpfAttachType.None),
        ("tp", Match.WithTarget, BpfProgramType.Tracepoint, BpfAttachType.None),
        ("raw_tracepoint", Match.WithTarget, BpfProgramType.RawTracepoint, BpfAttachType.None),
        ("raw_tp", Match.WithTarget, BpfProgramType.RawTracepoint, BpfAttachType.None),
        ("raw_tracepoint.w", Match.WithTarget, BpfProgramType.RawTracepointWritable, BpfAttachType.None),
        ("raw_tp.w", Match.WithTarget, BpfProgramType.RawTracepointWritable, BpfAttachType.None),
        ("tp_btf", Match.WithTarget, BpfProgramType.Tracing, BpfAttachType.TraceRawTp),
        ("fentry", Match.WithTarget, BpfProgramType.Tracing, BpfAttachType.TraceFentry),
        ("fmod_ret", Match.WithTarget, BpfProgramType.Tracing, BpfAttachType.ModifyReturn),
        ("fexit", Match.WithTarget, BpfProgramType.Tracing, BpfAttachType.TraceFexit),
        ("fentry.s", Match.WithTarget, BpfProgramType.Tracing, BpfAttachType.TraceFentry),
        ("fmod_ret.s", Match.WithTarget, BpfProgramType.Tracing, BpfAttachType.ModifyReturn),
        ("fexit.s", Match.WithTarget, BpfProgramType.Tracing, BpfAttachType.TraceFexit),
        ("freplace", Match.WithTarget, BpfProgramType.Ext, BpfAttachType.None),
        ("lsm", Match.WithTarget, BpfProgramType.Lsm, BpfAttachType.LsmMac),
        ("lsm.s", Match.WithTarget, BpfProgramType.Lsm, BpfAttachType.LsmMac),
        ("lsm_cgroup", Match.WithTarget, BpfProgramType.Lsm, BpfAttachType.LsmCgroup),
        ("iter", Match.WithTarget, BpfProgramType.Tracing, BpfAttachType.TraceIter),
        ("iter.s", Match.WithTarget, BpfProgramType.Tracing, BpfAttachType.TraceIter),
        ("syscall", Match.Exact, BpfProgramType.Syscall, BpfAttachType.None),
        ("xdp.frags/devmap", Match.Exact, BpfProgramType.Xdp, BpfAttachType.XdpDevmap),
        ("xdp/devmap", Match.Exact, BpfProgramType.Xdp, BpfAttachType.XdpDevmap),
        ("xdp.frags/cpumap", Match.Exact, BpfProgramType.Xdp, BpfAttachType.XdpCpumap),
        ("xdp/cpumap", Match.Exact, BpfProgramType.Xdp, BpfAttachType.XdpCpumap),
        ("xdp.frags", Match.Exact, BpfProgramType.Xdp, BpfAttachType.Xdp),
        ("xdp", Match.Exact, BpfProgramType.Xdp, BpfAttachType.Xdp),
        ("perf_event", Match.Exact, BpfProgramType.PerfEvent, BpfAttachType.None),
        ("lwt_in", Match.Exact, BpfProgramType.LwtIn, BpfAttachType.None),
        ("lwt_out", Match.Exact, BpfProgramType.LwtOut, BpfAttachType.None),
        ("lwt_xmit", Match.Exact, BpfProgramType.LwtXmit, BpfAttachType.None),
        ("lwt_seg6local", Match.Exact, BpfProgramType.LwtSeg6local, BpfAttachType.None),
        ("sockops", Match.Exact, BpfProgramType.SockOps, BpfAttachType.CgroupSockOps),
        ("sk_skb/stream_parser", Match.Exact, BpfProgramType.SkSkb, BpfAttachType.SkSkbStreamParser),
        ("sk_skb/stream_verdict", Match.Exact, BpfProgramType.SkSkb, BpfAttachType.SkSkbStreamVerdict),
        ("sk_skb/verdict", Match.Exact, BpfProgramType.SkSkb, BpfAttachType.SkSkbVerdict),
        ("sk_skb", Match.Exact, BpfProgramType.SkSkb, BpfAttachType.None),
        ("sk_msg", Match.Exact, BpfProgramType.SkMsg, BpfAttachType.SkMsgVerdict),
        ("lirc_mode2", Match.Exact, BpfProgramType.LircMode2, BpfAttachType.LircMode2),
        ("flow_dissector", Match.Exact, BpfProgramType.FlowDissector, BpfAttachType.FlowDissector),
        ("cgroup_skb/ingress", Match.Exact, BpfProgramType.CgroupSkb, BpfAttachType.CgroupInetIngress),
        ("cgroup_skb/egress", Match.Exact, BpfProgramType.CgroupSkb, BpfAttachType.CgroupInetEgress),
        ("cgroup/skb", Match.Exact, BpfProgramType.CgroupSkb, BpfAttachType.None),
        ("cgroup/sock_create", Match.Exact, BpfProgramType.CgroupSock, BpfAttachType.CgroupInetSockCreate),
        ("cgroup/sock_release", Match.Exact, BpfProgramType.CgroupSock, BpfAttachType.CgroupInetSockRelease),
        ("cgroup/sock", Match.Exact, BpfProgramType.CgroupSock, BpfAttachType.CgroupInetSockCreate),
        ("cgroup/post_bind4", Match.Exact, BpfProgramType.CgroupSock, BpfAttachType.CgroupInet4PostBind),
        ("cgroup/post_bind6", Match.Exact, BpfProgramType.CgroupSock, BpfAttachType.CgroupInet6PostBind),
        ("cgroup/bind4", Match.Exact, BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet4Bind),
        ("cgroup/bind6", Match.Exact, BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet6Bind),
        ("cgroup/connect4", Match.Exact, BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet4Connect),
        ("cgroup/connect6", Match.Exact, BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet6Connect),
        ("cgroup/sendmsg4", Match.Exact, BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupUdp4Sendmsg),
        ("cgroup/sendmsg6", Match.Exact, BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupUdp6Sendmsg),
        ("cgroup/recvmsg4", Match.Exact, BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupUdp4Recvmsg),
        ("cgroup/recvmsg6", Match.Exact, BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupUdp6Recvmsg),
        ("cgroup/getpeername4", Match.Exact, BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet4Getpeername),
        ("cgroup/getpeername6", Match.Exact, BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet6Getpeername),
        ("cgroup/getsockname4", Match.Exact, BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet4Getsockname),
        ("cgroup/getsockname6", Match.Exact, BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet6Getsockname),
        ("cgroup/sysctl", Match.Exact, BpfProgramType.CgroupSysctl, BpfAttachType.CgroupSysctl),
        ("cgroup/getsockopt", Match.Exact, BpfProgramType.CgroupSockopt, BpfAttachType.CgroupGetsockopt),
        ("cgroup/setsockopt", Match.Exact, BpfProgramType.CgroupSockopt, BpfAttachType.CgroupSetsockopt),
        ("cgroup/dev", Match.Exact, BpfProgramType.CgroupDevice, BpfAttachType.CgroupDevice),
        ("struct_ops", Match.WithTarget, BpfProgramType.StructOps, BpfAttachType.None),
        ("struct_ops.s", Match.WithTarget, BpfProgramType.StructOps, BpfAttachType.None),
        ("sk_lookup", Match.Exact, BpfProgramType.SkLookup, BpfAttachType.SkLookup),
        ("netfilter", Match.Exact, BpfProgramType.Netfilter, BpfAttachType.Netfilter),
    ];

    /// <summary>
    /// Classifies a section name. Exact and "prefix/target" matches come first; failing those, the legacy
    /// (pre-libbpf-1.0) rule accepts any name starting with a known prefix, as old objects use <c>socket1</c> or
    /// <c>kprobe_foo</c>. Unknown names give <see cref="BpfProgramType.Unspecified"/>.
    /// </summary>
    public static ProgramSectionInfo Classify(string sectionName)
    {
        foreach (var entry in s_table)
        {
            if (sectionName == entry.Prefix) return new(entry.Type, entry.Attach, null);
            if (entry.Match == Match.WithTarget && sectionName.Length > entry.Prefix.Length + 1 &&
                sectionName.StartsWith(entry.Prefix, StringComparison.Ordinal) && sectionName[entry.Prefix.Length] == '/')
                return new(entry.Type, entry.Attach, sectionName[(entry.Prefix.Length + 1)..]);
        }
        var best = new ProgramSectionInfo(BpfProgramType.Unspecified, BpfAttachType.None, null);
        int bestLength = 0;
        foreach (var entry in s_table)
        {
            if (entry.Prefix.Length > bestLength && sectionName.StartsWith(entry.Prefix, StringComparison.Ordinal))
            {
                best = new(entry.Type, entry.Attach, null);
                bestLength = entry.Prefix.Length;
            }
        }
        return best;
    }
}
