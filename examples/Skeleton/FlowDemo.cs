using System.Buffers.Binary;
using SharpBpf.ProgramTypes;

namespace SharpBpf.Examples.Skeleton;

/// <summary>What the demo observed.</summary>
/// <param name="Verdicts">The XDP verdict of each packet, in order.</param>
/// <param name="Flows">Packets and bytes per (source port, destination port) flow, from the typed flow map.</param>
/// <param name="TotalPackets">The <c>total_packets</c> global.</param>
/// <param name="TotalBytes">The <c>total_bytes</c> global.</param>
/// <param name="Drops">The XDP_DROP count from the <c>verdicts</c> map.</param>
public sealed record FlowDemoResult(IReadOnlyList<XdpAction> Verdicts, IReadOnlyDictionary<(ushort Source, ushort Destination), (ulong Packets, ulong Bytes)> Flows,
    ulong TotalPackets, ulong TotalBytes, ulong Drops);

/// <summary>Uses the generated skeleton: configures a read-only global, runs packets, reads typed maps and globals.</summary>
public static class FlowDemo
{
    /// <summary>Runs the demo, writing a report to <paramref name="output"/>.</summary>
    public static FlowDemoResult Run(TextWriter output)
    {
        using var skeleton = new FlowStatsSkeleton();
        // .rodata is configuration: set it before the first run, as a libbpf user does before load.
        skeleton.BlockedPort.Value = 9;

        var packets = new[] { Udp(40000, 53, 20), Udp(40000, 53, 60), Udp(40001, 9, 10), Arp() };
        var verdicts = packets.Select(packet => skeleton.FlowAccount.Run(new PacketInput(packet)).XdpAction).ToList();

        var flows = skeleton.Flows.Entries.ToDictionary(entry => (entry.Key.Sport, entry.Key.Dport), entry => (entry.Value.Packets, entry.Value.Bytes));
        var result = new FlowDemoResult(verdicts, flows, skeleton.TotalPackets.Value, skeleton.TotalBytes.Value,
            skeleton.Verdicts.Lookup((uint)XdpAction.Drop) ?? 0);

        output.WriteLine($"verdicts: {string.Join(", ", verdicts)}");
        foreach (var ((source, destination), (count, bytes)) in flows.OrderBy(f => f.Key))
            output.WriteLine($"flow {source} -> {destination}: {count} packets, {bytes} bytes");
        output.WriteLine($"total: {result.TotalPackets} packets, {result.TotalBytes} bytes, {result.Drops} dropped");
        return result;
    }

    private static byte[] Udp(ushort source, ushort destination, int payload)
    {
        var packet = new byte[14 + 20 + 8 + payload];
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(12), 0x0800);
        packet[14] = 0x45;
        packet[23] = 17;
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(26), 0x0a000001);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(30), 0x0a000002);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(34), source);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(36), destination);
        return packet;
    }

    private static byte[] Arp() => [.. new byte[12], 0x08, 0x06, .. new byte[28]];
}
