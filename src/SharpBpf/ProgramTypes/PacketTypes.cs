namespace SharpBpf.ProgramTypes;

/// <summary>XDP verdicts (<c>enum xdp_action</c>).</summary>
public enum XdpAction : uint
{
    /// <summary>XDP_ABORTED: drop, counting an error.</summary>
    Aborted = 0,
    /// <summary>XDP_DROP.</summary>
    Drop = 1,
    /// <summary>XDP_PASS: on to the network stack.</summary>
    Pass = 2,
    /// <summary>XDP_TX: bounce out of the receiving interface.</summary>
    Tx = 3,
    /// <summary>XDP_REDIRECT: to the target set by <c>bpf_redirect</c>/<c>bpf_redirect_map</c>.</summary>
    Redirect = 4,
}

/// <summary>tc verdicts (<c>TC_ACT_*</c> in <c>linux/pkt_cls.h</c>).</summary>
public enum TcAction
{
    /// <summary>TC_ACT_UNSPEC: use the default action.</summary>
    Unspecified = -1,
    /// <summary>TC_ACT_OK: pass.</summary>
    Ok = 0,
    /// <summary>TC_ACT_RECLASSIFY.</summary>
    Reclassify = 1,
    /// <summary>TC_ACT_SHOT: drop.</summary>
    Shot = 2,
    /// <summary>TC_ACT_PIPE.</summary>
    Pipe = 3,
    /// <summary>TC_ACT_STOLEN.</summary>
    Stolen = 4,
    /// <summary>TC_ACT_QUEUED.</summary>
    Queued = 5,
    /// <summary>TC_ACT_REPEAT.</summary>
    Repeat = 6,
    /// <summary>TC_ACT_REDIRECT: to the target set by <c>bpf_redirect</c>.</summary>
    Redirect = 7,
    /// <summary>TC_ACT_TRAP.</summary>
    Trap = 8,
}

/// <summary>Where a program asked for its packet to go (<c>bpf_redirect</c>, <c>bpf_redirect_map</c>).</summary>
/// <param name="IfIndex">Target interface (for <c>bpf_redirect</c> and device maps), else 0.</param>
/// <param name="Map">The map for <c>bpf_redirect_map</c>, else null.</param>
/// <param name="Key">The key in <paramref name="Map"/>.</param>
/// <param name="Flags">The helper's flags (<c>BPF_F_INGRESS</c>, <c>BPF_F_BROADCAST</c>, ...).</param>
public sealed record RedirectTarget(uint IfIndex, Maps.BpfMap? Map, uint Key, ulong Flags);

/// <summary>
/// A packet and the metadata the kernel would attach to it (the fields of <c>__sk_buff</c>/<c>xdp_md</c> that are
/// not derived from the bytes). Protocol is in host order here (0x0800 for IPv4) and is presented to programs in
/// network order as the kernel does.
/// </summary>
public sealed record PacketInput
{
    /// <summary>Creates an input for <paramref name="data"/>.</summary>
    public PacketInput(ReadOnlyMemory<byte> data) => Data = data;

    /// <summary>The packet bytes, from the Ethernet header.</summary>
    public ReadOnlyMemory<byte> Data { get; init; }

    /// <summary>Interface the packet is on (<c>ifindex</c>; for XDP <c>ingress_ifindex</c>).</summary>
    public uint IfIndex { get; init; } = 1;

    /// <summary>Interface it arrived on (<c>__sk_buff.ingress_ifindex</c>).</summary>
    public uint IngressIfIndex { get; init; } = 1;

    /// <summary>EtherType in host order; null derives it from the Ethernet header.</summary>
    public ushort? Protocol { get; init; }

    /// <summary><c>pkt_type</c> (PACKET_HOST 0, BROADCAST 1, MULTICAST 2, OTHERHOST 3, OUTGOING 4).</summary>
    public uint PacketType { get; init; }

    /// <summary><c>mark</c>.</summary>
    public uint Mark { get; init; }

    /// <summary><c>priority</c>.</summary>
    public uint Priority { get; init; }

    /// <summary><c>queue_mapping</c> / XDP <c>rx_queue_index</c>.</summary>
    public uint QueueIndex { get; init; }

    /// <summary><c>hash</c>.</summary>
    public uint Hash { get; init; }

    /// <summary>VLAN TCI, when the packet carries an offloaded tag.</summary>
    public ushort? VlanTci { get; init; }

    /// <summary><c>tstamp</c>.</summary>
    public ulong Timestamp { get; init; }

    /// <summary>Initial <c>cb[0..4]</c> (up to five words).</summary>
    public ReadOnlyMemory<uint> ControlBlock { get; init; }
}

/// <summary>What a packet program did with its packet.</summary>
public sealed record PacketRunResult
{
    /// <summary>r0 as the program returned it.</summary>
    public required ulong ReturnValue { get; init; }

    /// <summary>The packet after the run: modified, resized by the XDP adjust helpers, truncated by a socket filter.</summary>
    public required byte[] Packet { get; init; }

    /// <summary>XDP metadata in front of the packet (<c>data_meta..data</c>), empty when none.</summary>
    public byte[] Metadata { get; init; } = [];

    /// <summary>Redirect requested during the run, if any.</summary>
    public RedirectTarget? Redirect { get; init; }

    /// <summary><c>mark</c> after the run (skb types).</summary>
    public uint Mark { get; init; }

    /// <summary><c>priority</c> after the run (skb types).</summary>
    public uint Priority { get; init; }

    /// <summary><c>tc_classid</c> after the run (tc).</summary>
    public uint TcClassId { get; init; }

    /// <summary><c>cb[]</c> after the run (skb types).</summary>
    public uint[] ControlBlock { get; init; } = [];

    /// <summary>Executed instructions.</summary>
    public long InstructionsExecuted { get; init; }

    /// <summary>r0 as an XDP verdict.</summary>
    public XdpAction XdpAction => (XdpAction)(uint)ReturnValue;

    /// <summary>r0 as a tc verdict.</summary>
    public TcAction TcAction => (TcAction)(int)(uint)ReturnValue;
}
