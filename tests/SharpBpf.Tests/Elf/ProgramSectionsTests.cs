using SharpBpf.Elf;
using SharpBpf.ProgramTypes;

namespace SharpBpf.Tests.Elf;

public class ProgramSectionsTests
{
    [Theory]
    [InlineData("socket", BpfProgramType.SocketFilter, BpfAttachType.None, null)]
    [InlineData("xdp", BpfProgramType.Xdp, BpfAttachType.Xdp, null)]
    [InlineData("xdp/devmap", BpfProgramType.Xdp, BpfAttachType.XdpDevmap, null)]
    [InlineData("tc", BpfProgramType.SchedCls, BpfAttachType.None, null)]
    [InlineData("classifier", BpfProgramType.SchedCls, BpfAttachType.None, null)]
    [InlineData("kprobe/do_sys_open", BpfProgramType.Kprobe, BpfAttachType.None, "do_sys_open")]
    [InlineData("kretprobe/tcp_sendmsg", BpfProgramType.Kprobe, BpfAttachType.None, "tcp_sendmsg")]
    [InlineData("uprobe/lib.so:malloc", BpfProgramType.Kprobe, BpfAttachType.None, "lib.so:malloc")]
    [InlineData("tracepoint/syscalls/sys_enter_openat", BpfProgramType.Tracepoint, BpfAttachType.None, "syscalls/sys_enter_openat")]
    [InlineData("tp/sched/sched_switch", BpfProgramType.Tracepoint, BpfAttachType.None, "sched/sched_switch")]
    [InlineData("raw_tracepoint/sched_switch", BpfProgramType.RawTracepoint, BpfAttachType.None, "sched_switch")]
    [InlineData("raw_tp/sys_enter", BpfProgramType.RawTracepoint, BpfAttachType.None, "sys_enter")]
    [InlineData("cgroup_skb/ingress", BpfProgramType.CgroupSkb, BpfAttachType.CgroupInetIngress, null)]
    [InlineData("cgroup/connect4", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet4Connect, null)]
    [InlineData("cgroup/sock_create", BpfProgramType.CgroupSock, BpfAttachType.CgroupInetSockCreate, null)]
    [InlineData("cgroup/dev", BpfProgramType.CgroupDevice, BpfAttachType.CgroupDevice, null)]
    [InlineData("perf_event", BpfProgramType.PerfEvent, BpfAttachType.None, null)]
    [InlineData("sk_skb/stream_verdict", BpfProgramType.SkSkb, BpfAttachType.SkSkbStreamVerdict, null)]
    [InlineData("sk_msg", BpfProgramType.SkMsg, BpfAttachType.SkMsgVerdict, null)]
    [InlineData("sockops", BpfProgramType.SockOps, BpfAttachType.CgroupSockOps, null)]
    [InlineData("lwt_xmit", BpfProgramType.LwtXmit, BpfAttachType.None, null)]
    [InlineData("fentry/tcp_v4_connect", BpfProgramType.Tracing, BpfAttachType.TraceFentry, "tcp_v4_connect")]
    [InlineData("fexit/tcp_v4_connect", BpfProgramType.Tracing, BpfAttachType.TraceFexit, "tcp_v4_connect")]
    [InlineData("lsm/file_open", BpfProgramType.Lsm, BpfAttachType.LsmMac, "file_open")]
    [InlineData("socket1", BpfProgramType.SocketFilter, BpfAttachType.None, null)]
    [InlineData("my_custom_section", BpfProgramType.Unspecified, BpfAttachType.None, null)]
    [InlineData("", BpfProgramType.Unspecified, BpfAttachType.None, null)]
    public void ClassifiesLikeLibbpf(string name, BpfProgramType type, BpfAttachType attach, string? target) =>
        Assert.Equal(new ProgramSectionInfo(type, attach, target), ProgramSections.Classify(name));

    [Fact]
    public void ProgramTypeNumbersMatchTheKernel()
    {
        Assert.Equal(1u, (uint)BpfProgramType.SocketFilter);
        Assert.Equal(6u, (uint)BpfProgramType.Xdp);
        Assert.Equal(26u, (uint)BpfProgramType.Tracing);
        Assert.Equal(32u, (uint)BpfProgramType.Netfilter);
        Assert.Equal(37, (int)BpfAttachType.Xdp);
    }
}
