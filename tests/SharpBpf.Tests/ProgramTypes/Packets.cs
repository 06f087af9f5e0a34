using System.Buffers.Binary;
using SharpBpf.Asm;
using SharpBpf.Elf;
using SharpBpf.Helpers;
using SharpBpf.Jit;
using SharpBpf.Maps;
using SharpBpf.ProgramTypes;
using SharpBpf.Loader;

namespace SharpBpf.Tests.ProgramTypes;

/// <summary>Builds Ethernet/IPv4/UDP/TCP test packets with valid checksums, and checks checksums.</summary>
internal static class Packets
{
    public const byte Tcp = 6, Udp = 17;

    public static byte[] Ipv4(byte protocol, uint source, uint destination, ushort sourcePort, ushort destinationPort, int payload = 8)
    {
        int l4 = protocol == Tcp ? 20 : 8;
        var packet = new byte[14 + 20 + l4 + payload];
        var span = packet.AsSpan();
        span[0..6].Fill(0xaa);
        span[6..12].Fill(0xbb);
        BinaryPrimitives.WriteUInt16BigEndian(span[12..], 0x0800);
        var ip = span[14..34];
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + l4 + payload));
        ip[8] = 64;
        ip[9] = protocol;
        BinaryPrimitives.WriteUInt32BigEndian(ip[12..], source);
        BinaryPrimitives.WriteUInt32BigEndian(ip[16..], destination);
        BinaryPrimitives.WriteUInt16LittleEndian(ip[10..], Checksum.Compute(ip));
        var l4Span = span[34..];
        BinaryPrimitives.WriteUInt16BigEndian(l4Span, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(l4Span[2..], destinationPort);
        for (int i = 0; i < payload; i++) l4Span[l4 + i] = (byte)(i * 7 + 1);
        if (protocol == Udp) BinaryPrimitives.WriteUInt16BigEndian(l4Span[4..], (ushort)(8 + payload));
        else l4Span[12] = 5 << 4;
        int checksumAt = protocol == Tcp ? 16 : 6;
        BinaryPrimitives.WriteUInt16LittleEndian(l4Span[checksumAt..], TransportChecksum(packet));
        return packet;
    }

    public static byte[] Arp() => [.. new byte[12], 0x08, 0x06, .. new byte[28]];

    public static bool IpChecksumValid(byte[] packet) => Checksum.Compute(packet.AsSpan(14, 20)) == 0;

    /// <summary>True when the UDP/TCP checksum (over pseudo header and segment) verifies.</summary>
    public static bool TransportChecksumValid(byte[] packet)
    {
        var copy = (byte[])packet.Clone();
        int at = 34 + (packet[23] == Tcp ? 16 : 6);
        ushort stored = BinaryPrimitives.ReadUInt16LittleEndian(copy.AsSpan(at));
        copy[at] = copy[at + 1] = 0;
        return stored == TransportChecksum(copy);
    }

    private static ushort TransportChecksum(byte[] packet)
    {
        int length = packet.Length - 34;
        var pseudo = new byte[12 + length];
        packet.AsSpan(26, 8).CopyTo(pseudo);
        pseudo[9] = packet[23];
        BinaryPrimitives.WriteUInt16BigEndian(pseudo.AsSpan(10), (ushort)length);
        packet.AsSpan(34).CopyTo(pseudo.AsSpan(12));
        return Checksum.Compute(pseudo);
    }

    public static IEnumerable<object[]> Engines() => [[EngineChoice.Interpreter], [EngineChoice.Jit]];

    public static PacketProgram Assemble(BpfProgramType type, string source, EngineChoice engine, IEnumerable<BpfMap>? maps = null) =>
        PacketProgram.Create(type, Assembler.Assemble(source, AsmSyntax.Llvm), engine: engine, maps: maps);

    /// <summary>Loads a program-type fixture through the loader (maps created, references resolved; run-time behaviour is under test, so unverified).</summary>
    public static (PacketProgram Program, BpfMap[] Maps) LoadFixture(string name, EngineChoice engine)
    {
        var loaded = LoadedObject.LoadFile(FixturePath(name), new LoadOptions { Verify = false });
        var program = loaded.Programs.Single();
        return (program.CreatePacketProgram(engine), loaded.Maps.ToArray());
    }

    public static string FixturePath(string name) => Path.Combine(Elf.Fixtures.Directory, "programtypes", name + ".o");
}
