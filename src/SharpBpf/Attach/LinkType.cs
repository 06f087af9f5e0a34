namespace SharpBpf.Attach;

/// <summary>
/// Link-layer header types as numbered by tcpdump.org's LINKTYPE_ registry (the value stored in pcap and pcapng files).
/// The readers accept only the named values unless <see cref="CaptureReadOptions.AcceptAnyLinkType"/> is set.
/// </summary>
public enum LinkType : ushort
{
    /// <summary>LINKTYPE_NULL (0): BSD loopback; a 4-byte address family in the writer's byte order precedes the packet.</summary>
    Null = 0,
    /// <summary>LINKTYPE_ETHERNET / DLT_EN10MB (1): Ethernet II frames; Linux <c>lo</c> also captures as this.</summary>
    Ethernet = 1,
    /// <summary>LINKTYPE_RAW (101): the packet starts with an IPv4 or IPv6 header.</summary>
    Raw = 101,
    /// <summary>LINKTYPE_LINUX_SLL (113): Linux "cooked" capture, 16-byte header carrying the packet type.</summary>
    LinuxSll = 113,
    /// <summary>LINKTYPE_LINUX_SLL2 (276): Linux cooked capture v2, 20-byte header with interface index and packet type.</summary>
    LinuxSll2 = 276,
}

/// <summary>
/// Who a packet was addressed to, as the kernel's <c>sll_pkttype</c> (PACKET_HOST ... PACKET_FASTROUTE in
/// <c>linux/if_packet.h</c>). Files report it when their format carries it: LINUX_SLL/SLL2 headers and the pcapng
/// <c>epb_flags</c> direction; otherwise it is <see cref="Unknown"/>.
/// </summary>
public enum PacketType : byte
{
    /// <summary>PACKET_HOST: addressed to this host (on <c>lo</c>, the incoming copy of every packet).</summary>
    Host = 0,
    /// <summary>PACKET_BROADCAST: link-layer broadcast.</summary>
    Broadcast = 1,
    /// <summary>PACKET_MULTICAST: link-layer multicast.</summary>
    Multicast = 2,
    /// <summary>PACKET_OTHERHOST: addressed to another host, seen in promiscuous mode.</summary>
    OtherHost = 3,
    /// <summary>PACKET_OUTGOING: sent by this host (on <c>lo</c>, the outgoing copy of every packet).</summary>
    Outgoing = 4,
    /// <summary>PACKET_LOOPBACK: looped back multicast.</summary>
    Loopback = 5,
    /// <summary>PACKET_USER: to user space.</summary>
    User = 6,
    /// <summary>PACKET_KERNEL: to the kernel.</summary>
    Kernel = 7,
    /// <summary>Not recorded by the source.</summary>
    Unknown = 255,
}

/// <summary>Timestamp resolution of a classic pcap file, chosen by its magic number.</summary>
public enum TimestampPrecision
{
    /// <summary>Magic 0xA1B2C3D4: the sub-second field counts microseconds.</summary>
    Microseconds,
    /// <summary>Magic 0xA1B23C4D: the sub-second field counts nanoseconds.</summary>
    Nanoseconds,
}
