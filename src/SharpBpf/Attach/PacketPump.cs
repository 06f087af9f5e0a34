using SharpBpf.ProgramTypes;

namespace SharpBpf.Attach;

/// <summary>
/// Runs a packet program (socket filter, XDP, tc) on captured packets, one <see cref="PacketRecord"/> at a time,
/// the way the kernel runs it on each packet of an interface, and counts the verdicts by name
/// (<see cref="VerdictName(BpfProgramType, ulong, int)"/>). Not thread-safe: one pump per packet source. It runs
/// the program through a <see cref="PacketRunner"/> of its own, freed by <see cref="Dispose"/>.
/// </summary>
public sealed class PacketPump : IDisposable
{
    // Counts by verdict: the named verdicts (socket filter kept/truncated/dropped, XDP and tc actions) in an array
    // indexed like s_xdpNames/s_tcNames/s_socketNames, others by name; names listed in first-seen order.
    private readonly long[] _namedCounts = new long[16];
    private readonly Dictionary<string, long> _otherCounts = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private readonly PacketRunner _runner;

    /// <summary>Creates a pump for <paramref name="program"/>.</summary>
    public PacketPump(PacketProgram program)
    {
        ArgumentNullException.ThrowIfNull(program);
        Program = program;
        _runner = program.CreateRunner();
        _type = program.Type;
        _names = NamesOf(_type);
    }

    private readonly BpfProgramType _type;
    private readonly string[] _names;
    // The metadata of the last record and what it was derived from (ToMetadata reads nothing else, except for raw IP).
    private PacketMetadata _lastMetadata;
    private int _lastInterface = -1;
    private PacketType _lastPacketType;
    private LinkType _lastLinkType;

    /// <summary>The program run on every packet.</summary>
    public PacketProgram Program { get; }

    /// <summary>Packets run so far.</summary>
    public long Packets { get; private set; }

    /// <summary>Verdict counts so far, by <see cref="VerdictName(BpfProgramType, ulong, int)"/>, in first-seen order.</summary>
    public IReadOnlyDictionary<string, long> Verdicts
    {
        get
        {
            var names = NamesOf(Program.Type);
            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var name in _order)
            {
                int index = Array.IndexOf(names, name);
                counts[name] = index >= 0 ? _namedCounts[index] : _otherCounts[name];
            }
            return counts;
        }
    }

    /// <summary>Runs the program on <paramref name="record"/>, counts its verdict and returns the packet after the run.</summary>
    /// <exception cref="Runtime.BpfRuntimeException">The program faulted (the packet is not counted).</exception>
    public PacketRunResult Run(in PacketRecord record)
    {
        var result = _runner.Run(ToInput(record));
        Count(result.ReturnValue, record.CapturedLength);
        return result;
    }

    /// <summary>
    /// Runs the program on <paramref name="record"/> and counts its verdict, keeping nothing else: the fast path when
    /// the resulting packet is not wanted. Returns r0.
    /// </summary>
    /// <exception cref="Runtime.BpfRuntimeException">The program faulted (the packet is not counted).</exception>
    public ulong RunVerdict(in PacketRecord record)
    {
        // Consecutive packets of one source usually share their metadata: it is derived again only when it may differ.
        if (record.InterfaceIndex != _lastInterface || record.PacketType != _lastPacketType || record.LinkType != _lastLinkType || record.LinkType == LinkType.Raw)
        {
            _lastMetadata = ToMetadata(record);
            (_lastInterface, _lastPacketType, _lastLinkType) = (record.InterfaceIndex, record.PacketType, record.LinkType);
        }
        ulong r0 = _runner.RunVerdict(record.Span, _lastMetadata);
        Count(r0, record.CapturedLength);
        return r0;
    }

    private void Count(ulong r0, int packetLength)
    {
        Packets++;
        var names = _names;
        int index = NamedIndex(_type, r0, packetLength);
        if ((uint)index < (uint)names.Length)
        {
            if (_namedCounts[index]++ == 0) _order.Add(names[index]);
            return;
        }
        string name = VerdictName(Program.Type, r0, packetLength);
        long seen = _otherCounts.GetValueOrDefault(name);
        if (seen == 0) _order.Add(name);
        _otherCounts[name] = seen + 1;
    }

    /// <summary>
    /// The kernel metadata for a captured packet: its <c>pkt_type</c> and interface index, and for raw IP link
    /// types the protocol from the IP version (there is no Ethernet header to take it from).
    /// </summary>
    public static PacketMetadata ToMetadata(in PacketRecord record)
    {
        uint ifIndex = record.InterfaceIndex > 0 ? (uint)record.InterfaceIndex : 1;
        ushort? protocol = record.LinkType == LinkType.Raw && record.CapturedLength > 0
            ? (record.Span[0] >> 4) switch { 4 => (ushort)0x0800, 6 => (ushort)0x86DD, _ => null }
            : null;
        return new PacketMetadata
        {
            PacketType = record.PacketType == PacketType.Unknown ? 0u : (uint)record.PacketType,
            IfIndex = ifIndex,
            IngressIfIndex = ifIndex,
            Protocol = protocol,
        };
    }

    /// <summary>The packet of <paramref name="record"/> with its <see cref="ToMetadata"/>.</summary>
    public static PacketInput ToInput(in PacketRecord record) => new(record.Data, ToMetadata(record));

    /// <summary>
    /// The verdict as a name: XDP action names (<c>XDP_PASS</c>, ...), tc <c>TC_ACT_*</c> names, and for socket
    /// filters <c>kept</c> (r0 at least the packet length), <c>truncated</c> (0 &lt; r0 &lt; length) or <c>dropped</c> (r0 = 0).
    /// Unknown values are named by number.
    /// </summary>
    public static string VerdictName(BpfProgramType type, ulong returnValue, int packetLength)
    {
        var names = NamesOf(type);
        int index = NamedIndex(type, returnValue, packetLength);
        if ((uint)index < (uint)names.Length) return names[index];
        return type == BpfProgramType.Xdp ? $"XDP_{(uint)returnValue}" : $"TC_ACT_{(int)(uint)returnValue}";
    }

    /// <summary><see cref="VerdictName(BpfProgramType, ulong, int)"/> of a run's result.</summary>
    public static string VerdictName(BpfProgramType type, PacketRunResult result, int packetLength)
    {
        ArgumentNullException.ThrowIfNull(result);
        return VerdictName(type, result.ReturnValue, packetLength);
    }

    private static string[] NamesOf(BpfProgramType type) => type switch
    {
        BpfProgramType.SocketFilter => s_socketNames,
        BpfProgramType.Xdp => s_xdpNames,
        _ => s_tcNames,
    };

    // Index into NamesOf(type); out of range for values without a name.
    private static int NamedIndex(BpfProgramType type, ulong returnValue, int packetLength)
    {
        uint r0 = (uint)returnValue;
        return type switch
        {
            BpfProgramType.SocketFilter => r0 == 0 ? 0 : r0 < (uint)packetLength ? 1 : 2,
            BpfProgramType.Xdp => r0 < int.MaxValue ? (int)r0 : -1,
            _ => r0 + 1 < int.MaxValue ? (int)(r0 + 1) : -1,
        };
    }

    // Indexed by NamedIndex: socket filter verdicts, r0 (XDP), r0 + 1 (tc, from TC_ACT_UNSPEC = -1).
    private static readonly string[] s_socketNames = ["dropped", "truncated", "kept"];
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

    /// <summary>Frees the runner's native frame and context.</summary>
    public void Dispose() => _runner.Dispose();
}
