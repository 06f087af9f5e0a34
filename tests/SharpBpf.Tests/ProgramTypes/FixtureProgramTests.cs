using System.Buffers.Binary;
using SharpBpf.Jit;
using SharpBpf.ProgramTypes;

namespace SharpBpf.Tests.ProgramTypes;

/// <summary>The clang-compiled programs in tests/fixtures/programtypes, run on both engines.</summary>
public class FixtureProgramTests
{
    [Theory]
    [MemberData(nameof(Packets.Engines), MemberType = typeof(Packets))]
    public void Xdp_counter_counts_protocols_and_ports(EngineChoice engine)
    {
        var (program, maps) = Packets.LoadFixture("xdp_counter", engine);
        try
        {
            var verdicts = new[]
            {
                Packets.Ipv4(Packets.Udp, 1, 2, 1000, 53),
                Packets.Ipv4(Packets.Udp, 1, 2, 1000, 9),
                Packets.Ipv4(Packets.Tcp, 1, 2, 1000, 80),
                Packets.Ipv4(Packets.Udp, 1, 2, 1000, 53),
                Packets.Arp(),
            }.Select(p => program.Run(new PacketInput(p)).XdpAction).ToArray();
            Assert.Equal([XdpAction.Pass, XdpAction.Drop, XdpAction.Pass, XdpAction.Pass, XdpAction.Pass], verdicts);
            var protocols = maps.Single(m => m.Name == "proto_counts");
            Assert.Equal(3ul, protocols.Lookup<uint, ulong>(Packets.Udp));
            Assert.Equal(1ul, protocols.Lookup<uint, ulong>(Packets.Tcp));
            var ports = maps.Single(m => m.Name == "port_counts");
            Assert.Equal(2ul, ports.Lookup<ushort, ulong>(53));
            Assert.Equal(1ul, ports.Lookup<ushort, ulong>(9));
            Assert.Equal(1ul, ports.Lookup<ushort, ulong>(80));
            // A truncated packet fails the bounds check the program makes against data_end.
            Assert.Equal(XdpAction.Aborted, program.Run(new PacketInput(Packets.Ipv4(Packets.Udp, 1, 2, 3, 4)[..20])).XdpAction);
        }
        finally
        {
            foreach (var map in maps) map.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(Packets.Engines), MemberType = typeof(Packets))]
    public void Tc_rewrite_changes_address_and_port_with_valid_checksums(EngineChoice engine)
    {
        var (program, _) = Packets.LoadFixture("tc_rewrite", engine);
        var input = Packets.Ipv4(Packets.Udp, 0xc0a80101, 0x08080808, 40000, 53, payload: 13);
        Assert.True(Packets.IpChecksumValid(input) && Packets.TransportChecksumValid(input));
        var result = program.Run(new PacketInput(input));
        Assert.Equal(TcAction.Ok, result.TcAction);
        Assert.Equal(0x0a000002u, BinaryPrimitives.ReadUInt32BigEndian(result.Packet.AsSpan(30)));
        Assert.Equal(5353, BinaryPrimitives.ReadUInt16BigEndian(result.Packet.AsSpan(36)));
        Assert.True(Packets.IpChecksumValid(result.Packet));
        Assert.True(Packets.TransportChecksumValid(result.Packet));
        Assert.Equal(0x42u, result.Mark);

        var tcp = Packets.Ipv4(Packets.Tcp, 1, 2, 3, 53);
        var untouched = program.Run(new PacketInput(tcp));
        Assert.Equal(tcp, untouched.Packet);
        Assert.Equal(0u, untouched.Mark);
    }

    [Theory]
    [MemberData(nameof(Packets.Engines), MemberType = typeof(Packets))]
    public void Socket_filter_keeps_the_bytes_it_returns(EngineChoice engine)
    {
        var (program, _) = Packets.LoadFixture("socket_len", engine);
        var tcp = Packets.Ipv4(Packets.Tcp, 1, 2, 3, 4, payload: 46);
        var udp = Packets.Ipv4(Packets.Udp, 1, 2, 3, 4, payload: 8);
        var tcpResult = program.Run(new PacketInput(tcp));
        Assert.Equal(64ul, tcpResult.ReturnValue);
        Assert.Equal(tcp[..64], tcpResult.Packet);
        Assert.Equal(udp, program.Run(new PacketInput(udp)).Packet);
        var arp = program.Run(new PacketInput(Packets.Arp()));
        Assert.Equal(0ul, arp.ReturnValue);
        Assert.Empty(arp.Packet);
    }
}
