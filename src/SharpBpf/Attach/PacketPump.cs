using SharpBpf.ProgramTypes;

namespace SharpBpf.Attach;

/// <summary>
/// Runs a packet program (socket filter, XDP, tc) on captured packets, one <see cref="PacketRecord"/> at a time,
/// the way the kernel runs it on each packet of an interface, and counts the verdicts by name
/// (<see cref="VerdictName"/>). Not thread-safe: one pump per packet source.
/// </summary>
public sealed class PacketPump
{
    private readonly Dictionary<string, long> _verdicts = new(StringComparer.Ordinal);

    /// <summary>Creates a pump for <paramref name="program"/>.</summary>
    public PacketPump(PacketProgram program)
    {
        ArgumentNullException.ThrowIfNull(program);
        Program = program;
    }

    /// <summary>The program run on every packet.</summary>
    public PacketProgram Program { get; }

    /// <summary>Packets run so far.</summary>
    public long Packets { get; private set; }

    /// <summary>Verdict counts so far, by <see cref="VerdictName"/>, in first-seen order.</summary>
    public IReadOnlyDictionary<string, long> Verdicts => _verdicts;

    /// <summary>Runs the program on <paramref name="record"/> and counts its verdict.</summary>
    /// <exception cref="Runtime.BpfRuntimeException">The program faulted (the packet is not counted).</exception>
    public PacketRunResult Run(in PacketRecord record)
    {
        var result = Program.Run(ToInput(record));
        Packets++;
        string verdict = VerdictName(Program.Type, result, record.CapturedLength);
        _verdicts[verdict] = _verdicts.GetValueOrDefault(verdict) + 1;
        return result;
    }

    /// <summary>
    /// The kernel metadata for a captured packet: its <c>pkt_type</c> and interface index, and for raw IP link
    /// types the protocol from the IP version (there is no Ethernet header to take it from).
    /// </summary>
    public static PacketInput ToInput(in PacketRecord record)
    {
        uint ifIndex = record.InterfaceIndex > 0 ? (uint)record.InterfaceIndex : 1;
        ushort? protocol = record.LinkType == LinkType.Raw && record.CapturedLength > 0
            ? (record.Span[0] >> 4) switch { 4 => (ushort)0x0800, 6 => (ushort)0x86DD, _ => null }
            : null;
        return new PacketInput(record.Data)
        {
            PacketType = record.PacketType == PacketType.Unknown ? 0u : (uint)record.PacketType,
            IfIndex = ifIndex,
            IngressIfIndex = ifIndex,
            Protocol = protocol,
        };
    }

    /// <summary>
    /// The verdict as a name: XDP action names (<c>XDP_PASS</c>, ...), tc <c>TC_ACT_*</c> names, and for socket
    /// filters <c>kept</c> (r0 at least the packet length), <c>truncated</c> (0 &lt; r0 &lt; length) or <c>dropped</c> (r0 = 0).
    /// Unknown values are named by number.
    /// </summary>
    public static string VerdictName(BpfProgramType type, PacketRunResult result, int packetLength)
    {
        ArgumentNullException.ThrowIfNull(result);
        uint r0 = (uint)result.ReturnValue;
        return type switch
        {
            BpfProgramType.SocketFilter => r0 == 0 ? "dropped" : r0 < (uint)packetLength ? "truncated" : "kept",
            BpfProgramType.Xdp => r0 < (uint)s_xdpNames.Length ? s_xdpNames[r0] : $"XDP_{r0}",
            _ => r0 + 1 < (uint)s_tcNames.Length ? s_tcNames[r0 + 1] : $"TC_ACT_{(int)r0}",
        };
    }

    // Indexed by r0 (XDP) and r0 + 1 (tc, from TC_ACT_UNSPEC = -1): named once, not per packet.
    private static readonly string[] s_xdpNames = ["XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX", "XDP_REDIRECT"];
    private static readonly string[] s_tcNames =
        ["TC_ACT_UNSPEC", "TC_ACT_OK", "TC_ACT_RECLASSIFY", "TC_ACT_SHOT", "TC_ACT_PIPE", "TC_ACT_STOLEN", "TC_ACT_QUEUED", "TC_ACT_REPEAT", "TC_ACT_REDIRECT", "TC_ACT_TRAP"];

    /// <summary>
    /// True when the packet goes on after the program: XDP_PASS or XDP_TX (the possibly modified packet), tc
    /// TC_ACT_OK (or UNSPEC, the default action), a socket filter's non-zero result (the packet cut to it).
    /// </summary>
    public static bool Passes(BpfProgramType type, PacketRunResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return type switch
        {
            BpfProgramType.SocketFilter => (uint)result.ReturnValue != 0,
            BpfProgramType.Xdp => result.XdpAction is XdpAction.Pass or XdpAction.Tx,
            _ => result.TcAction is TcAction.Ok or TcAction.Unspecified,
        };
    }
}
