using System.Buffers.Binary;
using SharpBpf.Helpers;
using SharpBpf.Jit;
using SharpBpf.Maps;
using SharpBpf.ProgramTypes;
using SharpBpf.Runtime;

namespace SharpBpf.Tests.ProgramTypes;

public class PacketProgramTests
{
    private static readonly byte[] s_udp = Packets.Ipv4(Packets.Udp, 0xc0a80101, 0x08080808, 40000, 53);

    [Theory]
    [MemberData(nameof(Packets.Engines), MemberType = typeof(Packets))]
    public void Xdp_data_and_data_end_are_full_pointers(EngineChoice engine)
    {
        var program = Packets.Assemble(BpfProgramType.Xdp, """
            r2 = *(u32 *)(r1 + 0)
            r3 = *(u32 *)(r1 + 4)
            r0 = r3
            r0 -= r2
            r4 = *(u8 *)(r2 + 23)
            r0 <<= 8
            r0 |= r4
            exit
            """, engine);
        var result = program.Run(new PacketInput(s_udp));
        Assert.Equal(((ulong)s_udp.Length << 8) | Packets.Udp, result.ReturnValue);
        Assert.Equal(s_udp, result.Packet);
    }

    [Theory]
    [MemberData(nameof(Packets.Engines), MemberType = typeof(Packets))]
    public void Xdp_adjust_meta_head_and_tail_move_the_packet(EngineChoice engine)
    {
        var program = Packets.Assemble(BpfProgramType.Xdp, """
            r6 = r1
            r2 = -8
            call 54
            if r0 != 0 goto fail
            r2 = *(u32 *)(r6 + 8)
            r3 = *(u32 *)(r6 + 0)
            r4 = r2
            r4 += 8
            if r4 > r3 goto fail
            *(u32 *)(r2 + 0) = 0x11223344
            r1 = r6
            r2 = -4
            call 44
            if r0 != 0 goto fail
            r2 = *(u32 *)(r6 + 0)
            r3 = *(u32 *)(r6 + 4)
            r4 = r2
            r4 += 4
            if r4 > r3 goto fail
            *(u32 *)(r2 + 0) = 0x04030201
            r1 = r6
            r2 = -2
            call 65
            if r0 != 0 goto fail
            r0 = 2
            exit
            fail:
            r0 = 0
            exit
            """, engine);
        var result = program.Run(new PacketInput(s_udp));
        Assert.Equal(XdpAction.Pass, result.XdpAction);
        Assert.Equal([1, 2, 3, 4, .. s_udp[..^2]], result.Packet);
        Assert.Equal(new byte[] { 0x44, 0x33, 0x22, 0x11, 0, 0, 0, 0 }, result.Metadata);
    }

    [Theory]
    [InlineData("r2 = 8\ncall 44", 0)]            // head forward by 8: fine
    [InlineData("r2 = 40\ncall 44", -22)]         // would leave less than an Ethernet header
    [InlineData("r2 = -300\ncall 44", -22)]       // past the headroom
    [InlineData("r2 = -6\ncall 54", -13)]         // metadata length not a multiple of 4
    [InlineData("r2 = -36\ncall 54", -13)]        // metadata longer than 32 bytes
    [InlineData("r2 = 4\ncall 54", -22)]          // meta after data
    [InlineData("r2 = 4000\ncall 65", -22)]       // beyond the frame
    [InlineData("r2 = -40\ncall 65", -22)]        // shorter than an Ethernet header
    public void Xdp_adjust_helpers_check_their_bounds(string call, long expected)
    {
        var program = Packets.Assemble(BpfProgramType.Xdp, call + "\nexit", EngineChoice.Interpreter);
        Assert.Equal(expected, (long)program.Run(new PacketInput(s_udp)).ReturnValue);
    }

    [Fact]
    public void Xdp_tail_growth_is_zero_filled()
    {
        var program = Packets.Assemble(BpfProgramType.Xdp, "r2 = 10\ncall 65\nexit", EngineChoice.Interpreter);
        var result = program.Run(new PacketInput(s_udp));
        Assert.Equal([.. s_udp, .. new byte[10]], result.Packet);
    }

    [Fact]
    public void Headroom_of_a_reused_frame_shows_nothing_of_earlier_packets()
    {
        // Grows the head by 16 bytes, returns what was there, then leaves 0xff bytes behind for the next run.
        var program = Packets.Assemble(BpfProgramType.Xdp, """
            r6 = r1
            r2 = -16
            call 44
            r2 = *(u32 *)(r6 + 0)
            r3 = *(u32 *)(r6 + 4)
            r4 = r2
            r4 += 16
            if r4 > r3 goto out
            r0 = *(u64 *)(r2 + 0)
            *(u64 *)(r2 + 0) = -1
            *(u64 *)(r2 + 8) = -1
            exit
            out:
            r0 = 99
            exit
            """, EngineChoice.Interpreter);
        Assert.Equal(0ul, program.Run(new PacketInput(s_udp)).ReturnValue);
        Assert.Equal(0ul, program.Run(new PacketInput(s_udp)).ReturnValue);
    }

    [Theory]
    [MemberData(nameof(Packets.Engines), MemberType = typeof(Packets))]
    public void Reads_past_data_end_and_context_writes_fault(EngineChoice engine)
    {
        var past = Packets.Assemble(BpfProgramType.Xdp, "r2 = *(u32 *)(r1 + 4)\nr0 = *(u8 *)(r2 + 0)\nexit", engine);
        Assert.Throws<BpfRuntimeException>(() => past.Run(new PacketInput(s_udp)));
        var write = Packets.Assemble(BpfProgramType.Xdp, "*(u32 *)(r1 + 12) = 7\nr0 = 2\nexit", engine);
        Assert.Equal(RuntimeError.WriteToReadOnly, Assert.Throws<BpfRuntimeException>(() => write.Run(new PacketInput(s_udp))).Error);
        var filterMark = Packets.Assemble(BpfProgramType.SocketFilter, "*(u32 *)(r1 + 8) = 7\nr0 = 0\nexit", engine);
        Assert.Throws<BpfRuntimeException>(() => filterMark.Run(new PacketInput(s_udp)));
    }

    [Theory]
    [MemberData(nameof(Packets.Engines), MemberType = typeof(Packets))]
    public void Tc_writes_mark_priority_and_cb_and_reads_metadata(EngineChoice engine)
    {
        var program = Packets.Assemble(BpfProgramType.SchedCls, """
            r2 = *(u32 *)(r1 + 40)
            *(u32 *)(r1 + 8) = r2
            r3 = *(u32 *)(r1 + 16)
            *(u32 *)(r1 + 32) = r3
            r4 = *(u32 *)(r1 + 0)
            *(u32 *)(r1 + 52) = r4
            r0 = 2
            exit
            """, engine);
        var result = program.Run(new PacketInput(s_udp) { IfIndex = 9 });
        Assert.Equal(TcAction.Shot, result.TcAction);
        Assert.Equal(9u, result.Mark);
        Assert.Equal(0x0008u, result.Priority);  // htons(ETH_P_IP) as the program sees it
        Assert.Equal((uint)s_udp.Length, result.ControlBlock[1]);
    }

    [Theory]
    [MemberData(nameof(Packets.Engines), MemberType = typeof(Packets))]
    public void Redirect_records_the_interface(EngineChoice engine)
    {
        var xdp = Packets.Assemble(BpfProgramType.Xdp, "r1 = 7\nr2 = 0\ncall 23\nexit", engine).Run(new PacketInput(s_udp));
        Assert.Equal(XdpAction.Redirect, xdp.XdpAction);
        Assert.Equal(7u, xdp.Redirect!.IfIndex);
        var badFlags = Packets.Assemble(BpfProgramType.Xdp, "r1 = 7\nr2 = 1\ncall 23\nexit", engine).Run(new PacketInput(s_udp));
        Assert.Equal(XdpAction.Aborted, badFlags.XdpAction);
        Assert.Null(badFlags.Redirect);
        var tc = Packets.Assemble(BpfProgramType.SchedCls, "r1 = 3\nr2 = 1\ncall 23\nexit", engine).Run(new PacketInput(s_udp));
        Assert.Equal(TcAction.Redirect, tc.TcAction);
        Assert.Equal((3u, 1ul), (tc.Redirect!.IfIndex, tc.Redirect.Flags));
    }

    [Theory]
    [MemberData(nameof(Packets.Engines), MemberType = typeof(Packets))]
    public void Redirect_map_uses_devmap_entries_and_falls_back_to_the_flag_action(EngineChoice engine)
    {
        using var devices = BpfMap.Create(new MapDefinition { Name = "tx_ports", Type = MapType.DevMap, KeySize = 4, ValueSize = 4, MaxEntries = 8 });
        Assert.Equal(0, devices.Update(1u, 5u));
        string Source(int key) => $"r1 = {devices.Handle} ll\nr2 = {key}\nr3 = 2\ncall 51\nexit";
        var hit = Packets.Assemble(BpfProgramType.Xdp, Source(1), engine).Run(new PacketInput(s_udp));
        Assert.Equal(XdpAction.Redirect, hit.XdpAction);
        Assert.Equal((5u, 1u), (hit.Redirect!.IfIndex, hit.Redirect.Key));
        Assert.Same(devices, hit.Redirect.Map);
        var miss = Packets.Assemble(BpfProgramType.Xdp, Source(2), engine).Run(new PacketInput(s_udp));
        Assert.Equal(XdpAction.Pass, miss.XdpAction);
        Assert.Null(miss.Redirect);
    }

    [Theory]
    [MemberData(nameof(Packets.Engines), MemberType = typeof(Packets))]
    public void Csum_diff_and_l3_replace_by_diff_keep_the_ip_checksum_valid(EngineChoice engine)
    {
        // Replace the destination address (offset 30) with 10.0.0.2 using csum_diff + l3_csum_replace(flags 0).
        var program = Packets.Assemble(BpfProgramType.SchedCls, """
            r6 = r1
            r3 = r10
            r3 += -8
            r2 = 30
            r4 = 4
            call 26
            *(u32 *)(r10 - 4) = 0x0200000a
            r1 = r10
            r1 += -8
            r2 = 4
            r3 = r10
            r3 += -4
            r4 = 4
            r5 = 0
            call 28
            r4 = r0
            r1 = r6
            r2 = 24
            r3 = 0
            r5 = 0
            call 10
            r1 = r6
            r2 = 30
            r3 = r10
            r3 += -4
            r4 = 4
            r5 = 0
            call 9
            r0 = 0
            exit
            """, engine);
        var result = program.Run(new PacketInput(s_udp));
        Assert.Equal(0x0a000002u, BinaryPrimitives.ReadUInt32BigEndian(result.Packet.AsSpan(30)));
        Assert.True(Packets.IpChecksumValid(result.Packet));
        Assert.False(Packets.IpChecksumValid([.. s_udp[..30], 10, 0, 0, 2, .. s_udp[34..]]));
    }

    [Fact]
    public void Csum_diff_matches_the_ones_complement_difference()
    {
        var program = Packets.Assemble(BpfProgramType.SchedCls, """
            *(u32 *)(r10 - 8) = 0x01020304
            *(u32 *)(r10 - 4) = 0x0a0b0c0d
            r1 = r10
            r1 += -8
            r2 = 4
            r3 = r10
            r3 += -4
            r4 = 4
            r5 = 0x10000
            call 28
            exit
            """, EngineChoice.Interpreter);
        ulong expected = Checksum.Fold32((ulong)~0x01020304u + 0x0a0b0c0du + 0x10000u);
        Assert.Equal(expected, program.Run(new PacketInput(s_udp)).ReturnValue);
        var odd = Packets.Assemble(BpfProgramType.SchedCls, "r1 = r10\nr1 += -8\nr2 = 3\nr3 = r10\nr3 += -8\nr4 = 4\nr5 = 0\ncall 28\nexit", EngineChoice.Interpreter);
        Assert.Equal(-22L, (long)odd.Run(new PacketInput(s_udp)).ReturnValue);
    }

    [Fact]
    public void Skb_load_and_store_bytes_check_bounds_and_flags()
    {
        var loadPast = Packets.Assemble(BpfProgramType.SchedCls, """
            *(u64 *)(r10 - 8) = -1
            r2 = 60
            r3 = r10
            r3 += -8
            r4 = 8
            call 26
            r1 = *(u64 *)(r10 - 8)
            if r1 != 0 goto bad
            exit
            bad:
            r0 = 1
            exit
            """, EngineChoice.Interpreter);
        var packet = Packets.Ipv4(Packets.Udp, 1, 2, 3, 4, payload: 0);
        Assert.Equal(-14L, (long)loadPast.Run(new PacketInput(packet)).ReturnValue);
        var badFlags = Packets.Assemble(BpfProgramType.SchedCls, "r2 = 0\nr3 = r10\nr3 += -8\n*(u64 *)(r10 - 8) = 0\nr4 = 4\nr5 = 4\ncall 9\nexit", EngineChoice.Interpreter);
        Assert.Equal(-22L, (long)badFlags.Run(new PacketInput(packet)).ReturnValue);
    }

    [Fact]
    public void Raw_memory_type_is_not_a_packet_type()
    {
        Assert.False(PacketProgram.Supports(BpfProgramType.Unspecified));
        Assert.Throws<ArgumentException>(() => PacketProgram.Prepare(BpfProgramType.Kprobe, SharpBpf.Asm.Assembler.Assemble("exit", SharpBpf.Asm.AsmSyntax.Llvm)));
    }
}
