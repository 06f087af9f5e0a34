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
/// The metadata the kernel attaches to a packet besides its bytes: the fields of <c>__sk_buff</c>/<c>xdp_md</c> that
/// are not derived from the data. Protocol is in host order here (0x0800 for IPv4) and is presented to programs in
/// network order as the kernel does. <c>new PacketMetadata()</c> gives the defaults (interface 1, everything else
/// zero); <c>default</c> has interface 0.
/// </summary>
public readonly record struct PacketMetadata
{
    /// <summary>The defaults: packet on interface 1.</summary>
    public PacketMetadata() { }

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

    /// <summary>Field-by-field equality (the control block by identity of its memory, not its contents).</summary>
    public bool Equals(PacketMetadata other) => SameAs(in other);

    // By reference: packet contexts compare every packet's metadata with the last one's.
    internal bool SameAs(in PacketMetadata other) =>
        IfIndex == other.IfIndex && IngressIfIndex == other.IngressIfIndex && PacketType == other.PacketType && Mark == other.Mark
        && Priority == other.Priority && QueueIndex == other.QueueIndex && Hash == other.Hash && Timestamp == other.Timestamp
        && Protocol.GetValueOrDefault() == other.Protocol.GetValueOrDefault() && Protocol.HasValue == other.Protocol.HasValue
        && VlanTci.GetValueOrDefault() == other.VlanTci.GetValueOrDefault() && VlanTci.HasValue == other.VlanTci.HasValue
        && ControlBlock.Length == other.ControlBlock.Length && (ControlBlock.IsEmpty || ControlBlock.Equals(other.ControlBlock));

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(IfIndex, PacketType, Mark, Priority, QueueIndex, Hash, Timestamp, HashCode.Combine(IngressIfIndex, Protocol, VlanTci, ControlBlock));
}

/// <summary>A packet and its <see cref="PacketMetadata"/>, as one object (the metadata's members are repeated here for initialisers).</summary>
public sealed record PacketInput
{
    private PacketMetadata _metadata = new();

    /// <summary>Creates an input for <paramref name="data"/> with default metadata.</summary>
    public PacketInput(ReadOnlyMemory<byte> data) => Data = data;

    /// <summary>Creates an input for <paramref name="data"/> with <paramref name="metadata"/>.</summary>
    public PacketInput(ReadOnlyMemory<byte> data, PacketMetadata metadata)
    {
        Data = data;
        _metadata = metadata;
    }

    /// <summary>The packet bytes, from the Ethernet header.</summary>
    public ReadOnlyMemory<byte> Data { get; init; }

    /// <summary>Everything but the bytes.</summary>
    public PacketMetadata Metadata { get => _metadata; init => _metadata = value; }

    /// <inheritdoc cref="PacketMetadata.IfIndex"/>
    public uint IfIndex { get => _metadata.IfIndex; init => _metadata = _metadata with { IfIndex = value }; }

    /// <inheritdoc cref="PacketMetadata.IngressIfIndex"/>
    public uint IngressIfIndex { get => _metadata.IngressIfIndex; init => _metadata = _metadata with { IngressIfIndex = value }; }

    /// <inheritdoc cref="PacketMetadata.Protocol"/>
    public ushort? Protocol { get => _metadata.Protocol; init => _metadata = _metadata with { Protocol = value }; }

    /// <inheritdoc cref="PacketMetadata.PacketType"/>
    public uint PacketType { get => _metadata.PacketType; init => _metadata = _metadata with { PacketType = value }; }

    /// <inheritdoc cref="PacketMetadata.Mark"/>
    public uint Mark { get => _metadata.Mark; init => _metadata = _metadata with { Mark = value }; }

    /// <inheritdoc cref="PacketMetadata.Priority"/>
    public uint Priority { get => _metadata.Priority; init => _metadata = _metadata with { Priority = value }; }

    /// <inheritdoc cref="PacketMetadata.QueueIndex"/>
    public uint QueueIndex { get => _metadata.QueueIndex; init => _metadata = _metadata with { QueueIndex = value }; }

    /// <inheritdoc cref="PacketMetadata.Hash"/>
    public uint Hash { get => _metadata.Hash; init => _metadata = _metadata with { Hash = value }; }

    /// <inheritdoc cref="PacketMetadata.VlanTci"/>
    public ushort? VlanTci { get => _metadata.VlanTci; init => _metadata = _metadata with { VlanTci = value }; }

    /// <inheritdoc cref="PacketMetadata.Timestamp"/>
    public ulong Timestamp { get => _metadata.Timestamp; init => _metadata = _metadata with { Timestamp = value }; }

    /// <inheritdoc cref="PacketMetadata.ControlBlock"/>
    public ReadOnlyMemory<uint> ControlBlock { get => _metadata.ControlBlock; init => _metadata = _metadata with { ControlBlock = value }; }
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
